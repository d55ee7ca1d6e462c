"""Markdown is made safe, and the headline is formatted as newsrooms write it."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it.parser_inline import ParserInline
from markdown_it.rules_inline import StateInline

from liveblog import render


class _Tags(HTMLParser):
    """Every start tag with its attributes, as a browser's tokenizer would see them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)


def tags_of(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return parser.tags


# An oracle independent of ``render``'s allowlists: the constructs through which HTML can run
# script or load active content, as browsers treat them.
SCRIPT_TAGS = frozenset(
    {
        "script", "iframe", "frame", "frameset", "object", "embed", "applet", "style", "link",
        "meta", "base", "svg", "math", "form", "template", "noscript", "xml", "portal",
    }
)  # fmt: skip
SCRIPT_ATTRIBUTES = frozenset(
    {"style", "srcdoc", "formaction", "action", "xlink:href", "http-equiv", "is", "nonce"}
)
URL_ATTRIBUTES = frozenset(
    {
        "href", "src", "action", "formaction", "xlink:href", "data", "poster", "background",
        "cite", "srcset", "lowsrc", "dynsrc", "ping", "codebase", "longdesc", "manifest",
    }
)  # fmt: skip
SCRIPT_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:", "file:")
_IGNORED_IN_URLS = re.compile(r"[\t\n\r]")  # browsers drop these anywhere in a URL
_C0_AND_SPACE = "".join(map(chr, range(0x21)))  # and these around it


def script_capable(html: str) -> list[str]:
    """Every construct in ``html`` that could run script: empty for safe markup."""
    found: list[str] = []
    for tag, attrs in tags_of(html):
        if tag in SCRIPT_TAGS:
            found.append(f"<{tag}>")
        for name, value in attrs.items():
            if name.startswith("on") or name in SCRIPT_ATTRIBUTES:
                found.append(f"<{tag} {name}>")
            if name in URL_ATTRIBUTES and value is not None:
                url = _IGNORED_IN_URLS.sub("", value).strip(_C0_AND_SPACE).lower()
                if url.startswith(SCRIPT_SCHEMES):
                    found.append(f"<{tag} {name}={value!r}>")
    # Text such as "javascript:" may stay as visible text; only markup can run.
    if "<script" in html.lower():
        found.append("<script")
    return found


def assert_safe(html: str) -> None:
    """No script-capable construct, and every link opens without a window reference."""
    assert script_capable(html) == [], html
    for tag, attrs in tags_of(html):
        if tag == "a":
            assert attrs.get("rel") == "noopener noreferrer", html


@pytest.mark.parametrize(
    "html",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<a href="java\tscript:alert(1)">x</a>',
        '<a href=" &#x6A;avascript:alert(1)">x</a>',
        '<a href="VBScript:msgbox(1)">x</a>',
        '<a href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;">x</a>',
        '<iframe src="https://example.org"></iframe>',
        '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
        '<object data="x.swf"></object>',
        '<embed src="x.swf">',
        "<svg onload=alert(1)></svg>",
        "<style>body{background:url(javascript:alert(1))}</style>",
        '<p style="background:url(x)">x</p>',
        '<button formaction="javascript:alert(1)">x</button>',
        '<form action="https://example.org"><input></form>',
        "<details open ontoggle=alert(1)>",
        '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    ],
)
def test_the_oracle_finds_script_capable_markup(html: str) -> None:
    assert script_capable(html), html


# -- markdown ------------------------------------------------------------------------------------


def test_markdown_renders_the_usual_formatting() -> None:
    html = render.markdown_to_html(
        "Erster **fett** und *kursiv*.\n\n- eins\n- zwei\n\n> Zitat\n\n~~alt~~"
    )
    assert "<strong>fett</strong>" in html
    assert "<em>kursiv</em>" in html
    assert "<li>eins</li>" in html
    assert "<blockquote>" in html
    assert "<del>alt</del>" in html or "<s>alt</s>" in html
    assert_safe(html)


def test_links_get_noopener_noreferrer() -> None:
    html = render.markdown_to_html("[Bericht](https://example.org/a?b=1) und <https://example.net>")
    anchors = [attrs for tag, attrs in tags_of(html) if tag == "a"]
    assert [a["href"] for a in anchors] == ["https://example.org/a?b=1", "https://example.net"]
    assert all(a["rel"] == "noopener noreferrer" for a in anchors)


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
        '<img src="x" onerror="alert(1)">',
        "<svg onload=alert(1)>",
        '<a href="https://example.org" onclick="alert(1)">x</a>',
        '<iframe src="https://evil.example"></iframe>',
        "<style>body{display:none}</style>",
        '<p style="background:url(javascript:alert(1))">x</p>',
        "[klick](javascript:alert(1))",
        "[klick](JaVaScRiPt:alert(1))",
        "[klick](jav&#x61;script:alert(1))",
        "[klick](  javascript:alert(1))",
        "[klick](vbscript:msgbox(1))",
        "<javascript:alert(1)>",
        "[klick](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "![bild](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
        "![bild](https://tracker.example/pixel.gif)",
        '[x](https://example.org "title" onmouseover=alert(1))',
        "<!-- <script>alert(1)</script> -->",
        "`<script>alert(1)</script>`",
        "```\n<script>alert(1)</script>\n```",
    ],
)
def test_markdown_never_lets_script_through(source: str) -> None:
    html = render.markdown_to_html(source)
    assert_safe(html)
    for tag, attrs in tags_of(html):
        assert tag not in ("script", "img", "iframe", "svg", "style")
        assert "style" not in attrs
        assert all(not (v or "").lower().startswith(("data:", "vbscript:")) for v in attrs.values())


