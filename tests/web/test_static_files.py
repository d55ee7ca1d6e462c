"""Static files under versioned URLs: cached for a year when the URL names the current file."""

from __future__ import annotations

import os
from pathlib import Path

from fastapi.testclient import TestClient

from liveblog.web.static_files import IMMUTABLE, static_url, version


def test_the_current_version_is_immutable_anything_else_is_revalidated(
    client: TestClient,
) -> None:
    for name in ("live.js", "style.css", "favicon.svg"):
        url = static_url(name)
        assert url.startswith(f"/static/{name}?v=")
        current = client.get(url)
        assert current.status_code == 200
        assert current.headers["cache-control"] == IMMUTABLE
        for other in (f"/static/{name}", f"/static/{name}?v=0123456789ab"):
            response = client.get(other)
            assert response.status_code == 200
            assert response.headers["cache-control"] == "no-cache"
            assert response.content == current.content
        tag = {"If-None-Match": current.headers["etag"]}
        assert client.get(f"/static/{name}", headers=tag).status_code == 304
    assert client.get("/static/missing.js").status_code == 404


def test_pages_link_the_current_versions(client: TestClient) -> None:
    html = client.get("/").text
    assert f'href="{static_url("style.css")}"' in html
    assert f'href="{static_url("favicon.svg")}"' in html


def test_a_changed_file_gets_a_new_version(tmp_path: Path) -> None:
    script = tmp_path / "live.js"
    script.write_text("one")
    first = version("live.js", tmp_path)
    assert version("live.js", tmp_path) == first
    script.write_text("two!")
    os.utime(script, ns=(1, 1))
    assert version("live.js", tmp_path) != first


def test_text_files_are_sent_coded_to_clients_that_accept_it(client: TestClient) -> None:
    url = static_url("live.js")
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert plain.headers.get("content-encoding") is None
    assert plain.headers["vary"] == "Accept-Encoding"
    for coding in ("br", "gzip"):
        coded = client.get(url, headers={"Accept-Encoding": coding})
        assert coded.headers["content-encoding"] == coding
        assert coded.headers["vary"] == "Accept-Encoding"
        assert coded.headers["cache-control"] == IMMUTABLE
        assert coded.headers["etag"] == plain.headers["etag"]
        assert int(coded.headers["content-length"]) < len(plain.content) / 2
        assert coded.content == plain.content  # decoded by the client


def test_scripts_and_stylesheets_are_sent_minified(client: TestClient) -> None:
    from liveblog.web.static_files import STATIC

    for name in ("live.js", "style.css"):
        source = (STATIC / name).read_text(encoding="utf-8")
        sent = client.get(static_url(name), headers={"Accept-Encoding": "identity"})
        assert sent.status_code == 200
        assert int(sent.headers["content-length"]) == len(sent.content) < len(source) * 0.8
        assert "/*" not in sent.text  # the comments stay in the package's readable file
    icon = client.get(static_url("favicon.svg"), headers={"Accept-Encoding": "identity"})
    assert icon.content == (STATIC / "favicon.svg").read_bytes()  # other files as they are
