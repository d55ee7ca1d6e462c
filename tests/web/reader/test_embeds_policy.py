"""Which pages may frame other sites' posts and videos (issue 16, item 2): exactly the reader
pages that show an embed placeholder, with ``frame-src`` listing exactly the providers' origins,
and they alone include the consent script and its stylesheet; the script's allowlist is the
domain's. Browser behaviour: tests/browser/test_embeds_browser.py."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from liveblog.actions import Actions
from liveblog.domain.embeds import FRAME_ORIGINS, PROVIDER_ORIGINS
from liveblog.domain.models import User
from liveblog.web.static_files import STATIC, static_url

SLUG = "hochwasser"
VIDEO = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


def _policy(reply: Any) -> dict[str, str]:
    policies = reply.headers.get_list("content-security-policy")
    assert len(policies) == 1, policies
    directives = (d.strip().split(" ", 1) for d in policies[0].split(";"))
    return {d[0]: d[1] if len(d) > 1 else "" for d in directives}


@pytest.fixture
def entries(writer: Actions, admin: User) -> tuple[int, int]:
    """A blog with an entry that shows a video and one that only talks about the markup."""
    writer.create_blog(admin, slug=SLUG, title="Hochwasser", language="de")
    plain = writer.create_entry(admin, SLUG, body='Kein Video: `<figure class="embed">`.')
    video = writer.create_entry(admin, SLUG, body=f"Das Video:\n\n{VIDEO}")
    return plain.id, video.id


def test_pages_with_an_embed_frame_exactly_the_providers_origins(
    client: TestClient, entries: tuple[int, int]
) -> None:
    _plain, video = entries
    for path in (f"/live/{SLUG}", f"/live/{SLUG}/entries/{video}", f"/live/{SLUG}/embed"):
        reply = client.get(path)
        assert reply.status_code == 200, path
        policy = _policy(reply)
        assert policy["frame-src"].split(" ") == list(FRAME_ORIGINS), path
        assert policy["default-src"] == "'self'"
        assert 'data-embed-provider="youtube"' in reply.text
        assert f'<script src="{static_url("embeds.js")}" defer></script>' in reply.text, path
        assert f'<link rel="stylesheet" href="{static_url("embeds.css")}">' in reply.text, path
    # The embed keeps its own framing rule.
    assert _policy(client.get(f"/live/{SLUG}/embed"))["frame-ancestors"] == "'none'"
    # A cached answer (the fast path) carries the same policy.
    again = client.get(f"/live/{SLUG}")
    assert _policy(again)["frame-src"].split(" ") == list(FRAME_ORIGINS)


def test_pages_without_an_embed_frame_nothing_and_load_no_consent_script(
    client: TestClient, entries: tuple[int, int]
) -> None:
    plain, _ = entries
    # The markup as an editor's text (escaped) is no embed.
    for path in (f"/live/{SLUG}/entries/{plain}", "/", "/admin/login", "/live/nowhere"):
        reply = client.get(path)
        assert "frame-src" not in _policy(reply), path
        assert "embeds.js" not in reply.text, path
        if not path.startswith("/admin"):  # the desk's previews show placeholder cards
            assert "embeds.css" not in reply.text, path


def test_a_blog_page_whose_entries_hold_no_embed_frames_nothing(
    client: TestClient, writer: Actions, admin: User
) -> None:
    writer.create_blog(admin, slug="ruhig", title="Ruhig", language="de")
    writer.create_entry(admin, "ruhig", body=f"Nur ein Link im Satz: {VIDEO} und mehr.")
    reply = client.get("/live/ruhig")
    assert reply.status_code == 200
    assert "frame-src" not in _policy(reply)
    assert "embeds.js" not in reply.text


def test_the_consent_scripts_allowlist_is_the_domains() -> None:
    """embeds.js carries the providers' origins (JSON in the script): the same as
    :data:`liveblog.domain.embeds.PROVIDER_ORIGINS`, whose union is the pages' ``frame-src``."""
    script = (STATIC / "embeds.js").read_text(encoding="utf-8")
    found = re.search(r"const ORIGINS = (\{.*?\});", script, re.S)
    assert found is not None
    origins = json.loads(found.group(1))
    assert {k: set(v) for k, v in origins.items()} == {
        k: set(v) for k, v in PROVIDER_ORIGINS.items()
    }
    assert set().union(*origins.values()) == set(FRAME_ORIGINS)
