"""Photos on the desk in real Chromium: upload by file picker, drag and drop and paste, with a
progress bar; the reference lands in the text; no posting while a photo lacks alt text; the
posted entry shows the photo to readers; upload errors are readable. Also the "not independently
verified" checkbox. Screenshots of the compose form with a pending photo at 390 and 1280 px.

The server here is its own (the photos go to a temporary media directory, with a small upload
limit so that "too large" is quick to reach), on the same fixtures as tests/browser/conftest.py.
"""

from __future__ import annotations

import base64
import io
import os
import random
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from PIL import Image
from playwright.sync_api import Browser, FilePayload, Locator, Page, Request, Route, expect

from liveblog.actions.media import MediaStore
from liveblog.config import Settings
from liveblog.domain.models import Blog, Entry
from liveblog.storage import reads
from liveblog.web import create_app
from tests.browser.conftest import LiveServer, serving
from tests.browser.desk_session import log_in_context

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
SOON = 5_000
MAX_BYTES = 300_000
SHOTS = Path(os.environ.get("LIVEBLOG_SCREENSHOTS_D", "/tmp/shots/d"))


@pytest.fixture(scope="module")
def media_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    directory = tmp_path_factory.mktemp("desk-media")
    settings = Settings(
        database_url=f"sqlite:///{directory / 'liveblog.db'}",
        media_dir=str(directory / "media"),
        media_max_bytes=MAX_BYTES,
    )
    app = create_app(settings)
    admin = app.state.services.actions.create_user("media@example.org", "admin", PASSWORD)
    yield from serving(app, admin, settings)


