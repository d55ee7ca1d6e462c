"""Markdown to safe HTML, and the headline a reader page's header shows.

Markdown is parsed by markdown-it-py with raw HTML disabled, then cleaned by nh3 to an allowlist,
so nothing an editor types can run script in a reader's browser. Photos, embed placeholders and
quote figures are made by :mod:`liveblog.figures` (markdown-it rules and their HTML); the tags
and attributes only they need are allowed to fixed values, photo addresses only under the media
base URL and frame addresses only under the providers' origins, so Markdown cannot forge them.

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
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import nh3
from markdown_it import MarkdownIt
from markdown_it.parser_inline import ParserInline
from markdown_it.rules_inline import StateInline

from liveblog import figures
from liveblog.domain import embeds
from liveblog.domain.media import Media
from liveblog.figures import PhotoReference as PhotoReference

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
        # Only for the figures this module writes itself (photos, embeds, quotes): Markdown
        # makes none of these, and an image only through :func:`_image`.
        "button", "div", "figcaption", "figure", "img", "input", "label", "picture", "source",
        "span",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "th": {"align"},
    "td": {"align"},
    "figure": {"data-embed-src"},
    "img": {"src", "srcset", "sizes", "width", "height", "alt"},
    "source": {"srcset", "sizes"},
}
ALLOWED_VALUES = {
    "figure": {
        "class": {"photo", "embed", "quote"},
        "data-embed-provider": set(embeds.PROVIDER_NAMES),
    },
    "p": {"class": {"embed-title", "embed-note", "embed-link"}},
    "div": {"class": {"embed-consent"}},
    "span": {"class": {"credit"}},
    "button": {"type": {"button"}, "class": {"embed-load", "embed-forget"}, "hidden": {""}},
    "label": {"class": {"embed-always"}, "hidden": {""}},
    "input": {"type": {"checkbox"}},
    "img": {"loading": {"lazy"}, "decoding": {"async"}},
    "source": {"type": {"image/avif", "image/webp"}},
}
"""Attributes of the generated figures that may hold only these values."""
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})
DEFAULT_MEDIA_URL = "/media"
"""Where photos are served from unless ``LIVEBLOG_MEDIA_URL`` names another base."""

_NO_MEDIA: Mapping[int, Media] = MappingProxyType({})


@dataclass(frozen=True)
class Rendered:
    html: str
    photos: tuple[PhotoReference, ...]
    """Every photo reference of the Markdown, in order (known to ``media`` or not)."""


def markdown_to_html(
    source: str,
    *,
    media: Mapping[int, Media] = _NO_MEDIA,
    media_base_url: str = DEFAULT_MEDIA_URL,
    language: str = "de",
) -> str:
    """Render Markdown and sanitise the result; links get ``rel="noopener noreferrer"``.

    ``media`` are the blog's photos that ``![alt](media:ID "credit")`` may show (a photo not
    in it shows its alt text); a paragraph of only a provider's URL becomes an embed
    placeholder, a block quote followed by ``— Name`` a quote figure (see :func:`render`)."""
    return render(source, media=media, media_base_url=media_base_url, language=language).html


def render(
    source: str,
    *,
    media: Mapping[int, Media] = _NO_MEDIA,
    media_base_url: str = DEFAULT_MEDIA_URL,
    language: str = "de",
) -> Rendered:
    """:func:`markdown_to_html`, with the photos the Markdown refers to.

    * A photo (``![alt](media:ID "credit")`` with ``ID`` in ``media``) becomes a
      ``<figure class="photo">`` of its own: the paragraph it stands in is split around it
      (in a link, a heading or a table cell it shows its alt text). The Markdown's alt text and
      credit win over the upload's; the caption is the upload's. Other images show nothing.
    * A top-level paragraph of nothing but a URL (bare or ``<…>``) that
      :func:`liveblog.domain.embeds.recognise` knows becomes a consent placeholder, in
      ``language``; any other URL stays as it is.
    * A block quote followed by a paragraph starting with ``— `` (or an en dash, ``-- ``; also as
      the quote's last, unmarked line) becomes ``<figure class="quote">`` with that line as
      its ``<figcaption>``."""
    photos: list[PhotoReference] = []
    env = {
        _LOOK_AHEAD: len(source) + LOOK_AHEAD_BASE,
        figures.MEDIA: media,
        figures.MEDIA_BASE: media_base_url,
        figures.LANGUAGE: language,
        figures.PHOTOS: photos,
    }
    html = _markdown.render(source, env)
    return Rendered(sanitize(html, media_base_url=media_base_url), tuple(photos))


def sanitize(html: str, *, media_base_url: str = DEFAULT_MEDIA_URL) -> str:
    """Clean ``html`` to the allowlists; photo addresses must be under ``media_base_url`` and
    an embed's frame address under one of the providers' origins."""
    base = media_base_url.rstrip("/") + "/"

    def checked(tag: str, attribute: str, value: str) -> str | None:
        if attribute == "src" and tag == "img":
            return value if value.startswith(base) else None
        if attribute == "srcset":
            urls = [part.strip().split(" ")[0] for part in value.split(",")]
            return value if all(url.startswith(base) for url in urls) else None
        if attribute == "data-embed-src":
            return value if value.startswith(_FRAME_PREFIXES) else None
        return value

    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        tag_attribute_values={
            tag: {name: set(values) for name, values in attrs.items()}
            for tag, attrs in ALLOWED_VALUES.items()
        },
        attribute_filter=checked,
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel="noopener noreferrer",
        strip_comments=True,
    ).strip()


_FRAME_PREFIXES = tuple(origin + "/" for origin in embeds.FRAME_ORIGINS)


figures.install(_markdown)
_NOT_TEXT = re.compile(
    r'<p class="embed-note">.*?</p>|<button\b[^>]*>.*?</button>|<label\b[^>]*>.*?</label>'
    r'|<span class="credit">.*?</span>',
    re.DOTALL,
)
"""An embed placeholder's note and buttons and a photo's credit: no text of the entry's (an
embed's text is the provider's name and the link, a photo's its caption)."""
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
    spaced = _BLOCK_END.sub(" ", _NOT_TEXT.sub("", html))  # "<p>a</p><p>b</p>": "a b", not "ab"
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
