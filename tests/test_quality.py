"""Lint, format and type checks run as part of the suite, so the README's test command (and CI)
enforce them. The tools are the ones installed next to this Python (``[test]`` extra)."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

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
