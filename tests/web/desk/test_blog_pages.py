"""The desk's blog administration pages: the list of your blogs, a new blog, a blog's
settings, members and audit log; who sees which, forms that say what is wrong next to the
field, and redirects after a good post."""

from __future__ import annotations

import re

from fastapi import FastAPI

from liveblog.domain.models import BlogStatus, User
from liveblog.storage import blogs as blog_rows
from liveblog.storage import members as member_rows
from tests.conftest import FakeClock
from tests.web.api.helpers import snapshot
from tests.web.desk.sessions import anonymous, log_in, team

HTML = "text/html; charset=utf-8"


def _errors(html: str) -> dict[str, str]:
    """Each field's error message, checked to be tied to its field by aria-describedby."""
    found = dict(re.findall(r'<p id="([a-z_]+)-error" class="admin-error">([^<]*)</p>', html))
    for name in found:
        control = re.search(rf'<(?:input|select|textarea|fieldset)[^>]* id="{name}"[^>]*>', html)
        assert control, f"no control for {name}"
        assert 'aria-invalid="true"' in control.group(0)
        assert f"{name}-error" in control.group(0)
    return found


def test_the_list_shows_your_blogs(app: FastAPI, admin: User, clock: FakeClock) -> None:
    t = team(app, admin)
    actions = app.state.services.actions
    actions.create_blog(admin, slug="other", title="Not yours")
    actions.update_profile(t.editor, display_name="", language="de")
    editor = log_in(app, t.editor.email)
    page = editor.get("/admin")
    assert page.status_code == 200
    assert page.headers["content-type"] == HTML
    assert page.headers["cache-control"] == "no-store"
    html = page.text
    assert '<html lang="de">' in html
    assert "Ihre Blogs" in html
    assert "Storm surge" in html
    assert "Not yours" not in html
    assert "Redakteur" in html
    assert "Offen" in html
    # 03:15 UTC is 05:15 in Berlin (the blog's zone), German style.
    assert "12.10.2023, 05:15 Uhr" in html
    assert 'href="/admin/blogs/storm"' in html
    assert 'href="/admin/blogs/storm/members"' in html
    assert 'href="/admin/blogs/storm/settings"' not in html
    assert 'href="/admin/blogs/storm/log"' not in html
    assert "/admin/blogs/new" not in html


def test_admins_see_every_blog_and_may_open_one(app: FastAPI, admin: User) -> None:
    t = team(app, admin)
    app.state.services.actions.update_blog(t.owner, "storm", {"status": "closed"})
    html = log_in(app, admin.email).get("/admin").text
    assert "Neuer Blog" in html
    assert 'href="/admin/blogs/new"' in html
    assert "Beendet" in html
    assert "Admin" in html
    for suffix in ("", "/settings", "/members", "/log"):
        assert f'href="/admin/blogs/storm{suffix}"' in html


def test_without_blogs_or_login(app: FastAPI, admin: User) -> None:
    t = team(app, admin)
    outsider = log_in(app, t.outsider.email)
    html = outsider.get("/admin").text
    assert "You have no role in any blog yet" in html
    assert "Storm surge" not in html
    reply = anonymous(app).get("/admin/blogs/storm/members")
    assert reply.status_code == 303
    assert reply.headers["location"] == "/admin/login?next=/admin/blogs/storm/members"


def test_an_admin_opens_a_blog(app: FastAPI, admin: User) -> None:
    desk = log_in(app, admin.email)
    form = desk.get("/admin/blogs/new")
    assert form.status_code == 200
    assert 'name="csrf_token"' in form.text
    assert "<option selected>Europe/Berlin</option>" in form.text
    reply = desk.post_form(
        "/admin/blogs/new",
        {
            "slug": "flood",
            "title": "Flood",
            "summary": "Rivers rise.",
            "language": "en",
            "timezone": "Europe/London",
        },
    )
    assert reply.status_code == 303
    assert reply.headers["location"] == "/admin/blogs/flood"
    with app.state.services.db.read() as conn:
        blog = blog_rows.by_slug(conn, "flood")
        assert blog is not None
        assert (blog.title, blog.summary, blog.language, blog.timezone) == (
            "Flood",
            "Rivers rise.",
            "en",
            "Europe/London",
        )
        assert [m.user.id for m in member_rows.members_of(conn, blog.id)] == [admin.id]


