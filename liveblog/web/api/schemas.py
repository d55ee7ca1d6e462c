"""Request and response bodies of the API (they also make the OpenAPI document).

Requests forbid unknown fields and do not coerce types; the limits come from the domain rules.
Semantic checks (blank text, control characters, future times) live in the domain, so the CLI
and the API reject the same input the same way.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

from liveblog.domain import embedding, rules
from liveblog.domain.bylines import MAX_AUTHORS

_REQUEST = ConfigDict(extra="forbid")


class BlogCreate(BaseModel):
    model_config = _REQUEST
    slug: StrictStr = Field(max_length=64, examples=["election-night"])
    title: StrictStr = Field(max_length=rules.MAX_TITLE, description="The blog's topic.")
    summary: StrictStr | None = Field(
        None, max_length=rules.MAX_SUMMARY, description="The teaser under the headline."
    )
    language: StrictStr | None = Field(None, description="de or en; default from settings.")
    timezone: StrictStr | None = Field(
        None, description="IANA zone for times on the page; default Europe/Berlin."
    )
    show_authors: StrictBool = Field(
        False, description="Readers see each entry's authors (its byline) by display name."
    )


class BlogPatch(BaseModel):
    model_config = _REQUEST
    title: StrictStr | None = Field(None, max_length=rules.MAX_TITLE)
    summary: StrictStr | None = Field(None, max_length=rules.MAX_SUMMARY)
    language: StrictStr | None = None
    timezone: StrictStr | None = None
    status: Literal["open", "closed"] | None = Field(
        None, description="closed ends the coverage (live readers' streams end); open reopens."
    )
    show_authors: StrictBool | None = Field(
        None, description="Readers see each entry's authors (its byline) by display name."
    )
    embed_origins: list[StrictStr] | None = Field(
        None,
        max_length=embedding.MAX_ORIGINS,
        description="The origins (https://partner.example: scheme, host, optional port) whose "
        "pages may frame the blog's embed, /live/{slug}/embed; [] for none. No wildcard.",
        examples=[["https://www.example.org"]],
    )
    closing_note: StrictStr | None = Field(
        None,
        max_length=rules.MAX_CLOSING_NOTE,
        description="Shown at the top of the blog's pages while it is closed; null or empty "
        "removes it. Kept when the blog is reopened.",
    )


class BlogOut(BaseModel):
    slug: str
    title: str
    summary: str
    language: str
    timezone: str
    status: Literal["open", "closed"]
    created_at: str
    updated_at: str
    version: int = Field(description="Sequence number of the blog's newest event.")
    show_authors: bool = Field(description="Readers see the entries' authors.")
    embed_origins: list[str] = Field(description="The origins that may frame the embed.")
    closing_note: str | None = Field(description="Shown at the top while the blog is closed.")
    closed_at: str | None = Field(description="When the blog was closed; null while open.")


class BlogList(BaseModel):
    items: list[BlogOut]


Status = Literal["draft", "submitted", "scheduled", "published"]


class AuthorOut(BaseModel):
    id: int
    name: str = Field(description="The display name; empty when the user set none.")


class AuthorList(BaseModel):
    items: list[AuthorOut] = Field(description="In byline order.")


Authors = Annotated[
    list[StrictInt],
    Field(
        min_length=1,
        max_length=MAX_AUTHORS,
        description=f"The byline: 1 to {MAX_AUTHORS} user ids, in order, each a member of the "
        "blog (any role) or an admin, none twice.",
    ),
]


class EntryCreate(BaseModel):
    model_config = _REQUEST
    body: StrictStr = Field(max_length=rules.MAX_BODY, description="Markdown.")
    headline: StrictStr | None = Field(None, max_length=rules.MAX_HEADLINE)
    key_event: StrictBool = False
    pinned: StrictBool = False
    unverified: StrictBool = Field(
        False,
        description="Not independently verified: readers see a label saying so at the top of "
        "the entry, in feeds and in structured data.",
    )
    source: StrictStr | None = Field(
        None, max_length=rules.MAX_SOURCE, examples=["according to news agencies"]
    )
    published_at: AwareDatetime | None = Field(
        None,
        description=(
            "RFC 3339 with offset; past times allowed (imports), future rejected; from "
            f"{rules.EARLIEST_PUBLISHED_AT:%Y-%m-%d} up to, not including, "
            f"{rules.LATEST_PUBLISHED_AT:%Y-%m-%d} (UTC)."
        ),
    )
    status: Status | None = Field(
        None,
        description="published (editors' default), draft (contributors' default), submitted "
        "(for review) or scheduled (with publish_at). Only published entries reach readers.",
    )
    publish_at: AwareDatetime | None = Field(
        None, description="RFC 3339 with offset, in the future: publish then (status scheduled)."
    )
    authors: Authors | None = Field(None, description="The byline; default: the poster alone.")


class EntryPatch(BaseModel):
    model_config = _REQUEST
    body: StrictStr | None = Field(None, max_length=rules.MAX_BODY)
    headline: StrictStr | None = Field(None, max_length=rules.MAX_HEADLINE)
    key_event: StrictBool | None = None
    pinned: StrictBool | None = None
    unverified: StrictBool | None = Field(
        None,
        description="Mark the entry as not independently verified (true) or take the label "
        "away (false); either is an edit kept in its history.",
    )
    source: StrictStr | None = Field(None, max_length=rules.MAX_SOURCE)
    published_at: AwareDatetime | None = None
    correction: StrictStr | None = Field(
        None,
        max_length=rules.MAX_CORRECTION,
        description="A correction note readers see under the entry, with its time; "
        "null or an empty string removes it (its history keeps it).",
    )
    minor: StrictBool | None = Field(
        None,
        description="A small fix (a typo): kept in the history, but readers get no "
        "'updated' mark. Not allowed with a correction.",
    )
    status: Status | None = Field(
        None,
        description="Move a draft along: submitted, draft (e.g. sent back), scheduled, "
        "published. A published entry stays published.",
    )
    publish_at: AwareDatetime | None = Field(
        None,
        description="Schedule (or reschedule) an unpublished entry; null with status draft "
        "cancels the schedule.",
    )
    note: StrictStr | None = Field(
        None, max_length=rules.MAX_NOTE, description="An editor's note to a draft's author."
    )
    authors: Authors | None = Field(
        None, description="A new byline (a change of a published entry is an edit)."
    )


class EntryOut(BaseModel):
    id: int
    version: int
    headline: str | None
    body: str
    body_html: str
    key_event: bool
    pinned: bool
    unverified: bool = Field(description="Not independently verified: readers see a label.")
    source: str | None
    published_at: str
    updated_at: str = Field(description="The last change of any kind (RFC 3339).")
    edited_at: str | None = Field(
        description="The last edit readers are told about (the page's 'updated' mark); null "
        "until then. Minor edits, pinning and key-event changes leave it."
    )
    correction: str | None = Field(description="The newest correction note, shown under it.")
    corrected_at: str | None = Field(description="When the correction was written.")
    revision: int = Field(description="Versions of the content in its history (1 until edited).")
    status: str = Field(description="draft, submitted, scheduled or published.")
    publish_at: str | None = Field(description="When a scheduled entry will be published.")
    authors: list[AuthorOut] | None = Field(
        description="The byline in order. Public reads and events carry it only while the blog "
        "shows authors (`show_authors`), else null; answers to members always do."
    )


class QueuedEntryOut(EntryOut):
    author: EditorOut | None = Field(description="Null once the author's account is deleted.")
    review_note: str | None = Field(description="An editor's note on a draft sent back.")


class QueueOut(BaseModel):
    items: list[QueuedEntryOut] = Field(
        description="Submitted first, then scheduled by time, then drafts."
    )
    counts: dict[str, int] = Field(description="How many drafts, submitted and scheduled.")


class EditorOut(BaseModel):
    id: int
    name: str


class RevisionOut(BaseModel):
    number: int = Field(description="1 is the entry as posted, one more per edit.")
    created_at: str
    editor: EditorOut | None = Field(description="Null once the editor's account is deleted.")
    headline: str | None
    body: str
    source: str | None
    key_event: bool
    pinned: bool
    published_at: str
    correction: str | None
    minor: bool
    unverified: bool = Field(description="Marked not independently verified in this version.")


class RevisionList(BaseModel):
    items: list[RevisionOut] = Field(description="Oldest first.")


class EntryPage(BaseModel):
    items: list[EntryOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page.")


class MemberCreate(BaseModel):
    model_config = _REQUEST
    email: StrictStr = Field(max_length=320, examples=["reporter@example.org"])
    role: StrictStr = Field(description="owner, editor or contributor.", examples=["editor"])


class MemberPatch(BaseModel):
    model_config = _REQUEST
    role: StrictStr = Field(description="owner, editor or contributor.", examples=["owner"])


class MemberOut(BaseModel):
    user_id: int
    email: str
    name: str = Field(description="The display name, or the e-mail's local part.")
    role: Literal["owner", "editor", "contributor"]
    since: str = Field(description="When the user joined the blog (RFC 3339).")


class MemberList(BaseModel):
    items: list[MemberOut]


class LogActor(BaseModel):
    id: int
    name: str


class LogRecordOut(BaseModel):
    id: int
    action: str = Field(
        description="An event type (`entry.created`...) or `member.added`, `member.changed`, "
        "`member.removed`.",
        examples=["entry.created"],
    )
    actor: LogActor | None = Field(description="Who did it; null for the CLI or a deleted user.")
    entry_id: int | None
    detail: dict[str, Any]
    created_at: str


class LogPage(BaseModel):
    items: list[LogRecordOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for older records.")