def test_raw_html_is_shown_as_text() -> None:
    html = render.markdown_to_html("<b>fett?</b> & <i>")
    assert "&lt;b&gt;fett?&lt;/b&gt; &amp; &lt;i&gt;" in html


def test_images_are_dropped_without_requests() -> None:
    html = render.markdown_to_html("![Foto vom Ort](https://images.example/a.jpg)")
    assert "<img" not in html
    assert "images.example" not in html


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                *"<>\"'=:/()[]!&#;`*_-\n ",
                *("javascript", "data", "on", "error", "script", "img", "a", "href", "src", "x"),
            ]
        ),
        max_size=40,
    )
)
def test_any_markdown_renders_safe(pieces: list[str]) -> None:
    assert_safe(render.markdown_to_html("".join(pieces)))


class LookAhead:
    """Counts markdown-it's look-ahead steps (``ParserInline.skipToken``), the work that nested
    link and image brackets multiply."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.steps = 0
        original = ParserInline.skipToken

        def counting(parser: ParserInline, state: StateInline) -> None:
            self.steps += 1
            original(parser, state)

        monkeypatch.setattr(ParserInline, "skipToken", counting)


@pytest.mark.parametrize(
    "source",
    ["![" * 10_000, "[" * 19_999 + "]", "[![" * 6_666, "[ " * 10_000],
    ids=["images", "brackets", "link-images", "spaced"],
)
def test_nested_brackets_cost_at_most_one_step_per_character(
    source: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """10,000 ``![`` took 800,000 steps (most of a second) before the budget."""
    work = LookAhead(monkeypatch)
    html = render.markdown_to_html(source)
    assert work.steps <= len(source) + render.LOOK_AHEAD_BASE
    assert_safe(html)
    assert "<img" not in html


def test_real_links_take_little_of_the_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    work = LookAhead(monkeypatch)
    paragraph = (
        "Laut [Feuerwehr](https://example.org/lage) und [[1]](https://example.org/quelle) "
        "steigt der [Pegel ![Symbol](https://example.org/p.png) weiter](https://example.org/p). "
    )
    source = "\n\n".join([paragraph] * 80)
    html = render.markdown_to_html(source)
    assert work.steps < len(source) // 4
    assert html.count("<a ") == 3 * 80
    nested = "[" * 15 + "tief" + "]" * 15 + "(https://example.org/tief)"
    assert '<a href="https://example.org/tief"' in render.markdown_to_html(nested)


def test_renders_in_parallel_have_their_own_budgets() -> None:
    links = "[a](https://example.org/a) " * 50
    expected = render.markdown_to_html(links)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(render.markdown_to_html, ["![" * 5_000, links] * 8))
    assert results[1::2] == [expected] * 8


# -- header parts --------------------------------------------------------------------------------


def test_headline_with_and_without_a_key_event() -> None:
    assert render.headline("Hochwasser", "Deich bei Ortsrand hält") == (
        "Hochwasser ++ Deich bei Ortsrand hält ++"
    )
    assert render.headline("Hochwasser", None) == "Hochwasser"
    assert render.headline("Hochwasser", "") == "Hochwasser"


def test_plain_text_drops_tags_and_entities_and_cuts_at_words() -> None:
    html = render.markdown_to_html("Die **Deiche** &amp; [Dämme](https://example.org) halten noch.")
    assert render.plain_text(html) == "Die Deiche & Dämme halten noch."
    assert render.plain_text(html, words=3) == "Die Deiche & …"
    assert render.plain_text("<p>a</p><p>b</p>") == "a b"