def test_a_bad_new_blog_says_what_is_wrong(app: FastAPI, admin: User) -> None:
    app.state.services.actions.create_blog(admin, slug="taken", title="Taken")
    desk = log_in(app, admin.email)
    before = snapshot(app.state.services.db)
    fields = {"summary": "", "language": "en", "timezone": "Europe/Berlin"}
    reply = desk.post_form("/admin/blogs/new", {**fields, "slug": "Bad Slug", "title": " "})
    assert reply.status_code == 422
    errors = _errors(reply.text)
    assert set(errors) == {"slug", "title"}
    assert "Verwenden Sie 1 bis 64 Kleinbuchstaben" in errors["slug"]
    assert 'value="Bad Slug"' in reply.text
    assert 'role="alert"' in reply.text
    wrong_zone = desk.post_form(
        "/admin/blogs/new", {**fields, "slug": "x", "title": "X", "timezone": "Mars/Base"}
    )
    assert set(_errors(wrong_zone.text)) == {"timezone"}
    taken = desk.post_form("/admin/blogs/new", {**fields, "slug": "taken", "title": "Again"})
    assert taken.status_code == 409
    assert _errors(taken.text) == {"slug": "Einen Blog mit dieser Adresse gibt es schon."}
    assert snapshot(app.state.services.db) == before


def test_only_admins_open_blogs_and_forms_need_the_token(app: FastAPI, admin: User) -> None:
    t = team(app, admin)
    owner = log_in(app, t.owner.email)
    refused = owner.get("/admin/blogs/new")
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("text/html")
    fields = {"slug": "mine", "title": "Mine", "language": "en", "timezone": "UTC"}
    assert owner.post_form("/admin/blogs/new", fields).status_code == 403
    desk = log_in(app, admin.email)
    before = snapshot(app.state.services.db)
    forged = desk.client.post(
        "/admin/blogs/new", data=fields, headers={"Origin": "http://testserver"}
    )
    assert forged.status_code == 403
    other_site = desk.client.post(
        "/admin/blogs/new",
        data={**fields, "csrf_token": desk.csrf_token},
        headers={"Origin": "https://evil.example"},
    )
    assert other_site.status_code == 403
    assert snapshot(app.state.services.db) == before


def test_owners_change_the_settings(app: FastAPI, admin: User) -> None:
    t = team(app, admin)
    owner = log_in(app, t.owner.email)
    page = owner.get("/admin/blogs/storm/settings")
    assert page.status_code == 200
    assert 'value="Storm surge"' in page.text
    assert "Water is rising.</textarea>" in page.text
    assert 'aria-current="page">Settings' in page.text
    values = {
        "title": "Storm surge, day 2",
        "summary": "",
        "language": "de",
        "timezone": "Europe/Vienna",
        "status": "closed",
    }
    reply = owner.post_form("/admin/blogs/storm/settings", values)
    assert reply.status_code == 303
    assert reply.headers["location"] == "/admin/blogs/storm/settings?done=saved"
    saved = owner.get(reply.headers["location"]).text
    assert "The settings have been saved." in saved
    assert 'role="status"' in saved
    with app.state.services.db.read() as conn:
        blog = blog_rows.by_slug(conn, "storm")
    assert blog is not None
    assert (blog.title, blog.summary, blog.language, blog.timezone, blog.status) == (
        "Storm surge, day 2",
        "",
        "de",
        "Europe/Vienna",
        BlogStatus.CLOSED,
    )


def test_bad_settings_keep_the_input(app: FastAPI, admin: User) -> None:
    t = team(app, admin)
    owner = log_in(app, t.owner.email)
    before = snapshot(app.state.services.db)
    values = {
        "title": "A\nB",
        "summary": "x" * 1001,
        "language": "fr",
        "timezone": "UTC",
        "status": "gone",
    }
    reply = owner.post_form("/admin/blogs/storm/settings", values)
    assert reply.status_code == 422
    assert set(_errors(reply.text)) == {"title", "summary", "language", "status"}
    assert "x" * 1001 in reply.text
    assert snapshot(app.state.services.db) == before


def test_settings_are_for_owners(app: FastAPI, admin: User) -> None:
    t = team(app, admin)
    for user, status in ((t.editor, 403), (t.contributor, 403), (t.outsider, 404), (admin, 200)):
        desk = log_in(app, user.email)
        reply = desk.get("/admin/blogs/storm/settings")
        assert reply.status_code == status, user.email
        assert reply.headers["content-type"].startswith("text/html")
        if status != 200:
            posted = desk.post_form("/admin/blogs/storm/settings", {"title": "Mine"})
            assert posted.status_code == status
    assert log_in(app, admin.email).get("/admin/blogs/nowhere/settings").status_code == 404


