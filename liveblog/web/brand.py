"""The newsroom's brand on every page: its name, logo, colour and footer links, from the settings
``site_name``, ``site_logo``, ``brand_color``, ``imprint_url``, ``privacy_url`` and
``contact_url``.

* **Name and logo** head every reader page (a link to ``/``); the desk shows the name in its
  footer. ``site_logo`` is an http(s) URL (pages then allow images from that origin, and only
  from it: :attr:`Brand.image_origin`), or a file, read once when the app is built and served by
  :mod:`.brand_routes` under ``/brand/logo-<hash>.<ext>`` (12 hex digits of its SHA-256) with a
  year's ``immutable`` cache life; anything else is a path under the site (served by a proxy).
* **Colour**: the stylesheet's accent (``--accent``) becomes ``brand_color`` through a small
  generated stylesheet under ``/brand/brand-<hash>.css`` (a separate file, so the pages' strict
  ``Content-Security-Policy`` stays as it is: no inline style). Contrast stays WCAG AA whatever
  colour is set: the accent is text on the page's background and surface and the background of
  text in the page's background colour, so the colour is checked against both at 4.5:1
  (:mod:`liveblog.domain.contrast`). A colour that falls short in the light scheme is darkened
  just enough (and a warning says so); the dark scheme uses the colour lightened just enough
  for the dark backgrounds. The default colour is the stylesheet's own, which needs no extra
  stylesheet.
* **Footer links** (imprint, privacy, contact) show on every reader page and in the desk, each
  only when its setting is set.

Bad values (a colour that is none, a logo file that is missing or not an image, a link that is
not an http(s) or mailto: URL) are a :class:`SettingsError` naming the variable when the app is
built: ``liveblog serve`` reports it on one line and exits.

:func:`brand_of` builds a :class:`Brand` once per :class:`Settings`; reader pages render it like
everything else that comes from the settings, so the page cache keeps it. Desk pages read the
brand of the request's app from :func:`current` (set per request by :func:`use`).
"""

from __future__ import annotations

import hashlib
import logging
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from liveblog.config import Settings, SettingsError
from liveblog.domain import contrast
from liveblog.web.i18n import N_

log = logging.getLogger("liveblog.web")

DEFAULT_COLOR = "#b3001b"
"""The stylesheet's own accent (``--accent`` in ``style.css``): the default brand colour."""
LIGHT_BACKGROUNDS = ("#ffffff", "#f4f4f2")
"""``--background`` and ``--surface`` of the light scheme (``style.css``)."""
DARK_BACKGROUNDS = ("#121212", "#1e1e1e")
"""``--background`` and ``--surface`` of the dark scheme (``prefers-color-scheme: dark``)."""

PREFIX = "/brand/"
LOGO_TYPES = {
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".avif": "image/avif",
}
MAX_LOGO_BYTES = 1048576

_LINKS = (
    ("imprint_url", N_("Imprint")),
    ("privacy_url", N_("Privacy")),
    ("contact_url", N_("Contact")),
)


@dataclass(frozen=True)
class FooterLink:
    label: str
    """A msgid: templates translate it."""
    href: str


@dataclass(frozen=True)
class Asset:
    """A file served under ``/brand/``: its name there, type and bytes."""

    name: str
    media_type: str
    body: bytes

    @property
    def url(self) -> str:
        return PREFIX + self.name


@dataclass(frozen=True)
class Brand:
    name: str
    logo: str
    """The logo's ``src`` in pages: a path from the site's root or an http(s) URL; empty: none."""
    image_origin: str
    """The origin of a logo on another site (pages' ``img-src`` allows it); else empty."""
    links: tuple[FooterLink, ...]
    color_light: str
    color_dark: str
    assets: tuple[Asset, ...]
    """The logo file (when ``site_logo`` names one) and the colour's stylesheet (when the
    colour is not the default)."""

    @property
    def stylesheet(self) -> str:
        """The colour stylesheet's URL, empty for the default colour."""
        return next((a.url for a in self.assets if a.media_type == "text/css"), "")

    def asset(self, name: str) -> Asset | None:
        return next((a for a in self.assets if a.name == name), None)


def _digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:12]


