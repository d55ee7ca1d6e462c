"""``/admin/blogs/{slug}/entries/{id}/history``: an entry's revisions and what changed between
any two of them, word by word (:mod:`liveblog.domain.diff`).

Every member of the blog (contributors included) and admins read it
(:data:`Permission.VIEW_HISTORY`); anyone else gets 404. ``?a=`` and ``?b=`` choose the two
revisions (by number; by default the one before the newest and the newest). A number the entry
does not have answers 404 with the page and a word on what to choose instead; one that is no
number at all answers 400, as every desk page does for a bad parameter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, Response

from liveblog.domain import diff
from liveblog.domain.models import Entry, Revision, User
from liveblog.domain.policy import Permission
from liveblog.domain.rules import MAX_ID
from liveblog.web import i18n
from liveblog.web.access import blog_for
from liveblog.web.api.revisions import entry_history
from liveblog.web.desk.access import DeskSession
from liveblog.web.desk.blogs import Place, _common, _language, _moment
from liveblog.web.desk.pages import render
from liveblog.web.i18n import N_
from liveblog.web.reader.models import UNVERIFIED
from liveblog.web.services import Services, ServicesDep

router = APIRouter()
EntryId = Annotated[int, Path(ge=1, le=MAX_ID)]
Number = Annotated[int | None, Query(ge=1, le=MAX_ID)]
SUMMARY_WORDS = 12

TEXT_FIELDS = (
    ("headline", N_("Headline")),
    ("body", N_("Text")),
    ("source", N_("Source")),
    ("correction", N_("Correction note")),
)
MARKED_UNVERIFIED = N_("marked not verified")
UNMARKED_UNVERIFIED = N_("“not verified” removed")
NO_REVISION = N_("This entry has no revision %(number)s. Choose two of the revisions listed.")


@dataclass(frozen=True)
class History:
    """What the page shows, read for one user: the blog, their role, the entry, its revisions."""

    place: Place
    entry: Entry
    revisions: list[Revision]


@dataclass(frozen=True)
class FieldChange:
    """One text field compared: its label, the diff's segments and whether they differ."""

    label: str
    segments: list[diff.Segment]
    changed: bool


def _load(services: Services, user: User, slug: str, entry_id: int) -> History:
    blog, entry, revisions = entry_history(services, user, slug, entry_id)
    with services.db.read() as conn:  # the user's role, for the blog's navigation
        _, role = blog_for(conn, user, slug, Permission.VIEW_HISTORY)
    return History(Place(blog, role), entry, revisions)


def summary(entry: Entry) -> str:
    """The entry's headline, else the first words of its text."""
    if entry.headline:
        return entry.headline
    words = entry.body.split()
    text = " ".join(words[:SUMMARY_WORDS])
    return text + " …" if len(words) > SUMMARY_WORDS else text


def field_changes(older: Revision, newer: Revision, _: Callable[[str], str]) -> list[FieldChange]:
    """The text fields of the two revisions, word by word (fields empty in both left out)."""
    changes = []
    for name, label in TEXT_FIELDS:
        before, after = getattr(older, name) or "", getattr(newer, name) or ""
        if before or after:
            segments = diff.words(before, after)
            changes.append(FieldChange(_(label), segments, diff.changed(segments)))
    return changes


def flag_changes(
    older: Revision, newer: Revision, _: Callable[[str], str], when: Callable[[Any], str]
) -> list[tuple[str, str, str]]:
    """(what, before, after) of each flag that differs between the two revisions."""
    yes_no = {True: _("yes"), False: _("no")}
    found = []
    if older.key_event != newer.key_event:
        found.append((_("Key event"), yes_no[older.key_event], yes_no[newer.key_event]))
    if older.pinned != newer.pinned:
        found.append((_("Pinned"), yes_no[older.pinned], yes_no[newer.pinned]))
    if older.unverified != newer.unverified:
        found.append((_(UNVERIFIED), yes_no[older.unverified], yes_no[newer.unverified]))
    if older.published_at != newer.published_at:
        found.append((_("Time of the entry"), when(older.published_at), when(newer.published_at)))
    return found


def badges(revisions: list[Revision], _: Callable[[str], str]) -> dict[int, list[str]]:
    """Each revision's badges: "minor" when its editor marked it so, "correction" when it
    brought a new correction note, "marked unverified" / "unverified label removed" when it
    changed the flag (the first revision: when it was posted with it)."""
    found: dict[int, list[str]] = {}
    previous: Revision | None = None
    for revision in revisions:
        marks = []
        if revision.minor:
            marks.append(_("minor"))
        if revision.correction and (previous is None or previous.correction != revision.correction):
            marks.append(_("correction"))
        if revision.unverified != (previous.unverified if previous else False):
            marks.append(_(MARKED_UNVERIFIED if revision.unverified else UNMARKED_UNVERIFIED))
        found[revision.number] = marks
        previous = revision
    return found


@router.get("/blogs/{slug}/entries/{entry_id}/history", response_class=HTMLResponse)
async def entry_history_page(
    slug: str,
    entry_id: EntryId,
    session: DeskSession,
    services: ServicesDep,
    a: Number = None,
    b: Number = None,
) -> Response:
    """The entry's revisions, and the changes from revision ``a`` to revision ``b``."""
    history = await run_in_threadpool(_load, services, session.user, slug, entry_id)
    language = _language(session)
    _ = i18n.translator(language)
    revisions = {r.number: r for r in history.revisions}
    numbers = sorted(revisions)
    newest = numbers[-1]
    default_a = numbers[-2] if len(numbers) > 1 else newest
    problem = None
    wanted_a, wanted_b = a or default_a, b or newest
    for wanted in (wanted_a, wanted_b):
        if wanted not in revisions:
            problem = _(NO_REVISION) % {"number": wanted}
            break
    older, newer = (
        (revisions[default_a], revisions[newest])
        if problem
        else (revisions[wanted_a], revisions[wanted_b])
    )
    when = _moment(language, history.place.blog.timezone)
    return render(
        "history.html",
        language=language,
        title=_("History of the entry") + " · " + history.place.blog.title,
        session=session,
        status=404 if problem else 200,
        **_common(
            session,
            history.place,
            entry=history.entry,
            summary=summary(history.entry),
            revisions=list(reversed(history.revisions)),
            badges=badges(history.revisions, _),
            when=when,
            older=older,
            newer=newer,
            fields=field_changes(older, newer, _),
            flags=flag_changes(older, newer, _, when),
            problem=problem,
            nobody=_("someone no longer known"),
        ),
    )


__all__ = ["router"]
