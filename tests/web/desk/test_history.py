"""An entry's history in the desk (``/admin/blogs/{slug}/entries/{id}/history``): its
revisions, and what changed between two of them, word by word; for every member of the blog."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi import FastAPI

from liveblog.domain.models import Entry, User
from tests.conftest import FakeClock
from tests.web.desk.sessions import Team, anonymous, log_in, team


def _path(entry: Entry | int, query: str = "") -> str:
    entry_id = entry if isinstance(entry, int) else entry.id
    return f"/admin/blogs/storm/entries/{entry_id}/history" + (f"?{query}" if query else "")


def _edited(app: FastAPI, t: Team, clock: FakeClock) -> Entry:
    """An entry posted by the editor and edited twice: the editor's fix of a word through the
    API, then the owner's correction note and key event."""
    actions = app.state.services.actions
    entry = actions.create_entry(
        t.editor, "storm", body="The dam holds.\nWater is rising.", headline="Dam at Passau"
    )
    clock.now += timedelta(minutes=5)
    editor = log_in(app, t.editor.email)
    url = f"/api/v1/blogs/storm/entries/{entry.id}"
    reply = editor.api(
        "PATCH",
        url,
        json={"body": "The dam broke.\nWater is rising."},
        headers={"If-Match": editor.get(url).headers["etag"]},
    )
    assert reply.status_code == 200, reply.text
    clock.now += timedelta(minutes=5)
    edited: Entry = actions.update_entry(
        t.owner,
        "storm",
        entry.id,
        {"correction": "Earlier we said <the dam> held.", "key_event": True},
        if_match=entry.version + 1,
    )
    return edited


def _revisions(html: str) -> list[str]:
    return re.findall(r'<span class="history-revision__number">([^<]*)</span>', html)


def test_an_editor_sees_the_revisions_and_the_last_edit_word_by_word(
    app: FastAPI, admin: User, clock: FakeClock
) -> None:
    t = team(app, admin)
    entry = _edited(app, t, clock)
    page = log_in(app, t.editor.email).get(_path(entry))
    assert page.status_code == 200, page.text
    assert page.headers["cache-control"] == "no-store"
    html = page.text
    assert '<html lang="en">' in html
    assert "<q>Dam at Passau</q>" in html
    assert _revisions(html) == ["Revision 3", "Revision 2", "Revision 1"]
    # The blog's zone (Berlin): 03:25 UTC is 05:25 there.
    assert '<time datetime="2023-10-12T03:25:00+00:00">12 Oct 2023, 05:25</time>' in html
    assert "owner-storm" in html
    assert "editor-storm" in html
    assert '<span class="badge">correction</span>' in html
    assert 'href="/admin/blogs/storm"' in html
    # By default: the one before the newest against the newest.
    assert "From revision 2 to revision 3" in html
    assert '<option value="2" selected>' in html
    assert '<option value="3" selected>' in html
    # The note is escaped, and the text did not change from 2 to 3.
    assert "<ins>Earlier we said &lt;the dam&gt; held.</ins>" in html
    assert "<the dam>" not in html
    assert "Key event: was no, now yes" in html
    assert "<del>holds.</del>" not in html


def test_a_contributor_compares_any_two_revisions(
    app: FastAPI, admin: User, clock: FakeClock
) -> None:
    t = team(app, admin)
    entry = _edited(app, t, clock)
    page = log_in(app, t.contributor.email).get(_path(entry, "a=1&b=2"))
    assert page.status_code == 200, page.text
    html = page.text
    assert _revisions(html) == ["Revision 3", "Revision 2", "Revision 1"]
    assert "From revision 1 to revision 2" in html
    assert "The dam <del>holds.</del><ins>broke.</ins>\nWater is rising." in html
    assert "(unchanged)" in html  # the headline
    assert (
        "Key event, pinning, time of the entry and the “not independently verified” label "
        "are unchanged." in html
    )
    backwards = log_in(app, t.contributor.email).get(_path(entry, "a=3&b=1")).text
    assert "<del>broke.</del><ins>holds.</ins>" in backwards
    assert "<del>Earlier we said &lt;the dam&gt; held.</del>" in backwards


