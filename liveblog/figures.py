"""The HTML of an entry's figures that the server writes itself: an uploaded photo as a
responsive ``<picture>``, and the consent placeholder of an embedded post or video.

Both are made at write time, in the blog's language, and stored with the rest of the entry's
HTML; every value in them is escaped here, and :func:`liveblog.render.sanitize` checks them once
more (only these shapes get ``<img>``, ``<source>`` or ``data-embed-src`` through).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from html import escape, unescape
from typing import Any, Literal

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import OptionsDict

from liveblog.domain import embeds
from liveblog.domain.embeds import Embed
from liveblog.domain.media import Media, Variant

MEDIA = "liveblog.media"
"""``env`` key of a render: the blog's photos by id (:class:`Media`)."""
MEDIA_BASE = "liveblog.media_base"
"""``env`` key: the base URL photos are served from."""
LANGUAGE = "liveblog.language"
"""``env`` key: the blog's language."""
PHOTOS = "liveblog.photos"
"""``env`` key: the list the render puts every :class:`PhotoReference` in."""
_MEDIA_SOURCE = re.compile(r"media:([0-9]{1,18})")


@dataclass(frozen=True)
class PhotoReference:
    """A photo an entry's Markdown shows (``![alt](media:ID "credit")``), as written."""

    id: int
    alt: str
    credit: str


EMBED_START = '<figure class="embed"'
"""How an embed's placeholder starts in an entry's HTML and in a page: what pages look for to
link the consent script and to allow the providers' frames (an editor's text cannot produce
it: its quotes and brackets are escaped)."""

SIZES = "(min-width: 48rem) 44rem, 100vw"
"""How wide a photo is shown: the reader column (44rem) on wide screens, else the screen."""
LAZY = ' loading="lazy"'
"""How a photo's ``<img>`` says it loads only when scrolled near."""
FALLBACK_WIDTH = 960
"""The fallback ``src`` is the widest JPEG/PNG variant up to this width."""

_TEXTS = {
    "de": {
        "credit": "Foto:",
        "note": "Beim Laden werden Daten an {name} übertragen, und {name} kann Cookies setzen.",
        "load": "Inhalt von {name} laden",
        "always": "Inhalte von {name} immer laden",
        "forget": "{name} nicht mehr automatisch laden",
    },
    "en": {
        "credit": "Photo:",
        "note": "Loading it sends data to {name}, and {name} may set cookies.",
        "load": "Load content from {name}",
        "always": "Always load content from {name}",
        "forget": "Stop loading {name} automatically",
    },
}
"""The figures' words in each blog language (an unknown language gets English)."""


def text(language: str, key: str, **values: str) -> str:
    return _TEXTS.get(language, _TEXTS["en"])[key].format(**values)


def media_url(base: str, variant: Variant) -> str:
    """A variant's address under the media base URL (``/media`` or a CDN's)."""
    return f"{base.rstrip('/')}/{variant.name}"


def _srcset(base: str, variants: list[Variant]) -> str:
    return ", ".join(f"{media_url(base, v)} {v.width}w" for v in variants)


def photo_html(media: Media, *, alt: str, credit: str, base: str, language: str) -> str:
    """``<figure class="photo">`` for ``media`` with this alt text and credit (the entry's,
    else the upload's); the caption is the upload's. Only the widths that exist are listed.
    It loads lazily: the reader page takes that away for the first entry it shows (:data:`LAZY`)."""
    by_type: dict[str, list[Variant]] = {}
    for variant in sorted(media.variants, key=lambda v: v.width):
        by_type.setdefault(variant.mime, []).append(variant)
    fallback = by_type.get("image/jpeg") or by_type.get("image/png") or by_type.get("image/webp")
    if not fallback:
        return ""
    sizes = f' sizes="{SIZES}"'
    sources = "".join(
        f'<source type="{mime}" srcset="{escape(_srcset(base, by_type[mime]))}"{sizes}>'
        for mime in ("image/avif", "image/webp")
        if mime in by_type and by_type[mime] is not fallback
    )
    src = ([v for v in fallback if v.width <= FALLBACK_WIDTH] or fallback[:1])[-1]
    largest = fallback[-1]
    img = (
        f'<img src="{escape(media_url(base, src))}"'
        f' srcset="{escape(_srcset(base, fallback))}"{sizes}'
        f' width="{largest.width}" height="{largest.height}" alt="{escape(alt)}"'
        f'{LAZY} decoding="async">'
    )
    caption = []
    if media.caption and media.caption.strip():
        caption.append(escape(media.caption.strip()))
    if credit:
        label = text(language, "credit")
        caption.append(f'<span class="credit">{label} {escape(credit)}</span>')
    figcaption = f"<figcaption>{' '.join(caption)}</figcaption>" if caption else ""
    return f'<figure class="photo"><picture>{sources}{img}</picture>{figcaption}</figure>\n'


