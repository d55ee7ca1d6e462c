"""A pinned entry's body, folded: the first blocks (or list items) up to about ``LEAD_CHARS``
characters of text stay visible, the rest goes behind "show more" (a ``<details>`` in the
template, so it opens without JavaScript). The page does not know how tall an entry will be,
so the length of its text stands for its height; an entry whose rest would be short is shown
whole. The cut falls only after a top-level block, or after an item of a top-level list (which
is then closed in the lead and continued in the rest, an ``<ol>`` with its ``start``)."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser

from markupsafe import Markup

LEAD_CHARS = 90
"""Text characters the visible lead reaches at least (about three lines on a phone)."""
REST_MIN_CHARS = 40
"""Less text than this after the lead is shown, not folded."""

_VOID = frozenset(
    {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
)
_LISTS = frozenset({"ul", "ol"})


@dataclass(frozen=True)
class Folded:
    lead: Markup
    rest: Markup


@dataclass(frozen=True)
class _Cut:
    end: int
    """Offset just after the closing tag."""
    text: int
    """Text characters up to here."""
    list_tag: str | None = None
    """The top-level list this item closes, if the cut is inside one."""
    item: int = 0
    """The item's number in an ``<ol>`` (its ``start`` counted in)."""


class _Cuts(HTMLParser):
    """The places a body may be cut, with the amount of text before each."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.html = html
        self.line_starts = [0]
        for index, char in enumerate(html):
            if char == "\n":
                self.line_starts.append(index + 1)
        self.stack: list[str] = []
        self.text = 0
        self.cuts: list[_Cut] = []
        self.item = 0
        self.broken = False

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            return
        if not self.stack and tag == "ol":
            start = dict(attrs).get("start") or "1"
            self.item = int(start) - 1 if start.isdigit() else 0
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.broken = True
            return
        self.stack.pop()
        end = self.html.find(">", self._offset()) + 1
        if not self.stack:
            self.cuts.append(_Cut(end, self.text))
        elif len(self.stack) == 1 and tag == "li" and self.stack[0] in _LISTS:
            self.item += 1
            self.cuts.append(_Cut(end, self.text, self.stack[0], self.item))

    def handle_data(self, data: str) -> None:
        self.text += len(" ".join(data.split()))


def fold_body(html: str) -> Folded | None:
    """``html`` (sanitised entry HTML) as lead and rest, or ``None`` to show it whole."""
    parser = _Cuts(html)
    parser.feed(html)
    parser.close()
    if parser.broken or parser.stack:
        return None
    total = parser.text
    for cut in parser.cuts:
        last_item = cut.list_tag and html[cut.end :].lstrip().startswith(f"</{cut.list_tag}>")
        if cut.text < LEAD_CHARS or last_item:
            continue  # a list's last item: the cut after the list's end follows
        if total - cut.text < REST_MIN_CHARS:
            return None
        lead, rest = html[: cut.end], html[cut.end :]
        if cut.list_tag == "ol":
            lead, rest = lead + "\n</ol>", f'<ol start="{cut.item + 1}">' + rest
        elif cut.list_tag:
            lead, rest = lead + f"\n</{cut.list_tag}>", f"<{cut.list_tag}>" + rest
        # Both halves are cut from sanitised HTML at element boundaries.
        return Folded(Markup(lead.strip()), Markup(rest.strip()))  # noqa: S704
    return None
