"""``liveblog demo`` brands its pages as an invented newsroom (name, logo file, colour, footer
links to example.org), unless a brand variable is set."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from liveblog import cli
from liveblog.config import Settings
from liveblog.demo.brand import DEMO_BRAND, LOGO, brand_environment, demo_brand
from liveblog.web.brand import brand_of
from tests.ports import free_port


def test_the_demo_brand_is_complete_and_needs_no_adjusting(
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = demo_brand(Settings(), {})
    brand = brand_of(settings)
    assert brand.name == "Hafenstadt-Kurier"
    assert LOGO.is_file()
    assert brand.logo.startswith("/brand/logo-")
    assert brand.logo.endswith(".svg")
    assert [link.href.split("/")[2] for link in brand.links] == [
        "hafenstadt-kurier.example.org"
    ] * 3
    assert brand.color_light == DEMO_BRAND["brand_color"]
    assert not caplog.messages  # AA as it is: nothing was darkened


def test_a_brand_variable_that_is_set_wins() -> None:
    settings = demo_brand(Settings(site_name="Eigene Zeitung"), {"LIVEBLOG_SITE_NAME": "x"})
    assert settings.site_name == "Eigene Zeitung"
    assert settings.brand_color == DEMO_BRAND["brand_color"]
    assert brand_environment(settings)["LIVEBLOG_SITE_NAME"] == "Eigene Zeitung"


def test_liveblog_demo_serves_the_brand(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def fake_run(self: uvicorn.Server, sockets: list[socket.socket] | None = None) -> None:
        seen["app"] = self.config.app

    monkeypatch.setattr(uvicorn.Server, "run", fake_run)
    monkeypatch.setenv("LIVEBLOG_DATABASE_URL", f"sqlite:///{tmp_path / 'demo.db'}")
    monkeypatch.setenv("LIVEBLOG_MEDIA_DIR", str(tmp_path / "media"))
    for name in DEMO_BRAND:
        monkeypatch.delenv(f"LIVEBLOG_{name.upper()}", raising=False)
    assert cli.main(["demo", "--port", str(free_port())]) == 0
    settings = seen["app"].state.services.settings
    assert settings.site_name == "Hafenstadt-Kurier"
    assert settings.site_logo == str(LOGO)
