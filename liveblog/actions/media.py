"""Actions on uploaded photos: upload one (:meth:`MediaActions.upload_media`) and prune those no
entry shows (:meth:`MediaActions.prune_media`, ``liveblog media prune``).

An upload is checked (the uploader may write entries in the blog, the fields, the file's size,
format and pixel count) before anything is written; its variants (:mod:`liveblog.imaging`) are
written to the media directory first, each to a temporary file renamed into place, then its
row in one transaction with an audit record. Files whose row never got written (a failed
transaction, a crash) are left for :meth:`~MediaActions.prune_media`. An upload is no public
event: readers see a photo once an entry shows it.
"""

from __future__ import annotations

import logging
import os
import re
import stat
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from liveblog import imaging
from liveblog.actions.base import ActionsBase, authorize, blog_and_role, ensure_open, string
from liveblog.config import Settings
from liveblog.domain import rules
from liveblog.domain.errors import (
    FieldError,
    InvalidInput,
    NotFound,
    TooLarge,
    UnsupportedType,
)
from liveblog.domain.media import MAX_ALT, MAX_CAPTION, MAX_CREDIT, Media
from liveblog.domain.models import User
from liveblog.domain.policy import Permission
from liveblog.storage import audit
from liveblog.storage import blogs as blog_rows
from liveblog.storage import media as media_rows
from liveblog.storage.writer import Done

log = logging.getLogger("liveblog.actions")

FILE_NAME = re.compile(r"[0-9a-f]{16}-[0-9]{1,5}\.(?:avif|webp|jpg|png)")
"""The name of every file a photo has (:mod:`liveblog.imaging`)."""
_TEMPORARY_PREFIX, _TEMPORARY_SUFFIX = ".upload-", ".tmp"
TEMPORARY_NAME = re.compile(r"\.upload-[A-Za-z0-9_]+\.tmp")
"""A file an upload writes before renaming it (left behind only by a crash)."""


@dataclass(frozen=True)
class MediaStore:
    """Where photos go and how large an upload may be (``LIVEBLOG_MEDIA_DIR``,
    ``LIVEBLOG_MEDIA_MAX_BYTES``, ``LIVEBLOG_MEDIA_MAX_PIXELS``)."""

    directory: Path
    max_bytes: int
    max_pixels: int

    @classmethod
    def of(cls, settings: Settings) -> MediaStore:
        return cls(Path(settings.media_dir), settings.media_max_bytes, settings.media_max_pixels)


@dataclass(frozen=True)
class PrunedFile:
    name: str
    size: int


@dataclass(frozen=True)
class Pruned:
    """What a prune deleted (``applied``) or would delete: photos no entry or revision shows
    and files that no remaining photo lists."""

    photos: tuple[Media, ...]
    files: tuple[PrunedFile, ...]
    applied: bool

    @property
    def bytes(self) -> int:
        return sum(f.size for f in self.files)


