"""Which URLs become embeds: every provider's forms, each with the one iframe address its
template makes, and everything that only looks like a provider's URL stays a link."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liveblog.domain import embeds
from liveblog.domain.embeds import FRAME_ORIGINS, PROVIDER_ORIGINS, recognise

VIDEO = "dQw4w9WgXcQ"


@pytest.mark.parametrize(
    ("url", "provider", "src"),
    [
        (f"https://www.youtube.com/watch?v={VIDEO}", "youtube", f"https://www.youtube-nocookie.com/embed/{VIDEO}"),
        (f"https://youtube.com/watch?v={VIDEO}&t=42s", "youtube", f"https://www.youtube-nocookie.com/embed/{VIDEO}"),
        (f"https://m.youtube.com/watch?v={VIDEO}", "youtube", f"https://www.youtube-nocookie.com/embed/{VIDEO}"),
        (f"https://youtu.be/{VIDEO}?si=abc", "youtube", f"https://www.youtube-nocookie.com/embed/{VIDEO}"),
        (f"https://www.youtube.com/shorts/{VIDEO}", "youtube", f"https://www.youtube-nocookie.com/embed/{VIDEO}"),
        (f"https://www.youtube.com/live/{VIDEO}", "youtube", f"https://www.youtube-nocookie.com/embed/{VIDEO}"),
        (f"http://www.youtube.com/watch?v={VIDEO}", "youtube", f"https://www.youtube-nocookie.com/embed/{VIDEO}"),
        ("https://vimeo.com/76979871", "vimeo", "https://player.vimeo.com/video/76979871"),
        ("https://vimeo.com/76979871/8272103f6e", "vimeo", "https://player.vimeo.com/video/76979871?h=8272103f6e"),
        ("https://player.vimeo.com/video/76979871", "vimeo", "https://player.vimeo.com/video/76979871"),
        ("https://x.com/Polizei_Ffm/status/1790000000000000000", "x", "https://platform.twitter.com/embed/Tweet.html?id=1790000000000000000"),
        ("https://twitter.com/jack/status/20", "x", "https://platform.twitter.com/embed/Tweet.html?id=20"),
        ("https://mobile.twitter.com/jack/status/20?s=21", "x", "https://platform.twitter.com/embed/Tweet.html?id=20"),
        ("https://www.instagram.com/p/C4abc_-12/", "instagram", "https://www.instagram.com/p/C4abc_-12/embed"),
        ("https://instagram.com/reel/C4abc123", "instagram", "https://www.instagram.com/reel/C4abc123/embed"),
        ("https://www.tiktok.com/@tagesschau/video/7300000000000000000", "tiktok", "https://www.tiktok.com/embed/v2/7300000000000000000"),
        ("https://www.facebook.com/tagesschau/posts/pfbid0abc123", "facebook", "https://www.facebook.com/plugins/post.php?href=https%3A%2F%2Fwww.facebook.com%2Ftagesschau%2Fposts%2Fpfbid0abc123"),
        ("https://www.facebook.com/tagesschau/videos/123456", "facebook", "https://www.facebook.com/plugins/video.php?href=https%3A%2F%2Fwww.facebook.com%2Ftagesschau%2Fvideos%2F123456"),
        ("https://www.facebook.com/watch/?v=123456", "facebook", "https://www.facebook.com/plugins/video.php?href=https%3A%2F%2Fwww.facebook.com%2Fwatch%2F%3Fv%3D123456"),
        ("https://t.me/tagesschau/12345", "telegram", "https://t.me/tagesschau/12345?embed=1"),
        ("https://t.me/s/tagesschau/12345", "telegram", "https://t.me/tagesschau/12345?embed=1"),
        ("https://social.bund.de/@bpa/112233445566", "mastodon", "https://social.bund.de/@bpa/112233445566/embed"),
        ("https://chaos.social/@ccc/112233445566", "mastodon", "https://chaos.social/@ccc/112233445566/embed"),
        ("https://bsky.app/profile/tagesschau.de/post/3kxyzabcdef22", "bluesky", "https://embed.bsky.app/embed/tagesschau.de/app.bsky.feed.post/3kxyzabcdef22"),
    ],
)  # fmt: skip
def test_each_provider_gives_its_fixed_frame_address(url: str, provider: str, src: str) -> None:
    embed = recognise(url)
    assert embed is not None
    assert (embed.provider, embed.src) == (provider, src)
    assert embed.name == embeds.PROVIDER_NAMES[provider]
    assert src.startswith(tuple(o + "/" for o in PROVIDER_ORIGINS[provider]))


@pytest.mark.parametrize(
    "url",
    [
        f"https://youtube.com.evil.tld/watch?v={VIDEO}",
        f"https://evilyoutube.com/watch?v={VIDEO}",
        f"https://youtube.com@evil.tld/watch?v={VIDEO}",
        f"https://user:pass@youtube.com/watch?v={VIDEO}",
        f"https://evil.tld/?https://youtube.com/watch?v={VIDEO}",
        f"https://evil.tld/youtube.com/watch?v={VIDEO}",
        f"https://youtube.com./watch?v={VIDEO}",
        f"https://youtube.com:444/watch?v={VIDEO}",
        f"https://xn--yutube-iqc.com/watch?v={VIDEO}",
        f"https://y\u043eutube.com/watch?v={VIDEO}",  # a Cyrillic o
        f"https://www.youtube.com/watch?v={VIDEO}\u200b",
        f"javascript:alert(1)//https://youtube.com/watch?v={VIDEO}",
        f"JAVASCRIPT://youtube.com/%0aalert(1)?v={VIDEO}",
        f"data:text/html,https://youtube.com/watch?v={VIDEO}",
        f"ftp://youtube.com/watch?v={VIDEO}",
        f"//youtube.com/watch?v={VIDEO}",
        f"https:\\\\youtube.com\\watch?v={VIDEO}",
        "https://www.youtube.com/watch?v=short",
        f"https://www.youtube.com/watch?v={VIDEO}&v=aaaaaaaaaaa",
        f"https://www.youtube.com/watch?v={VIDEO}x",
        'https://www.youtube.com/watch?v=dQw4w9WgXc"',
        "https://www.youtube.com/channel/UC123",
        f"https://youtu.be/{VIDEO}/more",
        "https://vimeo.com/channels/staffpicks",
        "https://x.com/jack",
        "https://x.com/jack/status/20abc",
        "https://x.com/jack/status/20/photo/1",
        "https://x.com/ja-ck/status/20",
        "https://www.instagram.com/tagesschau/",
        "https://www.tiktok.com/@user/video/12a",
        "https://www.facebook.com/tagesschau",
        "https://www.facebook.com/../posts/123",
        "https://www.facebook.com/./tagesschau/posts/123",
        "https://www.youtube.com/shorts/./dQw4w9WgXcQ",
        "https://t.me/tagesschau",
        "https://t.me/c/123/456",
        "https://mastodon.example/@user/112233",
        "https://chaos.social/@user/112233/../../../admin",
        "https://chaos.social/@user/%2e%2e/112233",
        "https://bsky.app/profile/tagesschau.de",
        "https://bsky.app/profile/tagesschau.de/post/3KXYZABCDEF22",
        "https://example.org/watch?v=dQw4w9WgXcQ",
        "",
        "https://",
        "https://[::1]/watch?v=dQw4w9WgXcQ",
    ],
)
def test_lookalikes_and_other_urls_are_no_embeds(url: str) -> None:
    assert recognise(url) is None


def test_frame_origins_cover_every_provider_and_nothing_else() -> None:
    assert set(FRAME_ORIGINS) == set().union(*PROVIDER_ORIGINS.values())
    assert all(o.startswith("https://") and o.count("/") == 2 for o in FRAME_ORIGINS)
    assert set(PROVIDER_ORIGINS) == set(embeds.PROVIDER_NAMES)
    assert {f"https://{host}" for host in embeds.MASTODON_INSTANCES} <= set(FRAME_ORIGINS)


_HOSTS = [
    "youtube.com", "www.youtube.com", "youtu.be", "vimeo.com", "player.vimeo.com", "x.com",
    "twitter.com", "instagram.com", "tiktok.com", "facebook.com", "t.me", "chaos.social",
    "bsky.app",
]  # fmt: skip
_PATHS = [
    f"/watch?v={VIDEO}", f"/{VIDEO}", f"/shorts/{VIDEO}", "/123456", "/video/123456",
    "/jack/status/20", "/p/C4abc123", "/@user/video/123", "/name/posts/123", "/name/123",
    "/@user/123", "/profile/a.bsky.social/post/3kxyzabcdef22",
]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(["https://", "http://", "javascript:", "https:/", "//", "data:", ""]),
    st.text(alphabet="ab.-@:é0", max_size=6),
    st.sampled_from(_HOSTS),
    st.text(alphabet="ab.-@:é0", max_size=6),
    st.sampled_from(_PATHS),
)
def test_anything_near_a_provider_url_is_its_embed_or_none(
    scheme: str, before: str, host: str, after: str, path: str
) -> None:
    url = f"{scheme}{before}{host}{after}{path}"
    embed = recognise(url)
    if embed is None:
        return
    # Only the exact hosts (and www./m.) over http(s) ever make an embed.
    assert scheme in ("https://", "http://")
    written = url.removeprefix(scheme).split("/")[0]
    assert written.removeprefix("www.").removeprefix("m.") in {
        h.removeprefix("www.") for h in _HOSTS
    } | {"mobile.twitter.com"}
    assert embed.src.startswith(tuple(o + "/" for o in PROVIDER_ORIGINS[embed.provider]))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_no_text_breaks_recognition_and_every_frame_address_is_allowed(url: str) -> None:
    embed = recognise("https://youtube.com/" + url)
    if embed is not None:
        assert embed.src.startswith(tuple(o + "/" for o in FRAME_ORIGINS))
        assert all(c.isascii() and c.isprintable() and c not in "\"'<> " for c in embed.src)
    assert recognise(url) is None or url.startswith(("http://", "https://"))