def test_minor_edits_and_german(app: FastAPI, admin: User, clock: FakeClock) -> None:
    t = team(app, admin)
    actions = app.state.services.actions
    actions.update_profile(t.editor, display_name="Anna Berg", language="de")
    entry = actions.create_entry(t.editor, "storm", body="Der Pegel steigt auf 8,20 m.")
    clock.now += timedelta(minutes=1)
    actions.update_entry(
        t.editor,
        "storm",
        entry.id,
        {"body": "Der Pegel steigt auf 8,40 m.", "minor": True},
        if_match=entry.version,
    )
    html = log_in(app, t.editor.email).get(_path(entry)).text
    assert '<html lang="de">' in html
    assert "Verlauf des Eintrags" in html
    assert '<span class="badge">klein</span>' in html
    assert "Anna Berg" in html
    assert "12.10.2023, 05:16 Uhr" in html
    assert "Von Fassung 1 zu Fassung 2" in html
    assert "<del>8,20</del><ins>8,40</ins>" in html
    assert "Vergleichen" in html
    # No headline: the page names the entry by its first words.
    assert "<q>Der Pegel steigt auf 8,40 m.</q>" in html


def test_an_entry_never_edited_has_one_revision(app: FastAPI, admin: User) -> None:
    t = team(app, admin)
    words = " ".join(f"word{i}" for i in range(20))
    entry = app.state.services.actions.create_entry(t.editor, "storm", body=words)
    page = log_in(app, t.contributor.email).get(_path(entry))
    assert page.status_code == 200
    html = page.text
    assert _revisions(html) == ["Revision 1"]
    assert "This entry has not been edited yet." in html
    assert "<select" not in html
    assert "<del>" not in html
    assert "<ins>" not in html
    assert (
        "<q>word0 word1 word2 word3 word4 word5 word6 word7 word8 word9 word10 word11 …</q>" in html
    )


def test_a_deleted_entry_keeps_its_history(app: FastAPI, admin: User, clock: FakeClock) -> None:
    t = team(app, admin)
    entry = _edited(app, t, clock)
    app.state.services.actions.delete_entry(t.owner, "storm", entry.id, if_match=entry.version)
    page = log_in(app, t.editor.email).get(_path(entry))
    assert page.status_code == 200
    assert "This entry has been deleted; its history is kept." in page.text


def test_bad_revision_numbers_are_4xx_never_500(
    app: FastAPI, admin: User, clock: FakeClock
) -> None:
    t = team(app, admin)
    entry = _edited(app, t, clock)
    editor = log_in(app, t.editor.email)
    missing = editor.get(_path(entry, "a=9"))
    assert missing.status_code == 404
    assert "This entry has no revision 9." in missing.text
    assert _revisions(missing.text) == ["Revision 3", "Revision 2", "Revision 1"]
    assert editor.get(_path(entry, "b=4")).status_code == 404
    for query in ("a=abc", "a=0", "b=-1", "a=1.5", "b=99999999999999999999999"):
        assert editor.get(_path(entry, query)).status_code == 400, query
    assert editor.get(_path(entry.id + 100)).status_code == 404
    assert editor.get(_path(0)).status_code in (400, 404)
    assert editor.get("/admin/blogs/nope/entries/1/history").status_code == 404


def test_outsiders_get_404_and_the_anonymous_the_login(
    app: FastAPI, admin: User, clock: FakeClock
) -> None:
    t = team(app, admin)
    entry = _edited(app, t, clock)
    assert log_in(app, t.outsider.email).get(_path(entry)).status_code == 404
    assert log_in(app, admin.email).get(_path(entry)).status_code == 200
    reply = anonymous(app).get(_path(entry, "a=1"))
    assert reply.status_code == 303
    assert reply.headers["location"] == f"/admin/login?next={_path(entry)}%3Fa%3D1"


def test_the_desk_offers_the_history_and_the_correction_fields(app: FastAPI, admin: User) -> None:
    t = team(app, admin)
    html = log_in(app, t.editor.email).get("/admin/blogs/storm").text
    assert 'data-label-history="History"' in html
    assert 'data-field="correction"' in html
    assert 'maxlength="500"' in html
    assert 'data-field="minor"' in html
    assert "Minor edit (readers get no &#39;updated&#39; mark)" in html
    contributor = log_in(app, t.contributor.email).get("/admin/blogs/storm").text
    assert 'data-label-history="History"' in contributor
    assert 'data-field="correction"' not in contributor
