"""Which URLs are embeddable posts and videos, and the one iframe address each may load.

An entry line that holds only the URL of a post or video of a known provider becomes a
consent placeholder (:mod:`liveblog.render`); after a reader's click the page frames
:attr:`Embed.src`, built here from the provider and the post's id with a fixed template, so no
text of the editor's ever reaches an iframe address. Recognition is strict: ``https`` (``http``
is upgraded), the provider's exact host (or its ``www.``/``m.`` variant), no user name,
password or port, printable ASCII only (so no lookalike letters), and every id matched by a
narrow character class. Anything else is not an embed and stays a plain link.

:data:`FRAME_ORIGINS` lists every origin an :attr:`Embed.src` can have: the reader pages'
``frame-src`` and the consent script's allowlist are built from it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, urlsplit

MASTODON_INSTANCES = frozenset(
    {
        "mastodon.social", "mastodon.online", "mstdn.social", "mas.to", "chaos.social",
        "social.bund.de", "troet.cafe", "norden.social", "det.social", "social.tchncs.de",
        "fosstodon.org", "hachyderm.io", "infosec.exchange", "mastodon.world", "journa.host",
        "newsie.social",
    }
)  # fmt: skip
"""The Mastodon servers whose posts are embedded (each one's origin must be in the CSP);
posts of other servers stay links."""

PROVIDER_NAMES = {
    "youtube": "YouTube",
    "vimeo": "Vimeo",
    "x": "X",
    "instagram": "Instagram",
    "tiktok": "TikTok",
    "facebook": "Facebook",
    "telegram": "Telegram",
    "mastodon": "Mastodon",
    "bluesky": "Bluesky",
}
"""Each provider's key (``data-embed-provider``) and the name readers see."""

PROVIDER_ORIGINS: dict[str, frozenset[str]] = {
    "youtube": frozenset({"https://www.youtube-nocookie.com"}),
    "vimeo": frozenset({"https://player.vimeo.com"}),
    "x": frozenset({"https://platform.twitter.com"}),
    "instagram": frozenset({"https://www.instagram.com"}),
    "tiktok": frozenset({"https://www.tiktok.com"}),
    "facebook": frozenset({"https://www.facebook.com"}),
    "telegram": frozenset({"https://t.me"}),
    "mastodon": frozenset(f"https://{host}" for host in MASTODON_INSTANCES),
    "bluesky": frozenset({"https://embed.bsky.app"}),
}
"""The origins each provider's iframes load from."""

FRAME_ORIGINS: tuple[str, ...] = tuple(sorted(set().union(*PROVIDER_ORIGINS.values())))
"""Every origin an :attr:`Embed.src` can have, sorted."""


@dataclass(frozen=True)
class Embed:
    provider: str
    """A key of :data:`PROVIDER_NAMES`."""
    id: str
    """The post or video, as the provider names it (with its author or server where the
    iframe address needs them: ``chaos.social/@user/1234``)."""
    src: str
    """The iframe address: always under one of the provider's :data:`PROVIDER_ORIGINS`."""

    @property
    def name(self) -> str:
        return PROVIDER_NAMES[self.provider]


_PRINTABLE = re.compile(r"[!-~]{1,2048}")
"""Printable ASCII without spaces: a URL with anything else is never an embed."""
_YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{11}")
_DIGITS = re.compile(r"[0-9]{1,20}")
_TWITTER_USER = re.compile(r"[A-Za-z0-9_]{1,15}")
_INSTAGRAM_ID = re.compile(r"[A-Za-z0-9_-]{5,64}")
_TIKTOK_USER = re.compile(r"@[A-Za-z0-9_.]{1,64}")
_FACEBOOK_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9.]{0,79}")
_FACEBOOK_POST = re.compile(r"[A-Za-z0-9]{1,80}")
_TELEGRAM_CHANNEL = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")
_MASTODON_USER = re.compile(r"@[A-Za-z0-9_]{1,30}")
_VIMEO_HASH = re.compile(r"[0-9a-f]{6,20}")
_BLUESKY_HANDLE = re.compile(
    r"did:plc:[a-z2-7]{24}"
    r"|(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
)
_BLUESKY_RKEY = re.compile(r"[a-z2-7]{13}")


def _hosts(*names: str) -> frozenset[str]:
    """The hosts of a provider: each name with its ``www.`` and ``m.`` variants."""
    return frozenset(f"{prefix}{name}" for name in names for prefix in ("", "www.", "m."))


def _full(pattern: re.Pattern[str], text: str) -> bool:
    return pattern.fullmatch(text) is not None


def _youtube(host: str, parts: list[str], query: dict[str, list[str]]) -> Embed | None:
    video = None
    if host.endswith("youtu.be"):
        video = parts[0] if len(parts) == 1 else None
    elif parts == ["watch"]:
        found = query.get("v", [])
        video = found[0] if len(found) == 1 else None
    elif len(parts) == 2 and parts[0] in ("shorts", "live", "embed"):
        video = parts[1]
    if video is None or not _full(_YOUTUBE_ID, video):
        return None
    return Embed("youtube", video, f"https://www.youtube-nocookie.com/embed/{video}")


def _vimeo(host: str, parts: list[str], query: dict[str, list[str]]) -> Embed | None:
    if host == "player.vimeo.com":
        if len(parts) != 2 or parts[0] != "video":
            return None
        parts = parts[1:]
        given = query.get("h", [])
        if len(given) == 1:
            parts.append(given[0])
    if not 1 <= len(parts) <= 2 or not _full(_DIGITS, parts[0]):
        return None
    src = f"https://player.vimeo.com/video/{parts[0]}"
    if len(parts) == 2:  # an unlisted video's key
        if not _full(_VIMEO_HASH, parts[1]):
            return None
        return Embed("vimeo", "/".join(parts), f"{src}?h={parts[1]}")
    return Embed("vimeo", parts[0], src)


