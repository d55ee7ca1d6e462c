"""One definition of an entry's public fields: the API schema, event payloads and pages agree."""

from __future__ import annotations

import ast
import inspect
import itertools
import textwrap
from dataclasses import fields
from datetime import UTC, datetime
from typing import get_type_hints

from liveblog.domain.models import Author, Entry
from liveblog.domain.public import PublicEntry
from liveblog.domain.serialize import entry_from_payload, entry_payload
from liveblog.web.api.schemas import AuthorOut, EntryOut

ENTRY = Entry(
    id=7,
    blog_id=3,
    headline="Lage",
    body="Water *rising*.",
    body_html="<p>Water <em>rising</em>.</p>",
    key_event=True,
    pinned=False,
    source=None,
    published_at=datetime(2023, 10, 12, 3, 15, tzinfo=UTC),
    updated_at=datetime(2023, 10, 12, 3, 16, 0, 123456, tzinfo=UTC),
    version=2,
    deleted_at=None,
    author_id=9,
)


def test_the_api_schema_has_exactly_the_public_fields_in_order() -> None:
    """Fails when EntryOut and PublicEntry drift apart (times are RFC 3339 strings in JSON)."""
    hints = get_type_hints(PublicEntry)
    as_json = {
        datetime: str,
        datetime | None: str | None,
        tuple[Author, ...] | None: list[AuthorOut] | None,
    }
    expected = {f.name: as_json.get(hints[f.name], hints[f.name]) for f in fields(PublicEntry)}
    actual = {name: info.annotation for name, info in EntryOut.model_fields.items()}
    assert list(actual) == list(expected)
    assert actual == expected


def test_every_public_field_is_described() -> None:
    """Each field is followed by its docstring (feeds and API docs will reuse them)."""
    (body,) = ast.parse(textwrap.dedent(inspect.getsource(PublicEntry))).body
    assert isinstance(body, ast.ClassDef)
    described = {
        statement.target.id
        for statement, following in itertools.pairwise(body.body)
        if isinstance(statement, ast.AnnAssign)
        and isinstance(statement.target, ast.Name)
        and isinstance(following, ast.Expr)
        and isinstance(following.value, ast.Constant)
        and isinstance(following.value.value, str)
    }
    assert described == {f.name for f in fields(PublicEntry)}


def test_the_payload_is_the_public_entry_and_round_trips() -> None:
    payload = entry_payload(ENTRY)
    assert list(payload) == [f.name for f in fields(PublicEntry)]
    assert "author_id" not in payload
    assert "blog_id" not in payload
    assert payload["updated_at"] == "2023-10-12T03:16:00.123456+00:00"
    assert payload["published_at"] == "2023-10-12T03:15:00+00:00"
    assert EntryOut.model_validate(payload).model_dump() == payload
    assert entry_from_payload(payload) == PublicEntry.of(ENTRY)


def test_a_tombstone_carries_no_content() -> None:
    deleted = Entry(**{**vars(ENTRY), "deleted_at": datetime(2023, 10, 12, 4, tzinfo=UTC)})
    assert entry_payload(deleted) == {
        "id": 7,
        "version": 2,
        "deleted_at": "2023-10-12T04:00:00+00:00",
    }
