"""The demo's newsroom: an invented name, logo (``logo.svg`` next to this module), colour and
footer links (example.org), given to ``liveblog demo`` for each brand setting whose
``LIVEBLOG_*`` variable is not set (see :mod:`liveblog.web.brand`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from liveblog.config import Settings

LOGO = Path(__file__).parent / "logo.svg"
SITE = "https://hafenstadt-kurier.example.org"

DEMO_BRAND: dict[str, str] = {
    "site_name": "Hafenstadt-Kurier",
    "site_logo": str(LOGO),
    "brand_color": "#0a6e6e",
    "imprint_url": f"{SITE}/impressum",
    "privacy_url": f"{SITE}/datenschutz",
    "contact_url": f"{SITE}/kontakt",
}
"""The brand settings the demo sets."""


def demo_brand(settings: Settings, environ: Mapping[str, str]) -> Settings:
    """``settings`` with the demo's brand wherever ``environ`` does not name a value."""
    chosen: dict[str, Any] = {
        name: value
        for name, value in DEMO_BRAND.items()
        if f"LIVEBLOG_{name.upper()}" not in environ
    }
    return replace(settings, **chosen)


def brand_environment(settings: Settings) -> dict[str, str]:
    """The brand settings as ``LIVEBLOG_*`` variables (for worker processes)."""
    return {f"LIVEBLOG_{name.upper()}": str(getattr(settings, name)) for name in DEMO_BRAND}
