"""Memberships: a user's role in a blog."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, func, insert, select, update

from liveblog.domain.models import Blog, BlogRole, Member
from liveblog.storage.blogs import blog_from_row
from liveblog.storage.tables import blogs, memberships, users
from liveblog.storage.users import user_from_row


def role_of(conn: Connection, blog_id: int, user_id: int) -> BlogRole | None:
    value = conn.execute(
        select(memberships.c.role).where(
            memberships.c.blog_id == blog_id, memberships.c.user_id == user_id
        )
    ).scalar_one_or_none()
    return BlogRole(value) if value is not None else None


def members_of(conn: Connection, blog_id: int) -> list[Member]:
    rows = conn.execute(
        select(
            users, memberships.c.role.label("member_role"), memberships.c.created_at.label("since")
        )
        .join(memberships, memberships.c.user_id == users.c.id)
        .where(memberships.c.blog_id == blog_id)
        .order_by(users.c.email)
    ).mappings()
    return [Member(user_from_row(r), BlogRole(r["member_role"]), r["since"]) for r in rows]


def blogs_of(
    conn: Connection, user_id: int, *, every_blog: bool = False
) -> list[tuple[Blog, BlogRole | None]]:
    """The blogs the user has a role in, with that role, newest change first; with
    ``every_blog`` (an admin) all blogs, with the user's role where they have one."""
    mine = (memberships.c.blog_id == blogs.c.id) & (memberships.c.user_id == user_id)
    query = select(blogs, memberships.c.role.label("member_role")).order_by(
        blogs.c.updated_at.desc(), blogs.c.id.desc()
    )
    query = query.outerjoin(memberships, mine) if every_blog else query.join(memberships, mine)
    return [
        (blog_from_row(r), BlogRole(r["member_role"]) if r["member_role"] else None)
        for r in conn.execute(query).mappings()
    ]


def put(conn: Connection, blog_id: int, user_id: int, role: BlogRole, now: datetime) -> None:
    """Give the user ``role`` in the blog, adding the membership if there is none."""
    changed = conn.execute(
        update(memberships)
        .where(memberships.c.blog_id == blog_id, memberships.c.user_id == user_id)
        .values(role=role.value)
    ).rowcount
    if not changed:
        conn.execute(
            insert(memberships).values(
                blog_id=blog_id, user_id=user_id, role=role.value, created_at=now
            )
        )


def remove(conn: Connection, blog_id: int, user_id: int) -> bool:
    return bool(
        conn.execute(
            delete(memberships).where(
                memberships.c.blog_id == blog_id, memberships.c.user_id == user_id
            )
        ).rowcount
    )


def owner_count(conn: Connection, blog_id: int) -> int:
    return int(
        conn.execute(
            select(func.count()).where(
                memberships.c.blog_id == blog_id, memberships.c.role == BlogRole.OWNER.value
            )
        ).scalar_one()
    )