class MediaActions(ActionsBase):
    def upload_media(
        self,
        actor: User,
        slug: str,
        data: bytes,
        store: MediaStore,
        *,
        alt: Any = "",
        credit: Any = "",
        caption: Any = None,
    ) -> Media:
        """Store a photo for the blog ``slug``: who may write entries there (drafts included)
        may upload. Refused with :class:`TooLarge` (over ``store.max_bytes``),
        :class:`UnsupportedType` (not a JPEG, PNG, WebP or GIF) or :class:`InvalidInput` (bad
        fields; an empty, unreadable or too large image); nothing is stored then."""
        errors = rules.Collector()
        clean = {
            "alt": _text(errors, "alt", alt, MAX_ALT) or "",
            "credit": _text(errors, "credit", credit, MAX_CREDIT) or "",
            "caption": _text(errors, "caption", caption, MAX_CAPTION),
        }
        if not data:
            errors.add("file", "is empty")
        errors.raise_if_any()
        if len(data) > store.max_bytes:
            raise TooLarge(
                [FieldError("file", f"is larger than the limit of {store.max_bytes} bytes")]
            )
        with self.db.read() as conn:  # no work on the image for who may not upload
            blog = blog_rows.by_slug(conn, slug)
            if blog is None:
                raise NotFound(f"no blog with the slug {slug!r}")
            authorize(conn, actor, Permission.WRITE_DRAFTS, blog)
            ensure_open(blog)
        try:
            processed = imaging.process(data, max_pixels=store.max_pixels)
        except imaging.UnsupportedImage as exc:
            raise UnsupportedType([FieldError("file", str(exc))]) from exc
        except imaging.ImageRefused as exc:
            raise InvalidInput([FieldError("file", str(exc))]) from exc
        _write_files(store.directory, processed.renditions)
        now = self.clock()
        row = {
            **clean,
            "width": processed.width,
            "height": processed.height,
            "variants": [
                {"name": r.name, "width": r.width, "height": r.height, "mime": r.mime}
                for r in processed.renditions
            ],
            "uploaded_by": actor.id,
            "created_at": now,
        }

        def store_row(conn: Connection) -> Done[Media]:
            blog, _ = blog_and_role(conn, slug, actor)
            photo = media_rows.insert_media(conn, {**row, "blog_id": blog.id})
            detail = {"media": photo.id, "file": processed.fallback.name}
            audit.record(conn, blog.id, "media.uploaded", actor.id, now, detail=detail)
            return Done(photo)

        return self._write(store_row, blog=slug)

    def prune_media(self, directory: Path, *, older_than: timedelta, apply: bool) -> Pruned:
        """Photos uploaded more than ``older_than`` ago that no entry and no revision shows
        (their rows), and the files in ``directory`` that no other photo lists and that were
        written more than ``older_than`` ago: listed, and deleted if ``apply``. A file that a
        remaining photo lists is never deleted; only files named as photos' files are (and
        temporary files of uploads), so a wrong directory loses nothing else."""
        cutoff = self.clock() - older_than

        def stale(conn: Connection) -> tuple[list[Media], set[str]]:
            shown = media_rows.referenced(conn)
            photos = [
                p for p in media_rows.created_before(conn, cutoff) if (p.blog_id, p.id) not in shown
            ]
            kept = media_rows.listed_names(conn, except_ids=[p.id for p in photos])
            return photos, kept

        if apply:

            def delete(conn: Connection) -> Done[tuple[list[Media], set[str]]]:
                photos, kept = stale(conn)
                media_rows.delete_media(conn, [p.id for p in photos])
                return Done((photos, kept))

            photos, kept = self._write(delete)
        else:
            with self.db.read() as conn:
                photos, kept = stale(conn)
        files = _unlisted_files(directory, kept, cutoff)
        if apply:
            files = [f for f in files if _delete_file(directory / f.name, cutoff)]
        return Pruned(tuple(photos), tuple(files), apply)


def _text(errors: rules.Collector, field: str, value: Any, max_len: int) -> str | None:
    if value is None:
        return None
    return rules.text(
        errors,
        field,
        string(errors, field, value),
        max_len=max_len,
        required=False,
        multiline=False,
    )


def _write_files(directory: Path, renditions: tuple[imaging.Rendition, ...]) -> None:
    """Each rendition to ``directory`` (made if missing) under its name, whole or not at all: a
    temporary file in the same directory, renamed into place. A file of that name already
    there (the same photo uploaded again) is replaced, which also renews its time for prune."""
    directory.mkdir(parents=True, exist_ok=True)
    for rendition in renditions:
        fd, temporary = tempfile.mkstemp(
            dir=directory, prefix=_TEMPORARY_PREFIX, suffix=_TEMPORARY_SUFFIX
        )
        try:
            with os.fdopen(fd, "wb") as out:
                os.fchmod(out.fileno(), 0o644)
                out.write(rendition.data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, directory / rendition.name)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def _unlisted_files(directory: Path, kept: set[str], cutoff: datetime) -> list[PrunedFile]:
    """Photo files (and uploads' temporary files) in ``directory`` that ``kept`` does not
    name, last written before ``cutoff``, by name."""
    if not directory.is_dir():
        return []
    found = []
    for path in sorted(directory.iterdir()):
        name = path.name
        if name in kept or not (FILE_NAME.fullmatch(name) or TEMPORARY_NAME.fullmatch(name)):
            continue
        info = path.lstat()
        if stat.S_ISREG(info.st_mode) and info.st_mtime < cutoff.timestamp():
            found.append(PrunedFile(name, info.st_size))
    return found


def _delete_file(path: Path, cutoff: datetime) -> bool:
    """Delete the file unless it was written again meanwhile (the same photo uploaded anew)."""
    try:
        if path.lstat().st_mtime >= cutoff.timestamp():
            return False
        path.unlink()
    except FileNotFoundError:
        return False
    return True