def test_owners_manage_members(app: FastAPI, admin: User) -> None:
    t = team(app, admin)
    owner = log_in(app, t.owner.email)
    page = owner.get("/admin/blogs/storm/members")
    assert page.status_code == 200
    assert t.editor.email in page.text
    assert "Add a member" in page.text
    added = owner.post_form(
        "/admin/blogs/storm/members", {"email": t.outsider.email, "role": "contributor"}
    )
    assert added.status_code == 303
    assert added.headers["location"] == "/admin/blogs/storm/members?done=added"
    assert "The member has been added." in owner.get(added.headers["location"]).text
    changed = owner.post_form(f"/admin/blogs/storm/members/{t.outsider.id}", {"role": "owner"})
    assert changed.headers["location"].endswith("done=changed")
    removed = owner.post_form(f"/admin/blogs/storm/members/{t.outsider.id}/remove")
    assert removed.headers["location"].endswith("done=removed")
    with app.state.services.db.read() as conn:
        blog = blog_rows.by_slug(conn, "storm")
        assert blog is not None
        assert member_rows.role_of(conn, blog.id, t.outsider.id) is None


def test_member_errors_are_shown(app: FastAPI, admin: User) -> None:
    t = team(app, admin)
    owner = log_in(app, t.owner.email)
    before = snapshot(app.state.services.db)
    unknown = owner.post_form(
        "/admin/blogs/storm/members", {"email": "nobody@example.org", "role": "editor"}
    )
    assert unknown.status_code == 422
    assert _errors(unknown.text) == {"email": "Enter the e-mail address of an existing user."}
    assert 'value="nobody@example.org"' in unknown.text
    bad_role = owner.post_form(
        "/admin/blogs/storm/members", {"email": t.outsider.email, "role": "boss"}
    )
    assert set(_errors(bad_role.text)) == {"role"}
    last = owner.post_form(f"/admin/blogs/storm/members/{t.owner.id}/remove")
    assert last.status_code == 409
    assert "A blog needs an owner" in last.text
    assert 'role="alert"' in last.text
    demote = owner.post_form(f"/admin/blogs/storm/members/{t.owner.id}", {"role": "editor"})
    assert demote.status_code == 409
    not_member = owner.post_form(f"/admin/blogs/storm/members/{t.outsider.id}/remove")
    assert not_member.status_code == 404
    assert snapshot(app.state.services.db) == before


def test_others_see_members_read_only(app: FastAPI, admin: User) -> None:
    t = team(app, admin)
    for user in (t.editor, t.contributor):
        desk = log_in(app, user.email)
        page = desk.get("/admin/blogs/storm/members")
        assert page.status_code == 200
        assert t.owner.email in page.text
        assert "Only the blog&#39;s owners can change its members." in page.text
        assert "/remove" not in page.text
        assert 'name="email"' not in page.text
        new = {"email": t.outsider.email, "role": "owner"}
        assert desk.post_form("/admin/blogs/storm/members", new).status_code == 403
        assert desk.post_form(f"/admin/blogs/storm/members/{t.owner.id}/remove").status_code == 403
    outsider = log_in(app, t.outsider.email)
    assert outsider.get("/admin/blogs/storm/members").status_code == 404
    assert outsider.post_form(f"/admin/blogs/storm/members/{t.owner.id}/remove").status_code == 404


def test_the_log_pages_back(app: FastAPI, admin: User, clock: FakeClock) -> None:
    t = team(app, admin)
    actions = app.state.services.actions
    for n in range(55):
        clock.advance(minutes=1)
        actions.create_entry(t.editor, "storm", body=f"Update number {n}.")
    owner = log_in(app, t.owner.email)
    first = owner.get("/admin/blogs/storm/log")
    assert first.status_code == 200
    lines = re.findall(r'<li class="audit-log__line">', first.text)
    assert len(lines) == 50
    assert first.text.index("Update number 54.") < first.text.index("Update number 53.")
    assert "editor-storm</strong> posted an entry" in first.text
    older = re.search(r'<a href="([^"]+)" rel="next">Older</a>', first.text)
    assert older
    second = owner.get(older.group(1).replace("&amp;", "&"))
    assert second.status_code == 200
    assert (
        len(re.findall(r'<li class="audit-log__line">', second.text)) == 10
    )  # 5 entries, blog.created, 3 x member.added, member.removed
    assert "Update number 4." in second.text
    assert "created the blog" in second.text
    assert 'rel="next"' not in second.text
    assert 'href="/admin/blogs/storm/log">Newest' in second.text
    assert owner.get("/admin/blogs/storm/log?cursor=forged").status_code == 422


def test_the_log_speaks_german_and_is_for_owners(app: FastAPI, admin: User) -> None:
    t = team(app, admin)
    actions = app.state.services.actions
    actions.update_profile(admin, display_name="", language="de")
    html = log_in(app, admin.email).get("/admin/blogs/storm/log").text
    assert "Protokoll" in html
    assert "hat ein Mitglied hinzugefügt" in html
    assert "Uhr</time>" in html
    for user, status in ((t.editor, 403), (t.contributor, 403), (t.outsider, 404)):
        assert log_in(app, user.email).get("/admin/blogs/storm/log").status_code == status
