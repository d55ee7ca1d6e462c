"""Security headers in a real browser: the policies block nothing the pages need, and the API
docs (Swagger UI, with its one inline script allowed by hash) still work."""

from __future__ import annotations

from playwright.sync_api import ConsoleMessage

from tests.browser.conftest import LiveServer, OpenContext


def test_api_docs_render_under_their_content_security_policy(
    live_server: LiveServer, open_context: OpenContext
) -> None:
    recording = open_context(javascript=True, width=1280)
    page = recording.context.new_page()
    console: list[str] = []
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            console.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))

    response = page.goto(live_server.url("/api/v1/docs"))

    assert response is not None
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'self'" in policy
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    # Swagger UI ran its inline script, fetched the schema and listed the operations.
    page.wait_for_selector(".opblock-summary-path", timeout=15_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/v1/blogs" in path for path in paths), paths
    page.locator(".opblock-summary").first.click()
    page.wait_for_selector(".opblock-body", timeout=15_000)
    assert errors == []
    assert [m for m in console if "Content Security Policy" in m] == []
    assert recording.blocked == []


def test_reader_page_runs_its_script_under_the_policy(
    live_server: LiveServer, open_context: OpenContext
) -> None:
    live_server.actions.create_blog(live_server.admin, slug="csp-check", title="CSP")
    recording = open_context(javascript=True)
    page = recording.context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))

    for path in ("/", "/live/csp-check", "/live/unknown-blog", "/nothing-here"):
        response = page.goto(live_server.url(path))
        assert response is not None
        assert "frame-ancestors 'self'" in response.headers["content-security-policy"], path
        assert response.headers["x-content-type-options"] == "nosniff", path
    assert [m for m in console if "Content Security Policy" in m] == []
