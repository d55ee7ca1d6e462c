"""The reader pages' UI strings: ``pybabel extract`` (babel.cfg) finds exactly the msgids the
catalogs hold, every catalog translates every one, and the package ships the catalogs."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from liveblog.domain.rules import LANGUAGES
from liveblog.web import i18n

ROOT = Path(__file__).parents[2]
PYBABEL = Path(sys.executable).parent / "pybabel"


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """What ``pybabel extract -F babel.cfg`` finds in the Python code and the templates."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    subprocess.run(
        [str(PYBABEL), "--quiet", "extract", "-F", "babel.cfg", "-o", str(pot), "."],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as f:
        return read_po(f)


def _catalog(language: str) -> Catalog:
    with i18n.catalog_path(language).open("rb") as f:
        return read_po(f, locale=language)


def _ids(catalog: Catalog) -> set[str]:
    return {m.id for m in catalog if m.id and isinstance(m.id, str)}


def test_extraction_finds_the_strings_of_code_and_templates(extracted: Catalog) -> None:
    ids = _ids(extracted)
    assert "Updated" in ids  # web/dates.py
    assert "Bad request" in ids  # web/reader/pages.py, marked with N_
    assert "The parameter “order” must be “newest” or “oldest”." in ids  # web/reader/views.py
    assert "Skip to the entries" in ids  # templates/blog.html
    assert "Link to this entry" in ids  # templates/_macros.html


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_catalog_holds_exactly_the_extracted_msgids(extracted: Catalog, language: str) -> None:
    held = _ids(_catalog(language))
    found = _ids(extracted)
    assert not found - held, f"missing from the {language} catalog"
    assert not held - found, f"no longer used, still in the {language} catalog"


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_catalog_translates_every_msgid(language: str) -> None:
    catalog = _catalog(language)
    for message in catalog:
        if not message.id:
            continue
        assert message.string, f"{language}: {message.id!r} is not translated"
        assert not message.fuzzy, f"{language}: {message.id!r} is fuzzy"
    assert not [m for m in catalog.check() if m[1]], "a translation has format errors"


def test_translations_come_from_the_catalogs() -> None:
    assert i18n.translator("de")("Updated") == "Stand"
    assert i18n.translator("en")("Updated") == "Updated"
    assert i18n.translator("de")("Pinned") == "Angeheftet"
    # Any other language gets the first one's, as the pages did before catalogs.
    assert i18n.translator("fr")("Pinned") == "Angeheftet"
    assert i18n.N_("Pinned") == "Pinned"


def test_the_package_ships_the_catalogs() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["liveblog"]
    package = ROOT / "liveblog"
    shipped = {p for pattern in patterns for p in package.glob(pattern)}
    for language in LANGUAGES:
        assert i18n.catalog_path(language) in shipped