def png(width: int = 800, height: int = 600, colour: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


def noise_png(side: int) -> bytes:
    """A PNG that does not compress: larger than :data:`MAX_BYTES` at 400 x 400."""
    rng = random.Random(16)
    image = Image.frombytes(
        "RGB", (side, side), bytes(rng.randrange(256) for _ in range(side * side * 3))
    )
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def choose(field: Locator, name: str, data: bytes) -> None:
    """Pick a PNG file in a file field, as the file picker would."""
    field.set_input_files(files=[FilePayload(name=name, mimeType="image/png", buffer=data)])


def new_blog(server: LiveServer) -> Blog:
    return server.actions.create_blog(
        server.admin,
        slug=f"photo-{uuid.uuid4().hex[:10]}",
        title="Sturmflut an der Küste",
        summary="Wir berichten fortlaufend.",
    )


def posted(server: LiveServer, blog: Blog) -> list[Entry]:
    with server.actions.db.read() as conn:
        return reads.timeline(conn, blog.id, limit=100).items


@pytest.fixture
def open_desk(browser: Browser, media_server: LiveServer) -> Iterator[Callable[..., Page]]:
    """A logged-in desk of ``blog`` (the server's admin, German) at ``width``; every request
    that is not for the server is refused."""
    contexts = []

    def open_(blog: Blog, width: int = 1280) -> Page:
        context = browser.new_context(
            viewport={"width": width, "height": 900}, service_workers="block"
        )
        contexts.append(context)

        def guard(route: Route) -> None:
            if route.request.url.startswith(media_server.base_url + "/"):
                route.continue_()
            else:
                route.abort()

        context.route("**/*", guard)
        log_in_context(context, media_server, media_server.admin.email, PASSWORD)
        page = context.new_page()
        page.goto(media_server.url(f"/admin/blogs/{blog.slug}"))
        expect(page.locator(".desk-live")).to_have_attribute("data-state", "live", timeout=SOON)
        return page

    yield open_
    for context in contexts:
        context.close()


# -- in the page: a File made from bytes, dropped or pasted ----------------------------------------

_TRANSFER = """([b64, name, type, kind]) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], name, { type }));
  const target = document.querySelector("#compose-body");
  if (kind === "paste") {
    target.focus();
    target.dispatchEvent(new ClipboardEvent("paste", { clipboardData: transfer, bubbles: true, cancelable: true }));
  } else {
    for (const what of ["dragenter", "dragover", "drop"]) {
      target.dispatchEvent(new DragEvent(what, { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }
  }
}"""


def transfer(
    page: Page, data: bytes, kind: str, name: str = "foto.png", type_: str = "image/png"
) -> None:
    page.evaluate(_TRANSFER, [base64.b64encode(data).decode(), name, type_, kind])


def references(page: Page) -> list[str]:
    return re.findall(
        r"!\[[^\n]*?\]\(media:\d+[^)\n]*\)", page.locator("#compose-body").input_value()
    )


# -- the tests --------------------------------------------------------------------------------------


def test_picker_upload_shows_progress_needs_alt_text_and_readers_see_the_figure(
    media_server: LiveServer, open_desk: Callable[..., Page]
) -> None:
    blog = new_blog(media_server)
    desk = open_desk(blog)
    body = desk.locator("#compose-body")
    body.fill("Der Deich bei Husum hält.")

    held: list[Route] = []

    def hold(route: Route) -> None:
        held.append(route)  # answered once the test has seen the progress bar

    desk.route(f"**/api/v1/blogs/{blog.slug}/media", hold)
    desk.get_by_role("button", name="Foto hinzufügen …").focus()
    choose(desk.locator("#compose-photo-file"), "deich.png", png())
    progress = desk.locator("#compose-photo-progress")
    expect(progress).to_be_visible(timeout=SOON)
    expect(desk.get_by_label("Das Foto wird hochgeladen …")).to_be_visible()
    expect(desk.locator("[data-photo-status]")).to_have_text("Das Foto wird hochgeladen …")
    assert references(desk) == []  # nothing in the text before the photo is stored
    assert len(held) == 1
    held[0].continue_()
    desk.unroute(f"**/api/v1/blogs/{blog.slug}/media")

    card = desk.locator(".photo-card")
    expect(card).to_have_count(1, timeout=SOON)
    expect(progress).to_be_hidden()
    (reference,) = references(desk)
    media_id = re.search(r"media:(\d+)", reference).group(1)  # type: ignore[union-attr]
    assert reference == f"![](media:{media_id})"
    assert body.input_value().startswith("Der Deich bei Husum hält.\n\n![](media:")
    alt = desk.get_by_label("Alternativtext (nötig)")
    expect(alt).to_be_focused()  # the next thing to do
    thumb = card.locator("img.photo-card__thumb")
    expect(thumb).to_be_visible()
    assert (thumb.get_attribute("src") or "").startswith("/media/")
    expect(desk.locator("[data-photo-status]")).to_contain_text("Foto hochgeladen")

    # Posting is refused while the photo has no alt text: the message sits at the alt field.
    desk.locator("#compose-headline").focus()
    desk.get_by_role("button", name="Veröffentlichen").click()
    error = card.locator(".photo-card__alt-error")
    expect(error).to_have_text(re.compile("Beschreiben Sie dieses Foto"))
    expect(alt).to_be_focused()
    expect(alt).to_have_attribute("aria-invalid", "true")
    assert (error.get_attribute("id") or "?") in (alt.get_attribute("aria-describedby") or "")
    expect(desk.locator("#compose .entry-form__status")).to_have_text(
        "Jedes Foto braucht einen Alternativtext, bevor der Eintrag veröffentlicht werden kann."
    )
    assert posted(media_server, blog) == []

    # Alt text and credit go into the reference as they are typed.
    alt.fill("Wellen schlagen an den Deich [Archiv]")
    expect(error).to_have_count(0)
    desk.get_by_label("Bildnachweis (optional)").fill('Anna "AB" Berg')
    assert references(desk) == [
        f'![Wellen schlagen an den Deich \\[Archiv\\]](media:{media_id} "Anna \\"AB\\" Berg")'
    ]
    body.press("Control+Enter")
    expect(body).to_have_value("", timeout=SOON)
    expect(desk.locator(".photo-card")).to_have_count(0)
    (entry,) = posted(media_server, blog)
    assert f"media:{media_id}" in entry.body

    reader = desk.context.new_page()
    reader.goto(media_server.url(f"/live/{blog.slug}"))
    image = reader.locator(f"#entry-{entry.id} figure.photo img")
    expect(image).to_have_attribute("alt", "Wellen schlagen an den Deich [Archiv]")
    expect(reader.locator(f"#entry-{entry.id} figure.photo figcaption")).to_contain_text("Anna")


def test_drop_and_paste_upload_into_the_text(
    media_server: LiveServer, open_desk: Callable[..., Page]
) -> None:
    blog = new_blog(media_server)
    desk = open_desk(blog)
    body = desk.locator("#compose-body")
    body.fill("Erster Absatz.")
    body.press("End")

    uploads: list[Request] = []
    desk.on("request", lambda r: uploads.append(r) if r.url.endswith("/media") else None)
    transfer(desk, png(640, 480, (20, 90, 200)), "drop", name="gezogen.png")
    expect(desk.locator(".photo-card")).to_have_count(1, timeout=SOON)
    transfer(desk, png(300, 300, (20, 160, 60)), "paste", name="image.png")
    expect(desk.locator(".photo-card")).to_have_count(2, timeout=SOON)
    assert len(uploads) == 2
    assert all(r.method == "POST" for r in uploads)
    assert "multipart/form-data" in (uploads[0].headers.get("content-type") or "")

    first, second = references(desk)
    assert first.startswith("![](media:")
    assert second.startswith("![](media:")
    assert first != second
    assert body.input_value().startswith("Erster Absatz.\n\n" + first + "\n\n" + second)
    expect(body).to_be_focused()  # a paste keeps the writer in the text

    # Text still pastes as text.
    desk.evaluate(
        """() => {
          const transfer = new DataTransfer();
          transfer.setData("text/plain", "nur Text");
          const target = document.querySelector("#compose-body");
          target.dispatchEvent(new ClipboardEvent("paste", { clipboardData: transfer, bubbles: true, cancelable: true }));
        }"""
    )
    expect(desk.locator(".photo-card")).to_have_count(2)

    # Removing a photo takes its reference out of the text.
    desk.locator(".photo-card").first.get_by_role("button", name="Foto entfernen").click()
    expect(desk.locator(".photo-card")).to_have_count(1)
    assert references(desk) == [second]

    # A reload restores the unsent text with its photo's card and thumbnail.
    desk.reload()
    expect(body).to_have_value(re.compile(re.escape(second)), timeout=SOON)
    expect(desk.locator(".photo-card img.photo-card__thumb")).to_be_visible()


def test_a_caption_is_stored_with_the_photo(
    media_server: LiveServer, open_desk: Callable[..., Page]
) -> None:
    blog = new_blog(media_server)
    desk = open_desk(blog)
    desk.locator("#compose-body").fill("Mit Bildunterschrift.")
    choose(desk.locator("#compose-photo-file"), "hafen.png", png(600, 400, (90, 90, 30)))
    card = desk.locator(".photo-card")
    expect(card).to_have_count(1, timeout=SOON)
    (before,) = references(desk)
    card.get_by_label("Alternativtext (nötig)").fill("Der Hafen bei Ebbe")
    caption = card.get_by_label("Bildunterschrift (optional)")
    caption.fill("Der Hafen am Mittag.")
    caption.press("Tab")  # the change: the photo is stored again, with its caption
    expect(desk.locator(".desk-preview__body figure.photo figcaption")).to_contain_text(
        "Der Hafen am Mittag.", timeout=SOON
    )
    (after,) = references(desk)
    assert after != before
    assert after.startswith("![Der Hafen bei Ebbe](media:")
    expect(card).to_have_count(1)
    expect(caption).to_have_value("Der Hafen am Mittag.")
    desk.locator("#compose-body").press("Control+Enter")
    expect(desk.locator("#compose-body")).to_have_value("", timeout=SOON)
    (entry,) = posted(media_server, blog)
    assert "Der Hafen am Mittag." in entry.body_html


def test_upload_errors_are_readable_and_insert_nothing(
    media_server: LiveServer, open_desk: Callable[..., Page]
) -> None:
    blog = new_blog(media_server)
    desk = open_desk(blog)
    body = desk.locator("#compose-body")
    body.fill("Text.")
    error = desk.locator("[data-photo-error]")

    transfer(desk, b"Dies ist kein Bild, nur Text.", "drop", name="notiz.png", type_="image/png")
    expect(error).to_have_text(
        re.compile(r"Das Foto wurde nicht hochgeladen: .*kein Foto"), timeout=SOON
    )
    expect(error).to_have_attribute("role", "alert")
    assert body.input_value() == "Text."
    expect(desk.locator(".photo-card")).to_have_count(0)

    big = noise_png(400)
    assert len(big) > MAX_BYTES
    choose(desk.locator("#compose-photo-file"), "gross.png", big)
    expect(error).to_have_text(re.compile("zu groß"), timeout=SOON)
    assert body.input_value() == "Text."

    # A good photo afterwards clears the message.
    choose(desk.locator("#compose-photo-file"), "gut.png", png(200, 100))
    expect(desk.locator(".photo-card")).to_have_count(1, timeout=SOON)
    expect(error).to_be_hidden()


def test_the_unverified_checkbox_posts_the_flag_and_the_preview_shows_the_label(
    media_server: LiveServer, open_desk: Callable[..., Page]
) -> None:
    blog = new_blog(media_server)
    desk = open_desk(blog)
    desk.locator("#compose-body").fill("Angeblich ist der Damm gebrochen.")
    label = desk.locator(".desk-preview__unverified")
    expect(label).to_be_hidden()
    box = desk.get_by_label("Als „Nicht unabhängig überprüfbar“ kennzeichnen")
    box.check()
    expect(label).to_be_visible()
    expect(label).to_have_text("Nicht unabhängig überprüfbar")
    sent: list[str] = []
    desk.on(
        "request", lambda r: sent.append(r.post_data or "") if r.url.endswith("/entries") else None
    )
    desk.get_by_role("button", name="Veröffentlichen").click()
    expect(desk.locator("#compose-body")).to_have_value("", timeout=SOON)
    expect(box).not_to_be_checked()
    assert '"unverified":true' in sent[0]
    (entry,) = posted(media_server, blog)
    assert entry.unverified

    # The edit form has the checkbox, ticked; taking it off saves the change.
    wrapper = desk.locator(f'.desk-entry[data-entry-id="{entry.id}"]')
    wrapper.get_by_role("button", name="Bearbeiten", exact=True).click()
    edit_box = wrapper.get_by_label("Als „Nicht unabhängig überprüfbar“ kennzeichnen")
    expect(edit_box).to_be_checked(timeout=SOON)
    edit_box.uncheck()
    wrapper.get_by_role("button", name="Speichern", exact=True).click()
    expect(wrapper.locator("form")).to_have_count(0, timeout=SOON)
    (entry,) = posted(media_server, blog)
    assert not entry.unverified


def test_a_photo_added_while_editing_a_posted_entry(
    media_server: LiveServer, open_desk: Callable[..., Page]
) -> None:
    blog = new_blog(media_server)
    entry = media_server.actions.create_entry(media_server.admin, blog.slug, body="Ohne Foto.")
    desk = open_desk(blog)
    wrapper = desk.locator(f'.desk-entry[data-entry-id="{entry.id}"]')
    wrapper.get_by_role("button", name="Bearbeiten", exact=True).click()
    text = wrapper.locator(f"#edit-{entry.id}-body")
    expect(text).to_have_value("Ohne Foto.", timeout=SOON)
    text.press("End")
    choose(wrapper.locator(f"#edit-{entry.id}-photo-file"), "neu.png", png(500, 500))
    card = wrapper.locator(".photo-card")
    expect(card).to_have_count(1, timeout=SOON)
    wrapper.get_by_role("button", name="Speichern", exact=True).click()
    expect(card.locator(".photo-card__alt-error")).to_be_visible()
    card.get_by_label("Alternativtext (nötig)").fill("Ein neues Foto")
    wrapper.get_by_role("button", name="Speichern", exact=True).click()
    expect(wrapper.locator("form")).to_have_count(0, timeout=SOON)
    (saved,) = posted(media_server, blog)
    assert re.search(r"!\[Ein neues Foto\]\(media:\d+\)", saved.body)


def test_the_servers_refusal_of_a_photo_without_alt_text_shows_under_the_text(
    media_server: LiveServer, open_desk: Callable[..., Page]
) -> None:
    blog = new_blog(media_server)
    settings = media_server.settings
    store = MediaStore(
        Path(settings.media_dir), settings.media_max_bytes, settings.media_max_pixels
    )
    # Uploaded elsewhere (the API, another desk) without alt text: this desk does not know it.
    photo = media_server.actions.upload_media(media_server.admin, blog.slug, png(300, 200), store)
    desk = open_desk(blog)
    body = desk.locator("#compose-body")
    body.fill(f"Ein Foto von anderswo:\n\n![](media:{photo.id})")
    desk.get_by_role("button", name="Veröffentlichen").click()
    error = desk.locator("#compose-body-error")
    expect(error).to_be_visible(timeout=SOON)
    expect(body).to_have_attribute("aria-invalid", "true")
    expect(body).to_be_focused()
    assert posted(media_server, blog) == []
    # With alt text in its card the entry is posted; the message goes.
    desk.get_by_label("Alternativtext (nötig)").fill("Ein Foto")
    desk.get_by_role("button", name="Veröffentlichen").click()
    expect(body).to_have_value("", timeout=SOON)
    expect(error).to_have_count(0)
    assert len(posted(media_server, blog)) == 1


def test_the_preview_shows_an_embed_as_its_placeholder(
    media_server: LiveServer, open_desk: Callable[..., Page]
) -> None:
    blog = new_blog(media_server)
    desk = open_desk(blog)
    asked: list[str] = []
    desk.on("request", lambda r: asked.append(r.url))
    link = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    desk.locator("#compose-body").fill(f"Das Video der Feuerwehr:\n\n{link}\n")
    placeholder = desk.locator('.desk-preview__body figure.embed[data-embed-provider="youtube"]')
    expect(placeholder).to_be_visible(timeout=SOON)
    expect(placeholder.locator(f'a[href="{link}"]')).to_be_visible()
    assert desk.locator(".desk-preview__body iframe").count() == 0
    assert [url for url in asked if not url.startswith(media_server.base_url)] == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    desk.locator(".desk-preview").screenshot(path=str(SHOTS / "preview-embed-1280.png"))


@pytest.mark.parametrize("width", [390, 1280])
def test_screenshots_of_the_compose_form_with_a_pending_photo(
    media_server: LiveServer, open_desk: Callable[..., Page], width: int
) -> None:
    blog = new_blog(media_server)
    desk = open_desk(blog, width=width)
    desk.locator("#compose-headline").fill("Wellen am Deich")
    desk.locator("#compose-body").fill("Am Morgen schlugen die Wellen hoch.")
    choose(desk.locator("#compose-photo-file"), "deich.png", png(900, 600, (30, 110, 170)))
    expect(desk.locator(".photo-card")).to_have_count(1, timeout=SOON)
    desk.get_by_label("Bildnachweis (optional)").fill("Anna Berg")
    desk.get_by_role("button", name="Veröffentlichen").click()  # shows the missing alt text
    expect(desk.locator(".photo-card__alt-error")).to_be_visible()
    # The preview renders through the server: the photo shows there too.
    expect(desk.locator(".desk-preview__body figure.photo img")).to_be_visible(timeout=SOON)
    expect(desk.locator(".desk-preview__body figure.photo figcaption")).to_contain_text("Anna Berg")
    results = Axe().run(desk)
    serious = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
    overflow = desk.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, "the desk scrolls sideways"
    SHOTS.mkdir(parents=True, exist_ok=True)
    desk.screenshot(path=str(SHOTS / f"desk-photo-{width}.png"), full_page=True)
    desk.locator("#compose").screenshot(path=str(SHOTS / f"desk-photo-form-{width}.png"))
