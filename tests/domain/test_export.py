"""Export documents as data: deterministic bytes, a lossless read back, the schema in the docs,
and every kind of bad or hostile document refused with the place of its first problem."""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest

from liveblog.actions.users import MAX_DISPLAY_NAME
from liveblog.domain import export_schema, rules
from liveblog.domain.errors import InvalidInput
from liveblog.domain.export import MAX_DOCUMENT_BYTES, Document, encode, to_json
from liveblog.domain.export_decode import decode, pointer

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2023, 10, 12, 6, 0, tzinfo=UTC)
T = "2023-10-12T03:15:00+00:00"


def sample() -> dict[str, Any]:
    """A valid document with one entry of each kind the checks care about."""
    entry = {
        "id": 3,
        "status": "published",
        "headline": "Pegel",
        "body": "Der Pegel *steigt*.",
        "source": None,
        "key_event": True,
        "pinned": True,
        "published_at": T,
        "updated_at": "2023-10-12T03:40:00.250000+00:00",
        "version": 2,
        "revision": 2,
        "edited_at": "2023-10-12T03:40:00.250000+00:00",
        "correction": "Pegel korrigiert.",
        "corrected_at": "2023-10-12T03:40:00.250000+00:00",
        "publish_at": None,
        "review_note": None,
        "poster": "anna@example.org",
        "authors": ["ben@example.org", "anna@example.org"],
        "revisions": [
            {
                "number": n,
                "created_at": T,
                "editor": "admin@example.org",
                "headline": "Pegel",
                "body": f"Fassung {n}",
                "source": None,
                "key_event": True,
                "pinned": False,
                "published_at": T,
                "correction": None,
                "minor": False,
            }
            for n in (1, 2)
        ],
    }
    draft = {
        **entry,
        "id": 5,
        "status": "draft",
        "pinned": False,
        "version": 1,
        "revision": 1,
        "edited_at": None,
        "correction": None,
        "corrected_at": None,
        "review_note": "Bitte kürzen.",
        "poster": None,
        "authors": [],
        "revisions": [],
    }
    scheduled = {**draft, "id": 6, "status": "scheduled", "review_note": None}
    scheduled["publish_at"] = scheduled["published_at"] = "2023-10-12T09:00:00+00:00"
    return {
        "format": "liveblog-export",
        "version": 1,
        "exported_at": "2023-10-12T05:00:00+00:00",
        "blog": {
            "slug": "sturmflut",
            "title": "Sturmflut",
            "summary": "Alles zur Flut.\nLive.",
            "language": "de",
            "timezone": "Europe/Berlin",
            "status": "closed",
            "show_authors": True,
            "embed_origins": ["https://partner.example"],
            "closing_note": "Wir beenden den Liveblog.",
            "closed_at": "2023-10-12T04:00:00+00:00",
            "created_at": T,
            "updated_at": "2023-10-12T04:00:00+00:00",
        },
        "users": [
            {
                "email": "admin@example.org",
                "display_name": "",
                "language": "en",
                "role": None,
                "member_since": None,
            },
            {
                "email": "anna@example.org",
                "display_name": "Anna Berg",
                "language": "de",
                "role": "owner",
                "member_since": T,
            },
            {
                "email": "ben@example.org",
                "display_name": "Ben",
                "language": "de",
                "role": "contributor",
                "member_since": T,
            },
        ],
        "entries": [entry, draft, scheduled],
        "tombstones": [{"id": 4, "version": 3, "deleted_at": "2023-10-12T03:50:00+00:00"}],
    }


