"""One read decides what a signed-in user sees of a blog's private parts."""

from __future__ import annotations

import pytest

from liveblog.actions import Actions
from liveblog.domain.errors import Forbidden, NotFound
from liveblog.domain.models import BlogRole, User
from liveblog.domain.policy import Permission
from liveblog.web.access import blog_for


def test_blog_for_answers_by_role(actions: Actions, admin: User) -> None:
    actions.create_blog(admin, slug="storm", title="Sturmflut")
    anna = actions.create_user("anna@example.org", "user", "correct horse battery")
    with actions.db.read() as conn:
        with pytest.raises(NotFound):
            blog_for(conn, anna, "storm", Permission.VIEW_DESK)
        with pytest.raises(NotFound):
            blog_for(conn, admin, "nope", Permission.VIEW_DESK)
        blog, role = blog_for(conn, admin, "storm", Permission.VIEW_LOG)
    assert (blog.slug, role) == ("storm", BlogRole.OWNER)
    actions.add_member(admin, "storm", anna.email, "contributor")
    with actions.db.read() as conn:
        assert blog_for(conn, anna, "storm", Permission.VIEW_DESK)[1] is BlogRole.CONTRIBUTOR
        with pytest.raises(Forbidden):
            blog_for(conn, anna, "storm", Permission.VIEW_LOG)
