"""Lint, format and type checks run as part of the suite, so the README's test command (and CI)
enforce them. The tools are the ones installed next to this Python (``[test]`` extra)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def run_tool(name: str, *args: str) -> None:
    tool = BIN / name
    if not tool.exists():
        pytest.fail(f"{tool} is missing: install the test dependencies (pip install -e '.[test]')")
    result = subprocess.run(
        [str(tool), *args], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )
    if result.returncode != 0:
        pytest.fail(
            f"`{name} {' '.join(args)}` failed ({result.returncode}):\n"
            f"{result.stdout}{result.stderr}",
            pytrace=False,
        )


def test_ruff_check() -> None:
    run_tool("ruff", "check", "--no-cache", ".")


def test_ruff_format() -> None:
    run_tool("ruff", "format", "--check", "--no-cache", ".")


def test_mypy_strict() -> None:
    # Files and strictness come from [tool.mypy] in pyproject.toml.
    run_tool("mypy")


# -- pinned dependencies -------------------------------------------------------------------------

_NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(lock: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in (ROOT / lock).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        requirement = line.split(";")[0].strip()
        assert "==" in requirement, f"{lock}: {line!r} is not an exact pin"
        name, version = requirement.split("==", 1)
        found[canonical(name.split("[")[0])] = version
    return found


def declared(*extras: str) -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"])
    for extra in extras:
        requirements += project["optional-dependencies"][extra]
    names = set()
    for requirement in requirements:
        match = _NAME.match(requirement)
        assert match, requirement
        names.add(canonical(match.group(1)))
    return names


def test_the_lock_files_pin_every_declared_dependency() -> None:
    runtime, dev = pins("requirements.lock"), pins("requirements-dev.lock")
    assert declared() <= set(runtime), declared() - set(runtime)
    assert declared("test") <= set(dev), declared("test") - set(dev)
    # The runtime lock is the same environment minus the test tools.
    assert {name: dev.get(name) for name in runtime} == runtime


# -- layers --------------------------------------------------------------------------------------


def test_import_contracts() -> None:
    # The contracts are [tool.importlinter] in pyproject.toml.
    run_tool("lint-imports", "--no-cache")


def importlinter_contract(name: str) -> dict[str, Any]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts: list[dict[str, Any]] = config["tool"]["importlinter"]["contracts"]
    return next(c for c in contracts if c["name"] == name)


def test_the_domain_contract_forbids_every_other_top_level_module() -> None:
    # import-linter has no "anything but": a new top-level module must join the list.
    package = ROOT / "liveblog"
    ours = {
        f"liveblog.{path.stem if path.is_file() else path.name}"
        for path in package.iterdir()
        if (path.suffix == ".py" and path.name != "__init__.py") or (path / "__init__.py").exists()
    }
    forbidden = set(importlinter_contract("domain imports nothing of ours")["forbidden_modules"])
    assert forbidden == ours - {"liveblog.domain"}


def test_domain_errors_know_no_http() -> None:
    from liveblog.domain import errors
    from liveblog.web.problems import DOMAIN_PROBLEMS

    classes = [
        value
        for value in vars(errors).values()
        if isinstance(value, type) and issubclass(value, errors.DomainError)
    ]
    for cls in classes:
        assert cls in DOMAIN_PROBLEMS, f"{cls.__name__} has no status in web/problems.py"
        assert not hasattr(cls, "status"), f"{cls.__name__} carries an HTTP status"
        assert not hasattr(cls, "title"), f"{cls.__name__} carries an HTTP title"


# Only liveblog/actions/ writes. import-linter sees modules, not functions, so the storage
# functions that write are found here: those that build an INSERT, UPDATE or DELETE, or call a
# storage function that does.

_SQL_WRITES = frozenset({"insert", "update", "delete"})
_WRITE_FREE = ("liveblog/actions/", "liveblog/storage/")
NAMED_WRITERS = {  # the writers of today: proves that the search below finds them
    ("liveblog.storage.blogs", "insert_blog"),
    ("liveblog.storage.blogs", "update_blog"),
    ("liveblog.storage.blogs", "next_seq"),
    ("liveblog.storage.entries", "insert_entry"),
    ("liveblog.storage.entries", "update_entry"),
    ("liveblog.storage.events", "append"),
    ("liveblog.storage.events", "record"),
    ("liveblog.storage.events", "supersede"),
    ("liveblog.storage.users", "insert_user"),
    ("liveblog.storage.users", "insert_token"),
    ("liveblog.storage.users", "delete_tokens"),
}


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


class Imports:
    """What the names of one module refer to: storage modules and storage functions."""

    def __init__(self, tree: ast.Module) -> None:
        self.modules: dict[str, str] = {}  # local name or dotted path -> storage module
        self.functions: dict[str, tuple[str, str]] = {}  # local name -> (module, function)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("liveblog.storage."):
                        self.modules[alias.asname or alias.name] = alias.name
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    local = alias.asname or alias.name
                    if node.module == "liveblog.storage":
                        self.modules[local] = f"liveblog.storage.{alias.name}"
                    elif node.module.startswith("liveblog.storage."):
                        self.functions[local] = (node.module, alias.name)

    def referenced(self, tree: ast.Module) -> Iterator[tuple[int, tuple[str, str]]]:
        """(line, (module, function)) of every storage function the module names."""
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute):
                module = self.modules.get(ast.unparse(node.value))
                if module is not None:
                    yield node.lineno, (module, node.attr)
            elif isinstance(node, ast.Name) and node.id in self.functions:
                yield node.lineno, self.functions[node.id]
            elif isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    target = self.functions.get(alias.asname or alias.name)
                    if target is not None:
                        yield node.lineno, target


def storage_writers() -> set[tuple[str, str]]:
    calls: dict[tuple[str, str], set[tuple[str, str]]] = {}
    writers: set[tuple[str, str]] = set()
    for path in sorted((ROOT / "liveblog" / "storage").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module, imports = module_name(path), Imports(tree)
        for function in tree.body:
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            key = (module, function.name)
            body = ast.Module(body=function.body, type_ignores=[])
            calls[key] = {target for _, target in imports.referenced(body)}
            for node in ast.walk(function):
                if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                    continue
                if node.func.id in _SQL_WRITES:
                    writers.add(key)
                else:
                    calls[key].add((module, node.func.id))
    while True:  # a function that calls a writer writes too
        more = {key for key, called in calls.items() if called & writers} - writers
        if not more:
            return writers
        writers |= more


def writes_outside_actions(
    sources: Iterable[tuple[str, str]], writers: set[tuple[str, str]]
) -> list[str]:
    found = []
    for name, source in sources:
        tree = ast.parse(source)
        for line, target in Imports(tree).referenced(tree):
            if target in writers:
                found.append(f"{name}:{line}: {target[0]}.{target[1]}")
    return found


def test_the_write_search_finds_writers_and_their_callers() -> None:
    writers = storage_writers()
    assert writers >= NAMED_WRITERS, NAMED_WRITERS - writers
    assert ("liveblog.storage.blogs", "by_slug") not in writers
    offending = {
        "a.py": "from liveblog.storage import events as log\nlog.append(conn, 1, t, {}, now)\n",
        "b.py": "from liveblog.storage.users import insert_token\n",
        "c.py": "import liveblog.storage.blogs\nliveblog.storage.blogs.next_seq(conn, 1, now)\n",
        "d.py": "from liveblog.storage import blogs\nblogs.by_slug(conn, 'x')\n",
    }
    assert writes_outside_actions(offending.items(), writers) == [
        "a.py:2: liveblog.storage.events.append",
        "b.py:1: liveblog.storage.users.insert_token",
        "c.py:2: liveblog.storage.blogs.next_seq",
    ]


def test_only_actions_writes() -> None:
    paths = [
        path
        for path in sorted([*(ROOT / "liveblog").rglob("*.py"), *(ROOT / "bench").rglob("*.py")])
        if not path.relative_to(ROOT).as_posix().startswith(_WRITE_FREE)
    ]
    sources = [(str(p.relative_to(ROOT)), p.read_text(encoding="utf-8")) for p in paths]
    assert writes_outside_actions(sources, storage_writers()) == []


def test_test_directories_mirror_the_packages() -> None:
    """Tests live where the code they test lives: ``tests/web/live/`` tests ``liveblog/web/live/``
    (browser tests, which cross every package, have a directory of their own)."""
    tests = ROOT / "tests"
    for directory in sorted(p for p in tests.rglob("*") if p.is_dir()):
        relative = directory.relative_to(tests)
        if relative.parts[0] == "browser" or {"__pycache__", "fixtures"} & set(relative.parts):
            continue
        assert (ROOT / "liveblog" / relative).is_dir(), f"tests/{relative} mirrors no package"
