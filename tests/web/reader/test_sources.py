"""An entry's source as readers see it (:mod:`liveblog.domain.sources`): a name labelled
("Quelle: Deichverband Nordermarsch"), an attribution phrase as written ("nach Angaben der
Feuerwehr"), the same on pages, live updates and feeds, and every demo source reads right."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from liveblog.actions import Actions
from liveblog.config import Settings
from liveblog.demo import load_content, seed
from liveblog.domain.models import User
from liveblog.domain.sources import is_phrase, source_line
from liveblog.storage.database import Database
from liveblog.web import create_app
from tests.web.reader.page_head import json_ld

SOURCE_LINE = re.compile(r'<p class="entry__source">([^<]*)</p>')
ATTRIBUTION_STARTS = ("nach Angaben ", "laut ", "according to ")
# Words that make a source a fragment of a sentence ("teilte … mit", "said …"), not a credit.
VERBS = re.compile(
    r"\b(teilte|teilten|berichtete|berichteten|sagte|sagten|schrieb|erklärte|meldete|mit$|"
    r"said|says|told|reported|wrote|announced)\b"
)


@pytest.mark.parametrize(
    ("source", "phrase"),
    [
        ("Deichverband Nordermarsch", False),
        ("Polizei", False),
        ("dpa", False),  # a single lower-case word is a name
        ("dpa/AFP", False),
        ("dpa, AFP", False),  # the first word is not letters alone
        ("Nach Angaben der Polizei", False),  # capitalised: a name by the rule
        ("nach Angaben der Feuerwehr", True),
        ("laut Polizei", True),
        ("according to the organisers", True),
        ("dpa und AFP", True),  # shown as written: no label, nothing changed
        ("über  mehrere   Leerzeichen", True),
        ("  ", False),
    ],
)
def test_a_phrase_starts_with_a_lower_case_word_followed_by_more(source: str, phrase: bool) -> None:
    assert is_phrase(source) is phrase


def test_a_name_is_labelled_and_a_phrase_shown_as_written() -> None:
    assert source_line("Deichverband Nordermarsch", "Quelle") == "Quelle: Deichverband Nordermarsch"
    assert source_line("Race office", "Source") == "Source: Race office"
    assert source_line("nach Angaben der Feuerwehr", "Quelle") == "nach Angaben der Feuerwehr"
    assert source_line("according to the organisers", "Source") == "according to the organisers"


def test_pages_live_articles_and_feeds_show_the_same_line(
    client: TestClient, writer: Actions, admin: User
) -> None:
    writer.create_blog(admin, slug="flut", title="Flut", language="de")
    name = writer.create_entry(admin, "flut", body="Der Deich hält.", source="Deichverband Nord")
    phrase = writer.create_entry(admin, "flut", body="Sandsäcke.", source="laut Feuerwehr <Ost>")

    page = client.get("/live/flut").text
    assert SOURCE_LINE.findall(page) == ["laut Feuerwehr &lt;Ost&gt;", "Quelle: Deichverband Nord"]
    assert "Quelle: laut" not in page
    permalink = client.get(f"/live/flut/entries/{phrase.id}").text
    assert SOURCE_LINE.findall(permalink) == ["laut Feuerwehr &lt;Ost&gt;"]
    ld = json_ld(permalink, "http://testserver")[0]
    assert ld["creditText"] == "laut Feuerwehr <Ost>"  # as written, no label

    feed = client.get("/live/flut/feed.json").json()
    contents = {item["id"].rsplit("/", 1)[1]: item["content_html"] for item in feed["items"]}
    assert contents[str(name.id)].endswith("<p>Quelle: Deichverband Nord</p>")
    assert contents[str(phrase.id)].endswith("<p>laut Feuerwehr &lt;Ost&gt;</p>")


def test_english_blogs_label_names_with_source(
    client: TestClient, writer: Actions, admin: User
) -> None:
    writer.create_blog(admin, slug="race", title="Race", language="en")
    writer.create_entry(admin, "race", body="Record.", source="Race office")
    writer.create_entry(admin, "race", body="Halfway.", source="according to the timing")

    page = client.get("/live/race").text

    assert SOURCE_LINE.findall(page) == ["according to the timing", "Source: Race office"]


def demo_sources() -> list[tuple[str, str]]:
    label = {"de": "Quelle", "en": "Source"}
    return [
        (demo.language, source_line(e.source, label[demo.language]))
        for demo in load_content()
        for e in demo.entries
        if e.source
    ]


@pytest.mark.parametrize(("language", "line"), demo_sources())
def test_every_demo_source_reads_right(language: str, line: str) -> None:
    """A labelled name starts with a capital ("Quelle: teilte …" reads wrong), a phrase with
    an attribution ("nach Angaben", "laut", "according to"), and neither carries a verb."""
    if line.startswith(("Quelle: ", "Source: ")):
        assert line.split(": ", 1)[1][0].isupper(), line
    else:
        assert line.startswith(ATTRIBUTION_STARTS), line
    assert not VERBS.search(line), line


def test_the_demo_pages_show_every_source_per_the_rule(db: Database, tmp_path: Path) -> None:
    seed(Actions(db))
    app = create_app(
        Settings(database_url=f"sqlite:///{tmp_path / 'unused.db'}"), db=db, migrate=False
    )
    expected = sorted(line for _, line in demo_sources())
    shown: list[str] = []
    with TestClient(app) as client:
        for demo in load_content():
            url = f"/live/{demo.slug}"
            while url:  # every page of the blog
                page = client.get(url).text
                shown += SOURCE_LINE.findall(page)
                more = re.search(r'class="pagination__next" rel="next" href="([^"]+)"', page)
                url = more.group(1).replace("&amp;", "&") if more else ""
    assert sorted(shown) == expected
    assert not [line for line in shown if re.match(r"(Quelle|Source): [a-zäöü]", line)]
    assert both_forms(shown)


def both_forms(lines: list[str]) -> bool:
    """The demo shows names and phrases, so readers of the demo see both kinds."""
    labelled = [line for line in lines if line.startswith(("Quelle: ", "Source: "))]
    return 0 < len(labelled) < len(lines)