def as_bytes(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def problems(data: bytes) -> list[tuple[str, str]]:
    with pytest.raises(InvalidInput) as refused:
        decode(data, now=NOW)
    return [(e.field, e.message) for e in refused.value.errors]


def test_the_schema_in_the_docs_is_the_one_imports_use() -> None:
    written = (ROOT / "docs" / "export.schema.json").read_text(encoding="utf-8")
    expected = json.dumps(export_schema.SCHEMA, indent=2, ensure_ascii=False) + "\n"
    assert written == expected, (
        "docs/export.schema.json is out of date: write json.dumps(SCHEMA, indent=2, "
        "ensure_ascii=False) + newline from liveblog.domain.export_schema to it"
    )


def test_the_schema_is_a_valid_draft_2020_12_schema_and_the_sample_passes_it() -> None:
    assert jsonschema_rs.meta.is_valid(export_schema.SCHEMA)
    validator = jsonschema_rs.Draft202012Validator(export_schema.SCHEMA, validate_formats=True)
    assert validator.is_valid(sample())


def test_the_schemas_limits_are_the_rules() -> None:
    assert export_schema.MAX_DISPLAY_NAME == MAX_DISPLAY_NAME
    entry = export_schema.SCHEMA["$defs"]["entry"]["properties"]
    assert entry["body"]["maxLength"] == rules.MAX_BODY
    assert entry["headline"]["maxLength"] == rules.MAX_HEADLINE
    assert entry["review_note"]["maxLength"] == rules.MAX_NOTE


def test_a_document_reads_back_as_it_was_written() -> None:
    document = decode(as_bytes(sample()), now=NOW)
    assert document.entries[0].revisions[1].body == "Fassung 2"
    assert document.entries[0].authors == ("ben@example.org", "anna@example.org")
    assert decode(encode(document), now=NOW) == document
    again = encode(decode(encode(document), now=NOW))
    assert again == encode(document)


def test_encoding_is_deterministic_whatever_the_order_of_the_lists() -> None:
    document = decode(as_bytes(sample()), now=NOW)
    shuffled = Document(
        blog=document.blog,
        users=tuple(random.sample(document.users, len(document.users))),
        entries=tuple(reversed(document.entries)),
        tombstones=document.tombstones,
        exported_at=document.exported_at,
    )
    assert encode(shuffled) == encode(document)
    data = encode(document)
    assert data.endswith(b"}\n")
    assert "Kürzen".lower().encode() in data.lower()  # UTF-8, not \u escapes
    assert list(to_json(document)) == [
        "format",
        "version",
        "exported_at",
        "blog",
        "users",
        "entries",
        "tombstones",
    ]
    assert [u["email"] for u in to_json(document)["users"]] == sorted(
        u.email for u in document.users
    )


def test_times_with_other_offsets_are_read_as_utc() -> None:
    document = sample()
    document["blog"]["created_at"] = "2023-10-12T05:15:00+02:00"
    document["exported_at"] = "2023-10-12T05:00:00Z"
    read = decode(as_bytes(document), now=NOW)
    assert read.blog.created_at == datetime(2023, 10, 12, 3, 15, tzinfo=UTC)
    assert to_json(read)["blog"]["created_at"] == T


def test_texts_are_cleaned_as_the_api_cleans_them() -> None:
    document = sample()
    document["entries"][0]["body"] = "  Der Pegel steigt.\r\nWeiter.  "
    read = decode(as_bytes(document), now=NOW)
    assert read.entries[0].body == "Der Pegel steigt.\nWeiter."


Mutation = Callable[[dict[str, Any]], object]


def _set(path: str, value: Any) -> Mutation:
    def mutate(document: dict[str, Any]) -> None:
        *parents, last = path.strip("/").split("/")
        target: Any = document
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if isinstance(target, list) and int(last) == len(target):
            target.append(value)
        elif isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value

    return mutate


def _drop(path: str) -> Mutation:
    def mutate(document: dict[str, Any]) -> None:
        *parents, last = path.strip("/").split("/")
        target: Any = document
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        del target[last]

    return mutate


def _both(*mutations: Mutation) -> Mutation:
    def mutate(document: dict[str, Any]) -> None:
        for mutation in mutations:
            mutation(document)

    return mutate


BAD: dict[str, tuple[Mutation, str, str]] = {
    "a newer version": (_set("/version", 2), "/version", "version 2 is not supported"),
    "a version as text": (_set("/version", "1"), "/version", 'version "1" is not supported'),
    "a version as true": (_set("/version", True), "/version", "version true"),
    "another format": (_set("/format", "wordpress"), "/format", "not a liveblog export"),
    "a missing part": (_drop("/tombstones"), "", "tombstones"),
    "an unknown field": (_set("/entries/0/body_html", "<b>x</b>"), "/entries/0", "body_html"),
    "a wrong type": (_set("/entries/0/key_event", "yes"), "/entries/0/key_event", "boolean"),
    "a body over the limit": (
        _set("/entries/1/body", "x" * (rules.MAX_BODY + 1)),
        "/entries/1/body",
        "longer than 20000",
    ),
    "an empty body": (_set("/entries/0/body", "   "), "/entries/0/body", "must not be empty"),
    "a control character": (
        _set("/entries/0/headline", "Pegel\x07"),
        "/entries/0/headline",
        "control characters",
    ),
    "a headline of two lines": (
        _set("/entries/0/headline", "Pegel\nsteigt"),
        "/entries/0/headline",
        "single line",
    ),
    "an unknown status": (_set("/entries/0/status", "live"), "/entries/0/status", ""),
    "a time without offset": (
        _set("/entries/0/published_at", "2023-10-12T03:15:00"),
        "/entries/0/published_at",
        "date-time",
    ),
    "a time that is no time": (
        _set("/blog/created_at", "2023-02-30T03:15:00+00:00"),
        "/blog/created_at",
        "",
    ),
    "a time before 1970": (
        _set("/blog/created_at", "1960-01-01T00:00:00+00:00"),
        "/blog/created_at",
        "must be from 1970",
    ),
    "an id twice": (_set("/entries/1/id", 3), "/entries/1/id", "entry id 3 appears twice"),
    "an id of a tombstone": (
        _set("/tombstones/0/id", 5),
        "/tombstones/0/id",
        "entry id 5 appears twice (also /entries/1/id)",
    ),
    "an id of 0": (_set("/entries/0/id", 0), "/entries/0/id", "minimum"),
    "an id with a fraction": (_set("/entries/0/id", 3.0), "/entries/0/id", "whole number"),
    "revisions out of order": (
        _set("/entries/0/revisions/0/number", 2),
        "/entries/0/revisions/0/number",
        "must be 1",
    ),
    "a revision count that is wrong": (
        _set("/entries/0/revision", 3),
        "/entries/0/revision",
        "must be 2",
    ),
    "a poster not in users": (
        _set("/entries/0/poster", "eve@example.org"),
        "/entries/0/poster",
        "eve@example.org, who is not in /users",
    ),
    "an author not in users": (
        _set("/entries/0/authors/1", "eve@example.org"),
        "/entries/0/authors/1",
        "not in /users",
    ),
    "an editor not in users": (
        _set("/entries/0/revisions/1/editor", "eve@example.org"),
        "/entries/0/revisions/1/editor",
        "not in /users",
    ),
    "an author twice": (
        _set("/entries/0/authors/1", "ben@example.org"),
        "/entries/0/authors",
        "unique",
    ),
    "an author twice in other case": (
        _set("/entries/0/authors/1", "BEN@example.org"),
        "/entries/0/authors",
        "must name each author once",
    ),
    "no owner": (_set("/users/1/role", "editor"), "/users", "needs an owner"),
    "a user twice": (
        _set("/users/2/email", "ANNA@example.org"),
        "/users/2/email",
        "anna@example.org appears twice",
    ),
    "a user nobody needs": (
        _set("/users/3", {**sample()["users"][0], "email": "eve@example.org"}),
        "/users/3",
        "no member and no entry names them",
    ),
    "a role without a time": (
        _set("/users/1/member_since", None),
        "/users/1/member_since",
        "goes with a role",
    ),
    "two pinned entries": (
        _both(
            _set("/entries/1/pinned", True),
            _set("/entries/1/status", "published"),
            _set("/entries/1/review_note", None),
        ),
        "/entries/1/pinned",
        "at most one pinned entry (/entries/0/pinned is)",
    ),
    "a pinned draft": (_set("/entries/1/pinned", True), "/entries/1/pinned", "only a published"),
    "scheduled without a time": (
        _set("/entries/2/publish_at", None),
        "/entries/2/publish_at",
        "needed for a scheduled entry",
    ),
    "a time to publish a draft": (
        _set("/entries/1/publish_at", T),
        "/entries/1/publish_at",
        "status scheduled only",
    ),
    "published in the future": (
        _set("/entries/0/published_at", "2023-10-12T07:00:00+00:00"),
        "/entries/0/published_at",
        "must not be in the future",
    ),
    "a published review note": (
        _set("/entries/0/review_note", "Gut."),
        "/entries/0/review_note",
        "no review note",
    ),
    "a correction without its time": (
        _set("/entries/0/corrected_at", None),
        "/entries/0/corrected_at",
        "goes with a correction",
    ),
    "a closed blog without its time": (
        _set("/blog/closed_at", None),
        "/blog/closed_at",
        "goes with status closed",
    ),
    "a bad slug": (_set("/blog/slug", "Sturm Flut"), "/blog/slug", ""),
    "a bad time zone": (_set("/blog/timezone", "Mars/Olympus"), "/blog/timezone", "IANA"),
    "a bad e-mail": (_set("/users/0/email", "not-an-address"), "/users/0/email", "e-mail"),
    "a framing wildcard": (
        _set("/blog/embed_origins", ["*"]),
        "/blog/embed_origins",
        "wildcard",
    ),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_a_bad_document_is_refused_naming_the_place(case: str) -> None:
    mutate, where, message = BAD[case]
    document = copy.deepcopy(sample())
    mutate(document)
    found = problems(as_bytes(document))
    assert found, case
    assert found[0][0] == where, found
    assert message in found[0][1], found


def test_every_problem_is_listed_not_just_the_first() -> None:
    document = sample()
    document["entries"][0]["poster"] = "eve@example.org"
    document["entries"][1]["body"] = "\x00"
    document["tombstones"][0]["id"] = 3
    assert [where for where, _ in problems(as_bytes(document))] == [
        "/entries/0/poster",
        "/entries/1/body",
        "/tombstones/0/id",
    ]


def test_schema_messages_never_quote_the_value() -> None:
    document = sample()
    document["entries"][0]["body"] = "geheim " * 4000
    [(where, message)] = problems(as_bytes(document))
    assert where == "/entries/0/body"
    assert "geheim" not in message


def test_a_lone_surrogate_is_refused() -> None:
    document = sample()
    document["entries"][0]["body"] = "Der Pegel"
    data = as_bytes(document).replace(b'"Der Pegel"', b'"Der \\ud800 Pegel"')
    assert problems(data) == [
        ("/entries/0/body", "must be Unicode text (it holds a lone surrogate)")
    ]


def test_html_in_a_body_is_kept_as_markdown_text() -> None:
    document = sample()
    document["entries"][0]["body"] = '<script>alert("x")</script> **fett**'
    read = decode(as_bytes(document), now=NOW)
    assert read.entries[0].body == '<script>alert("x")</script> **fett**'  # rendered on import


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "is not JSON"),
        (b"{'format': 1}", "is not JSON"),
        (b"\xff\xfe{}", "is not UTF-8 text"),
        (b"[1, 2]", "must be a JSON object"),
        (b'"liveblog"', "must be a JSON object"),
        (b'{"format": "liveblog-export", "format": "x"}', "appears twice in one object"),
        (b'{"version": NaN}', "NaN is no JSON number"),
        (b'{"version": ' + b"1" * 5000 + b"}", "is not JSON an export can hold"),
        (b"[" * 10_000 + b"]" * 10_000, "nested too deeply"),
        (b'{"a":' * 10_000 + b"1" + b"}" * 10_000, "nested too deeply"),
    ],
    ids=[
        "empty",
        "single quotes",
        "not UTF-8",
        "an array",
        "a string",
        "a key twice",
        "NaN",
        "a huge number",
        "10,000 arrays deep",
        "10,000 objects deep",
    ],
)
def test_what_is_no_json_document_is_one_problem_of_the_whole(data: bytes, message: str) -> None:
    [(where, found)] = problems(data)
    assert where == ""
    assert message in found


def test_a_document_over_the_size_limit_is_refused_before_parsing() -> None:
    [(where, message)] = problems(b" " * (MAX_DOCUMENT_BYTES + 1))
    assert where == ""
    assert f"an import reads at most {MAX_DOCUMENT_BYTES}" in message


def test_a_byte_order_mark_is_allowed() -> None:
    assert decode(b"\xef\xbb\xbf" + as_bytes(sample()), now=NOW).blog.slug == "sturmflut"


def test_pointers_escape_slashes_and_tildes() -> None:
    assert pointer("entries", 3, "body") == "/entries/3/body"
    assert pointer("a/b", "c~d") == "/a~1b/c~0d"
