"""``/oembed``: a ``rich`` oEmbed document with the embed code for a blog's page, permalink or
embed on this site (``maxwidth``/``maxheight`` honoured), its discovery link on the reader
pages, and RFC 9457 problems for what it cannot answer: 400 without ``url`` or with a bad size,
501 for another format, 404 for a URL that is not ours or names nothing readers may see."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from liveblog.actions import Actions
from liveblog.config import Settings
from liveblog.domain.models import User
from liveblog.storage.database import Database
from liveblog.web import create_app
from liveblog.web.reader.embed_code import DEFAULT_HEIGHT, DEFAULT_WIDTH
from tests.conftest import FakeClock
from tests.web.api.helpers import assert_problem

SLUG = "storm"
BASE = "http://testserver"


@pytest.fixture
def ids(writer: Actions, admin: User) -> dict[str, int]:
    writer.create_blog(admin, slug=SLUG, title='Sturmflut "Xaver" <live>', language="de")
    entry = writer.create_entry(admin, SLUG, body="Der Deich hält.", headline="Pegel steigt")
    plain = writer.create_entry(admin, SLUG, body="Ohne Überschrift.")
    gone = writer.create_entry(admin, SLUG, body="Weg.")
    writer.delete_entry(admin, SLUG, gone.id, if_match=gone.version)
    draft = writer.create_entry(admin, SLUG, body="Entwurf.", status="draft")
    return {"entry": entry.id, "plain": plain.id, "gone": gone.id, "draft": draft.id}


def oembed(client: TestClient, url: str | None, **params: str) -> Any:
    query = {**({"url": url} if url is not None else {}), **params}
    return client.get("/oembed", params=query)


def test_a_blog_page_gets_a_rich_document_with_the_embed_code(
    client: TestClient, ids: dict[str, int]
) -> None:
    reply = oembed(client, f"{BASE}/live/{SLUG}", format="json")
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"] == "application/json"
    assert reply.headers["access-control-allow-origin"] == "*"
    body = reply.json()
    assert set(body) == {
        "version",
        "type",
        "title",
        "provider_name",
        "provider_url",
        "html",
        "width",
        "height",
    }
    assert body["version"] == "1.0"
    assert body["type"] == "rich"
    assert body["title"] == 'Sturmflut "Xaver" <live>'
    assert body["provider_name"] == "liveblog"
    assert body["provider_url"] == f"{BASE}/"
    assert (body["width"], body["height"]) == (DEFAULT_WIDTH, DEFAULT_HEIGHT)
    code = body["html"]
    assert f'<iframe src="{BASE}/live/{SLUG}/embed"' in code
    assert 'title="Sturmflut &#34;Xaver&#34; &lt;live&gt;"' in code
    assert f'width="{DEFAULT_WIDTH}" height="{DEFAULT_HEIGHT}"' in code
    assert "data-liveblog-embed" in code
    assert f'<script src="{BASE}/static/embed-resizer.js" async></script>' in code
    assert "<live>" not in code  # the title is escaped in the attribute


@pytest.mark.parametrize(
    "path",
    [
        f"/live/{SLUG}",
        f"/live/{SLUG}?key_events=1",
        f"/live/{SLUG}#entry-1",
        f"/live/{SLUG}/embed",
    ],
)
def test_every_page_of_the_blog_is_answered(
    client: TestClient, ids: dict[str, int], path: str
) -> None:
    reply = oembed(client, BASE + path)
    assert reply.status_code == 200, reply.text
    assert f'src="{BASE}/live/{SLUG}/embed"' in reply.json()["html"]


def test_a_permalink_has_the_entrys_title(client: TestClient, ids: dict[str, int]) -> None:
    body = oembed(client, f"{BASE}/live/{SLUG}/entries/{ids['entry']}").json()
    assert body["title"] == 'Pegel steigt \u2013 Sturmflut "Xaver" <live>'
    assert f'src="{BASE}/live/{SLUG}/embed"' in body["html"]
    plain = oembed(client, f"{BASE}/live/{SLUG}/entries/{ids['plain']}").json()
    assert plain["title"] == 'Sturmflut "Xaver" <live>'


@pytest.mark.parametrize(
    ("params", "width", "height"),
    [
        ({"maxwidth": "400"}, 400, DEFAULT_HEIGHT),
        ({"maxheight": "300"}, DEFAULT_WIDTH, 300),
        ({"maxwidth": "320", "maxheight": "240"}, 320, 240),
        ({"maxwidth": "2000", "maxheight": "5000"}, DEFAULT_WIDTH, DEFAULT_HEIGHT),
    ],
)
def test_maxwidth_and_maxheight_bound_the_size(
    client: TestClient, ids: dict[str, int], params: dict[str, str], width: int, height: int
) -> None:
    body = oembed(client, f"{BASE}/live/{SLUG}", **params).json()
    assert (body["width"], body["height"]) == (width, height)
    assert body["width"] <= int(params.get("maxwidth", "10000"))
    assert body["height"] <= int(params.get("maxheight", "10000"))
    assert f'width="{width}" height="{height}"' in body["html"]
    assert f"max-width:{width}px" in body["html"]


@pytest.mark.parametrize(
    "url",
    [
        "http://elsewhere.example/live/storm",
        "http://testserver.evil.example/live/storm",
        "http://user@testserver/live/storm",
        "http://testserver:8080/live/storm",
        "ftp://testserver/live/storm",
        "/live/storm",
        "http://testserver/",
        "http://testserver/admin/blogs/storm",
        "http://testserver/live/storm/feed.atom",
        "http://testserver/live/storm/events",
        "http://testserver/api/v1/blogs/storm",
        "http://testserver/live/nowhere",
        "http://testserver/live/Not_A_Slug",
        "http://testserver/live/storm/entries/999999",
        "http://testserver/live/storm/entries/abc",
        "http://testserver/live/storm/entries/99999999999999999999999",
        "http://[::1/live/storm",
        "not a url at all",
    ],
)
def test_a_url_that_is_not_ours_is_404(client: TestClient, ids: dict[str, int], url: str) -> None:
    assert_problem(oembed(client, url), 404)


def test_deleted_entries_and_drafts_are_404(client: TestClient, ids: dict[str, int]) -> None:
    for name in ("gone", "draft"):
        url = f"{BASE}/live/{SLUG}/entries/{ids[name]}"
        assert_problem(oembed(client, url), 404)


@pytest.mark.parametrize("format_", ["xml", "XML", "jsonp", ""])
def test_another_format_is_501(client: TestClient, ids: dict[str, int], format_: str) -> None:
    assert_problem(oembed(client, f"{BASE}/live/{SLUG}", format=format_), 501)


def test_without_url_is_400_naming_it(client: TestClient) -> None:
    for url in (None, "", "   "):
        assert_problem(oembed(client, url), 400, "url")


@pytest.mark.parametrize("value", ["0", "-1", "abc", "1.5", "10001", "٣"])
def test_a_bad_size_is_400_naming_it(client: TestClient, ids: dict[str, int], value: str) -> None:
    for name in ("maxwidth", "maxheight"):
        assert_problem(oembed(client, f"{BASE}/live/{SLUG}", **{name: value}), 400, name)


def _discovery(page: str) -> str:
    links = re.findall(r'<link rel="alternate" type="application/json\+oembed"[^>]*>', page)
    assert len(links) == 1, links
    href = re.search(r'href="([^"]+)"', links[0])
    assert href is not None
    return html.unescape(href.group(1))


@pytest.fixture
def public_app(db: Database, clock: FakeClock, tmp_path: Path) -> FastAPI:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'unused.db'}",
        public_url="https://live.example.org",
        site_name="Nordkurier live",
    )
    return create_app(settings, db=db, clock=clock, migrate=False)


def test_pages_and_permalinks_name_the_endpoint_that_answers_them(
    public_app: FastAPI, admin: User
) -> None:
    actions = public_app.state.services.actions
    actions.create_blog(admin, slug=SLUG, title="Sturmflut")
    entry = actions.create_entry(admin, SLUG, body="Der Deich hält.", headline="Pegel")
    with TestClient(public_app) as client:
        for path in (f"/live/{SLUG}", f"/live/{SLUG}/entries/{entry.id}"):
            href = _discovery(client.get(path).text)
            parts = urlsplit(href)
            assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
                "https://live.example.org/oembed"
            )
            query = parse_qs(parts.query)
            assert query == {"url": [f"https://live.example.org{path}"], "format": ["json"]}
            reply = client.get(f"/oembed?{parts.query}")
            assert reply.status_code == 200, reply.text
            body = reply.json()
            assert body["provider_name"] == "Nordkurier live"
            assert body["provider_url"] == "https://live.example.org/"
            assert '<iframe src="https://live.example.org/live/storm/embed"' in body["html"]
        # With a public URL, the site is that one only, whatever host a request named.
        assert client.get("/oembed", params={"url": f"{BASE}/live/{SLUG}"}).status_code == 404
        # Other pages do not name it.
        assert "json+oembed" not in client.get("/").text


def test_a_closed_blogs_document_is_cached_for_long(
    client: TestClient, ids: dict[str, int], writer: Actions, admin: User
) -> None:
    url = f"{BASE}/live/{SLUG}"
    assert oembed(client, url).headers["cache-control"] == "public, max-age=5"
    writer.update_blog(admin, SLUG, {"status": "closed"})
    assert oembed(client, url).headers["cache-control"] == "public, max-age=3600"
