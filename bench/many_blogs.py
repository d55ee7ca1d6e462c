"""Many blogs at once: a database with N blogs, each with an editor of its own and that editor's
API token (``writes``), and the check afterwards that each blog's event log is whole: numbers
1..head each once, and the ``entry.created`` events exactly the posts answered with 201."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bench.common import BenchError, http_get

if TYPE_CHECKING:  # liveblog is imported where it is used (the client side stays light)
    from liveblog.actions import Actions
    from liveblog.domain.models import User

PAGE = 500
"""Events per poll while checking the log (the endpoint's largest ``limit``)."""


@dataclass(frozen=True)
class Blog:
    slug: str
    token: str


def blog_with_editor(
    actions: Actions, admin: User, slug: str, title: str, summary: str, editor: str
) -> str:
    """An open German blog with a new user ``editor`` as its editor; that editor's API token."""
    actions.create_blog(
        admin, slug=slug, title=title, summary=summary, language="de", timezone="Europe/Berlin"
    )
    actions.create_user(editor, "user", "bench-password-2")
    actions.add_member(admin, slug, editor, "editor")
    _, token = actions.create_token(editor)
    return token


def seed_blogs(url: str, count: int) -> list[Blog]:
    """A migrated database with ``count`` open blogs, each with an editor of its own (a user
    with the role ``editor`` in that blog only) and that editor's API token."""
    from argon2 import PasswordHasher

    from liveblog.actions import Actions
    from liveblog.storage.database import Database
    from liveblog.storage.migrate import upgrade

    db = Database(url)
    try:
        upgrade(db)
        actions = Actions(db)
        # The posters use tokens, never passwords: a cheap hash keeps 50 users quick to make.
        actions.hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        admin = actions.create_user("bench-admin@example.org", "admin", "bench-password-1")
        blogs = []
        for n in range(1, count + 1):
            slug = f"writes-{n:03d}"
            title = f"Liveblog: Schreiblast {n}"
            summary = "Einer von vielen Blogs, die gleichzeitig Einträge bekommen."
            editor = f"bench-editor-{n:03d}@example.org"
            token = blog_with_editor(actions, admin, slug, title, summary, editor)
            blogs.append(Blog(slug, token))
        return blogs
    finally:
        db.dispose()


@dataclass
class LogCheck:
    events: int = 0
    problems: list[str] = field(default_factory=list)


def check_log(port: int, acked: Mapping[str, list[int]]) -> LogCheck:
    """Per blog: event numbers 1..head each once; ``entry.created`` events == the 201s."""
    check = LogCheck()
    for slug, answered in acked.items():
        seqs: list[int] = []
        created: list[int] = []
        after, head = 0, -1
        while True:
            resp = http_get(port, f"/api/v1/blogs/{slug}/events?after={after}&limit={PAGE}")
            if resp.status != 200:
                raise BenchError(f"GET events of {slug} answered {resp.status}")
            page = json.loads(resp.body)
            if page["reset"]:
                check.problems.append(f"{slug}: the poll answered reset at after={after}")
                break
            head = page["head"]
            for event in page["events"]:
                seqs.append(event["seq"])
                if event["type"] == "entry.created":
                    created.append(event["entry"]["id"])
            if not page["events"] or page["next_after"] >= head:
                break
            after = page["next_after"]
        check.events += len(seqs)
        if seqs != list(range(1, head + 1)):
            missing = sorted(set(range(1, head + 1)) - set(seqs))
            dups = len(seqs) - len(set(seqs))
            check.problems.append(
                f"{slug}: events are not 1..{head} once each: {len(missing)} missing "
                f"(first {missing[:5]}), {dups} duplicated"
            )
        ids = sorted(answered)
        if sorted(created) != ids:
            lost = sorted(set(ids) - set(created))
            extra = sorted(set(created) - set(ids))
            check.problems.append(
                f"{slug}: {len(ids)} posts answered 201, {len(created)} entry.created events; "
                f"answered but not in the log {lost[:5]}, in the log but not answered {extra[:5]}"
            )
    return check
