"""``/live/{slug}/embed``: a compact live page that only the blog's ``embed_origins`` may frame
(``frame-ancestors`` with exactly those, ``'none'`` without any; every other page keeps
``'self'``), that needs no cookie, and that is cached like the blog's pages; the origins are
checked on the API and on the desk's settings page, which shows the code to paste."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from liveblog.actions import Actions
from liveblog.domain.embedding import MAX_ORIGINS, frame_ancestors, origin
from liveblog.domain.models import User
from liveblog.web.static_files import static_url
from tests.conftest import Statements, application_not_entered
from tests.web.api.helpers import assert_problem, snapshot
from tests.web.desk.sessions import anonymous, log_in, team

SLUG = "storm"
EMBED = f"/live/{SLUG}/embed"
PARTNERS = ["https://www.partner.example", "http://127.0.0.1:8123"]


@pytest.fixture
def blog(writer: Actions, admin: User) -> int:
    writer.create_blog(admin, slug=SLUG, title="Sturmflut", summary="Der Norden.", language="de")
    writer.create_entry(admin, SLUG, body="Der Deich hält.", headline="Lage")
    return writer.create_entry(admin, SLUG, body="Angeheftet.", pinned=True).id


def _policy(reply: Any) -> dict[str, str]:
    """The directives of the response's one Content-Security-Policy."""
    policies = reply.headers.get_list("content-security-policy")
    assert len(policies) == 1, policies
    directives = (d.strip().split(" ", 1) for d in policies[0].split(";"))
    return {d[0]: d[1] if len(d) > 1 else "" for d in directives}


def _set_origins(client: TestClient, headers: dict[str, str], origins: list[str]) -> Any:
    return client.patch(f"/api/v1/blogs/{SLUG}", json={"embed_origins": origins}, headers=headers)


# -- framing ---------------------------------------------------------------------------------


def test_without_origins_nobody_may_frame_the_embed(client: TestClient, blog: int) -> None:
    reply = client.get(EMBED)
    assert reply.status_code == 200
    assert _policy(reply)["frame-ancestors"] == "'none'"
    assert "x-frame-options" not in reply.headers


def test_frame_ancestors_are_exactly_the_listed_origins(
    client: TestClient, admin_headers: dict[str, str], blog: int
) -> None:
    assert _set_origins(client, admin_headers, PARTNERS).status_code == 200
    policy = _policy(client.get(EMBED))
    assert policy["frame-ancestors"].split(" ") == PARTNERS
    # The rest of the policy is the site's: nothing loaded from elsewhere.
    assert policy["default-src"] == "'self'"
    assert policy["base-uri"] == "'none'"
    assert policy["object-src"] == "'none'"
    # Every other page still refuses other sites.
    for path in ("/", f"/live/{SLUG}", f"/live/{SLUG}/entries/{blog}", "/admin/login"):
        assert _policy(client.get(path))["frame-ancestors"] == "'self'", path
    # Back to none.
    _set_origins(client, admin_headers, [])
    assert _policy(client.get(EMBED))["frame-ancestors"] == "'none'"


def test_the_embed_of_an_unknown_blog_is_404(client: TestClient) -> None:
    for path in ("/live/nowhere/embed", "/live/Not_A_Slug/embed"):
        reply = client.get(path)
        assert reply.status_code == 404
        assert reply.headers["content-type"].startswith("text/html")
        assert _policy(reply)["frame-ancestors"] == "'self'"


# -- the page --------------------------------------------------------------------------------


