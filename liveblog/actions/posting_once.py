"""Posting once (``Idempotency-Key``): a post that names a key the same user used within
:data:`IDEMPOTENCY_HOURS` posts nothing and answers with the entry the first use posted, if it
asked for the same (the hash of its fields); with other fields it is refused (422). Used by
:meth:`liveblog.actions.entries.EntryActions.create_entry`, in its transaction.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from liveblog.actions.base import must
from liveblog.domain import rules, workflow
from liveblog.domain.errors import FieldError, InvalidInput
from liveblog.domain.models import Blog, Entry, EntryStatus, User
from liveblog.storage import entries as entry_rows
from liveblog.storage import idempotency

IDEMPOTENCY_HOURS = 24
MAX_IDEMPOTENCY_KEY = 200


def checked_key(errors: rules.Collector, key: str) -> str:
    key = key.strip()
    if not key or len(key) > MAX_IDEMPOTENCY_KEY or not key.isascii() or not key.isprintable():
        errors.add(
            "Idempotency-Key", f"must be 1 to {MAX_IDEMPOTENCY_KEY} printable ASCII characters"
        )
    return key


def request_hash(
    slug: str,
    text: dict[str, Any],
    key_event: bool,
    pinned: bool,
    published_at: datetime | None,
    flow: workflow.Flow,
) -> str:
    """What a post asked for, to tell a retry (the same) from a reuse of its key (other)."""
    asked = {
        "slug": slug,
        **text,
        "key_event": key_event,
        "pinned": pinned,
        "published_at": published_at.isoformat() if published_at else None,
    }
    if flow.status is not None and flow.status is not EntryStatus.PUBLISHED:
        # Only when asked for: the hashes of keys stored before drafts existed stay valid.
        asked["status"] = flow.status.value
        asked["publish_at"] = flow.publish_at.isoformat() if flow.publish_at else None
    return hashlib.sha256(json.dumps(asked, sort_keys=True).encode()).hexdigest()


def earlier_post(
    conn: Connection, blog: Blog, actor: User, key: str, asked: str, now: datetime
) -> Entry | None:
    """The entry an earlier use of the key posted, if it asked for the same; else refused."""
    found = idempotency.find(conn, actor.id, key, now - timedelta(hours=IDEMPOTENCY_HOURS))
    if found is None:
        return None
    stored_hash, entry_id = found
    if stored_hash != asked:
        raise InvalidInput(
            [
                FieldError(
                    "Idempotency-Key",
                    "was used for a different entry; send a new key for a new entry",
                )
            ]
        )
    return must(entry_rows.get(conn, blog.id, entry_id))  # the same slug: the same blog


def remember(
    conn: Connection, actor: User, key: str, asked: str, entry: Entry, now: datetime
) -> None:
    """Keep the key for the entry just posted, forgetting the user's expired keys."""
    idempotency.forget_before(conn, actor.id, now - timedelta(hours=IDEMPOTENCY_HOURS))
    idempotency.store(conn, actor.id, key, asked, entry.id, now)
