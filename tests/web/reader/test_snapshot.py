"""The reader pages are byte for byte what they were before they moved into
``liveblog.web.reader`` and their strings into message catalogs: the SHA-256 of each page of a
fixed set (tests/web/reader/snapshot.py) over the demo content. A deliberate change of the pages
regenerates the fixture: ``python -m tests.web.reader.snapshot /tmp/pages.json
tests/web/reader/fixtures/reader_pages.json``."""

from __future__ import annotations

import json
from pathlib import Path

from tests.web.reader.snapshot import FIXTURE, digests, snapshot


def test_the_pages_are_unchanged(tmp_path: Path) -> None:
    expected = json.loads(FIXTURE.read_text())
    actual = digests(snapshot(tmp_path))
    assert actual.keys() == expected.keys()
    changed = sorted(url for url in expected if actual[url] != expected[url])
    assert not changed, f"{len(changed)} pages changed, first: {changed[:5]}"
