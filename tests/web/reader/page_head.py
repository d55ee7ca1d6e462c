"""Reading what a reader page tells crawlers, for the tests: its sharing tags and its JSON-LD,
parsed as a browser tokenises the page (``html.parser``: a ``<script>`` element's text runs to
the first ``</script``), and the JSON-LD as a crawler extracts it (``extruct``)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import extruct


@dataclass
class Head:
    title: str = ""
    canonical: list[str] = field(default_factory=list)
    meta: dict[str, list[str]] = field(default_factory=dict)
    """``og:title`` (or ``description``, ``twitter:card``) -> every ``content`` given for it."""
    scripts: list[tuple[dict[str, str], str]] = field(default_factory=list)
    """Every ``<script>`` of the page (head and body): its attributes and its text."""

    def one(self, key: str) -> str:
        values = self.meta.get(key, [])
        assert len(values) == 1, (key, values)
        return values[0]

    @property
    def ld_blocks(self) -> list[str]:
        return [text for attrs, text in self.scripts if attrs.get("type") == "application/ld+json"]


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.head = Head()
        self._in: tuple[str, dict[str, str]] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "meta" and "content" in values:
            key = values.get("property") or values.get("name")
            if key:
                self.head.meta.setdefault(key, []).append(values["content"])
        elif tag == "link" and values.get("rel") == "canonical":
            self.head.canonical.append(values.get("href", ""))
        elif tag in ("script", "title"):
            self._in, self._text = (tag, values), []

    def handle_data(self, data: str) -> None:
        if self._in is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._in is not None and tag == self._in[0]:
            text = "".join(self._text)
            if tag == "title":
                self.head.title = text
            else:
                self.head.scripts.append((self._in[1], text))
            self._in = None


def parse_head(html: str) -> Head:
    parser = _Parser()
    parser.feed(html)
    parser.close()
    return parser.head


def json_ld(html: str, base_url: str) -> list[dict[str, Any]]:
    """The page's JSON-LD items as ``extruct`` extracts them; each block must also be exactly one
    JSON document by the strict standard parser (no comments, no trailing text) and say the
    same as what extruct found."""
    items: list[dict[str, Any]] = extruct.extract(
        html, base_url=base_url, syntaxes=["json-ld"], uniform=False
    )["json-ld"]
    strict = [json.loads(block) for block in parse_head(html).ld_blocks]
    assert items == strict
    return items
