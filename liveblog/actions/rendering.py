"""An entry's Markdown rendered for its blog: the HTML stored in ``entries.body_html``.

Most bodies need nothing of the blog and are rendered before the write transaction begins
(:func:`prepared`), as always. A body that shows uploaded photos (``![alt](media:ID)``) or
may hold an embed (whose placeholder speaks the blog's language) is rendered inside it
(:func:`body_html`), once the blog is known and the writer's rights are checked: the photos
are looked up among the blog's own, and a body is refused (422, field ``body``) that shows a
photo the blog does not have (another blog's included) or a photo without alt text, neither
in the Markdown nor stored at upload.

The desk's preview (:func:`preview_html`) renders the same way but refuses nothing: a photo
the blog does not have shows its alt text, as it does in an imported blog (whose document
carries no photos).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Connection

from liveblog.domain import embeds, rules
from liveblog.domain.media import Media, referenced_ids
from liveblog.domain.models import Blog
from liveblog.render import PhotoReference, markdown_to_html, render
from liveblog.storage import media as media_rows

_URL_LINE = re.compile(r"^[ \t]*<?(https?://[^\s<>]+)>?[ \t]*$", re.MULTILINE)


@dataclass(frozen=True)
class Prepared:
    """A body as far as it can be rendered without its blog."""

    source: str
    html: str | None
    """The HTML, if the body shows nothing of the blog's (no photo, no embed)."""


def prepared(source: str) -> Prepared:
    """Render ``source`` now if that needs nothing of the blog (outside the transaction)."""
    if referenced_ids(source) or _may_embed(source):
        return Prepared(source, None)
    return Prepared(source, markdown_to_html(source))


def body_html(conn: Connection, blog: Blog, body: Prepared, media_url: str) -> str:
    """The HTML of ``body`` in ``blog`` (inside the write transaction): refused with
    :class:`~liveblog.domain.errors.InvalidInput` (field ``body``) if it shows a photo the
    blog does not have or one without alt text."""
    if body.html is not None:
        return body.html
    media = media_rows.by_ids(conn, blog.id, referenced_ids(body.source))
    rendered = render(body.source, media=media, media_base_url=media_url, language=blog.language)
    errors = rules.Collector()
    for message in photo_problems(rendered.photos, media):
        errors.add("body", message)
    errors.raise_if_any()
    return rendered.html


def preview_html(conn: Connection, blog: Blog, source: str, media_url: str) -> str:
    """``source`` as readers of ``blog`` would see it, refusing nothing (the desk's preview)."""
    media = media_rows.by_ids(conn, blog.id, referenced_ids(source))
    return markdown_to_html(source, media=media, media_base_url=media_url, language=blog.language)


def photo_problems(photos: tuple[PhotoReference, ...], media: dict[int, Media]) -> list[str]:
    """What is wrong with the photos a body shows, a sentence each (once per photo)."""
    problems: list[str] = []
    seen: set[tuple[int, bool]] = set()
    for photo in photos:
        stored = media.get(photo.id)
        if stored is None:
            if (photo.id, False) not in seen:
                seen.add((photo.id, False))
                problems.append(
                    f"shows photo {photo.id}, which this blog does not have; upload the photo "
                    "to this blog and use the reference the upload returns"
                )
        elif not photo.alt and not stored.alt.strip() and (photo.id, True) not in seen:
            seen.add((photo.id, True))
            problems.append(
                f"photo {photo.id} needs an alt text for readers who cannot see it: describe "
                f"it in the Markdown, ![what it shows](media:{photo.id})"
            )
    return problems


def _may_embed(source: str) -> bool:
    """Whether a line of ``source`` is nothing but a URL an embed could be made of."""
    return any(embeds.recognise(url) for url in _URL_LINE.findall(source))
