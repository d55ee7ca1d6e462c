"""``liveblog export`` and ``liveblog import`` through ``main(argv)``: a blog moves from one
database to another and back the same; every bad input (an unknown slug, a bad or hostile file,
a taken slug or taken ids) is one line naming the problem, exit status 1, nothing written."""

from __future__ import annotations

import io
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from liveblog import cli
from liveblog.actions import Actions
from liveblog.domain.export import MAX_DOCUMENT_BYTES
from liveblog.storage.database import Database
from liveblog.storage.migrate import upgrade
from liveblog.storage.tables import metadata
from tests.actions.test_imports import PASSWORD, rich_blog
from tests.conftest import FakeClock


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


Run = Callable[..., Result]


@pytest.fixture
def databases(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """Two SQLite URLs: the first, which the commands use until a test switches, holds the
    rich blog of ``tests/actions/test_imports.py``."""
    for name in [n for n in os.environ if n.startswith("LIVEBLOG_")]:
        monkeypatch.delenv(name)
    first, second = (f"sqlite:///{tmp_path / name}" for name in ("a.db", "b.db"))
    db = Database(first)
    upgrade(db)
    clock = FakeClock()
    actions = Actions(db, clock=clock)
    rich_blog(actions, actions.create_user("admin@example.org", "admin", PASSWORD), clock)
    db.dispose()
    monkeypatch.setenv("LIVEBLOG_DATABASE_URL", first)
    return first, second


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    def run(*argv: str, stdin: bytes = b"") -> Result:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
        code = cli.main(list(argv))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


def use(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("LIVEBLOG_DATABASE_URL", url)


def rows(url: str) -> dict[str, int]:
    db = Database(url)
    upgrade(db)
    try:
        with db.read() as conn:
            return {
                t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in metadata.sorted_tables
            }
    finally:
        db.dispose()


def without_time(document: str) -> str:
    return re.sub(r'"exported_at": "[^"]*"', '"exported_at": ""', document, count=1)


def one_line_error(result: Result) -> str:
    assert result.code == 1, result
    assert result.out == ""
    assert result.err.endswith("\n")
    assert result.err.count("\n") == 1, result.err
    assert result.err.startswith("liveblog: error: ")
    return result.err.removeprefix("liveblog: error: ").rstrip("\n")


def test_a_blog_moves_to_another_database_and_back_the_same(
    run: Run, databases: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _first, second = databases
    printed = run("export", "storm")
    assert printed.code == 0, printed.err
    assert printed.err == ""
    file = tmp_path / "storm.json"
    written = run("export", "storm", "-o", str(file))
    assert written.out == (
        f"liveblog: exported storm to {file} (6 entries, 1 tombstone, 4 users)\n"
    )
    assert without_time(file.read_text(encoding="utf-8")) == without_time(printed.out)

    use(monkeypatch, second)
    imported = run("import", str(file))
    assert imported.out == (
        "liveblog: imported storm: 6 entries, 1 tombstone; 4 new users "
        "(disabled, without a password)\n"
    ), imported.err
    again = tmp_path / "again.json"
    assert run("export", "storm", "--output", str(again)).code == 0
    assert without_time(again.read_text(encoding="utf-8")) == without_time(printed.out)

    assert "--replace" in one_line_error(run("import", str(file)))
    replaced = run("import", str(file), "--replace")
    assert replaced.out == "liveblog: replaced storm: 6 entries, 1 tombstone\n"


def test_import_reads_standard_input(
    run: Run, databases: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _first, second = databases
    document = run("export", "storm").out.encode("utf-8")
    use(monkeypatch, second)
    result = run("import", "-", stdin=document)
    assert result.code == 0, result.err
    assert result.out.startswith("liveblog: imported storm: 6 entries")


def test_taken_ids_are_refused_unless_new_ids_are_asked_for(
    run: Run, databases: tuple[str, str], tmp_path: Path
) -> None:
    file = tmp_path / "storm.json"
    run("export", "storm", "-o", str(file))
    renamed = file.read_text(encoding="utf-8").replace('"slug": "storm"', '"slug": "storm-2"')
    file.write_text(renamed, encoding="utf-8")
    message = one_line_error(run("import", str(file)))
    assert "entry ids are taken by other blogs here" in message
    assert "--new-ids" in message
    result = run("import", str(file), "--new-ids")
    assert result.out.startswith("liveblog: imported storm-2: 6 entries, 1 tombstone, new ids")


BAD_FILES: dict[str, tuple[Callable[[str], bytes], str]] = {
    "not JSON": (lambda good: b"Sturmflut!", "is not JSON: Expecting value at line 1, column 1"),
    "nested 10,000 levels": (
        lambda good: b"[" * 10_000 + b"]" * 10_000,
        "is nested too deeply to be an export",
    ),
    "another version": (
        lambda good: good.replace('"version": 1', '"version": 7', 1).encode(),
        "/version: version 7 is not supported; this liveblog reads version 1",
    ),
    "a body too long": (
        lambda good: good.replace('"Mein Entwurf."', '"' + "x" * 20_001 + '"').encode(),
        "/entries/2/body: the value is longer than 20000 characters",
    ),
    "a script as HTML": (
        lambda good: good.replace('"body": "Zur Prüfung."', '"body_html": "<script>"').encode(),
        "/entries/3",
    ),
    "an id twice": (
        lambda good: good.replace('"id": 2,', '"id": 1,', 1).encode(),
        "/entries/1/id: entry id 1 appears twice (also /entries/0/id)",
    ),
    "a wrong revision count": (
        lambda good: good.replace('"revision": 3,', '"revision": 2,', 1).encode(),
        "/entries/0/revision: must be 3, the number of revisions",
    ),
}


@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
def test_a_bad_file_is_one_line_naming_the_place_and_writes_nothing(
    run: Run,
    databases: tuple[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    case: str,
) -> None:
    _first, second = databases
    good = run("export", "storm").out
    spoil, expected = BAD_FILES[case]
    file = tmp_path / "bad.json"
    file.write_bytes(spoil(good))
    use(monkeypatch, second)
    before = rows(second)
    message = one_line_error(run("import", str(file)))
    assert message.startswith(f"{file}: ")
    assert expected in message
    assert message.endswith("nothing was imported")
    assert rows(second) == before


def test_a_file_over_the_limit_is_refused_unread(
    run: Run, databases: tuple[str, str], tmp_path: Path
) -> None:
    huge = tmp_path / "huge.json"
    with huge.open("wb") as file:
        file.truncate(MAX_DOCUMENT_BYTES + 1)  # sparse: nothing to read
    message = one_line_error(run("import", str(huge)))
    assert message == (
        f"{huge} has {MAX_DOCUMENT_BYTES + 1} bytes; an import reads at most "
        f"{MAX_DOCUMENT_BYTES}; nothing was imported"
    )


def test_a_missing_file_is_one_line(run: Run, databases: tuple[str, str], tmp_path: Path) -> None:
    message = one_line_error(run("import", str(tmp_path / "nothing.json")))
    assert message == f"cannot read {tmp_path / 'nothing.json'}: No such file or directory"


def test_an_unknown_slug_is_one_line_and_writes_no_file(
    run: Run, databases: tuple[str, str], tmp_path: Path
) -> None:
    file = tmp_path / "nothing.json"
    assert one_line_error(run("export", "nothing", "-o", str(file))) == (
        "no blog with the slug 'nothing'"
    )
    assert not file.exists()


def test_an_unwritable_output_is_one_line_and_leaves_nothing(
    run: Run, databases: tuple[str, str], tmp_path: Path
) -> None:
    target = tmp_path / "no such directory" / "storm.json"
    message = one_line_error(run("export", "storm", "-o", str(target)))
    assert message == f"cannot write {target}: No such file or directory"
    assert not target.exists()
    assert not list(tmp_path.rglob("*.tmp"))
