"""Settings: each has a default and a one-line description, read from ``LIVEBLOG_*`` variables.

``docs/configuration.md`` lists every setting; ``tests/test_docs.py`` keeps the two in step.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any


def _setting(default: Any, description: str) -> Any:
    return field(default=default, metadata={"description": description})


@dataclass(frozen=True)
class Settings:
    database_url: str = _setting(
        "sqlite:///liveblog.db",
        "SQLAlchemy URL of the database: a SQLite file (WAL mode) or postgresql://...",
    )
    broker_url: str = _setting(
        "memory://",
        "Where change notifications travel between server processes (memory:// is one process).",
    )
    host: str = _setting("127.0.0.1", "Address `liveblog serve` listens on.")
    port: int = _setting(8000, "Port `liveblog serve` listens on.")
    default_timezone: str = _setting(
        "Europe/Berlin", "IANA time zone given to new blogs that do not name one."
    )
    default_language: str = _setting(
        "de", "Language (de or en) given to new blogs that do not name one."
    )
    page_size: int = _setting(20, "Entries per reader page and default `limit` of the entries API.")
    max_page_size: int = _setting(100, "Largest `limit` the entries API accepts.")
    index_page_size: int = _setting(
        20, "Blogs per page of the index `/` (the running ones first, then the ended ones)."
    )
    max_request_bytes: int = _setting(
        262144, "Largest request body in bytes; larger requests get 413 Payload Too Large."
    )
    max_header_bytes: int = _setting(
        16384,
        "Largest request head (request line and headers) in bytes; a larger one gets 431 "
        "and the connection is closed.",
    )
    header_timeout_seconds: float = _setting(
        10.0,
        "Seconds a connection may take to send a complete request head; then it is closed.",
    )
    max_connections: int = _setting(
        0,
        "Most open connections per process; more get 503 with Retry-After and are closed "
        "(0: the open-file limit less a tenth, at least 64, for the database and the rest).",
    )
    max_streams_per_address: int = _setting(
        100,
        "Most open event streams per client address (IPv6: per /64); more get 429 with "
        "Retry-After (0: no limit).",
    )
    page_cache_size: int = _setting(
        256,
        "Most rendered reader pages (error pages such as 404 included) and events poll answers "
        "kept in memory per process.",
    )
    page_cache_bytes: int = _setting(
        67108864,
        "Most bytes of rendered pages and poll answers kept in memory per process; the least "
        "recently used go first, and a larger single page is served but not kept.",
    )
    page_revalidate_seconds: float = _setting(
        1.0,
        "Seconds a cached reader page is served before the blog's version is checked again.",
    )
    page_max_age: int = _setting(5, "Cache-Control max-age (seconds) of reader pages.")
    page_stale_while_revalidate: int = _setting(
        30, "Cache-Control stale-while-revalidate (seconds) of reader pages."
    )
    live_max_replay: int = _setting(
        5000,
        "Most events a reconnecting reader is replayed; further behind, it gets `reset`.",
    )
    live_ring_size: int = _setting(
        1024, "Recent events each blog's hub keeps in memory to replay reconnecting readers."
    )
    live_catch_up_seconds: float = _setting(
        10.0, "How often each process checks the event log for wake-ups the broker lost."
    )
    live_heartbeat_seconds: float = _setting(
        15.0, "Shortest pause between heartbeats on an event stream (up to twice that, jittered)."
    )
    poll_max_age: int = _setting(
        2, "Cache-Control max-age (seconds) of the events polling endpoint."
    )
    closed_max_age: int = _setting(
        3600,
        "Cache-Control max-age (seconds) of a closed blog's pages, embed, feeds and events polls "
        "(open blogs' are short).",
    )
    scheduler_seconds: float = _setting(
        0.5,
        "How often each server process looks for scheduled entries that are due (0: never).",
    )
    desk_stream_seconds: float = _setting(
        1.0,
        "How often each server process looks for changes to a blog's queue and to who has its "
        "desk open, once per blog for all its desk streams in the process.",
    )
    token_cache_seconds: float = _setting(
        30.0,
        "How long a process remembers a checked API token (0: check every request).",
    )
    access_log: bool = _setting(
        False,
        "Log every request (uvicorn's access log); off by default: it halves cached-page "
        "throughput, and the proxy or CDN in front usually logs requests anyway.",
    )
    public_url: str = _setting(
        "",
        "Public base URL of the site, e.g. https://live.example.org, that every absolute link "
        "starts with (empty: taken from each request; in reader pages, which are cached for all, "
        "and on the command line, the listen address).",
    )
    secret_key: str = _setting(
        "",
        "Secret that signs the pagination cursors of pages and API; the same in every process "
        "(empty: a random secret made once per database by its migrations and kept there).",
    )
    session_idle_hours: float = _setting(
        12.0, "Hours a desk login lasts without being used; then it must log in again."
    )
    session_absolute_days: float = _setting(
        7.0, "Days a desk login lasts at most, however much it is used."
    )
    login_limit_per_account: str = _setting(
        "10 per 15 minutes",
        "Most failed desk logins per account (e-mail) in a moving window; more get 429 with "
        "Retry-After (notation of the limits library, e.g. 5/minute).",
    )
    login_limit_per_address: str = _setting(
        "50 per 15 minutes",
        "Most failed desk logins per client address (IPv6: per /64) in a moving window; more "
        "get 429 with Retry-After.",
    )
    site_name: str = _setting(
        "liveblog",
        "The site's name: in the header and footer of every page, the author of every feed and "
        "the publication in the Google News sitemap.",
    )
    site_logo: str = _setting(
        "",
        "The site's logo in every reader page's header, the publisher's logo in structured data "
        "(JSON-LD) and the og:image of shared pages: an http(s) URL, an image file that liveblog "
        "serves (read at start, under a URL with its hash, cached for a year), or else a path "
        "under the site (empty: none).",
    )
    brand_color: str = _setting(
        "#b3001b",
        "The brand colour (#rrggbb) of kickers, key events and live buttons; one with less than "
        "4.5:1 contrast (WCAG AA) on the light background is darkened until it has, with a "
        "warning, and the dark scheme uses it lightened as far as needed.",
    )
    imprint_url: str = _setting(
        "", "URL of the imprint, linked in the footer of every page (empty: no link)."
    )
    privacy_url: str = _setting(
        "", "URL of the privacy policy, linked in the footer of every page (empty: no link)."
    )
    contact_url: str = _setting(
        "",
        "URL of the contact page (or a mailto: URL), linked in the footer of every page "
        "(empty: no link).",
    )
    media_dir: str = _setting(
        "media", "Directory uploaded photos are written to (relative: to the working directory)."
    )
    media_url: str = _setting(
        "",
        "Base URL (a CDN or object store holding LIVEBLOG_MEDIA_DIR's files) that photos are "
        "shown from (empty: liveblog serves them under /media/).",
    )
    media_max_bytes: int = _setting(
        20971520, "Largest photo upload in bytes; a larger one gets 413 and nothing is stored."
    )
    media_max_pixels: int = _setting(
        50000000,
        "Most pixels (width x height) an uploaded photo may have; a larger one (a decompression "
        "bomb, say) is refused with 422 before it is decoded.",
    )
    ld_updates: int = _setting(
        10,
        "Newest entries a blog page's structured data (JSON-LD liveBlogUpdate) lists (0: none).",
    )
    feed_size: int = _setting(
        20, "Newest entries in each feed of a blog (Atom, RSS and JSON Feed)."
    )
    feed_tombstones: int = _setting(
        20,
        "Most deleted entries an Atom feed announces as tombstones (RFC 6721), the most "
        "recently deleted first (0: none).",
    )
    websub_hub: str = _setting(
        "",
        "URL of a WebSub hub: feeds name it, and it is told of every change to a blog "
        "(empty: no hub).",
    )
    websub_tries: int = _setting(
        8, "Most tries to tell the WebSub hub of a change to a feed; then it is logged and dropped."
    )
    websub_retry_seconds: float = _setting(
        2.0, "Pause after a failed WebSub notification; it doubles with each further try."
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read ``LIVEBLOG_<NAME>`` for each setting; keyword arguments win over the environment
        (a variable they replace is not read, so a bad value there is no error)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name in overrides:
                continue
            raw = env.get(f"LIVEBLOG_{f.name.upper()}")
            if raw is None:
                continue
            convert: Callable[[str], Any] = (
                _boolean if isinstance(f.default, bool) else type(f.default)
            )
            try:
                values[f.name] = convert(raw)
            except ValueError as exc:
                raise SettingsError(f"LIVEBLOG_{f.name.upper()}: {exc}") from exc
        values.update(overrides)
        return cls(**values)


def _boolean(raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"expected true or false, got {raw!r}")


class SettingsError(ValueError):
    """A setting's value cannot be used."""


def settings_table() -> list[tuple[str, Any, str]]:
    """(environment variable, default, description) of every setting, in declaration order."""
    return [
        (f"LIVEBLOG_{f.name.upper()}", f.default, str(f.metadata["description"]))
        for f in fields(Settings)
    ]