def embed_html(embed: Embed, url: str, *, language: str) -> str:
    """The consent placeholder of ``embed`` (written as ``url``): without JavaScript only the
    link shows; the reader's consent script un-hides the buttons."""
    name = escape(embed.name)
    link = escape(url)
    return (
        f'{EMBED_START} data-embed-provider="{embed.provider}"'
        f' data-embed-src="{escape(embed.src)}">'
        '<div class="embed-consent">'
        f'<p class="embed-title">{name}</p>'
        f'<p class="embed-note">{text(language, "note", name=name)}</p>'
        f'<p class="embed-link"><a href="{link}">{link}</a></p>'
        f'<button type="button" class="embed-load" hidden>{text(language, "load", name=name)}'
        "</button>"
        f'<label class="embed-always" hidden><input type="checkbox"> '
        f"{text(language, 'always', name=name)}</label>"
        "</div>"
        f'<button type="button" class="embed-forget" hidden>'
        f"{text(language, 'forget', name=name)}</button>"
        "</figure>\n"
    )


# -- the stored HTML's photos, for pages and feeds -----------------------------------------------

_IMG_TAG = re.compile(r"<img\b[^>]*>")
_PHOTO_TAG = re.compile(r"<(?:img|source)\b[^>]*>")
_URL_ATTRIBUTE = re.compile(r'\b(src|srcset)="([^"]*)"')
"""In stored (sanitised) HTML a ``<`` of text is always ``&lt;``: a match is a real tag."""


def eager(html: str) -> str:
    """``html`` with its photos loading at once: for the first entry a page shows, whose
    photos are on its first screen."""
    return _IMG_TAG.sub(lambda tag: tag.group(0).replace(LAZY, ""), html)


def absolute_photos(html: str, base: str) -> str:
    """``html`` with its photos' addresses that start with ``/`` made absolute under ``base``
    (the site's URL): for feeds, which are read away from the site."""

    def absolute(url: str) -> str:
        return base + url if url.startswith("/") and not url.startswith("//") else url

    def attribute(found: re.Match[str]) -> str:
        name, value = found.groups()
        if name == "src":
            return f'src="{absolute(value)}"'
        candidates = ", ".join(absolute(c.strip()) for c in value.split(","))
        return f'srcset="{candidates}"'

    return _PHOTO_TAG.sub(lambda tag: _URL_ATTRIBUTE.sub(attribute, tag.group(0)), html)


def photo_urls(html: str) -> list[str]:
    """The address of each photo in ``html``, its widest file (as written: maybe relative)."""
    urls = []
    for tag in _IMG_TAG.findall(html):
        found = dict(_URL_ATTRIBUTE.findall(tag))
        widest, width = found.get("src", ""), -1
        for candidate in found.get("srcset", "").split(","):
            url, _, size = candidate.strip().partition(" ")
            wide = int(size[:-1]) if size.endswith("w") and size[:-1].isdigit() else -1
            if wide > width:
                widest, width = url, wide
        if widest:
            urls.append(unescape(widest))
    return urls


# -- the figures in the Markdown: markdown-it rules ---------------------------------------------

_URL_LINE = re.compile(r"<(https?://[^\s<>]+)>|(https?://[^\s<>]+)")
_ATTRIBUTION = re.compile("(?:\u2014|\u2013|--)[ \t]+(\\S.*)", re.DOTALL)
"""An attribution line: an em dash, an en dash or two hyphens, a space, the name."""


