"""Every word a template shows comes from the message catalogs: with the Jinja parts taken out,
no text and no text attribute of a template holds words, except names that are the same in
every language (the product's name, the languages' own names, keys on a keyboard, feed
formats). A label written straight into a template would reach German readers in English."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "liveblog" / "web" / "templates"
WORD = re.compile(r"[A-Za-zÄÖÜäöüß]{2,}")
TEXT_ATTRIBUTES = frozenset({"title", "alt", "placeholder", "aria-label"})
SAME_IN_EVERY_LANGUAGE = frozenset(
    {
        "liveblog",
        "Deutsch",
        "English",
        "Ctrl",
        "Enter",
        "Esc",
        "Alt",
        "Shift",
        "(Atom)",
        "(RSS)",
        "(JSON Feed)",
    }
)
JINJA = re.compile(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", re.S)


class _Words(HTMLParser):
    """Text outside scripts and styles, and the text attributes, of one template."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        for name, value in attrs:
            if name in TEXT_ATTRIBUTES and value and WORD.search(value):
                self.found.append(value.strip())

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and WORD.search(data):
            self.found.append(data.strip())


def _untranslated(path: Path) -> list[str]:
    # A Jinja statement inside a tag (`<input {% if %}aria-invalid="true"{% endif %}>`) leaves
    # attribute text behind once taken out: such leftovers (name="value") are not words, nor
    # is a path of the site.
    source = JINJA.sub("", path.read_text(encoding="utf-8"))
    parser = _Words()
    parser.feed(source)
    return [
        text
        for text in parser.found
        if text not in SAME_IN_EVERY_LANGUAGE
        and not re.search(r'[\w-]+="', text)
        and not re.fullmatch(r"/[\w/-]*", text)  # a path shown as it is typed
    ]


@pytest.mark.parametrize(
    "path", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES))
)
def test_templates_show_no_words_outside_the_catalogs(path: Path) -> None:
    assert _untranslated(path) == []


def test_the_check_finds_a_label_written_into_a_template(tmp_path: Path) -> None:
    sample = tmp_path / "sample.html"
    sample.write_text(
        '<p>{{ _("Live") }}</p><button title="Close">{{ _("Menu") }}</button><h2>Entries</h2>'
        "<script>const x = 'words in code';</script><kbd>Esc</kbd>",
        encoding="utf-8",
    )
    assert _untranslated(sample) == ["Close", "Entries"]