def test_the_embed_is_a_compact_live_page(
    client: TestClient, admin_headers: dict[str, str], blog: int
) -> None:
    _set_origins(client, admin_headers, PARTNERS)
    html = client.get(EMBED).text
    assert '<h1 class="headline"><a href="/live/storm">Sturmflut</a></h1>' in html
    assert '<p class="teaser">Der Norden.</p>' in html
    assert html.count("<article") == 2
    assert html.index(f'id="entry-{blog}"') < html.index("Der Deich hält.")  # pinned on top
    assert (
        'class="live" hidden data-live-order="newest" data-live-events="/live/storm/events"' in html
    )
    assert 'data-live-view="all"' in html
    assert f'<script src="{static_url("live.js")}" defer></script>' in html
    assert f'<script src="{static_url("live-view.js")}" defer></script>' in html
    assert f'<script src="{static_url("embed.js")}" defer></script>' in html
    assert f'data-embed-origins="{" ".join(PARTNERS)}"' in html
    assert '<meta name="robots" content="noindex">' in html
    assert '<base target="_blank">' in html
    assert re.search(r'<link rel="canonical" href="http://[^"]+/live/storm">', html)
    assert 'class="embed-footer"><a href="/live/storm">Den ganzen Liveblog öffnen</a>' in html
    # No site chrome: no view links, no pagination, no skip link.
    for chrome in ('class="views"', 'class="pagination"', "skip-link"):
        assert chrome not in html


def test_the_embed_needs_no_cookie_and_sets_none(
    app: FastAPI, client: TestClient, admin: User, blog: int
) -> None:
    bare = anonymous(app).get(EMBED)
    assert bare.status_code == 200
    assert "set-cookie" not in bare.headers
    desk = log_in(app, admin.email)  # a reader who is also logged in to the desk
    logged_in = desk.get(EMBED)
    assert logged_in.content == bare.content
    assert "set-cookie" not in logged_in.headers


def test_the_embed_is_cached_like_pages(
    app: FastAPI,
    client: TestClient,
    admin_headers: dict[str, str],
    blog: int,
    statements: Statements,
) -> None:
    first = client.get(EMBED)
    assert first.headers["cache-control"].startswith("public, max-age=")
    assert first.headers["etag"]
    statements.clear()
    again = client.get(EMBED, params={"utm_source": "partner"})  # the query is ignored
    assert statements.selects() == []
    assert again.content == first.content
    with application_not_entered(app):
        assert client.get(EMBED).content == first.content
        tag = {"If-None-Match": first.headers["etag"]}
        not_modified = client.get(EMBED, headers=tag)
        assert not_modified.status_code == 304
    assert client.head(EMBED).headers["etag"] == first.headers["etag"]
    # The policy is part of the blog's version: a change is served at once.
    _set_origins(client, admin_headers, PARTNERS[:1])
    changed = client.get(EMBED)
    assert changed.headers["etag"] != first.headers["etag"]
    assert _policy(changed)["frame-ancestors"] == PARTNERS[0]
    with application_not_entered(app):
        assert _policy(client.get(EMBED))["frame-ancestors"] == PARTNERS[0]


# -- the origins -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("https://Partner.Example", "https://partner.example"),
        ("https://partner.example/", "https://partner.example"),
        ("https://partner.example:443", "https://partner.example"),
        ("http://partner.example:80", "http://partner.example"),
        ("https://partner.example:8443", "https://partner.example:8443"),
        ("http://127.0.0.1:8123", "http://127.0.0.1:8123"),
        ("https://[::1]:8443", "https://[::1]:8443"),
        ("https://xn--mnchen-3ya.example", "https://xn--mnchen-3ya.example"),
    ],
)
def test_origins_are_stored_as_browsers_name_them(given: str, stored: str) -> None:
    assert origin(given) == stored


BAD_ORIGINS = [
    "*",
    "https://*.partner.example",
    "https://partner.example/path",
    "https://partner.example/?q=1",
    "https://partner.example#top",
    "https://user@partner.example",
    "ftp://partner.example",
    "javascript:alert(1)",
    "partner.example",
    "//partner.example",
    "https://partner.example:0",
    "https://partner.example:99999",
    "https://partner.example; script-src *",
    "https://partner.example 'unsafe-inline'",
    "https://-partner.example",
    "https://[not-ipv6]",
    "https://" + "a" * 300 + ".example",
    "",
]


@pytest.mark.parametrize("bad", BAD_ORIGINS)
def test_a_bad_origin_is_a_422_field_error_and_nothing_changes(
    app: FastAPI, client: TestClient, admin_headers: dict[str, str], blog: int, bad: str
) -> None:
    before = snapshot(app.state.services.db)
    reply = _set_origins(client, admin_headers, ["https://fine.example", bad])
    body = assert_problem(reply, 422, "embed_origins")
    assert all(e["field"] == "embed_origins" for e in body["errors"])
    assert snapshot(app.state.services.db) == before


