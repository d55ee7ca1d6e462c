"""Photos for tests of what entries show: ``media`` rows written directly (no files, no
upload), their variants named as the upload names them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import insert

from liveblog.domain.media import Media, Variant
from liveblog.storage.database import Database
from liveblog.storage.tables import media

KINDS = (("avif", "image/avif"), ("webp", "image/webp"), ("jpg", "image/jpeg"))


def variants(
    widths: Sequence[int] = (480, 960, 1600),
    *,
    ratio: float = 0.75,
    kinds: Sequence[tuple[str, str]] = KINDS,
    tag: str = "0123456789abcdef",
) -> tuple[Variant, ...]:
    return tuple(
        Variant(f"{tag}-{w}.{ext}", w, round(w * ratio), mime)
        for w in widths
        for ext, mime in kinds
    )


def photo(
    id_: int = 7, *, alt: str = "", credit: str = "", caption: str | None = None, **kw: object
) -> Media:
    """A photo as :func:`liveblog.storage.media.by_ids` returns it, not stored anywhere."""
    return Media(
        id=id_,
        blog_id=1,
        width=4000,
        height=3000,
        alt=alt,
        credit=credit,
        caption=caption,
        variants=variants(**kw),  # type: ignore[arg-type]
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        uploaded_by=None,
    )


def add_photo(
    db: Database,
    blog_id: int,
    *,
    alt: str = "",
    credit: str = "",
    caption: str | None = None,
    tag: str = "0123456789abcdef",
) -> int:
    """Store a photo's row for ``blog_id``; its id."""
    listed = [
        {"name": v.name, "width": v.width, "height": v.height, "mime": v.mime}
        for v in variants(tag=tag)
    ]
    with db.write() as conn:
        return int(
            conn.execute(
                insert(media)
                .values(
                    blog_id=blog_id,
                    uploaded_by=None,
                    created_at=datetime(2026, 1, 1, tzinfo=UTC),
                    width=4000,
                    height=3000,
                    alt=alt,
                    credit=credit,
                    caption=caption,
                    variants=listed,
                )
                .returning(media.c.id)
            ).scalar_one()
        )
