"""The newsroom's brand: the site's name, logo, colour and footer links on every reader page (blog,
entry, index, error pages) and desk page, the logo file and colour stylesheet under hashed URLs
cached for a year, a colour short of AA contrast darkened with a warning, a bad value refused
with one line naming the variable, and a logo on another host allowed by the pages' policy."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from liveblog import cli
from liveblog.actions import Actions
from liveblog.config import Settings, SettingsError
from liveblog.domain import contrast
from liveblog.domain.models import User
from liveblog.storage.database import Database
from liveblog.web import create_app
from liveblog.web.brand import DARK_BACKGROUNDS, LIGHT_BACKGROUNDS, brand_of
from liveblog.web.security_headers import CONTENT_SECURITY_POLICY
from liveblog.web.static_files import IMMUTABLE
from tests.conftest import FakeClock
from tests.ports import free_port
from tests.web.desk.logins import log_in

SLUG = "flut"
LOGO = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>'
LINKS: dict[str, Any] = {
    "imprint_url": "https://elbe-kurier.example.org/impressum",
    "privacy_url": "https://elbe-kurier.example.org/datenschutz",
    "contact_url": "mailto:live@elbe-kurier.example.org",
}


@pytest.fixture
def logo(tmp_path: Path) -> Path:
    path = tmp_path / "logo.svg"
    path.write_bytes(LOGO)
    return path


@pytest.fixture
def branded(settings: Settings, logo: Path) -> Settings:
    return replace(
        settings,
        site_name="Elbe-Kurier",
        site_logo=str(logo),
        brand_color="#ffff00",
        **LINKS,
    )


@pytest.fixture
def app(db: Database, branded: Settings, clock: FakeClock) -> FastAPI:
    return create_app(branded, db=db, clock=clock, migrate=False)


@pytest.fixture
def entry_id(app: FastAPI, admin: User) -> int:
    writer: Actions = app.state.services.actions
    writer.create_blog(admin, slug=SLUG, title="Sturmflut", language="de")
    return writer.create_entry(admin, SLUG, body="Der Deich hält.").id


def logo_url() -> str:
    return f"/brand/logo-{hashlib.sha256(LOGO).hexdigest()[:12]}.svg"


def assert_branded(html: str, *, header: bool = True) -> None:
    assert "Elbe-Kurier" in html
    for href in LINKS.values():
        assert f'href="{href}"' in html
    if header:
        assert f'<img class="site-header__logo" src="{logo_url()}"' in html
        assert re.search(r'<link rel="stylesheet" href="/brand/brand-[0-9a-f]{12}\.css">', html)


def test_every_reader_page_shows_the_brand(client: TestClient, entry_id: int) -> None:
    for path in ("/", f"/live/{SLUG}", f"/live/{SLUG}/entries/{entry_id}"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_branded(response.text)
        assert "Impressum" in response.text or path == "/"  # the blog's language: German
    for path, status in (
        ("/live/nothing", 404),
        (f"/live/{SLUG}/entries/999", 404),
        (f"/live/{SLUG}/entries/x", 404),
    ):
        response = client.get(path)
        assert response.status_code == status, path
        assert_branded(response.text)


def test_footer_links_are_in_the_pages_language(client: TestClient, entry_id: int) -> None:
    html = client.get(f"/live/{SLUG}").text
    assert '<nav aria-label="Über diese Website">' in html
    for label in ("Impressum", "Datenschutz", "Kontakt"):
        assert f">{label}</a>" in html


def test_the_embed_takes_the_colour_but_no_header_or_footer(
    client: TestClient, entry_id: int
) -> None:
    html = client.get(f"/live/{SLUG}/embed").text
    assert "site-header" not in html
    assert "site-footer" not in html
    assert re.search(r'<link rel="stylesheet" href="/brand/brand-[0-9a-f]{12}\.css">', html)


def test_desk_pages_show_the_footer(client: TestClient, admin: User) -> None:
    assert_branded(client.get("/admin/login").text, header=False)
    log_in(client, admin.email)
    for path in ("/admin", "/admin/account"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_branded(response.text, header=False)


def test_the_logo_is_served_under_its_hash_for_a_year(client: TestClient) -> None:
    response = client.get(logo_url())
    assert response.status_code == 200
    assert response.content == LOGO
    assert response.headers["content-type"] == "image/svg+xml"
    assert response.headers["cache-control"] == IMMUTABLE
    assert "sandbox" in response.headers["content-security-policy"]
    assert client.get("/brand/logo-000000000000.svg").status_code == 404
    assert client.get("/brand/anything").status_code == 404


def test_structured_data_names_the_logo_by_its_hashed_url(
    client: TestClient, entry_id: int
) -> None:
    html = client.get(f"/live/{SLUG}").text
    assert f'"logo":{{"@type":"ImageObject","url":"http://127.0.0.1:8000{logo_url()}"}}' in html
    assert f'<meta property="og:image" content="http://127.0.0.1:8000{logo_url()}">' in html


def test_a_colour_short_of_aa_is_darkened_with_a_warning(
    branded: Settings, caplog: pytest.LogCaptureFixture, client: TestClient
) -> None:
    brand_of.cache_clear()
    with caplog.at_level(logging.WARNING, logger="liveblog.web"):
        brand = brand_of(branded)
    assert (
        "LIVEBLOG_BRAND_COLOR: #ffff00 has a contrast of only 1.03:1 on the light background "
        f"(WCAG AA needs 4.5:1); pages use {brand.color_light} instead"
    ) in caplog.messages
    assert contrast.worst(brand.color_light, LIGHT_BACKGROUNDS) >= 4.5
    assert contrast.worst(brand.color_dark, DARK_BACKGROUNDS) >= 4.5
    css = client.get(brand.stylesheet)
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert css.headers["cache-control"] == IMMUTABLE
    assert f"--accent: {brand.color_light};" in css.text
    assert "prefers-color-scheme: dark" in css.text
    assert f"--accent: {brand.color_dark};" in css.text


def test_a_colour_with_enough_contrast_is_kept(settings: Settings) -> None:
    brand = brand_of(replace(settings, brand_color="#0B4F9C"))
    assert brand.color_light == "#0b4f9c"
    assert brand.stylesheet.startswith("/brand/brand-")


def test_the_defaults_add_no_stylesheet_links_or_logo(settings: Settings) -> None:
    brand = brand_of(settings)
    assert (brand.name, brand.logo, brand.links, brand.stylesheet) == ("liveblog", "", (), "")


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("brand_color", "red", "LIVEBLOG_BRAND_COLOR: 'red' is not a colour such as #b3001b"),
        ("imprint_url", "impressum.html", "LIVEBLOG_IMPRINT_URL: 'impressum.html' is not"),
        ("contact_url", "javascript:alert(1)", "LIVEBLOG_CONTACT_URL: 'javascript:alert(1)'"),
    ],
)
def test_a_bad_value_is_refused_naming_the_variable(
    settings: Settings, name: str, value: str, message: str
) -> None:
    overrides: dict[str, Any] = {name: value}
    with pytest.raises(SettingsError, match=re.escape(message)):
        create_app(replace(settings, **overrides), migrate=False)


def test_a_logo_file_that_is_no_image_is_refused(settings: Settings, tmp_path: Path) -> None:
    text = tmp_path / "logo.txt"
    text.write_text("logo")
    with pytest.raises(SettingsError, match=r"LIVEBLOG_SITE_LOGO: .* is not an image file"):
        brand_of(replace(settings, site_logo=str(text)))


def test_serve_reports_a_bad_colour_on_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LIVEBLOG_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("LIVEBLOG_BRAND_COLOR", "#12345")
    code = cli.main(["serve", "--port", str(free_port())])
    err = capsys.readouterr().err
    assert code != 0
    assert (
        err == "liveblog: error: LIVEBLOG_BRAND_COLOR: '#12345' is not a colour such as #b3001b\n"
    )


def test_settings_come_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "LIVEBLOG_BRAND_COLOR": "#0b4f9c",
            "LIVEBLOG_IMPRINT_URL": LINKS["imprint_url"],
            "LIVEBLOG_PRIVACY_URL": LINKS["privacy_url"],
            "LIVEBLOG_CONTACT_URL": LINKS["contact_url"],
        }
    )
    assert settings.brand_color == "#0b4f9c"
    assert (settings.imprint_url, settings.privacy_url, settings.contact_url) == tuple(
        LINKS.values()
    )
    assert Settings().brand_color == "#b3001b"


@pytest.fixture
def remote_logo_client(db: Database, settings: Settings, clock: FakeClock) -> Iterator[TestClient]:
    configured = replace(settings, site_logo="https://cdn.example.org/brand/logo.png")
    app = create_app(configured, db=db, clock=clock, migrate=False)
    with TestClient(app) as test_client:
        yield test_client


def test_a_logo_on_another_host_is_allowed_from_that_origin_only(
    remote_logo_client: TestClient, admin: User
) -> None:
    expected = f"{CONTENT_SECURITY_POLICY}; img-src 'self' https://cdn.example.org"
    index = remote_logo_client.get("/")
    assert 'src="https://cdn.example.org/brand/logo.png"' in index.text
    assert index.headers["content-security-policy"] == expected
    missing = remote_logo_client.get("/live/nothing")
    assert missing.headers["content-security-policy"] == expected
    login = remote_logo_client.get("/admin/login")
    assert login.headers["content-security-policy"] == expected


def test_without_a_remote_logo_the_policy_is_unchanged(client: TestClient) -> None:
    assert client.get("/").headers["content-security-policy"] == CONTENT_SECURITY_POLICY
