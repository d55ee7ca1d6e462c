"""The documentation stays true to the code (in the manner of Datasette's documentation tests):
every setting, limit, CLI command and API operation is documented, with the values the code has.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest

from liveblog.cli import build_parser
from liveblog.config import Settings, settings_table
from liveblog.domain import rules
from liveblog.storage.database import Database
from liveblog.web import create_app

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
CONFIGURATION = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
API = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
ARCHITECTURE = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")

TRY_IT = (
    "python3 -m venv .venv && .venv/bin/pip install -r requirements.lock -e . "
    "&& .venv/bin/liveblog demo"
)
RUN_TESTS = (
    "python3 -m venv .venv && .venv/bin/pip install -r requirements-dev.lock -e '.[test]' "
    "&& .venv/bin/python -m pytest"
)


def shown(default: Any) -> str:
    return f"`{default}`" if default != "" else "(empty)"


@pytest.mark.parametrize(("variable", "default", "description"), settings_table())
def test_every_setting_is_in_configuration_md(
    variable: str, default: Any, description: str
) -> None:
    escaped = description.replace("|", "\\|")
    row = f"| `{variable}` | {shown(default)} | {escaped} |"
    assert row in CONFIGURATION.splitlines(), f"docs/configuration.md needs the row\n{row}"


def test_configuration_md_names_no_setting_that_does_not_exist() -> None:
    known = {variable for variable, _, _ in settings_table()}
    documented = set(re.findall(r"^\| `(LIVEBLOG_[A-Z_]+)` \| [`(]", CONFIGURATION, re.M))
    assert documented == known


LIMITS = {
    "title": ("MAX_TITLE", rules.MAX_TITLE),
    "summary": ("MAX_SUMMARY", rules.MAX_SUMMARY),
    "headline": ("MAX_HEADLINE", rules.MAX_HEADLINE),
    "source": ("MAX_SOURCE", rules.MAX_SOURCE),
    "correction": ("MAX_CORRECTION", rules.MAX_CORRECTION),
    "body": ("MAX_BODY", rules.MAX_BODY),
}


@pytest.mark.parametrize("field", LIMITS)
def test_every_limit_is_in_api_md(field: str) -> None:
    name, value = LIMITS[field]
    rows = [line for line in API.splitlines() if f"`{field}`" in line and f"`{name}`" in line]
    assert rows, f"docs/api.md needs a row for `{field}` naming `{name}`"
    assert all(f"{value} characters" in row for row in rows), rows


def test_the_request_size_limit_is_in_api_md() -> None:
    default = Settings().max_request_bytes
    rows = [line for line in API.splitlines() if "`max_request_bytes`" in line]
    assert rows
    assert all(f"{default} bytes" in row for row in rows), rows
    page = [line for line in API.splitlines() if "`max_page_size`" in line]
    assert page
    assert all(f"{Settings().max_page_size} entries" in row for row in page), page


def api_operations() -> list[str]:
    db = Database("sqlite://")
    try:
        app = create_app(Settings(database_url="sqlite://"), db=db, migrate=False)
        paths: dict[str, dict[str, Any]] = app.openapi()["paths"]
    finally:
        db.dispose()
    return [f"{method.upper()} {path}" for path, ops in paths.items() for method in ops]


@pytest.mark.parametrize("operation", api_operations())
def test_every_api_operation_is_in_api_md(operation: str) -> None:
    assert f"`{operation}`" in API, f"docs/api.md does not describe {operation}"


def cli_commands(parser: argparse.ArgumentParser, prefix: str = "liveblog") -> list[str]:
    """Every command path (``liveblog db upgrade``) with the options it takes."""
    found: list[str] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                nested = cli_commands(sub, f"{prefix} {name}")
                found += nested or [f"{prefix} {name}"]
    return found


def cli_options(parser: argparse.ArgumentParser) -> set[str]:
    options: set[str] = set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                options |= cli_options(sub)
        else:
            options |= {o for o in action.option_strings if o.startswith("--")}
    return options - {"--help", "--version"}


@pytest.mark.parametrize("command", cli_commands(build_parser()))
def test_every_cli_command_is_in_the_readme(command: str) -> None:
    assert f"`{command}" in README, f"README.md does not show `{command}`"


def test_every_cli_option_is_in_the_readme() -> None:
    missing = {o for o in cli_options(build_parser()) if o not in README}
    assert not missing


def test_the_readme_leads_with_the_two_commands() -> None:
    blocks = re.findall(r"```sh\n(.*?)\n```", README, re.S)
    assert blocks[:2] == [TRY_IT, RUN_TESTS]


def test_ci_runs_exactly_the_readme_test_command() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert script.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in script
    assert script.rstrip().endswith(RUN_TESTS)


def names_something(dotted: str) -> bool:
    """``dotted`` is a module of ours, or a name in one (``liveblog.actions.Actions``): the
    longest prefix that is a module must have every remaining part as an attribute."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            spec = importlib.util.find_spec(".".join(parts[:cut]))
        except ModuleNotFoundError:  # a prefix is a module, not a package
            spec = None
        if spec is None:
            continue
        found: object = importlib.import_module(".".join(parts[:cut]))
        for name in parts[cut:]:
            if not hasattr(found, name):
                return False
            found = getattr(found, name)
        return True
    return False


@pytest.mark.parametrize(
    "name", ["liveblog.web.no_such_module", "liveblog.actions.NoSuchClass", "liveblog.nothing"]
)
def test_a_name_that_does_not_exist_is_found_out(name: str) -> None:
    assert not names_something(name)


@pytest.mark.parametrize(
    "name", ["liveblog.config", "liveblog.storage", "liveblog.actions.Actions", "liveblog.cli.main"]
)
def test_a_name_that_exists_is_found(name: str) -> None:
    assert names_something(name)


@pytest.mark.parametrize("name", sorted(set(re.findall(r"`(liveblog(?:\.\w+)+)`", ARCHITECTURE))))
def test_architecture_md_names_modules_that_exist(name: str) -> None:
    assert names_something(name), name