def colors(setting: str) -> tuple[str, str]:
    """The brand colour for the light and the dark scheme, each with AA contrast on that
    scheme's backgrounds; a :class:`SettingsError` when ``setting`` is not a colour."""
    try:
        own = contrast.hex_of(contrast.parse(setting))
    except ValueError as exc:
        raise SettingsError(f"LIVEBLOG_BRAND_COLOR: {exc}") from exc
    light = contrast.reach(own, LIGHT_BACKGROUNDS, towards="dark")
    if light != own:
        log.warning(
            "LIVEBLOG_BRAND_COLOR: %s has a contrast of only %.2f:1 on the light background "
            "(WCAG AA needs %.1f:1); pages use %s instead",
            own,
            contrast.worst(own, LIGHT_BACKGROUNDS),
            contrast.AA_TEXT,
            light,
        )
    return light, contrast.reach(own, DARK_BACKGROUNDS, towards="light")


def stylesheet(light: str, dark: str) -> bytes:
    """The colour stylesheet: ``--accent`` (and ``--brand``) in both schemes."""
    return (
        f":root {{\n  --accent: {light};\n  --brand: {light};\n}}\n\n"
        "@media (prefers-color-scheme: dark) {\n"
        f"  :root {{\n    --accent: {dark};\n    --brand: {dark};\n  }}\n}}\n"
    ).encode()


def _web_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _logo(setting: str) -> tuple[str, str, Asset | None]:
    """``(src, image origin, served file)`` of the ``site_logo`` setting."""
    value = setting.strip()
    if not value:
        return "", "", None
    if _web_url(value):
        parts = urlsplit(value)
        return value, f"{parts.scheme}://{parts.netloc}", None
    path = Path(value).expanduser()
    if not path.is_file():
        # Not a file here: a path under the site, which something in front of liveblog serves.
        return "/" + value.lstrip("/"), "", None
    media_type = LOGO_TYPES.get(path.suffix.lower())
    if media_type is None:
        known = ", ".join(sorted(LOGO_TYPES))
        raise SettingsError(f"LIVEBLOG_SITE_LOGO: {value} is not an image file ({known})")
    try:
        body = path.read_bytes()
    except OSError as exc:
        raise SettingsError(f"LIVEBLOG_SITE_LOGO: cannot read {value}: {exc.strerror}") from exc
    if len(body) > MAX_LOGO_BYTES:
        raise SettingsError(
            f"LIVEBLOG_SITE_LOGO: {value} has {len(body)} bytes; at most {MAX_LOGO_BYTES}"
        )
    asset = Asset(f"logo-{_digest(body)}{path.suffix.lower()}", media_type, body)
    return asset.url, "", asset


def _links(settings: Settings) -> tuple[FooterLink, ...]:
    links = []
    for name, label in _LINKS:
        value = str(getattr(settings, name)).strip()
        if not value:
            continue
        if not (_web_url(value) or (value.startswith("mailto:") and "@" in value)):
            raise SettingsError(
                f"LIVEBLOG_{name.upper()}: {value!r} is not an http(s) or mailto: URL"
            )
        links.append(FooterLink(label, value))
    return tuple(links)


@lru_cache(maxsize=64)
def brand_of(settings: Settings) -> Brand:
    """The brand of ``settings`` (built once per settings; may raise :class:`SettingsError`)."""
    logo, origin, logo_file = _logo(settings.site_logo)
    light, dark = colors(settings.brand_color)
    assets = [logo_file] if logo_file else []
    if (light, dark) != colors(DEFAULT_COLOR):
        css = stylesheet(light, dark)
        assets.append(Asset(f"brand-{_digest(css)}.css", "text/css", css))
    return Brand(
        name=settings.site_name.strip() or "liveblog",
        logo=logo,
        image_origin=origin,
        links=_links(settings),
        color_light=light,
        color_dark=dark,
        assets=tuple(assets),
    )


_current: ContextVar[Brand | None] = ContextVar("liveblog_brand", default=None)


def use(brand: Brand) -> None:
    """Make ``brand`` the one :func:`current` returns for the rest of this request."""
    _current.set(brand)


def current() -> Brand:
    """The brand of the app answering the request (the default brand outside a request)."""
    return _current.get() or brand_of(Settings())