def _x(host: str, parts: list[str], query: dict[str, list[str]]) -> Embed | None:
    if len(parts) == 3 and parts[1] == "status" and _full(_TWITTER_USER, parts[0]):
        post = parts[2]
    elif len(parts) == 4 and parts[:3] == ["i", "web", "status"]:
        post = parts[3]
    else:
        return None
    if not _full(_DIGITS, post):
        return None
    return Embed("x", post, f"https://platform.twitter.com/embed/Tweet.html?id={post}")


def _instagram(host: str, parts: list[str], query: dict[str, list[str]]) -> Embed | None:
    if len(parts) != 2 or parts[0] not in ("p", "reel", "tv") or not _full(_INSTAGRAM_ID, parts[1]):
        return None
    kind = "p" if parts[0] == "tv" else parts[0]
    return Embed("instagram", parts[1], f"https://www.instagram.com/{kind}/{parts[1]}/embed")


def _tiktok(host: str, parts: list[str], query: dict[str, list[str]]) -> Embed | None:
    if len(parts) != 3 or parts[1] != "video" or not _full(_TIKTOK_USER, parts[0]):
        return None
    if not _full(_DIGITS, parts[2]):
        return None
    return Embed("tiktok", parts[2], f"https://www.tiktok.com/embed/v2/{parts[2]}")


def _facebook(host: str, parts: list[str], query: dict[str, list[str]]) -> Embed | None:
    plugin = "post"
    if len(parts) == 3 and parts[1] in ("posts", "videos") and _full(_FACEBOOK_NAME, parts[0]):
        if not _full(_DIGITS if parts[1] == "videos" else _FACEBOOK_POST, parts[2]):
            return None
        plugin = "video" if parts[1] == "videos" else "post"
        page = "/".join(parts)
    elif parts == ["watch"] and len(query.get("v", [])) == 1 and _full(_DIGITS, query["v"][0]):
        plugin, page = "video", f"watch/?v={query['v'][0]}"
    elif len(parts) == 2 and parts[0] == "reel" and _full(_DIGITS, parts[1]):
        plugin, page = "video", "/".join(parts)
    else:
        return None
    canonical = quote(f"https://www.facebook.com/{page}", safe="")
    return Embed(
        "facebook", page, f"https://www.facebook.com/plugins/{plugin}.php?href={canonical}"
    )


def _telegram(host: str, parts: list[str], query: dict[str, list[str]]) -> Embed | None:
    if len(parts) == 3 and parts[0] == "s":
        parts = parts[1:]
    if len(parts) != 2 or not _full(_TELEGRAM_CHANNEL, parts[0]) or not _full(_DIGITS, parts[1]):
        return None
    post = "/".join(parts)
    return Embed("telegram", post, f"https://t.me/{post}?embed=1")


def _mastodon(host: str, parts: list[str], query: dict[str, list[str]]) -> Embed | None:
    if len(parts) != 2 or not _full(_MASTODON_USER, parts[0]) or not _full(_DIGITS, parts[1]):
        return None
    post = f"{host}/{parts[0]}/{parts[1]}"
    return Embed("mastodon", post, f"https://{post}/embed")


def _bluesky(host: str, parts: list[str], query: dict[str, list[str]]) -> Embed | None:
    if len(parts) != 4 or parts[0] != "profile" or parts[2] != "post":
        return None
    handle, rkey = parts[1], parts[3]
    if not _full(_BLUESKY_HANDLE, handle) or len(handle) > 253 or not _full(_BLUESKY_RKEY, rkey):
        return None
    return Embed(
        "bluesky",
        f"{handle}/{rkey}",
        f"https://embed.bsky.app/embed/{handle}/app.bsky.feed.post/{rkey}",
    )


_Recogniser = Callable[[str, list[str], dict[str, list[str]]], Embed | None]
_BY_HOST: dict[str, _Recogniser] = {
    **dict.fromkeys(_hosts("youtube.com", "youtu.be"), _youtube),
    **dict.fromkeys(_hosts("vimeo.com") | {"player.vimeo.com"}, _vimeo),
    **dict.fromkeys(_hosts("twitter.com", "x.com") | {"mobile.twitter.com"}, _x),
    **dict.fromkeys(_hosts("instagram.com"), _instagram),
    **dict.fromkeys(_hosts("tiktok.com"), _tiktok),
    **dict.fromkeys(_hosts("facebook.com"), _facebook),
    **dict.fromkeys(_hosts("t.me", "telegram.me"), _telegram),
    **dict.fromkeys(MASTODON_INSTANCES, _mastodon),
    **dict.fromkeys({"bsky.app"}, _bluesky),
}


def recognise(url: str) -> Embed | None:
    """The embed ``url`` names, or ``None`` if it is not exactly the address of a post or
    video of a known provider (then it stays a plain link)."""
    if not _full(_PRINTABLE, url) or "\\" in url:
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("https", "http") or port is not None or "@" in parts.netloc:
        return None
    host = parts.netloc.lower()
    recogniser = _BY_HOST.get(host)
    if recogniser is None:
        return None
    path = parts.path.removesuffix("/")
    segments = path[1:].split("/")
    if not path.startswith("/") or "%" in path or any(s in ("", ".", "..") for s in segments):
        return None
    try:
        query = parse_qs(parts.query, strict_parsing=False)
    except ValueError:
        return None
    embed = recogniser(host.removeprefix("www.").removeprefix("m."), segments, query)
    if embed is None:
        return None
    assert any(embed.src.startswith(o + "/") for o in PROVIDER_ORIGINS[embed.provider])
    return embed
