"""``LiveModel``, the Python port of ``live.js`` that tests/web/live/test_live_page.py runs through
hypothesis, checked against the real ``live.js`` in Chromium: the same older page and the same
event sequence must end in the same articles, in the same order, with the same text.

The browser talks to no server: every request of the page is answered by the app through a
``TestClient`` (Playwright's routing), and ``EventSource`` is taken away, so ``live.js`` polls,
once, for exactly the events the model applied.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import replace
from html import unescape
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Route

from liveblog.actions import Actions
from liveblog.config import Settings
from liveblog.domain.models import User
from liveblog.storage.database import Database
from liveblog.storage.migrate import upgrade
from liveblog.web import create_app
from tests.conftest import FakeClock
from tests.web.live.test_live_page import KINDS, LiveModel, Op, Scenario

pytestmark = pytest.mark.browser

ORIGIN = "http://liveblog.test"
TAG = re.compile(r"<[^>]*>")
SEEDS = range(6)


def _ops(rng: random.Random, count: int, kinds: list[str]) -> list[Op]:
    return [(rng.choice(kinds), rng.randrange(10_001), rng.randrange(10_001)) for _ in range(count)]


def sequence(seed: int) -> tuple[list[Op], list[Op], list[Op]]:
    """Seed entries, operations before the page is rendered, and after (no mid-way polls: the
    browser polls once, at the end, and so does the model)."""
    rng = random.Random(seed)
    kinds = [k for k in KINDS if k != "poll"]
    seed_ops = _ops(rng, rng.randrange(1, 9), ["create"])
    return seed_ops, _ops(rng, rng.randrange(6), kinds), _ops(rng, rng.randrange(3, 25), kinds)


def text(html: str) -> str:
    return " ".join(unescape(TAG.sub("", html)).split())


@pytest.fixture
def small_pages(tmp_path: Path) -> Iterator[tuple[TestClient, User, FakeClock, Database]]:
    """The app with pages of 3 entries (the page's floor matters), SQLite, a fake clock."""
    db = Database(f"sqlite:///{tmp_path / 'model.db'}")
    upgrade(db)
    clock = FakeClock()
    settings = replace(Settings(database_url=f"sqlite:///{tmp_path / 'unused.db'}"), page_size=3)
    app = create_app(settings, db=db, clock=clock, migrate=False)
    actions = app.state.services.actions
    assert isinstance(actions, Actions)
    admin = actions.create_user("model@example.org", "admin", "correct horse battery")
    try:
        with TestClient(app) as client:
            yield client, admin, clock, db
    finally:
        db.dispose()


@pytest.mark.parametrize("view", ["", "?key_events=1"])
@pytest.mark.parametrize("seed", SEEDS)
def test_live_js_and_its_python_model_agree(
    browser: Browser,
    small_pages: tuple[TestClient, User, FakeClock, Database],
    seed: int,
    view: str,
) -> None:
    client, admin, clock, db = small_pages
    app = client.app
    assert isinstance(app, FastAPI)
    scenario = Scenario(app, admin, clock, db)
    seed_ops, before, after = sequence(seed)
    for op in seed_ops + before:
        scenario.run(op, None, client)
    url = f"/live/{scenario.slug}{view}"
    old_page = client.get(url).text
    model = LiveModel(old_page)
    for op in after:
        scenario.run(op, None, client)
    model.poll(client)
    model.release()

    def answer(route: Route) -> None:
        request = route.request
        if not request.url.startswith(ORIGIN + "/"):
            route.abort()
            return
        path = request.url.removeprefix(ORIGIN)
        if path == url:  # the page as it was rendered before the events
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=old_page)
            return
        response = client.get(path, headers={"accept": request.headers.get("accept", "*/*")})
        headers = {k: v for k, v in response.headers.items() if k != "content-encoding"}
        route.fulfill(status=response.status_code, headers=headers, body=response.content)

    context = browser.new_context(java_script_enabled=True, service_workers="block")
    try:
        context.add_init_script("delete window.EventSource;")
        context.route("**/*", answer)
        page = context.new_page()
        page.goto(ORIGIN + url)
        page.wait_for_function(
            f"document.querySelector('.live').dataset.liveSeq === '{model.applied}'",
            timeout=15_000,
        )
        new = page.locator(".live-status__new")
        if new.count():
            new.click()
        page.wait_for_function("!document.querySelector('.live-status__new')", timeout=15_000)
        shown = page.eval_on_selector_all(
            ".entries > article.entry", "all => all.map(a => [a.id, a.textContent])"
        )
        assert [(i, " ".join(t.split())) for i, t in shown] == [
            (f"entry-{i}", text(html)) for i, html in model.shown()
        ]
        if model.page:
            assert page.title() == model.page["title"]
            header = page.locator(".blog-header")
            assert header.locator(".headline").text_content() == model.page["headline"]
            assert header.locator(".stand time").text_content() == model.page["stand"]
            assert header.locator(".stand time").get_attribute("data-day") == model.page["day"]
            assert (header.locator(".closed").count() == 1) is model.page["closed"]
    finally:
        context.close()
