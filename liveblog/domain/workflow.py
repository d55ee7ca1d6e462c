"""The editorial workflow of entries, as rules: drafts, review, scheduling and publication.

An entry is ``draft``, ``submitted`` (for review by the blog's editors), ``scheduled`` (for the
server to publish at ``publish_at``) or ``published``. Only published entries exist for readers.
Contributors write drafts and submit them, and change only their own drafts; editors (and
owners, admins) do everything. A published entry stays published (409 for a status change).
The writes are :mod:`liveblog.actions.entries` and :mod:`liveblog.actions.workflow`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from liveblog.domain import policy, rules
from liveblog.domain.errors import Conflict, FieldError, Forbidden, InvalidInput
from liveblog.domain.models import Blog, BlogRole, Entry, EntryStatus, User
from liveblog.domain.policy import Permission

STATUSES = tuple(s.value for s in EntryStatus)


@dataclass(frozen=True)
class Flow:
    """The workflow part of a post or an edit, checked: the status asked for (``None``: as
    before, or by the author's role for a post), the time to publish, an editor's note."""

    status: EntryStatus | None = None
    publish_at: datetime | None = None
    has_publish_at: bool = False
    note: str | None = None
    has_note: bool = False


def flow_of(errors: rules.Collector, given: dict[str, Any], now: datetime) -> Flow:
    """Check ``status``, ``publish_at`` and ``note`` where ``given`` has them."""
    status = None
    if given.get("status") is not None:
        value = given["status"]
        if value not in STATUSES:
            errors.add("status", f"must be one of {', '.join(STATUSES)}")
        else:
            status = EntryStatus(value)
    publish_at = None
    if given.get("publish_at") is not None:
        if not isinstance(given["publish_at"], datetime):
            errors.add("publish_at", "must be an RFC 3339 date-time with offset")
        else:
            publish_at = rules.publish_at(errors, given["publish_at"], now)
            if status is None:
                status = EntryStatus.SCHEDULED
            elif status is not EntryStatus.SCHEDULED:
                errors.add("publish_at", "goes with status scheduled only")
    note = None
    if not isinstance(given.get("note", ""), str | None):
        errors.add("note", "must be a string")
    elif given.get("note") is not None:
        note = rules.text(
            errors, "note", given["note"], max_len=rules.MAX_NOTE, required=False, multiline=False
        )
    return Flow(status, publish_at, "publish_at" in given, note, "note" in given)


def post_status(errors: rules.Collector, flow: Flow, fields: dict[str, Any]) -> None:
    """What a new entry may not combine with its status (checked before the transaction)."""
    if flow.status is EntryStatus.SCHEDULED and flow.publish_at is None:
        errors.add("publish_at", "is needed for a scheduled entry")
    unpublished = flow.status not in (None, EntryStatus.PUBLISHED)
    if unpublished and fields.get("pinned"):
        errors.add("pinned", "only a published entry can be pinned")
    if unpublished and fields.get("published_at") is not None:
        errors.add("published_at", "goes with a published entry only")


def may_publish(actor: User, role: BlogRole | None) -> bool:
    return policy.can(actor, Permission.WRITE_ENTRIES, role)


def default_status(actor: User, role: BlogRole | None) -> EntryStatus:
    """A post that names no status: published by those who may publish, else a draft."""
    return EntryStatus.PUBLISHED if may_publish(actor, role) else EntryStatus.DRAFT


def require_publisher(actor: User, role: BlogRole | None, slug: str) -> None:
    policy.require(actor, Permission.WRITE_ENTRIES, role, slug)


def check_unpublished_edit(
    actor: User,
    role: BlogRole | None,
    blog: Blog,
    current: Entry,
    flow: Flow,
    values: dict[str, Any],
) -> tuple[EntryStatus, dict[str, Any]]:
    """The status an edit of an unpublished entry leads to and the workflow columns it writes,
    or the reason it may not (403, 422)."""
    editor = may_publish(actor, role)
    if not editor:
        if current.author_id != actor.id:
            raise Forbidden("contributors change only their own drafts")
        if current.status is EntryStatus.SCHEDULED:
            raise Forbidden("a scheduled entry is changed by the blog's editors")
        if flow.has_note:
            raise Forbidden("notes on drafts are written by the blog's editors")
    target = flow.status or current.status
    if target in (EntryStatus.PUBLISHED, EntryStatus.SCHEDULED):
        require_publisher(actor, role, blog.slug)
    errors = []
    if values.get("pinned") and target is not EntryStatus.PUBLISHED:
        errors.append(FieldError("pinned", "only a published entry can be pinned"))
    if "published_at" in values and target is not EntryStatus.PUBLISHED:
        errors.append(FieldError("published_at", "goes with a published entry only"))
    publish_at = flow.publish_at if flow.has_publish_at else current.publish_at
    if target is EntryStatus.SCHEDULED and publish_at is None:
        errors.append(FieldError("publish_at", "is needed for a scheduled entry"))
    if errors:
        raise InvalidInput(errors)
    columns: dict[str, Any] = {"status": target.value}
    if target is EntryStatus.SCHEDULED:
        columns.update(publish_at=publish_at, published_at=publish_at)
    else:
        columns["publish_at"] = None
    if flow.has_note:
        columns["review_note"] = flow.note
    elif target is not current.status:
        columns["review_note"] = None  # submitted again, scheduled or published: note done
    return target, columns


def ensure_still_published(current: Entry, flow: Flow) -> None:
    """A published entry stays published: 409 for a change of status or a time to publish."""
    if (flow.status not in (None, EntryStatus.PUBLISHED)) or flow.has_publish_at:
        raise Conflict(
            f"entry {current.id} is published and stays so; delete it to take it off the page"
        )
