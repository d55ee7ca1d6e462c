"""What a signed-in user may see of a blog's private parts, read in the caller's snapshot."""

from __future__ import annotations

from sqlalchemy import Connection

from liveblog.domain import policy
from liveblog.domain.errors import NotFound
from liveblog.domain.models import Blog, BlogRole, User
from liveblog.domain.policy import Permission
from liveblog.storage import blogs as blog_rows
from liveblog.storage import members as member_rows


def blog_for(
    conn: Connection, user: User, slug: str, permission: Permission
) -> tuple[Blog, BlogRole | None]:
    """The blog and ``user``'s role there, once the user may do ``permission`` in it: else
    :class:`NotFound` (no such blog, or no role in it for a private permission) or
    ``Forbidden`` (:func:`liveblog.domain.policy.require`)."""
    blog = blog_rows.by_slug(conn, slug)
    if blog is None:
        raise NotFound(f"no blog with the slug {slug!r}")
    role = member_rows.role_of(conn, blog.id, user.id)
    policy.require(user, permission, role, slug)
    return blog, role
