"""Reading an export document (``liveblog import``): every check runs before anything is
written, and each failure names its place in the document as a JSON pointer (RFC 6901), such
as ``/entries/3/body``.

In order: the size (:data:`~liveblog.domain.export.MAX_DOCUMENT_BYTES`, before parsing), UTF-8,
JSON (no key twice in one object, no ``NaN``; nesting is bounded by Python's recursion limit, so
a document nested 10,000 levels deep is one error, not a crash), the format and its version, the
JSON Schema (:data:`~liveblog.domain.export_schema.SCHEMA`, draft 2020-12, by jsonschema-rs),
then what a schema cannot say: ids unique across entries and tombstones, revisions numbered 1,
2, 3... and counted by the entry's ``revision``, every e-mail an entry names listed in
``users``, a blog with an owner, at most one pinned entry, the workflow's rules (a scheduled
entry has ``publish_at`` and only it; only published entries are pinned; a published one is not
in the future and has no review note), times with offsets in the documented range. Texts pass
the API's rules (:mod:`liveblog.domain.rules`: limits, no control characters, single lines),
so an import holds nothing an editor could not have typed; HTML is never read from a document
(the import renders the Markdown again).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from itertools import islice
from typing import Any, NoReturn, TypeVar

import jsonschema_rs

from liveblog.domain import embedding, rules
from liveblog.domain.errors import FieldError, InvalidInput
from liveblog.domain.export import (
    MAX_DOCUMENT_BYTES,
    Document,
    ExportedBlog,
    ExportedEntry,
    ExportedRevision,
    ExportedUser,
    Tombstone,
)
from liveblog.domain.export_schema import FORMAT, MAX_DISPLAY_NAME, SCHEMA, VERSION
from liveblog.domain.models import BlogRole, BlogStatus, EntryStatus

_T = TypeVar("_T")
MAX_REPORTED = 100
"""The most schema errors one refusal lists (a hostile file could have millions)."""


def pointer(*parts: str | int) -> str:
    """The JSON pointer (RFC 6901) of a place in the document: ``/entries/3/body``."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _refuse(where: str, message: str) -> NoReturn:
    raise InvalidInput([FieldError(where, message)])


def decode(data: bytes, *, now: datetime) -> Document:
    """The document ``data`` holds, checked (see the module); :class:`InvalidInput` with one
    :class:`FieldError` per problem (its ``field`` the JSON pointer, ``""`` for the whole
    document) otherwise. ``now`` is the import's time: published entries are not after it."""
    raw = load(data)
    _check_header(raw)
    _check_schema(raw)
    return _Reader(now).document(raw)


