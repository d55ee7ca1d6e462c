"""The JSON Schema (draft 2020-12) of an export document (:mod:`liveblog.domain.export`).

The schema is this dictionary; ``docs/export.schema.json`` is it written out
(``json.dumps(SCHEMA, indent=2)``, checked by a test). It says the document's shape and the
limits of :mod:`liveblog.domain.rules`; what a schema cannot say (ids unique, revisions
numbered in order, every e-mail an entry names listed in ``users``, one owner) is checked by
:func:`liveblog.domain.export.decode` after it.
"""

from __future__ import annotations

from typing import Any

from liveblog.domain import bylines, embedding, rules

FORMAT = "liveblog-export"
VERSION = 1
MAX_DISPLAY_NAME = 100  # as liveblog.actions.users.MAX_DISPLAY_NAME (domain imports no actions)


def _text(max_len: int, *, nullable: bool = False, required: bool = False) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": ["string", "null"] if nullable else "string"}
    if required:
        schema["minLength"] = 1
    schema["maxLength"] = max_len
    return schema


def _object(
    properties: dict[str, Any], description: str, *, optional: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """An object of exactly these properties, each required but the ``optional`` ones (fields
    added to version 1 later: documents written before them lack them)."""
    return {
        "type": "object",
        "description": description,
        "properties": properties,
        "required": [name for name in properties if name not in optional],
        "additionalProperties": False,
    }


_UNVERIFIED = {
    "type": "boolean",
    "description": "Not independently verified: readers see a label. Missing: false.",
}


_TIME = {"$ref": "#/$defs/time"}
_TIME_OR_NULL = {"anyOf": [{"$ref": "#/$defs/time"}, {"type": "null"}]}
_EMAIL = {"$ref": "#/$defs/email"}
_EMAIL_OR_NULL = {"anyOf": [{"$ref": "#/$defs/email"}, {"type": "null"}]}
_ID = {"$ref": "#/$defs/id"}
_COUNT = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "liveblog export",
    "description": "One blog with its entries, tombstones, revisions, bylines and members, as "
    "`liveblog export` writes it and `liveblog import` reads it (docs/export.md).",
    "type": "object",
    "properties": {
        "format": {"const": FORMAT},
        "version": {"const": VERSION, "description": "The format's version."},
        "exported_at": {**_TIME, "description": "When the document was made."},
        "blog": {"$ref": "#/$defs/blog"},
        "users": {
            "type": "array",
            "description": "The blog's members and every other user an entry names, by e-mail.",
            "items": {"$ref": "#/$defs/user"},
        },
        "entries": {
            "type": "array",
            "description": "Every entry that is not deleted, in every status, by id.",
            "items": {"$ref": "#/$defs/entry"},
        },
        "tombstones": {
            "type": "array",
            "description": "The published entries that were deleted: id and time only, by id.",
            "items": {"$ref": "#/$defs/tombstone"},
        },
    },
    "required": ["format", "version", "exported_at", "blog", "users", "entries", "tombstones"],
    "additionalProperties": False,
    "$defs": {
        "time": {
            "type": "string",
            "format": "date-time",
            "maxLength": 40,
            "description": "RFC 3339 with an offset; the export writes UTC (+00:00).",
        },
        "email": {"type": "string", "minLength": 3, "maxLength": rules.MAX_EMAIL},
        "id": {"type": "integer", "minimum": 1, "maximum": rules.MAX_ID},
        "blog": _object(
            {
                "slug": {"type": "string", "pattern": f"^{rules.SLUG_PATTERN.pattern}$"},
                "title": _text(rules.MAX_TITLE, required=True),
                "summary": _text(rules.MAX_SUMMARY),
                "language": {"enum": list(rules.LANGUAGES)},
                "timezone": {"type": "string", "minLength": 1, "maxLength": 64},
                "status": {"enum": ["open", "closed"]},
                "show_authors": {"type": "boolean"},
                "embed_origins": {
                    "type": "array",
                    "description": "The origins whose pages may frame the blog's embed.",
                    "items": {"type": "string", "maxLength": embedding.MAX_ORIGIN_LENGTH},
                    "maxItems": embedding.MAX_ORIGINS,
                    "uniqueItems": True,
                },
                "closing_note": _text(rules.MAX_CLOSING_NOTE, nullable=True),
                "closed_at": _TIME_OR_NULL,
                "created_at": _TIME,
                "updated_at": _TIME,
            },
            "The blog's settings.",
        ),
        "user": _object(
            {
                "email": _EMAIL,
                "display_name": _text(MAX_DISPLAY_NAME),
                "language": {"enum": list(rules.LANGUAGES)},
                "role": {
                    "enum": ["owner", "editor", "contributor", None],
                    "description": "The role in the blog; null for a user who is no member.",
                },
                "member_since": _TIME_OR_NULL,
            },
            "A user, matched by e-mail on import.",
        ),
        "entry": _object(
            {
                "id": _ID,
                "status": {"enum": ["draft", "submitted", "scheduled", "published"]},
                "headline": _text(rules.MAX_HEADLINE, nullable=True),
                "body": _text(rules.MAX_BODY, required=True),
                "source": _text(rules.MAX_SOURCE, nullable=True),
                "key_event": {"type": "boolean"},
                "pinned": {"type": "boolean"},
                "unverified": _UNVERIFIED,
                "published_at": _TIME,
                "updated_at": _TIME,
                "version": _COUNT,
                "revision": _COUNT,
                "edited_at": _TIME_OR_NULL,
                "correction": _text(rules.MAX_CORRECTION, nullable=True),
                "corrected_at": _TIME_OR_NULL,
                "publish_at": _TIME_OR_NULL,
                "review_note": _text(rules.MAX_NOTE, nullable=True),
                "poster": _EMAIL_OR_NULL,
                "authors": {
                    "type": "array",
                    "description": "The byline in order; empty: the poster alone.",
                    "items": _EMAIL,
                    "maxItems": bylines.MAX_AUTHORS,
                    "uniqueItems": True,
                },
                "revisions": {
                    "type": "array",
                    "description": "The entry's history, numbered from 1; empty until edited.",
                    "items": {"$ref": "#/$defs/revision"},
                },
            },
            "An entry; its body is Markdown (the HTML is rendered again on import).",
            optional=frozenset({"unverified"}),
        ),
        "revision": _object(
            {
                "number": _COUNT,
                "created_at": _TIME,
                "editor": _EMAIL_OR_NULL,
                "headline": _text(rules.MAX_HEADLINE, nullable=True),
                "body": _text(rules.MAX_BODY, required=True),
                "source": _text(rules.MAX_SOURCE, nullable=True),
                "key_event": {"type": "boolean"},
                "pinned": {"type": "boolean"},
                "unverified": _UNVERIFIED,
                "published_at": _TIME,
                "correction": _text(rules.MAX_CORRECTION, nullable=True),
                "minor": {"type": "boolean"},
            },
            "One version of an entry's content.",
            optional=frozenset({"unverified"}),
        ),
        "tombstone": _object(
            {"id": _ID, "version": _COUNT, "deleted_at": _TIME},
            "A deleted entry, as the event log keeps it.",
        ),
    },
}
