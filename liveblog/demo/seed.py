"""Put the demo into a database, once: what exists already is left as it is.

Every write goes through :class:`~liveblog.actions.Actions`, so the demo's entries have events,
sequence numbers and rendered HTML exactly like entries posted through the API.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from liveblog.actions import Actions, MediaStore
from liveblog.demo.content import DemoAuthor, DemoBlog, DemoEntry, load_content
from liveblog.demo.picture import PICTURES
from liveblog.domain.errors import Conflict, Forbidden
from liveblog.domain.models import Blog, Role, User
from liveblog.storage import blogs as blog_rows
from liveblog.storage import users as user_rows

DEMO_EMAIL = "demo@example.org"


@dataclass(frozen=True)
class Seeded:
    """The demo admin and the demo blogs, and which of them this run created."""

    admin: User
    blogs: tuple[Blog, ...]
    created_admin: bool
    created_blogs: tuple[str, ...]


def seed(
    actions: Actions,
    content: tuple[DemoBlog, ...] | None = None,
    *,
    media: MediaStore | None = None,
) -> Seeded:
    """Create the demo admin and each demo blog that does not exist yet, with its entries;
    with ``media`` (where photos go), entries with a photo show it (without: their text only)."""
    content = load_content() if content is None else content
    admin, created_admin = _admin(actions)
    blogs: list[Blog] = []
    created: list[str] = []
    for demo in content:
        with actions.db.read() as conn:
            existing = blog_rows.by_slug(conn, demo.slug)
        if existing is not None:
            blogs.append(existing)
            continue
        try:
            blogs.append(_create(actions, admin, demo, media))
        except Conflict:  # another process opened it a moment ago
            with actions.db.read() as conn:
                blogs.append(_must_exist(blog_rows.by_slug(conn, demo.slug), demo.slug))
            continue
        created.append(demo.slug)
    return Seeded(admin, tuple(blogs), created_admin, tuple(created))


def _admin(actions: Actions) -> tuple[User, bool]:
    with actions.db.read() as conn:
        user = user_rows.by_email(conn, DEMO_EMAIL)
    if user is None:
        # Random: every `liveblog demo` gives it a fresh one (fresh_password) and prints it.
        password = secrets.token_urlsafe(24)
        try:
            return actions.create_user(DEMO_EMAIL, Role.ADMIN.value, password), True
        except Conflict:  # another process created it a moment ago
            with actions.db.read() as conn:
                user = user_rows.by_email(conn, DEMO_EMAIL)
            assert user is not None
    if not user.is_admin:
        raise Forbidden(f"{DEMO_EMAIL} exists but is not an admin, so it cannot open demo blogs")
    return user, False


def _create(actions: Actions, admin: User, demo: DemoBlog, media: MediaStore | None) -> Blog:
    """The blog, its authors and its entries, oldest first, published relative to the
    actions' clock."""
    blog = actions.create_blog(
        admin,
        slug=demo.slug,
        title=demo.title,
        summary=demo.summary,
        language=demo.language,
        timezone=demo.timezone,
        show_authors=demo.show_authors,
    )
    authors = {a.email: _author(actions, admin, demo.slug, a).id for a in demo.authors}
    now = actions.clock()
    for entry in demo.entries:
        actions.create_entry(
            admin,
            demo.slug,
            body=_with_photo(actions, admin, demo.slug, entry, media),
            unverified=entry.unverified,
            headline=entry.headline,
            key_event=entry.key_event,
            pinned=entry.pinned,
            source=entry.source,
            published_at=now - timedelta(minutes=entry.minutes_ago),
            authors=[authors[email] for email in entry.authors] or None,
        )
    with actions.db.read() as conn:
        return _must_exist(blog_rows.by_slug(conn, demo.slug), blog.slug)


def _with_photo(
    actions: Actions, admin: User, slug: str, entry: DemoEntry, media: MediaStore | None
) -> str:
    """The entry's text, and its photo after it (uploaded now) when there is one and a place
    for photos."""
    if entry.photo is None or media is None:
        return entry.body
    photo = entry.photo
    uploaded = actions.upload_media(
        admin,
        slug,
        PICTURES[photo.picture](),
        media,
        alt=photo.alt,
        credit=photo.credit,
        caption=photo.caption,
    )
    return f"{entry.body}\n\n![{photo.alt}](media:{uploaded.id})"


def _author(actions: Actions, admin: User, slug: str, author: DemoAuthor) -> User:
    """The demo reporter's user (made with a random password: nobody logs in as them), a
    contributor of the blog."""
    with actions.db.read() as conn:
        user = user_rows.by_email(conn, author.email)
    if user is None:
        password = secrets.token_urlsafe(24)
        try:
            user = actions.create_user(author.email, "user", password, display_name=author.name)
        except Conflict:  # another process created it a moment ago
            with actions.db.read() as conn:
                user = user_rows.by_email(conn, author.email)
            assert user is not None
    actions.add_member(admin, slug, user.email, "contributor")
    return user


def _must_exist(blog: Blog | None, slug: str) -> Blog:
    if blog is None:
        raise Conflict(f"the demo blog {slug!r} could neither be created nor found")
    return blog


def fresh_password(actions: Actions, admin: User) -> str:
    """Give the demo admin a new random password and return it, so ``liveblog demo`` can print
    a login for the desk (its earlier sessions end, as with any new password)."""
    password = secrets.token_urlsafe(12)
    actions.set_password(admin.email, password)
    return password