def _block(type_: str, tag: str, nesting: Literal[-1, 0, 1], level: int, **attrs: str) -> Token:
    token = Token(type_, tag, nesting, level=level, block=True)
    for name, value in attrs.items():
        token.attrSet(name, value)
    return token


def _embed_lines(state: StateCore) -> None:
    """A top-level paragraph of only a provider's URL becomes an ``embed`` token."""
    tokens = state.tokens
    for index in range(len(tokens) - 2, 0, -1):
        inline = tokens[index]
        if inline.type != "inline" or tokens[index - 1].type != "paragraph_open":
            continue
        if inline.level != 1 or tokens[index - 1].level != 0:
            continue
        found = _URL_LINE.fullmatch(inline.content.strip())
        if found is None:
            continue
        url = found.group(1) or found.group(2)
        embed = embeds.recognise(url)
        if embed is not None:
            token = _block("embed", "", 0, 0)
            token.meta = {"embed": embed, "url": url}
            tokens[index - 1 : index + 2] = [token]


def _quote_attributions(state: StateCore) -> None:
    """A block quote and the ``— Name, role`` line after it become a quote figure."""
    tokens = state.tokens
    index = 0
    while index < len(tokens):
        if tokens[index].type == "blockquote_close":
            caption = _trailing_attribution(state, tokens, index)
            if caption is None:
                caption = _next_attribution(tokens, index)
            if caption is not None:
                index = _wrap_quote(tokens, index, caption)
        index += 1


def _trailing_attribution(state: StateCore, tokens: list[Token], close: int) -> str | None:
    """``— Name`` as the quote's last line without ``>`` (taken in by the quote's paragraph,
    as Markdown does with such lines): cut off the paragraph and returned."""
    if close < 3 or tokens[close - 1].type != "paragraph_close":
        return None
    inline = tokens[close - 2]
    lines = inline.content.split("\n")
    found = _ATTRIBUTION.fullmatch(lines[-1])
    if len(lines) < 2 or found is None or inline.map is None:
        return None
    written = state.src.split("\n")[inline.map[1] - 1]
    if _ATTRIBUTION.fullmatch(written.strip()) is None:  # written inside the quote: its text
        return None
    inline.content = "\n".join(lines[:-1])
    return found.group(1)


def _next_attribution(tokens: list[Token], close: int) -> str | None:
    """``— Name`` as the paragraph right after the quote: taken out and returned."""
    if close + 3 >= len(tokens):
        return None
    opening, inline = tokens[close + 1], tokens[close + 2]
    if opening.type != "paragraph_open" or opening.level != tokens[close].level:
        return None
    found = _ATTRIBUTION.fullmatch(inline.content)
    if found is None:
        return None
    del tokens[close + 1 : close + 4]
    return found.group(1)


def _wrap_quote(tokens: list[Token], close: int, caption: str) -> int:
    """Put the quote ending at ``close`` and ``caption`` into a figure; the index of the
    figure's end."""
    level = tokens[close].level
    opening = next(
        i
        for i in range(close - 1, -1, -1)
        if tokens[i].type == "blockquote_open" and tokens[i].level == level
    )
    text = Token("inline", "", 0, level=level + 1, content=f"— {caption}", children=[])
    tokens[close + 1 : close + 1] = [
        _block("figcaption_open", "figcaption", 1, level),
        text,
        _block("figcaption_close", "figcaption", -1, level),
        _block("figure_close", "figure", -1, level),
    ]
    tokens.insert(opening, _block("figure_open", "figure", 1, level, **{"class": "quote"}))
    return close + 5


def _media_id(token: Token) -> int | None:
    found = _MEDIA_SOURCE.fullmatch(str(token.attrGet("src") or ""))
    return int(found.group(1)) if found else None


def _photo_reference(
    renderer: Any, token: Token, options: OptionsDict, env: MutableMapping[str, Any]
) -> PhotoReference:
    alt = renderer.renderInlineAsText(token.children, options, env)
    return PhotoReference(
        id=_media_id(token) or 0,
        alt=" ".join(alt.split()),
        credit=" ".join(str(token.attrGet("title") or "").split()),
    )


