"""The link back from an entry's permalink page to the blog: to the page of the default view
(newest first, all entries) that shows the entry, at the entry (``#entry-{id}``).

* An entry on the first page (fewer than ``page_size`` unpinned entries are newer than it) or
  the pinned entry (lifted to the top of the first page) links to the blog's own URL:
  ``/live/{slug}#entry-{id}``.
* An older entry links to a page that starts with it: the cursor of the entry just newer than
  it, signed like the "Older entries" links (``/live/{slug}?cursor=…#entry-{id}``). That page
  reads on from the entry to older ones, with the usual links to older entries and back to the
  latest ones.

Keyset only: one query for at most ``page_size`` positions newer than the entry, read through
an index (no ``COUNT``, no ``OFFSET``), so the cost does not grow with the blog's length or the
entry's age. Like every page, the link depends on the blog's rows alone: it is valid until the
next version of the blog (``blogs.last_seq``), under which the permalink page is cached.
"""

from __future__ import annotations

from sqlalchemy import Connection

from liveblog.domain.models import Blog, Entry
from liveblog.domain.pagination import Cursor
from liveblog.storage import reads
from liveblog.web.reader.views import DEFAULT_VIEW


def back_href(conn: Connection, blog: Blog, entry: Entry, page_size: int, cursor_key: bytes) -> str:
    """The URL of the blog page that shows ``entry``, with its anchor (see the module)."""
    anchor = f"#entry-{entry.id}"
    base = f"/live/{blog.slug}"
    if entry.pinned:
        return base + anchor
    newer = reads.newer_positions(
        conn,
        blog.id,
        Cursor(entry.published_at, entry.id),
        limit=page_size,
        exclude_pinned=True,
    )
    if len(newer) < page_size:
        return base + anchor
    return base + DEFAULT_VIEW.next_query(newer[0], cursor_key) + anchor
