"""``/api/v1/blogs/{slug}/entries``: post, list, read, edit and delete entries.

Edits and deletes need ``If-Match`` with the entry's ETag (or ``*``), so two editors never
overwrite each other silently: a stale tag gets 412 with the current version, a missing one 428.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Response
from starlette.responses import JSONResponse

from liveblog.actions import ANY_VERSION, IfMatch
from liveblog.domain.errors import FieldError, InvalidInput
from liveblog.domain.models import Entry
from liveblog.domain.pagination import Order
from liveblog.domain.rules import MAX_ID
from liveblog.domain.serialize import entry_payload
from liveblog.web.api import cached_reads
from liveblog.web.api.blogs import _PROBLEMS
from liveblog.web.api.paging import cursor_position, page_size
from liveblog.web.api.schemas import EntryCreate, EntryOut, EntryPage, EntryPatch
from liveblog.web.auth import CurrentUser
from liveblog.web.services import ServicesDep

router = APIRouter(tags=["entries"])
EntryId = Annotated[int, Path(ge=1, le=MAX_ID, description="The entry's id.")]
IfMatchHeader = Annotated[
    str | None,
    Header(
        description='The entry\'s ETag, e.g. `"1-3"`, several (any may match) or `*` '
        "(any current version). Weak tags never match."
    ),
]
IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="Any unique string (1 to 200 printable ASCII characters, e.g. a UUID) per "
        "entry you mean to post: the same key from the same user within 24 hours posts "
        "nothing and answers with the entry the first request posted (same id, `Location` "
        "and status), so a retry or a double click posts once. The same key with other fields "
        "is 422 (field `Idempotency-Key`).",
    ),
]
_VERSIONED: dict[int | str, dict[str, Any]] = {
    **_PROBLEMS,
    **{c: _PROBLEMS[422] for c in (410, 412, 428)},
}


def etag(entry: Entry) -> str:
    return f'"{entry.id}-{entry.version}"'


# A strong entity tag as :func:`etag` writes it, ASCII digits only ("-01" is not "-1": tags
# compare as strings). An entry's version is an INTEGER column: at most ten digits.
_OWN_TAG = re.compile(r'"(?P<entry>[1-9][0-9]*)-(?P<version>[1-9][0-9]{0,9})"')


def parse_if_match(header: str | None, entry_id: int) -> IfMatch:
    """What an ``If-Match`` asks for (RFC 9110, section 13.1.1): ``None`` when the header is
    missing or empty; :data:`ANY_VERSION` for ``*`` (any current version); else the versions of
    this entry that its strong tags name, compared strongly. A weak tag (``W/"1-2"``), a tag of
    another entry and anything that is not a tag name no version, so they never match (412)."""
    if header is None or not header.strip():
        return None
    if header.strip() == ANY_VERSION:
        return ANY_VERSION
    versions = set()
    for candidate in header.split(","):
        tag = _OWN_TAG.fullmatch(candidate.strip())
        if tag is not None and tag["entry"] == str(entry_id):
            versions.add(int(tag["version"]))
    return frozenset(versions)


def _entry_response(entry: Entry, status: int = 200) -> JSONResponse:
    headers = {"ETag": etag(entry), "Cache-Control": "no-cache"}
    return JSONResponse(entry_payload(entry), status_code=status, headers=headers)


@router.post("/blogs/{slug}/entries", status_code=201, response_model=EntryOut, responses=_PROBLEMS)
def create_entry(
    slug: str,
    payload: EntryCreate,
    user: CurrentUser,
    services: ServicesDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    """Post an entry. ``published_at`` may lie in the past (imports), not in the future.

    With ``Idempotency-Key`` a repeated request (a retry, a double click) answers 201 with the
    entry the first one posted, as it is now, and posts nothing."""
    entry = services.actions.create_entry(
        user, slug, **payload.model_dump(), idempotency_key=idempotency_key
    )
    response = _entry_response(entry, 201)
    response.headers["Location"] = f"/api/v1/blogs/{slug}/entries/{entry.id}"
    return response


IfNoneMatchHeader = Annotated[
    str | None,
    Header(description="An `ETag` this endpoint gave: 304 while the answer is the same."),
]


@router.get(
    "/blogs/{slug}/entries",
    response_model=EntryPage,
    responses={**_PROBLEMS, 304: {"description": "Not modified"}},
)
async def list_entries(
    slug: str,
    services: ServicesDep,
    limit: Annotated[int | None, Query(ge=1, description="Entries per page.")] = None,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page.")] = None,
    order: Order = Order.NEWEST,
    key_events: Annotated[bool, Query(description="Only key events.")] = False,
    if_none_match: IfNoneMatchHeader = None,
) -> Response:
    """Visible entries, newest or oldest first, by keyset pagination.

    Answers carry an ETag; they always show every write acknowledged before the request."""
    size = page_size(services.settings, limit)
    after = cursor_position(cursor, services.cursor_key)
    page = await cached_reads.list_page(
        services, slug, order=order, key_events=key_events, size=size, after=after
    )
    return page.response(if_none_match)


@router.get(
    "/blogs/{slug}/entries/{entry_id}",
    response_model=EntryOut,
    responses={**_VERSIONED, 304: {"description": "Not modified"}},
)
async def get_entry(
    slug: str,
    entry_id: EntryId,
    services: ServicesDep,
    if_none_match: IfNoneMatchHeader = None,
) -> Response:
    """One entry with its version as ``ETag``; send that tag as ``If-Match`` to change it."""
    page = await cached_reads.entry_page(services, slug, entry_id)
    return page.response(if_none_match)


@router.patch("/blogs/{slug}/entries/{entry_id}", response_model=EntryOut, responses=_VERSIONED)
def patch_entry(
    slug: str,
    entry_id: EntryId,
    payload: EntryPatch,
    user: CurrentUser,
    services: ServicesDep,
    if_match: IfMatchHeader = None,
) -> JSONResponse:
    """Edit fields of an entry; ``null`` clears ``headline`` or ``source``; ``authors``
    replaces the byline."""
    changes = payload.model_dump(exclude_unset=True)
    for required in (
        "body",
        "key_event",
        "pinned",
        "unverified",
        "published_at",
        "minor",
        "authors",
    ):
        if required in changes and changes[required] is None:
            raise InvalidInput([FieldError(required, "must not be null")])
    entry = services.actions.update_entry(
        user, slug, entry_id, changes, if_match=parse_if_match(if_match, entry_id)
    )
    return _entry_response(entry)


@router.delete(
    "/blogs/{slug}/entries/{entry_id}",
    status_code=204,
    responses=_VERSIONED,
    response_class=Response,
)
def delete_entry(
    slug: str,
    entry_id: EntryId,
    user: CurrentUser,
    services: ServicesDep,
    if_match: IfMatchHeader = None,
) -> Response:
    """Delete an entry: it leaves a tombstone and an ``entry.deleted`` event."""
    services.actions.delete_entry(user, slug, entry_id, if_match=parse_if_match(if_match, entry_id))
    return Response(status_code=204)
