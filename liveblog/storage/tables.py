"""The schema. Alembic migrations in ``migrations/`` create exactly this (a test compares them)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    false,
    text,
)

from liveblog.storage.types import UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# BigInteger ids would be nicer on PostgreSQL, but SQLite only autoincrements INTEGER PRIMARY KEY.
IdType = BigInteger().with_variant(Integer(), "sqlite")

users = Table(
    "users",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("display_name", String(100), nullable=False, server_default=""),
    Column("language", String(8), nullable=False, server_default="de"),
    # A disabled user can neither log in nor use tokens; their sessions end.
    Column("disabled_at", UTCDateTime(), nullable=True),
)

# A user's role in one blog (domain.models.BlogRole); admins need none.
memberships = Table(
    "memberships",
    metadata,
    Column("blog_id", IdType, ForeignKey("blogs.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", IdType, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_memberships_user_id", "user_id"),
)

# Desk logins. Only the SHA-256 of the session id (256 random bits) is stored; the CSRF token
# is random too, kept here so every process checks it alike.
sessions = Table(
    "sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("user_id", IdType, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    # Moved forward at most once a minute by requests that use the session (idle lifetime).
    Column("seen_at", UTCDateTime(), nullable=False),
    Index("ix_sessions_user_id", "user_id"),
)

# The answer to a POST that carried an Idempotency-Key: the same key from the same user within
# 24 hours returns the same entry instead of posting it twice.
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("user_id", IdType, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("key", String(200), primary_key=True),
    # SHA-256 of what was asked (the blog and the entry's fields): a reuse with another body is
    # refused.
    Column("request_hash", String(64), nullable=False),
    Column("entry_id", IdType, ForeignKey("entries.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("user_id", IdType, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    # SHA-256 of the token: tokens are 256 random bits, so a fast hash is enough and lets a
    # request find its token by an index lookup.
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime(), nullable=False),
    # The token's first characters (domain.tokens.SHOWN_PREFIX), which name it for
    # `liveblog token revoke --prefix`; NULL for tokens made before migration 0004.
    Column("prefix", String(16), nullable=True),
)

# One row (id 1) counting the revocations of API tokens. Revoking raises it in the same
# transaction; each server process reads it at most once a second and forgets the tokens it
# remembers when it has changed (liveblog.web.token_cache).
token_revocations = Table(
    "token_revocations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("generation", BigInteger, nullable=False),
)

# One row (id 1): a random secret (64 hex digits) made by migration 0005, from which the
# signing keys of pagination cursors are derived unless LIVEBLOG_SECRET_KEY is set
# (liveblog.storage.site). Every process using the database shares it.
site_secrets = Table(
    "site_secrets",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("secret", String(64), nullable=False),
)

blogs = Table(
    "blogs",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("slug", String(64), nullable=False, unique=True),
    Column("title", String(200), nullable=False),
    Column("summary", Text, nullable=False),
    Column("language", String(8), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    # The per-blog event counter. Writers bump it with UPDATE ... RETURNING inside their
    # transaction, which serialises writers of one blog and makes sequence numbers gap-free.
    Column("last_seq", BigInteger, nullable=False),
    # Readers see each entry's authors (entry_authors) by display name (migration 0008).
    Column("show_authors", Boolean, nullable=False, server_default=false()),
    # The origins allowed to frame the blog's embed (a JSON list such as
    # ["https://partner.example"]; empty: nobody), the note readers see once the blog is closed,
    # and when it was closed (NULL while open) (migration 0009).
    Column("embed_origins", JSON, nullable=False, server_default=text("'[]'")),
    Column("closing_note", Text, nullable=True),
    Column("closed_at", UTCDateTime(), nullable=True),
    # The index page's sections: the open blogs, and the closed ones most recently closed
    # first, a keyset page at a time (storage.archive, migration 0010).
    Index("ix_blogs_archive", "status", "closed_at", "id"),
)

entries = Table(
    "entries",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("blog_id", IdType, ForeignKey("blogs.id", ondelete="CASCADE"), nullable=False),
    Column("headline", String(200), nullable=True),
    Column("body", Text, nullable=False),
    Column("body_html", Text, nullable=False),
    Column("key_event", Boolean, nullable=False),
    Column("pinned", Boolean, nullable=False),
    Column("source", String(300), nullable=True),
    Column("published_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("version", Integer, nullable=False),
    Column("deleted_at", UTCDateTime(), nullable=True),
    Column("author_id", IdType, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    # The reader's "updated" mark and correction note (migration 0007); revision counts the
    # rows of entry_revisions the entry has (1 before its first edit, which writes none).
    Column("edited_at", UTCDateTime(), nullable=True),
    Column("correction", Text, nullable=True),
    Column("corrected_at", UTCDateTime(), nullable=True),
    Column("revision", Integer, nullable=False, server_default="1"),
    # The editorial workflow (migration 0007): only "published" rows exist for readers
    # (storage.reads.visible); a "scheduled" row is published by the server at publish_at.
    Column("status", String(16), nullable=False, server_default="published"),
    Column("publish_at", UTCDateTime(), nullable=True),
    Column("review_note", Text, nullable=True),
    # "Not independently verified" (migration 0011), shown to readers as a label.
    Column("unverified", Boolean, nullable=False, server_default=false()),
    # Keyset pagination of a blog's timeline, newest or oldest first.
    Index("ix_entries_timeline", "blog_id", "deleted_at", "published_at", "id"),
    Index("ix_entries_key_events", "blog_id", "key_event", "deleted_at", "published_at", "id"),
    Index("ix_entries_newest_change", "blog_id", "deleted_at", "updated_at"),
    # The pinned entry of a blog, found without scanning the blog's timeline.
    Index("ix_entries_pinned", "blog_id", "pinned", "deleted_at"),
    # The scheduler's question (what is due?) and the desk's queue of a blog.
    Index("ix_entries_due", "status", "publish_at"),
    Index("ix_entries_queue", "blog_id", "status"),
)

# Every version of an entry's content: number 1 as posted, one more per edit (written by the
# edit, which also writes number 1 from the row it changes if the entry had none yet).
entry_revisions = Table(
    "entry_revisions",
    metadata,
    Column("entry_id", IdType, ForeignKey("entries.id", ondelete="CASCADE"), primary_key=True),
    Column("number", Integer, primary_key=True, autoincrement=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("editor_id", IdType, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("headline", String(200), nullable=True),
    Column("body", Text, nullable=False),
    Column("source", String(300), nullable=True),
    Column("key_event", Boolean, nullable=False),
    Column("pinned", Boolean, nullable=False),
    Column("published_at", UTCDateTime(), nullable=False),
    Column("correction", Text, nullable=True),
    Column("minor", Boolean, nullable=False),
    Column("unverified", Boolean, nullable=False, server_default=false()),
)

# Uploaded photos (migration 0011, liveblog.domain.media): one row per upload; its files, named
# by their content's hash under LIVEBLOG_MEDIA_DIR, are listed in variants.
media = Table(
    "media",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("blog_id", IdType, ForeignKey("blogs.id", ondelete="CASCADE"), nullable=False),
    Column("uploaded_by", IdType, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("alt", Text, nullable=False, server_default=""),
    Column("credit", String(300), nullable=False, server_default=""),
    Column("caption", Text, nullable=True),
    Column("variants", JSON, nullable=False),
    Index("ix_media_blog_id_id", "blog_id", "id"),
)

# An entry's authors (its byline), members of the blog, in the order shown; an entry without
# rows here is by its poster (entries.author_id) alone.
entry_authors = Table(
    "entry_authors",
    metadata,
    Column("entry_id", IdType, ForeignKey("entries.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", IdType, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, nullable=False),
    Index("ix_entry_authors_user_id", "user_id"),
)

events = Table(
    "events",
    metadata,
    Column("blog_id", IdType, ForeignKey("blogs.id", ondelete="CASCADE"), primary_key=True),
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("type", String(32), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    # The entry an event is about (NULL for blog events): an edit or deletion rewrites the
    # entry's earlier events (storage.events.supersede), found through this index.
    Column("entry_id", IdType, nullable=True),
    # Who made the change (NULL for changes made before migration 0006 or by the system).
    Column("actor_id", IdType, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Index("ix_events_blog_id_entry_id", "blog_id", "entry_id"),
)

# Who did what in a blog, newest last: every event (with its original type, which the event
# log may later rewrite) and the changes that are not public events (members). Written in the
# transaction of the change.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("blog_id", IdType, ForeignKey("blogs.id", ondelete="CASCADE"), nullable=False),
    Column("action", String(32), nullable=False),
    Column("actor_id", IdType, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("entry_id", IdType, nullable=True),
    Column("detail", JSON, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_audit_log_blog_id_id", "blog_id", "id"),
)

# Who has a blog's desk open (one row per open desk page, ``client`` a random id the page
# makes) and which entry they are editing. Advisory: a row counts for 60 s after ``seen_at``
# (the desk stream refreshes it while connected), an editing mark for 60 s after
# ``editing_at``; older rows are deleted by the next write.
desk_presence = Table(
    "desk_presence",
    metadata,
    Column("blog_id", IdType, ForeignKey("blogs.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", IdType, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("client", String(64), primary_key=True),
    Column("seen_at", UTCDateTime(), nullable=False),
    Column("entry_id", IdType, nullable=True),
    Column("editing_at", UTCDateTime(), nullable=True),
    Index("ix_desk_presence_seen_at", "seen_at"),
)
