"""``/api/v1/blogs/{slug}/log``: a blog's audit log, newest first, paged by cursor.

Owners and admins read it; other members get 403, everyone else 404. The cursor is the signed
position of the last record of a page (:mod:`liveblog.domain.pagination`), so a client cannot
make one up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from liveblog.domain.models import AuditRecord, Blog, BlogRole, User
from liveblog.domain.pagination import Cursor
from liveblog.domain.policy import Permission
from liveblog.domain.serialize import rfc3339
from liveblog.storage import audit
from liveblog.web.access import blog_for
from liveblog.web.api.blogs import _PROBLEMS
from liveblog.web.api.paging import cursor_position, page_size
from liveblog.web.api.schemas import LogPage
from liveblog.web.auth import CurrentUser
from liveblog.web.services import Services, ServicesDep

router = APIRouter(tags=["audit"])


@dataclass(frozen=True)
class AuditPage:
    blog: Blog
    role: BlogRole | None
    """The reader's role in the blog."""
    records: list[AuditRecord]
    next_cursor: str | None


def audit_page(
    services: Services, user: User, slug: str, *, limit: int | None, cursor: str | None
) -> AuditPage:
    """A page of the blog's audit log for ``user`` (who must be allowed to read it), older
    than ``cursor``. Blocking: call it in a thread from async code."""
    size = page_size(services.settings, limit)
    position = cursor_position(cursor, services.cursor_key)
    before = position.id if position is not None else None
    with services.db.read() as conn:
        blog, role = blog_for(conn, user, slug, Permission.VIEW_LOG)
        records = audit.newest_first(conn, blog.id, limit=size + 1, before_id=before)
    more = len(records) > size
    records = records[:size]
    last = records[-1] if more else None
    next_cursor = Cursor(last.created_at, last.id).encode(services.cursor_key) if last else None
    return AuditPage(blog, role, records, next_cursor)


def record_payload(record: AuditRecord) -> dict[str, Any]:
    actor = None
    if record.actor_id is not None and record.actor_name is not None:
        actor = {"id": record.actor_id, "name": record.actor_name}
    return {
        "id": record.id,
        "action": record.action,
        "actor": actor,
        "entry_id": record.entry_id,
        "detail": record.detail,
        "created_at": rfc3339(record.created_at),
    }


@router.get("/blogs/{slug}/log", response_model=LogPage, responses=_PROBLEMS)
async def read_log(
    slug: str,
    user: CurrentUser,
    services: ServicesDep,
    limit: Annotated[int | None, Query(ge=1, description="Records per page.")] = None,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page.")] = None,
) -> dict[str, Any]:
    """Who did what in the blog, newest first (owners and admins)."""
    page = await run_in_threadpool(audit_page, services, user, slug, limit=limit, cursor=cursor)
    return {
        "items": [record_payload(r) for r in page.records],
        "next_cursor": page.next_cursor,
    }