def load(data: bytes) -> Any:
    """Parse ``data`` as JSON, refusing what :mod:`json` would take but an export never has."""
    if len(data) > MAX_DOCUMENT_BYTES:
        _refuse("", f"has {len(data)} bytes; an import reads at most {MAX_DOCUMENT_BYTES}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        _refuse("", f"is not UTF-8 text (byte {exc.start} cannot be read)")
    try:
        return json.loads(
            text.removeprefix("\ufeff"),
            object_pairs_hook=_no_key_twice,
            parse_constant=_no_constant,
        )
    except RecursionError:
        _refuse("", "is nested too deeply to be an export")
    except json.JSONDecodeError as exc:
        _refuse("", f"is not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}")
    except ValueError as exc:  # a key twice, NaN, a number of thousands of digits
        _refuse("", f"is not JSON an export can hold: {exc}")


def _no_key_twice(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise ValueError(f"the key {key!r} appears twice in one object")
        found[key] = value
    return found


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is no JSON number")


def _check_header(raw: Any) -> None:
    if not isinstance(raw, dict):
        _refuse("", "must be a JSON object (an export document)")
    if raw.get("format") != FORMAT:
        _refuse("/format", f"must be {FORMAT!r}: this is not a liveblog export")
    version = raw.get("version")
    if type(version) is not int or version != VERSION:
        _refuse(
            "/version",
            f"version {json.dumps(version)} is not supported; this liveblog reads version "
            f"{VERSION}",
        )


@cache
def _validator() -> jsonschema_rs.Validator:
    # ``mask``: messages never quote the value (a body of 20,000 characters, a password...).
    return jsonschema_rs.Draft202012Validator(SCHEMA, validate_formats=True, mask="the value")


def _check_schema(raw: Any) -> None:
    found = [
        FieldError(pointer(*error.instance_path), error.message)
        for error in islice(_validator().iter_errors(raw), MAX_REPORTED)
    ]
    if found:
        raise InvalidInput(found)


class _Reader:
    """Turns a document that passed the schema into a :class:`Document`, collecting every
    problem the schema cannot see."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.errors = rules.Collector()

    # -- values ----------------------------------------------------------------------------

    def via(self, where: str, check: Callable[[rules.Collector], _T]) -> _T:
        """Run a rule of :mod:`~liveblog.domain.rules`, its errors named by ``where``."""
        local = rules.Collector()
        result = check(local)
        for error in local.errors:
            self.errors.add(where, error.message)
        return result

    def text(
        self,
        where: str,
        value: str | None,
        *,
        max_len: int,
        required: bool = False,
        multiline: bool = False,
    ) -> str | None:
        if value is None:
            return None
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            self.errors.add(where, "must be Unicode text (it holds a lone surrogate)")
            return None
        return rules.text(
            self.errors, where, value, max_len=max_len, required=required, multiline=multiline
        )

    def time(self, where: str, value: str) -> datetime:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is None or parsed.utcoffset() is None:
            self.errors.add(where, "must be an RFC 3339 date-time with an offset")
            return rules.EARLIEST_PUBLISHED_AT
        # Compared before converting: a year-1 time east of UTC cannot be converted.
        if not rules.EARLIEST_PUBLISHED_AT <= parsed < rules.LATEST_PUBLISHED_AT:
            self.errors.add(
                where,
                f"must be from {rules.EARLIEST_PUBLISHED_AT.isoformat()} up to, not including, "
                f"{rules.LATEST_PUBLISHED_AT.isoformat()}",
            )
            return rules.EARLIEST_PUBLISHED_AT
        return parsed.astimezone(UTC)

    def maybe_time(self, where: str, value: str | None) -> datetime | None:
        return None if value is None else self.time(where, value)

    def number(self, where: str, value: Any) -> int:
        """A whole number (the schema lets ``3.0`` pass as an integer; an export never has it)."""
        if type(value) is not int:
            self.errors.add(where, "must be a whole number written without a fraction")
            return 1
        return value

    def email(self, where: str, value: str | None, known: dict[str, str]) -> str | None:
        """An e-mail an entry names: it must be one of ``known`` (the users, by e-mail)."""
        if value is None:
            return None
        email = value.strip().lower()
        if email not in known:
            self.errors.add(where, f"names {email}, who is not in /users")
        return email

    # -- the document ----------------------------------------------------------------------

    def document(self, raw: dict[str, Any]) -> Document:
        exported_at = self.time("/exported_at", raw["exported_at"])
        blog = self.blog(raw["blog"])
        users = [self.user(n, u) for n, u in enumerate(raw["users"])]
        known = self.known(users)
        entries = [self.entry(n, e, known) for n, e in enumerate(raw["entries"])]
        tombstones = [
            Tombstone(
                id=self.number(pointer("tombstones", n, "id"), t["id"]),
                version=self.number(pointer("tombstones", n, "version"), t["version"]),
                deleted_at=self.time(pointer("tombstones", n, "deleted_at"), t["deleted_at"]),
            )
            for n, t in enumerate(raw["tombstones"])
        ]
        self.unique_ids(entries, tombstones)
        self.one_pin(entries)
        self.everyone_belongs(users, entries)
        self.errors.raise_if_any()
        return Document(blog, tuple(users), tuple(entries), tuple(tombstones), exported_at)

    def blog(self, raw: dict[str, Any]) -> ExportedBlog:
        title = self.text("/blog/title", raw["title"], max_len=rules.MAX_TITLE, required=True)
        summary = self.text(
            "/blog/summary", raw["summary"], max_len=rules.MAX_SUMMARY, multiline=True
        )
        timezone = self.via("/blog/timezone", lambda c: rules.timezone(c, raw["timezone"]))
        origins = self.via(
            "/blog/embed_origins", lambda c: embedding.origins(c, raw["embed_origins"])
        )
        note = self.text(
            "/blog/closing_note",
            raw["closing_note"],
            max_len=rules.MAX_CLOSING_NOTE,
            multiline=True,
        )
        status = BlogStatus(raw["status"])
        closed_at = self.maybe_time("/blog/closed_at", raw["closed_at"])
        if (status is BlogStatus.CLOSED) != (closed_at is not None):
            self.errors.add("/blog/closed_at", "goes with status closed, and status closed with it")
        return ExportedBlog(
            slug=self.via("/blog/slug", lambda c: rules.slug(c, raw["slug"])),
            title=title or "",
            summary=summary or "",
            language=raw["language"],
            timezone=timezone,
            status=status,
            show_authors=raw["show_authors"],
            embed_origins=origins,
            closing_note=note,
            closed_at=closed_at,
            created_at=self.time("/blog/created_at", raw["created_at"]),
            updated_at=self.time("/blog/updated_at", raw["updated_at"]),
        )

    def user(self, n: int, raw: dict[str, Any]) -> ExportedUser:
        where = pointer("users", n)
        role = None if raw["role"] is None else BlogRole(raw["role"])
        since = self.maybe_time(f"{where}/member_since", raw["member_since"])
        if (role is None) != (since is None):
            self.errors.add(f"{where}/member_since", "goes with a role, and a role with it")
        name = self.text(f"{where}/display_name", raw["display_name"], max_len=MAX_DISPLAY_NAME)
        return ExportedUser(
            email=self.via(f"{where}/email", lambda c: rules.email(c, raw["email"])),
            display_name=name or "",
            language=raw["language"],
            role=role,
            member_since=since,
        )

    def known(self, users: list[ExportedUser]) -> dict[str, str]:
        """The users' e-mails with their places; each e-mail once, and an owner among them."""
        known: dict[str, str] = {}
        for n, user in enumerate(users):
            where = pointer("users", n, "email")
            if user.email in known:
                self.errors.add(where, f"{user.email} appears twice (also {known[user.email]})")
            known.setdefault(user.email, where)
        if not any(u.role is BlogRole.OWNER for u in users):
            self.errors.add("/users", "the blog needs an owner: no user has the role owner")
        return known

    def entry(self, n: int, raw: dict[str, Any], known: dict[str, str]) -> ExportedEntry:
        def at(*name: str | int) -> str:
            return pointer("entries", n, *name)

        status = EntryStatus(raw["status"])
        published_at = self.time(at("published_at"), raw["published_at"])
        publish_at = self.maybe_time(at("publish_at"), raw["publish_at"])
        correction = self.text(at("correction"), raw["correction"], max_len=rules.MAX_CORRECTION)
        corrected_at = self.maybe_time(at("corrected_at"), raw["corrected_at"])
        review_note = self.text(at("review_note"), raw["review_note"], max_len=rules.MAX_NOTE)
        self.workflow(at, status, published_at, publish_at, raw["pinned"], review_note)
        if (correction is None) != (corrected_at is None):
            self.errors.add(at("corrected_at"), "goes with a correction, and a correction with it")
        revisions = tuple(
            self.revision(at("revisions", r), raw_revision, known)
            for r, raw_revision in enumerate(raw["revisions"])
        )
        revision = self.number(at("revision"), raw["revision"])
        self.numbered(at, revisions, revision)
        authors = tuple(
            self.email(at("authors", a), email, known) or ""
            for a, email in enumerate(raw["authors"])
        )
        if len(set(authors)) != len(authors):
            self.errors.add(at("authors"), "must name each author once")
        return ExportedEntry(
            id=self.number(at("id"), raw["id"]),
            status=status,
            headline=self.text(at("headline"), raw["headline"], max_len=rules.MAX_HEADLINE),
            body=self.body(at("body"), raw["body"]),
            source=self.text(at("source"), raw["source"], max_len=rules.MAX_SOURCE),
            key_event=raw["key_event"],
            pinned=raw["pinned"],
            published_at=published_at,
            updated_at=self.time(at("updated_at"), raw["updated_at"]),
            version=self.number(at("version"), raw["version"]),
            revision=revision,
            edited_at=self.maybe_time(at("edited_at"), raw["edited_at"]),
            correction=correction,
            corrected_at=corrected_at,
            publish_at=publish_at,
            review_note=review_note,
            poster=self.email(at("poster"), raw["poster"], known),
            authors=authors,
            revisions=revisions,
            unverified=raw.get("unverified", False),
        )

    def body(self, where: str, value: str) -> str:
        return self.text(where, value, max_len=rules.MAX_BODY, required=True, multiline=True) or ""

    def workflow(
        self,
        at: Callable[[str], str],
        status: EntryStatus,
        published_at: datetime,
        publish_at: datetime | None,
        pinned: bool,
        review_note: str | None,
    ) -> None:
        """The workflow's rules (:mod:`liveblog.domain.workflow`) for one entry."""
        if status is EntryStatus.SCHEDULED and publish_at is None:
            self.errors.add(at("publish_at"), "is needed for a scheduled entry")
        if status is not EntryStatus.SCHEDULED and publish_at is not None:
            self.errors.add(at("publish_at"), "goes with status scheduled only")
        if pinned and status is not EntryStatus.PUBLISHED:
            self.errors.add(at("pinned"), "only a published entry can be pinned")
        if status is EntryStatus.PUBLISHED:
            if published_at > self.now:
                self.errors.add(at("published_at"), "must not be in the future")
            if review_note is not None:
                self.errors.add(at("review_note"), "a published entry has no review note")

    def revision(self, where: str, raw: dict[str, Any], known: dict[str, str]) -> ExportedRevision:
        return ExportedRevision(
            number=self.number(f"{where}/number", raw["number"]),
            created_at=self.time(f"{where}/created_at", raw["created_at"]),
            editor=self.email(f"{where}/editor", raw["editor"], known),
            headline=self.text(f"{where}/headline", raw["headline"], max_len=rules.MAX_HEADLINE),
            body=self.body(f"{where}/body", raw["body"]),
            source=self.text(f"{where}/source", raw["source"], max_len=rules.MAX_SOURCE),
            key_event=raw["key_event"],
            pinned=raw["pinned"],
            published_at=self.time(f"{where}/published_at", raw["published_at"]),
            correction=self.text(
                f"{where}/correction", raw["correction"], max_len=rules.MAX_CORRECTION
            ),
            minor=raw["minor"],
            unverified=raw.get("unverified", False),
        )

    def numbered(
        self, at: Callable[..., str], revisions: tuple[ExportedRevision, ...], revision: int
    ) -> None:
        """Revisions are 1, 2, 3... in order; ``revision`` counts them (1 without any)."""
        for r, found in enumerate(revisions):
            if found.number != r + 1:
                self.errors.add(
                    at("revisions", r, "number"),
                    f"must be {r + 1}: revisions are numbered 1, 2, 3... in order",
                )
        if revision != max(1, len(revisions)):
            self.errors.add(
                at("revision"),
                f"must be {max(1, len(revisions))}, the number of revisions "
                "(1 for an entry never edited)",
            )

    def unique_ids(self, entries: list[ExportedEntry], tombstones: list[Tombstone]) -> None:
        seen: dict[int, str] = {}
        places = [(e.id, pointer("entries", n, "id")) for n, e in enumerate(entries)]
        places += [(t.id, pointer("tombstones", n, "id")) for n, t in enumerate(tombstones)]
        for entry_id, where in places:
            if entry_id in seen:
                self.errors.add(where, f"entry id {entry_id} appears twice (also {seen[entry_id]})")
            seen.setdefault(entry_id, where)

    def one_pin(self, entries: list[ExportedEntry]) -> None:
        pinned = [pointer("entries", n, "pinned") for n, e in enumerate(entries) if e.pinned]
        for where in pinned[1:]:
            self.errors.add(where, f"a blog has at most one pinned entry ({pinned[0]} is)")

    def everyone_belongs(self, users: list[ExportedUser], entries: list[ExportedEntry]) -> None:
        """Every user is a member or named by an entry: an import makes no other accounts."""
        named = {e.poster for e in entries} | {a for e in entries for a in e.authors}
        named |= {r.editor for e in entries for r in e.revisions}
        for n, user in enumerate(users):
            if user.role is None and user.email not in named:
                self.errors.add(pointer("users", n), "is no member and no entry names them")
