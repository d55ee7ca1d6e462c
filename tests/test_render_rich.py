"""Entries with photos, embeds and quotes: the HTML of the contract, made at write time in the
blog's language, and nothing an editor types can make such markup or load anything."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liveblog import figures, render
from tests.media_rows import photo, variants
from tests.test_render import assert_safe, script_capable, tags_of

VIDEO = "dQw4w9WgXcQ"
YOUTUBE = f"https://www.youtube.com/watch?v={VIDEO}"


def rendered(source: str, **kw: object) -> str:
    return render.markdown_to_html(source, **kw)  # type: ignore[arg-type]


# -- photos --------------------------------------------------------------------------------------


def test_a_photo_is_a_responsive_figure_with_caption_and_credit() -> None:
    media = {7: photo(alt="Stored", credit="Agentur", caption="Der Deich bei Nacht")}
    html = rendered('![Sandsäcke am Deich](media:7 "Ana Kurz")', media=media)
    assert html.startswith('<figure class="photo"><picture>')
    tags = tags_of(html)
    avif, webp, img = (attrs for tag, attrs in tags if tag in ("source", "img"))
    assert avif["type"] == "image/avif"
    assert avif["srcset"] == (
        "/media/0123456789abcdef-480.avif 480w, /media/0123456789abcdef-960.avif 960w, "
        "/media/0123456789abcdef-1600.avif 1600w"
    )
    assert webp["type"] == "image/webp"
    assert str(webp["srcset"]).count("webp") == 3
    assert avif["sizes"] == webp["sizes"] == img["sizes"] == figures.SIZES
    assert img["src"] == "/media/0123456789abcdef-960.jpg"
    assert str(img["srcset"]).count(".jpg ") == 3
    assert (img["width"], img["height"]) == ("1600", "1200")
    assert img["alt"] == "Sandsäcke am Deich"  # the Markdown's alt and credit win
    assert (img["loading"], img["decoding"]) == ("lazy", "async")
    assert html.endswith(
        '<figcaption>Der Deich bei Nacht <span class="credit">Foto: Ana Kurz</span>'
        "</figcaption></figure>"
    )
    assert_safe(html)


def test_the_upload_gives_alt_and_credit_the_markdown_leaves_out_in_the_blog_language() -> None:
    media = {7: photo(alt="Sandsäcke", credit="Agentur")}
    html = rendered("![](media:7)", media=media, language="en")
    assert 'alt="Sandsäcke"' in html
    assert '<figcaption><span class="credit">Photo: Agentur</span></figcaption>' in html
    assert "<figcaption>" not in rendered("![Deich](media:7)", media={7: photo()})


def test_only_the_widths_and_types_that_exist_are_listed_never_upscaled() -> None:
    small = photo(widths=(320,), kinds=(("webp", "image/webp"), ("png", "image/png")))
    html = rendered("![Logo](media:7)", media={7: small}, media_base_url="https://cdn.example/m/")
    (webp,) = [a for t, a in tags_of(html) if t == "source"]
    (img,) = [a for t, a in tags_of(html) if t == "img"]
    assert webp["srcset"] == "https://cdn.example/m/0123456789abcdef-320.webp 320w"
    assert img["src"] == "https://cdn.example/m/0123456789abcdef-320.png"
    assert (img["width"], img["height"]) == ("320", "240")
    assert "avif" not in html


def test_a_photo_in_running_text_splits_the_paragraph() -> None:
    html = rendered("Vorher ![Deich](media:7) nachher.", media={7: photo()})
    assert re.sub(r"<figure.*</figure>", "FIG", html) == "<p>Vorher</p>\nFIG\n<p>nachher.</p>"


def test_photos_the_blog_does_not_have_show_their_alt_text_and_others_nothing() -> None:
    assert rendered("![Der Deich](media:8)", media={7: photo()}) == "<p>Der Deich</p>"
    assert rendered("![Foto](https://images.example/a.jpg)", media={7: photo()}) == "<p></p>"
    # In a link or a heading a photo is its alt text: a figure cannot stand there.
    linked = rendered("[![Deich](media:7)](https://example.org)", media={7: photo()})
    assert "<img" not in linked
    assert ">Deich</a>" in linked
    assert rendered("## ![Deich](media:7)", media={7: photo()}) == "<h2>Deich</h2>"


def test_photo_references_are_reported_as_written() -> None:
    result = render.render(
        '![Eins](media:1 "Ana")\n\n![](media:2)\n\n`![Code](media:3)`\n\n## ![Kopf](media:4)'
    )
    assert [(p.id, p.alt, p.credit) for p in result.photos] == [
        (1, "Eins", "Ana"),
        (2, "", ""),
        (4, "Kopf", ""),
    ]


# -- embeds --------------------------------------------------------------------------------------


def test_a_line_of_only_a_provider_url_is_a_consent_placeholder() -> None:
    html = rendered(f"Das Video:\n\n{YOUTUBE}\n\nMehr später.")
    assert html.startswith("<p>Das Video:</p>\n<figure class=")
    figure = dict(tags_of(html)[1][1])
    assert figure == {
        "class": "embed",
        "data-embed-provider": "youtube",
        "data-embed-src": f"https://www.youtube-nocookie.com/embed/{VIDEO}",
    }
    assert '<p class="embed-title">YouTube</p>' in html
    assert "Beim Laden werden Daten an YouTube übertragen" in html
    assert f'<p class="embed-link"><a href="{YOUTUBE}" rel="noopener noreferrer">' in html
    assert '<button type="button" class="embed-load" hidden="">Inhalt von YouTube laden' in html
    assert '<label class="embed-always" hidden=""><input type="checkbox"> Inhalte von' in html
    assert 'class="embed-forget" hidden="">YouTube nicht mehr automatisch laden' in html
    assert html.endswith("<p>Mehr später.</p>")
    assert "<iframe" not in html
    assert "youtube-nocookie" not in html.split("data-embed-src")[0]
    assert_safe(html)


def test_placeholders_speak_the_blog_language_and_autolinks_count() -> None:
    html = rendered("<https://x.com/jack/status/20>", language="en")
    assert 'data-embed-provider="x"' in html
    assert "Load content from X" in html
    assert "Always load content from X" in html
    assert "Stop loading X automatically" in html


@pytest.mark.parametrize(
    "source",
    [
        f"Schaut euch das an: {YOUTUBE}",
        f"[{YOUTUBE}]({YOUTUBE})",
        f"- {YOUTUBE}",
        f"> {YOUTUBE}",
        f"`{YOUTUBE}`",
        f"https://youtube.com.evil.tld/watch?v={VIDEO}",
        f"<https://youtube.com@evil.tld/watch?v={VIDEO}>",
        "https://example.org/artikel",
    ],
)
def test_any_other_url_stays_as_it_was(source: str) -> None:
    html = rendered(source)
    assert "<figure" not in html
    assert html == render.markdown_to_html(source, language="en")  # nothing of a placeholder


def test_javascript_urls_stay_inert() -> None:
    for source in ("javascript:alert(1)//youtube.com", "<javascript:alert(1)//x.com/a/status/1>"):
        html = rendered(source)
        assert "<figure" not in html
        assert_safe(html)


def test_plain_text_of_a_placeholder_is_the_provider_and_the_link() -> None:
    html = rendered(YOUTUBE)
    assert render.plain_text(html) == f"YouTube {YOUTUBE}"
    assert render.entry_title(None, html) == f"YouTube {YOUTUBE}"


# -- quotes --------------------------------------------------------------------------------------


@pytest.mark.parametrize("dash", ["—", "–", "--"])  # noqa: RUF001
def test_a_block_quote_with_an_attribution_is_a_quote_figure(dash: str) -> None:
    html = rendered(f"> Wir halten durch.\n\n{dash} Ada Berg, *Bürgermeisterin*")
    assert html == (
        '<figure class="quote">\n<blockquote>\n<p>Wir halten durch.</p>\n</blockquote>\n'
        "<figcaption>— Ada Berg, <em>Bürgermeisterin</em></figcaption>\n</figure>"
    )


def test_the_attribution_may_follow_the_quote_without_a_blank_line() -> None:
    html = rendered("> Wir halten\n> durch.\n— Ada Berg")
    assert html == (
        '<figure class="quote">\n<blockquote>\n<p>Wir halten\ndurch.</p>\n</blockquote>\n'
        "<figcaption>— Ada Berg</figcaption>\n</figure>"
    )


@pytest.mark.parametrize(
    "source",
    ["> Zitat\n\nKein Name.", "> Zitat\n> — im Zitat", "— Ada ohne Zitat", "> Zitat\n\n—Ada"],
)
def test_quotes_without_an_attribution_stay_block_quotes(source: str) -> None:
    assert "<figure" not in rendered(source)


def test_nested_quotes_keep_their_structure() -> None:
    html = rendered("> außen\n>\n> > innen\n>\n> — Innen-Name\n\n— Außen-Name")
    assert html.count('<figure class="quote">') == 2
    assert html.index("— Innen-Name") < html.index("— Außen-Name")
    assert html.count("<figure") == html.count("</figure>")


# -- nothing an editor types makes figures -------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        '<figure class="embed" data-embed-src="https://evil.example/">x</figure>',
        '<picture><source srcset="https://evil.example/a.jpg"><img src="https://evil.example/a.jpg"></picture>',
        '<img src="/media/0123456789abcdef-960.jpg" onerror="alert(1)">',
        "![x](media:7 \"a\" onerror=alert(1))",
        '![x" onerror="alert(1)](media:7 "c\\" onload=\\"x")',
        "![x](media:7)<script>alert(1)</script>",
        "[x](media:7)",
        "![x](media:07)",
        "![x](MEDIA:7)",
        "<button class=embed-load>x</button>",
    ],
)  # fmt: skip
def test_raw_markup_stays_text_and_nothing_foreign_loads(source: str) -> None:
    html = rendered(source, media={7: photo()})
    assert_safe(html)
    for tag, attrs in tags_of(html):
        assert tag not in ("button", "label", "input", "div") or "embed" in html
        for name, value in attrs.items():
            assert "evil.example" not in (value or ""), html
            assert not name.startswith("on"), html


def test_the_sanitiser_drops_frame_and_photo_addresses_from_elsewhere() -> None:
    forged = (
        '<figure class="embed" data-embed-src="https://evil.example/x" data-embed-provider="evil">'
        "</figure>"
        '<figure class="photo"><picture><source type="image/webp" srcset="/media/a.webp 1w, '
        'https://evil.example/b.webp 2w"><img src="https://evil.example/a.jpg" '
        'srcset="/media/a.jpg 1w" loading="eager" alt="a"></picture></figure>'
        '<figure class="quote" onclick="x"><p class="evil">x</p></figure>'
    )
    html = render.sanitize(forged)
    assert "evil" not in html
    assert "/media/a.jpg 1w" in html
    assert 'loading="eager"' not in html


def test_a_photo_from_another_base_is_dropped_by_the_sanitiser() -> None:
    html = rendered("![a](media:7)", media={7: photo()}, media_base_url="/media")
    assert render.sanitize(html, media_base_url="https://cdn.example") != html
    assert "/media/" not in render.sanitize(html, media_base_url="https://cdn.example")


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                *"<>\"'=:/()[]!&#;`*_-\n >—",
                *("media:7", "media:8", "![", "](", YOUTUBE, "https://x.com/a/status/1", "> "),
                *("javascript:", "onerror", "src", "srcset", "data-embed-src", "figure", "img"),
            ]
        ),
        max_size=40,
    )
)
def test_any_markdown_with_figures_renders_safe(pieces: list[str]) -> None:
    html = rendered("".join(pieces), media={7: photo()}, language="en")
    assert script_capable(html) == []
    assert_safe(html)
    assert html.count("<figure") == html.count("</figure>")
    for tag, attrs in tags_of(html):
        if tag in ("img", "source"):
            urls = [part.split()[0] for part in (attrs.get("srcset") or "").split(",") if part]
            assert all(u.startswith("/media/0123456789abcdef-") for u in urls)
            assert (attrs.get("src") or "/media/").startswith("/media/")
        if tag == "figure" and "data-embed-src" in attrs:
            assert (attrs["data-embed-src"] or "").startswith(
                ("https://www.youtube-nocookie.com/", "https://platform.twitter.com/")
            )


# -- the stored HTML on pages and in feeds -------------------------------------------------------


def test_the_first_screen_loads_photos_at_once() -> None:
    html = rendered(f'loading="lazy"\n\n![a](media:7)\n\n{YOUTUBE}', media={7: photo()})
    eager = figures.eager(html)
    assert 'loading="lazy"' not in [a.get("loading") for t, a in tags_of(eager) if t == "img"]
    assert "<p>loading=&quot;lazy&quot;</p>" in eager or '<p>loading="lazy"</p>' in eager
    assert eager.replace(" decoding", ' loading="lazy" decoding') == html


def test_feeds_and_structured_data_get_absolute_photo_addresses() -> None:
    media = {7: photo(), 8: photo(8, tag="fedcba9876543210", widths=(480,))}
    html = rendered("![a](media:7)\n\n![b](media:8)\n\n[Link](https://example.org/)", media=media)
    absolute = figures.absolute_photos(html, "https://live.example.org")
    for _tag, attrs in tags_of(absolute):
        for name in ("src", "srcset"):
            for part in (attrs.get(name) or "").split(","):
                if part:
                    assert part.strip().startswith("https://live.example.org/media/"), absolute
    assert 'href="https://example.org/"' in absolute
    assert figures.absolute_photos(absolute, "https://other.example") == absolute
    assert figures.photo_urls(html) == [
        "/media/0123456789abcdef-1600.jpg",
        "/media/fedcba9876543210-480.jpg",
    ]
    assert variants()  # the helper's default widths are the upload's
