"""Who may do what: the one place that decides every permission, with no I/O.

A user's rights in a blog come from their global role (admins may do everything) and their
membership of that blog (:class:`BlogRole`). A disabled user may do nothing. Callers that find a
user without any role in a blog answer as if the blog's private parts did not exist (404, not
403), so nobody learns about blogs beyond their public pages: :func:`sees_desk` tells them apart.
"""

from __future__ import annotations

from enum import StrEnum

from liveblog.domain.errors import Forbidden, NotFound
from liveblog.domain.models import BlogRole, User


class Permission(StrEnum):
    CREATE_BLOG = "create blogs"
    VIEW_DESK = "open the desk of this blog"
    WRITE_ENTRIES = "post, edit, delete or pin entries in this blog"
    EDIT_BLOG = "change this blog's settings or open and close it"
    VIEW_MEMBERS = "see the members of this blog"
    MANAGE_MEMBERS = "add, change or remove members of this blog"
    VIEW_LOG = "read this blog's audit log"
    VIEW_HISTORY = "read the history of this blog's entries"
    WRITE_DRAFTS = "write drafts in this blog and submit them for review"


_GRANTED: dict[BlogRole, frozenset[Permission]] = {
    BlogRole.CONTRIBUTOR: frozenset(
        {
            Permission.VIEW_DESK,
            Permission.VIEW_MEMBERS,
            Permission.VIEW_HISTORY,
            Permission.WRITE_DRAFTS,
        }
    ),
    BlogRole.EDITOR: frozenset(
        {
            Permission.VIEW_DESK,
            Permission.VIEW_MEMBERS,
            Permission.VIEW_HISTORY,
            Permission.WRITE_DRAFTS,
            Permission.WRITE_ENTRIES,
        }
    ),
    BlogRole.OWNER: frozenset(set(Permission) - {Permission.CREATE_BLOG}),
}
"""What each blog role allows. Contributors write drafts and submit them; editors publish."""


def can(user: User | None, permission: Permission, role: BlogRole | None = None) -> bool:
    """Whether ``user``, whose role in the blog concerned is ``role`` (``None``: no role, or no
    blog concerned), may do ``permission``."""
    if user is None or user.disabled:
        return False
    if user.is_admin:
        return True
    return role is not None and permission in _GRANTED[role]


def sees_desk(user: User | None, role: BlogRole | None) -> bool:
    """Whether the blog's private parts exist for ``user`` at all."""
    return can(user, Permission.VIEW_DESK, role)


PRIVATE = frozenset(
    {
        Permission.VIEW_DESK,
        Permission.EDIT_BLOG,
        Permission.VIEW_MEMBERS,
        Permission.MANAGE_MEMBERS,
        Permission.VIEW_LOG,
        Permission.VIEW_HISTORY,
    }
)
"""What concerns a blog's private parts (desk, settings, members, log, entries' history): for a
user without a role there, they do not exist (404). Writing entries concerns the public blog:
403."""


def require(user: User | None, permission: Permission, role: BlogRole | None, slug: str) -> None:
    """Raise unless ``user`` may do ``permission`` in the blog ``slug``: :class:`NotFound` for
    a :data:`PRIVATE` permission when the user has no role there (the blog's private parts do
    not exist for them), else :class:`Forbidden`."""
    if can(user, permission, role):
        return
    if permission in PRIVATE and not sees_desk(user, role):
        raise NotFound(f"no blog with the slug {slug!r}")
    if role is None:
        raise Forbidden(f"you have no role in the blog {slug!r}, so you may not {permission.value}")
    raise Forbidden(f"your role in this blog does not allow you to {permission.value}")


def require_global(user: User | None, permission: Permission) -> None:
    """Raise :class:`Forbidden` unless ``user`` may do ``permission``, which concerns no blog."""
    if not can(user, permission):
        raise Forbidden(f"only admins may {permission.value}")
