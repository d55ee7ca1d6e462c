"""The "not independently verified" flag in an entry's desk history: a revision that changed
it says so (a badge, and a line under "Other changes"), in the user's language; the desk's
entry list shows the reader's label on unverified entries."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi import FastAPI

from liveblog.domain.models import User
from tests.conftest import FakeClock
from tests.web.desk.sessions import log_in, team


def _badges(html: str) -> dict[str, list[str]]:
    """Each revision's badges, by its label ("Revision 2")."""
    found = {}
    for item in re.findall(r'<li class="history-revision.*?</li>', html, re.DOTALL):
        number = re.search(r'history-revision__number">([^<]*)<', item)
        assert number
        found[number.group(1)] = re.findall(r'<span class="badge">([^<]*)</span>', item)
    return found


def test_revisions_that_change_the_flag_say_so(app: FastAPI, admin: User, clock: FakeClock) -> None:
    t = team(app, admin)
    actions = app.state.services.actions
    entry = actions.create_entry(t.editor, "storm", body="A video shows the dam.", unverified=True)
    clock.now += timedelta(minutes=5)
    actions.update_entry(t.editor, "storm", entry.id, {"body": "A video shows it."}, if_match="*")
    clock.now += timedelta(minutes=5)
    actions.update_entry(t.owner, "storm", entry.id, {"unverified": False}, if_match="*")
    path = f"/admin/blogs/storm/entries/{entry.id}/history"
    editor = log_in(app, t.editor.email)

    html = editor.get(path).text
    assert _badges(html) == {
        "Revision 3": ["“not verified” removed"],
        "Revision 2": [],
        "Revision 1": ["marked not verified"],
    }
    assert "Not independently verified: was yes, now no" in html
    # Between the first two revisions the flag did not change.
    assert "Not independently verified: was" not in editor.get(f"{path}?a=1&b=2").text

    actions.update_profile(t.editor, display_name="", language="de")
    german = log_in(app, t.editor.email).get(path).text
    assert "„nicht überprüfbar“ entfernt" in german
    assert "Nicht unabhängig überprüfbar: vorher ja, jetzt nein" in german


def test_the_desk_list_shows_the_label_on_unverified_entries(
    app: FastAPI, admin: User, clock: FakeClock
) -> None:
    t = team(app, admin)
    actions = app.state.services.actions
    flagged = actions.create_entry(t.editor, "storm", body="Unconfirmed.", unverified=True)
    plain = actions.create_entry(t.editor, "storm", body="Confirmed.")
    html = log_in(app, t.editor.email).get("/admin/blogs/storm").text
    wrappers = dict(
        re.findall(
            r'<div class="desk-entry" data-entry-id="(\d+)".*?(<article.*?</article>)',
            html,
            re.DOTALL,
        )
    )
    # The blog's language (German by default), as readers see it.
    label = '<p class="unverified">Nicht unabhängig überprüfbar</p>'
    assert label in wrappers[str(flagged.id)]
    assert label not in wrappers[str(plain.id)]
