"""The permission table: one function decides, and each role gets exactly its rights."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from liveblog.domain.errors import Forbidden, NotFound
from liveblog.domain.models import BlogRole, Role, User
from liveblog.domain.policy import PRIVATE, Permission, can, require, require_global, sees_desk

NOW = datetime(2023, 10, 12, tzinfo=UTC)
ADMIN = User(1, "a@example.org", Role.ADMIN, NOW)
USER = User(2, "u@example.org", Role.USER, NOW)
DISABLED_ADMIN = User(3, "d@example.org", Role.ADMIN, NOW, disabled_at=NOW)

EXPECTED: dict[BlogRole | None, set[Permission]] = {
    None: set(),
    BlogRole.CONTRIBUTOR: {
        Permission.VIEW_DESK,
        Permission.VIEW_MEMBERS,
        Permission.VIEW_HISTORY,
        Permission.WRITE_DRAFTS,
    },
    BlogRole.EDITOR: {
        Permission.VIEW_DESK,
        Permission.VIEW_MEMBERS,
        Permission.VIEW_HISTORY,
        Permission.WRITE_DRAFTS,
        Permission.WRITE_ENTRIES,
    },
    BlogRole.OWNER: set(Permission) - {Permission.CREATE_BLOG},
}


@pytest.mark.parametrize("role", list(EXPECTED))
@pytest.mark.parametrize("permission", list(Permission))
def test_each_blog_role_has_exactly_its_rights(
    role: BlogRole | None, permission: Permission
) -> None:
    assert can(USER, permission, role) is (permission in EXPECTED[role])


@pytest.mark.parametrize("permission", list(Permission))
def test_admins_may_everything_unless_disabled(permission: Permission) -> None:
    assert can(ADMIN, permission, None)
    assert not can(DISABLED_ADMIN, permission, BlogRole.OWNER)
    assert not can(None, permission, BlogRole.OWNER)


def test_a_blog_s_private_parts_do_not_exist_for_users_without_a_role() -> None:
    assert not sees_desk(USER, None)
    for permission in PRIVATE:
        with pytest.raises(NotFound):
            require(USER, permission, None, "storm")
    # Writing concerns the public blog: the blog exists, the user may not.
    with pytest.raises(Forbidden, match="no role"):
        require(USER, Permission.WRITE_ENTRIES, None, "storm")
    with pytest.raises(Forbidden):
        require(USER, Permission.MANAGE_MEMBERS, BlogRole.EDITOR, "storm")
    require(USER, Permission.MANAGE_MEMBERS, BlogRole.OWNER, "storm")


def test_only_admins_create_blogs() -> None:
    require_global(ADMIN, Permission.CREATE_BLOG)
    with pytest.raises(Forbidden):
        require_global(USER, Permission.CREATE_BLOG)
    assert not can(USER, Permission.CREATE_BLOG, BlogRole.OWNER)
