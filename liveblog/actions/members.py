"""Actions on a blog's members: add, change the role of and remove them.

Membership changes are no public events (readers never see them), but each is in the blog's
audit log. A blog always keeps an owner: removing or demoting the last one is a conflict.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from liveblog.actions.base import ActionsBase, authorize, authorized_blog, blog_or_404
from liveblog.actions.users import user_by_email
from liveblog.domain import rules
from liveblog.domain.errors import Conflict, FieldError, InvalidInput, NotFound
from liveblog.domain.models import Blog, BlogRole, Member, User
from liveblog.domain.policy import Permission
from liveblog.storage import audit
from liveblog.storage import blogs as blog_rows
from liveblog.storage import members as member_rows
from liveblog.storage import users as user_rows
from liveblog.storage.writer import Done

BLOG_ROLES = tuple(r.value for r in BlogRole)


def blog_role(errors: rules.Collector, value: Any) -> BlogRole | None:
    if isinstance(value, str) and value in BLOG_ROLES:
        return BlogRole(value)
    errors.add("role", "must be one of " + ", ".join(f"'{r}'" for r in BLOG_ROLES))
    return None


class MemberActions(ActionsBase):
    def members(self, actor: User, slug: str) -> list[Member]:
        with self.db.read() as conn:
            blog = _blog(conn, slug)
            authorize(conn, actor, Permission.VIEW_MEMBERS, blog)
            return member_rows.members_of(conn, blog.id)

    def add_member(self, actor: User | None, slug: str, email: Any, role: Any) -> Member:
        """Give the user with this e-mail ``role`` in the blog (changing it if they have one).
        ``actor`` ``None`` is the operator on the command line (``liveblog member add``), who
        may do this in any blog and is recorded as nobody in the audit log."""
        errors = rules.Collector()
        clean_email = rules.email(errors, email if isinstance(email, str) else "")
        new_role = blog_role(errors, role)
        errors.raise_if_any()
        assert new_role is not None

        def add(conn: Connection) -> Done[Member]:
            if actor is None:  # the operator
                blog = blog_or_404(conn, slug)
            else:
                blog = authorized_blog(conn, slug, actor, Permission.MANAGE_MEMBERS)
            try:
                user = user_by_email(conn, clean_email)
            except NotFound as exc:
                raise InvalidInput(
                    [FieldError("email", f"no user has the e-mail {clean_email}")]
                ) from exc
            return Done(self._set_role(conn, actor, blog, user, new_role, "member.added"))

        return self._write(add, blog=slug)

    def change_member(self, actor: User, slug: str, user_id: int, role: Any) -> Member:
        errors = rules.Collector()
        new_role = blog_role(errors, role)
        errors.raise_if_any()
        assert new_role is not None

        def change(conn: Connection) -> Done[Member]:
            blog = authorized_blog(conn, slug, actor, Permission.MANAGE_MEMBERS)
            user = _member(conn, blog, user_id)
            return Done(self._set_role(conn, actor, blog, user, new_role, "member.changed"))

        return self._write(change, blog=slug)

    def remove_member(self, actor: User, slug: str, user_id: int) -> None:
        def remove(conn: Connection) -> Done[None]:
            blog = authorized_blog(conn, slug, actor, Permission.MANAGE_MEMBERS)
            user = _member(conn, blog, user_id)
            if member_rows.role_of(conn, blog.id, user.id) is BlogRole.OWNER:
                _keep_an_owner(conn, blog)
            member_rows.remove(conn, blog.id, user.id)
            audit.record(conn, blog.id, "member.removed", actor.id, self.clock(), detail=_who(user))
            return Done(None)

        self._write(remove, blog=slug)

    def _set_role(
        self,
        conn: Connection,
        actor: User | None,
        blog: Blog,
        user: User,
        role: BlogRole,
        action: str,
    ) -> Member:
        now = self.clock()
        before = member_rows.role_of(conn, blog.id, user.id)
        if before is BlogRole.OWNER and role is not BlogRole.OWNER:
            _keep_an_owner(conn, blog)
        if before is not role:
            member_rows.put(conn, blog.id, user.id, role, now)
            if before is not None:
                action = "member.changed"
            actor_id = actor.id if actor is not None else None
            audit.record(
                conn, blog.id, action, actor_id, now, detail={**_who(user), "role": role.value}
            )
        found = [m for m in member_rows.members_of(conn, blog.id) if m.user.id == user.id]
        return found[0]


def _blog(conn: Connection, slug: str) -> Blog:
    """The blog, unlocked (for reads)."""
    blog = blog_rows.by_slug(conn, slug)
    if blog is None:
        raise NotFound(f"no blog with the slug {slug!r}")
    return blog


def _member(conn: Connection, blog: Blog, user_id: int) -> User:
    user = user_rows.by_id(conn, user_id)
    if user is None or member_rows.role_of(conn, blog.id, user_id) is None:
        raise NotFound(f"user {user_id} is not a member of this blog")
    return user


def _keep_an_owner(conn: Connection, blog: Blog) -> None:
    if member_rows.owner_count(conn, blog.id) <= 1:
        raise Conflict("a blog needs an owner: make someone else owner first")


def _who(user: User) -> dict[str, Any]:
    return {"user_id": user.id, "email": user.email, "name": user.name}