def _photos(state: StateCore) -> None:
    """Note every photo reference, and give each known photo standing in a paragraph a
    ``photo`` token of its own, splitting the paragraph around it."""
    media: Mapping[int, Media] = state.env[MEDIA]
    tokens = state.tokens
    for index in range(len(tokens) - 1, -1, -1):
        inline = tokens[index]
        if inline.type != "inline" or not inline.children:
            continue
        photos = [
            (n, _photo_reference(state.md.renderer, child, state.md.options, state.env))
            for n, child in enumerate(inline.children)
            if child.type == "image" and _media_id(child) is not None
        ]
        state.env[PHOTOS][0:0] = [reference for _, reference in photos]
        if index == 0 or tokens[index - 1].type != "paragraph_open":
            continue
        shown = [(n, ref) for n, ref in photos if ref.id in media and _depth(inline, n) == 0]
        if shown:
            tokens[index - 1 : index + 2] = _split(tokens[index - 1 : index + 2], shown, media)


def _depth(inline: Token, position: int) -> int:
    """How many links the child at ``position`` is in."""
    depth = 0
    for child in (inline.children or [])[:position]:
        depth += {"link_open": 1, "link_close": -1}.get(child.type, 0)
    return depth


def _split(
    paragraph: list[Token], shown: list[tuple[int, PhotoReference]], media: Mapping[int, Media]
) -> list[Token]:
    """A paragraph's tokens with each photo in ``shown`` taken out as a ``photo`` token."""
    opening, inline, closing = paragraph
    children = inline.children or []
    out: list[Token] = []
    start = 0
    for position, reference in [*shown, (len(children), None)]:
        part = children[start:position]
        while part and _blank(part[0]):
            part = part[1:]
        while part and _blank(part[-1]):
            part = part[:-1]
        if part:
            part = _trimmed(part)
            text = Token("inline", "", 0, level=inline.level, children=part, map=inline.map)
            out += [opening, text, closing]
        if reference is not None:
            photo = _block("photo", "", 0, opening.level)
            photo.meta = {"reference": reference, "media": media[reference.id]}
            out.append(photo)
        start = position + 1
    return out


def _trimmed(part: list[Token]) -> list[Token]:
    """``part`` without the spaces before its first and after its last text."""
    if part[0].type == "text":
        part[0] = part[0].copy(content=part[0].content.lstrip())
    if part[-1].type == "text":
        part[-1] = part[-1].copy(content=part[-1].content.rstrip())
    return part


def _blank(token: Token) -> bool:
    return token.type in ("softbreak", "hardbreak") or (
        token.type == "text" and not token.content.strip()
    )


def _render_photo(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: Any
) -> str:
    reference: PhotoReference = tokens[idx].meta["reference"]
    media: Media = tokens[idx].meta["media"]
    return photo_html(
        media,
        alt=reference.alt or media.alt.strip(),
        credit=reference.credit or media.credit.strip(),
        base=env[MEDIA_BASE],
        language=env[LANGUAGE],
    )


def _render_embed(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: Any
) -> str:
    meta = tokens[idx].meta
    return embed_html(meta["embed"], meta["url"], language=env[LANGUAGE])


def _render_image(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: Any
) -> str:
    """An image left in the text: a photo's alt text; any other image nothing (no request
    to a third party's server)."""
    token = tokens[idx]
    if _media_id(token) is None:
        return ""
    return escape(_photo_reference(self, token, options, env).alt)


def install(md: MarkdownIt) -> None:
    """Add the figures' rules to ``md``: its renders then need the ``env`` keys above."""
    md.core.ruler.after("block", "liveblog_embeds", _embed_lines)
    md.core.ruler.after("liveblog_embeds", "liveblog_quotes", _quote_attributions)
    md.core.ruler.push("liveblog_photos", _photos)
    md.add_render_rule("photo", _render_photo)
    md.add_render_rule("embed", _render_embed)
    md.add_render_rule("image", _render_image)
