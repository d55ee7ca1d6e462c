"""The only code that writes. Each action validates, writes its rows and their event in one
transaction, and tells the commit listeners (the page cache, the broker) after the commit.

Zulip's event queue is the model: writers go through actions only, events are sent on commit,
and a listener that misses a notification loses nothing because the event log is authoritative.
"""

from __future__ import annotations

from liveblog.actions.base import Clock, CommitListener, Committed, utc_now
from liveblog.actions.blogs import BLOG_FIELDS, BlogActions
from liveblog.actions.entries import ANY_VERSION, ENTRY_FIELDS, IfMatch
from liveblog.actions.imports import IdsTaken, ImportActions, Imported, SlugTaken
from liveblog.actions.media import MediaActions, MediaStore, Pruned
from liveblog.actions.members import MemberActions
from liveblog.actions.presence import PresenceActions
from liveblog.actions.sessions import Lifetimes, LoginFailed, NewSession, SessionActions
from liveblog.actions.users import MIN_PASSWORD, UserActions
from liveblog.actions.workflow import WorkflowActions
from liveblog.domain.errors import InvalidInput


class Actions(
    BlogActions,
    WorkflowActions,
    MemberActions,
    SessionActions,
    UserActions,
    PresenceActions,
    ImportActions,
    MediaActions,
):
    """Every write of the application, one module per aggregate (:mod:`.blogs`,
    :mod:`.entries` with :mod:`.workflow`, :mod:`.members`, :mod:`.sessions`, :mod:`.users`,
    :mod:`.presence`, :mod:`.imports`, :mod:`.media`).
    Stateless apart from its database, clock and listeners."""


__all__ = [
    "ANY_VERSION",
    "BLOG_FIELDS",
    "ENTRY_FIELDS",
    "MIN_PASSWORD",
    "Actions",
    "Clock",
    "CommitListener",
    "Committed",
    "IdsTaken",
    "IfMatch",
    "Imported",
    "InvalidInput",
    "Lifetimes",
    "LoginFailed",
    "MediaStore",
    "NewSession",
    "Pruned",
    "SlugTaken",
    "utc_now",
]
