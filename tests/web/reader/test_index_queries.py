"""The index page asks the database a fixed number of questions, however many blogs are open
(it asked for each blog's newest change in a loop: one query per blog)."""

from __future__ import annotations

from liveblog.actions import Actions
from liveblog.config import Settings
from liveblog.domain.models import User
from liveblog.storage.database import Database
from liveblog.web.reader.routes import render_index
from tests.conftest import Statements


def _selects_for_index(db: Database, settings: Settings, statements: Statements) -> int:
    statements.clear()
    with db.read() as conn:
        render_index(conn, settings=settings, cursor_key=b"k" * 32)
    return len(statements.selects())


def test_the_index_queries_do_not_grow_with_the_blogs(
    db: Database, actions: Actions, admin: User, settings: Settings, statements: Statements
) -> None:
    for n in range(2):
        actions.create_blog(admin, slug=f"blog-{n}", title=f"Blog {n}")
        actions.create_entry(admin, f"blog-{n}", body="Eins.")
    few = _selects_for_index(db, settings, statements)
    for n in range(2, 7):
        actions.create_blog(admin, slug=f"blog-{n}", title=f"Blog {n}")
        actions.create_entry(admin, f"blog-{n}", body="Eins.")
    assert _selects_for_index(db, settings, statements) == few
