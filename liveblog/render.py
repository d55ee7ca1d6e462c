"""Markdown to safe HTML, and the headline a reader page's header shows.

Markdown is parsed by markdown-it-py with raw HTML disabled, then cleaned by nh3 to an allowlist,
so nothing an editor types can run script in a reader's browser.

The work is bounded too: to find where a link or image label ends, markdown-it looks ahead token
by token, and nested brackets repeat that look-ahead (``![`` 10,000 times cost 800,000 steps and
most of a second). :class:`_BoundedInline` allows one look-ahead step per character of the body
plus :data:`LOOK_AHEAD_BASE`; past that, labels are not looked for any more and the rest shows
as text. Real entries take a small fraction of it (links cost about one step per character of
their text), so they render as before.
"""

from __future__ import annotations

import html as html_module
import re

import nh3
from markdown_it import MarkdownIt
from markdown_it.parser_inline import ParserInline
from markdown_it.rules_inline import StateInline

LOOK_AHEAD_BASE = 1000
"""Look-ahead steps allowed to every body on top of one per character."""
_LOOK_AHEAD = "liveblog.look_ahead_left"


class _BoundedInline(ParserInline):
    """markdown-it's inline parser with a budget, kept in the render's ``env``, for the
    look-ahead of link labels (``skipToken`` serves nothing else)."""

    def skipToken(self, state: StateInline) -> None:
        left = state.env.get(_LOOK_AHEAD)
        if left is not None:
            if left <= 0:
                # What markdown-it itself does when nesting is too deep: skip to the end.
                state.pos = state.posMax
                return
            state.env[_LOOK_AHEAD] = left - 1
        super().skipToken(state)


_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_markdown.enable(["table", "strikethrough"])
_markdown.inline.__class__ = _BoundedInline

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h2", "h3", "h4", "hr", "i",
        "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table", "tbody", "td", "th",
        "thead", "tr", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"align"}, "td": {"align"}}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})


def markdown_to_html(source: str) -> str:
    """Render Markdown and sanitise the result; links get ``rel="noopener noreferrer"``."""
    env = {_LOOK_AHEAD: len(source) + LOOK_AHEAD_BASE}
    return sanitize(_markdown.render(source, env))


def sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel="noopener noreferrer",
        strip_comments=True,
    ).strip()


_BLOCK_END = re.compile(r"</(?:p|li|h[1-6]|blockquote|pre|tr|td|th)>|<br\s*/?>", re.IGNORECASE)


TITLE_WORDS = 10
"""How many words of its text an entry without a headline is titled by (feeds, structured data,
sharing tags)."""


def entry_title(headline: str | None, body_html: str) -> str:
    """An entry's title where one is needed: its headline, else its first :data:`TITLE_WORDS`
    words of text ("…" when cut; empty for an entry without words)."""
    return headline or plain_text(body_html, words=TITLE_WORDS)


def plain_text(html: str, *, words: int | None = None) -> str:
    """The text of rendered HTML without tags or entities, whitespace collapsed; its first
    ``words`` words (with "…" when cut) if given."""
    spaced = _BLOCK_END.sub(" ", html)  # "<p>a</p><p>b</p>" is "a b", not "ab"
    text = html_module.unescape(nh3.clean(spaced, tags=set()))
    parts = text.split()
    if words is not None and len(parts) > words:
        return " ".join(parts[:words]) + " …"
    return " ".join(parts)


def headline(title: str, key_event_headline: str | None) -> str:
    """``Title ++ Headline of the newest key event ++``, or just the title."""
    if key_event_headline:
        return f"{title} ++ {key_event_headline} ++"
    return title