@pytest.mark.parametrize(
    "value",
    [
        "https://partner.example",
        [42],
        None,
        [f"https://p{n}.example" for n in range(MAX_ORIGINS + 1)],
    ],
)
def test_origins_must_be_a_short_list_of_strings(
    client: TestClient, admin_headers: dict[str, str], blog: int, value: object
) -> None:
    reply = client.patch(
        f"/api/v1/blogs/{SLUG}", json={"embed_origins": value}, headers=admin_headers
    )
    body = assert_problem(reply, 422)
    assert [e["field"].split(".")[0] for e in body["errors"]] == ["embed_origins"]


def test_the_same_origin_twice_is_kept_once(
    client: TestClient, admin_headers: dict[str, str], blog: int
) -> None:
    reply = _set_origins(
        client, admin_headers, ["https://a.example", "HTTPS://A.EXAMPLE:443/", "https://b.example"]
    )
    assert reply.json()["embed_origins"] == ["https://a.example", "https://b.example"]
    assert frame_ancestors(reply.json()["embed_origins"]) == "https://a.example https://b.example"


def test_only_owners_set_the_origins(
    app: FastAPI, client: TestClient, admin: User, blog: int
) -> None:
    t = team(app, admin, slug="other")
    editor = log_in(app, t.editor.email)
    reply = editor.api(
        "PATCH", "/api/v1/blogs/other", json={"embed_origins": ["https://x.example"]}
    )
    assert reply.status_code == 403


# -- the desk --------------------------------------------------------------------------------


def test_the_settings_page_sets_the_origins_and_shows_the_code(app: FastAPI, admin: User) -> None:
    t = team(app, admin)
    owner = log_in(app, t.owner.email)
    page = owner.get(f"/admin/blogs/{t.slug}/settings").text
    assert 'name="embed_origins"' in page
    code = re.search(r'<textarea id="embed-code"[^>]*>(.*?)</textarea>', page, re.S)
    assert code is not None
    assert f"&lt;iframe src=&#34;http://testserver/live/{t.slug}/embed&#34;" in code.group(
        1
    ) or f"&lt;iframe src=&quot;http://testserver/live/{t.slug}/embed&quot;" in code.group(1)
    assert "/static/embed-resizer.js" in code.group(1)
    values = {
        "title": "Storm surge",
        "summary": "",
        "language": "en",
        "timezone": "Europe/Berlin",
        "status": "open",
        "embed_origins": "https://www.partner.example\nhttp://127.0.0.1:8123, https://b.example",
    }
    reply = owner.post_form(f"/admin/blogs/{t.slug}/settings", values)
    assert reply.status_code == 303, reply.text
    reader = anonymous(app).get(f"/live/{t.slug}/embed")
    assert _policy(reader)["frame-ancestors"] == (
        "https://www.partner.example http://127.0.0.1:8123 https://b.example"
    )
    shown = owner.get(f"/admin/blogs/{t.slug}/settings").text
    assert "https://www.partner.example\nhttp://127.0.0.1:8123\nhttps://b.example</textarea>" in (
        shown
    )
    bad = owner.post_form(
        f"/admin/blogs/{t.slug}/settings", {**values, "embed_origins": "https://ok.example *"}
    )
    assert bad.status_code == 422
    assert 'id="embed_origins-error"' in bad.text
    assert 'aria-invalid="true"' in bad.text
    assert "https://ok.example *</textarea>" in bad.text


def test_posting_the_settings_without_the_embed_field_keeps_the_origins(
    app: FastAPI, admin: User
) -> None:
    t = team(app, admin)
    app.state.services.actions.update_blog(admin, t.slug, {"embed_origins": PARTNERS})
    owner = log_in(app, t.owner.email)
    values = {
        "title": "Storm surge",
        "summary": "",
        "language": "en",
        "timezone": "Europe/Berlin",
        "status": "open",
    }
    assert owner.post_form(f"/admin/blogs/{t.slug}/settings", values).status_code == 303
    reply = anonymous(app).get(f"/live/{t.slug}/embed")
    assert _policy(reply)["frame-ancestors"].split(" ") == PARTNERS
