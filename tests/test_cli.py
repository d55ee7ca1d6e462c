"""The ``liveblog`` command: in-process through ``main(argv)``, and as the real console script.

Every bad input must end in exactly one line ``liveblog: error: ...`` on standard error, a
non-zero exit status (2 for a command line that does not parse, 1 otherwise), no traceback,
and nothing written.
"""

from __future__ import annotations

import importlib.util
import io
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from liveblog import cli
from liveblog.actions import Actions, Lifetimes
from liveblog.actions.sessions import LoginFailed
from liveblog.config import Settings
from liveblog.domain.tokens import token_hash
from liveblog.storage import users as user_rows
from liveblog.storage.database import Database
from liveblog.storage.migrate import is_current
from liveblog.storage.tables import api_tokens, users
from liveblog.web import create_app, server
from tests.ports import free_port
from tests.web.live.processes import server_env, start_server, wait_ready

PASSWORD = "correct horse battery"
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


Run = Callable[..., Result]


@pytest.fixture
def db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A SQLite file that the commands use through LIVEBLOG_DATABASE_URL (not created yet)."""
    path = tmp_path / "cli.db"
    for name in [n for n in os.environ if n.startswith("LIVEBLOG_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("LIVEBLOG_DATABASE_URL", f"sqlite:///{path}")
    return path


@pytest.fixture
def run(db_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    def run(*argv: str, stdin: str = "") -> Result:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = cli.main(list(argv))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def database(db_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{db_path}")
    yield db
    db.dispose()


def count(db: Database, table: Any) -> int:
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def assert_one_error_line(result: Result, code: int, *fragments: str) -> None:
    assert result.code == code, result
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("liveblog: error: "), result.err
    for fragment in fragments:
        assert fragment in lines[0], result.err
    assert "Traceback" not in result.err


def create_user(run: Run, email: str = "anna@example.org", role: str = "user") -> Result:
    return run("user", "create", email, "--role", role, "--password-stdin", stdin=PASSWORD + "\n")


# -- db upgrade ----------------------------------------------------------------------------------


def test_db_upgrade_creates_the_schema_and_is_idempotent(run: Run, database: Database) -> None:
    first = run("db", "upgrade")
    assert first.code == 0, first
    assert is_current(database)
    second = run("db", "upgrade")
    assert second.code == 0, second
    assert "up to date" in second.out
    assert is_current(database)
    assert second.err == ""


# -- users and tokens ----------------------------------------------------------------------------


def test_a_created_user_gets_a_token_that_authenticates(run: Run, database: Database) -> None:
    made = create_user(run, "Admin@Example.org", "admin")
    assert made.code == 0, made
    assert "admin@example.org" in made.out

    issued = run("token", "create", "admin@example.org")
    assert issued.code == 0, issued
    token = issued.out.strip()
    assert token.startswith("lb_")
    assert len(issued.out.splitlines()) == 1  # the token alone, so scripts can capture it
    with database.read() as conn:
        stored = list(conn.execute(select(api_tokens.c.token_hash)).scalars())
    assert stored == [token_hash(token)]  # only the hash is kept

    app = create_app(Settings(database_url=database.url), db=database, migrate=False)
    with TestClient(app) as client:
        created = client.post(
            "/api/v1/blogs",
            json={"slug": "cli-test", "title": "Made with a CLI token"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert created.status_code == 201, created.text
        refused = client.post(
            "/api/v1/blogs",
            json={"slug": "nope", "title": "No"},
            headers={"Authorization": f"Bearer {token}x"},
        )
        assert refused.status_code == 401


def test_each_token_is_new(run: Run) -> None:
    assert create_user(run).code == 0
    first, second = (
        run("token", "create", "anna@example.org"),
        run("token", "create", "anna@example.org"),
    )
    assert first.out != second.out


def test_the_password_is_read_from_stdin_without_its_newline(run: Run) -> None:
    # 9 characters plus a newline is too short: the newline does not count.
    short = run(
        "user",
        "create",
        "a@example.org",
        "--role",
        "user",
        "--password-stdin",
        stdin="123456789\n",
    )
    assert_one_error_line(short, 1, "password")
    windows = run(
        "user",
        "create",
        "a@example.org",
        "--role",
        "user",
        "--password-stdin",
        stdin="1234567890\r\n",
    )
    assert windows.code == 0, windows


@pytest.mark.parametrize(
    ("argv", "stdin", "code", "fragment"),
    [
        (
            ["user", "create", "not-an-email", "--role", "user", "--password-stdin"],
            PASSWORD,
            1,
            "email",
        ),
        (
            ["user", "create", "a@example.org", "--role", "boss", "--password-stdin"],
            PASSWORD,
            2,
            "--role",
        ),
        (
            ["user", "create", "a@example.org", "--role", "user", "--password-stdin"],
            "short",
            1,
            "password",
        ),
        (
            ["user", "create", "a@example.org", "--role", "user", "--password-stdin"],
            "",
            1,
            "password",
        ),
        (["user", "create", "a@example.org", "--role", "user"], PASSWORD, 2, "--password-stdin"),
        (["user", "create", "--role", "user", "--password-stdin"], PASSWORD, 2, "email"),
    ],
    ids=[
        "invalid-email",
        "unknown-role",
        "short-password",
        "empty-password",
        "no-password-flag",
        "no-email",
    ],
)
def test_bad_user_input_is_one_line_and_writes_nothing(
    run: Run, db_path: Path, argv: list[str], stdin: str, code: int, fragment: str
) -> None:
    result = run(*argv, stdin=stdin)
    assert_one_error_line(result, code, fragment)
    assert result.out == ""
    if db_path.exists():
        db = Database(f"sqlite:///{db_path}")
        try:
            assert count(db, users) == 0
        finally:
            db.dispose()


def test_a_duplicate_user_is_refused(run: Run, database: Database) -> None:
    assert create_user(run).code == 0
    again = create_user(run, "ANNA@example.org", "admin")
    assert_one_error_line(again, 1, "already exists")
    assert count(database, users) == 1


def test_a_token_for_an_unknown_user_is_refused(run: Run, database: Database) -> None:
    result = run("token", "create", "nobody@example.org")
    assert_one_error_line(result, 1, "nobody@example.org")
    assert result.out == ""
    assert count(database, api_tokens) == 0


def _tokens(run: Run, email: str, count: int) -> list[str]:
    issued = [run("token", "create", email) for _ in range(count)]
    assert all(r.code == 0 for r in issued), issued
    return [r.out.strip() for r in issued]


def _accepted(database: Database, token: str) -> bool:
    """Whether a fresh server (nothing remembered) accepts the token for a write."""
    app = create_app(Settings(database_url=database.url), db=database, migrate=False)
    with TestClient(app) as client:
        reply = client.post(
            "/api/v1/blogs",
            json={"slug": f"t-{token_hash(token)[:8]}", "title": "T"},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert reply.status_code in (201, 401), reply.text
    return reply.status_code == 201


def test_token_revoke_revokes_all_of_a_users_tokens(run: Run, database: Database) -> None:
    assert create_user(run, "anna@example.org", "admin").code == 0
    assert create_user(run, "ben@example.org", "admin").code == 0
    annas = _tokens(run, "anna@example.org", 2)
    (bens,) = _tokens(run, "ben@example.org", 1)
    result = run("token", "revoke", "Anna@Example.org")
    assert (result.code, result.err) == (0, ""), result
    assert result.out == "liveblog: revoked 2 tokens of anna@example.org\n"
    assert not any(_accepted(database, t) for t in annas)
    assert _accepted(database, bens)
    again = run("token", "revoke", "anna@example.org")
    assert again.out == "liveblog: revoked 0 tokens of anna@example.org\n"
    assert again.code == 0


def test_token_revoke_with_a_prefix_revokes_that_token_only(run: Run, database: Database) -> None:
    assert create_user(run, "anna@example.org", "admin").code == 0
    first, second, third = _tokens(run, "anna@example.org", 3)
    with database.read() as conn:
        stored = set(conn.execute(select(api_tokens.c.prefix)).scalars())
    assert stored == {first[:11], second[:11], third[:11]}  # 11 characters, never the token
    by_prefix = run("token", "revoke", "anna@example.org", "--prefix", first[:11])
    assert by_prefix.out == "liveblog: revoked 1 token of anna@example.org\n", by_prefix
    whole = run("token", "revoke", "anna@example.org", "--prefix", second)  # the whole token
    assert whole.out == "liveblog: revoked 1 token of anna@example.org\n", whole
    assert [_accepted(database, t) for t in (first, second, third)] == [False, False, True]


def test_token_revoke_errors_are_one_line_and_revoke_nothing(run: Run, database: Database) -> None:
    assert create_user(run, "anna@example.org", "admin").code == 0
    tokens = _tokens(run, "anna@example.org", 2)
    assert_one_error_line(run("token", "revoke", "nobody@example.org"), 1, "nobody@example.org")
    assert_one_error_line(
        run("token", "revoke", "anna@example.org", "--prefix", "lb_nothing"),
        1,
        "no token of anna@example.org starts with 'lb_nothing'",
    )
    ambiguous = run("token", "revoke", "anna@example.org", "--prefix", "lb_")
    assert_one_error_line(ambiguous, 1, "2 tokens of anna@example.org start with 'lb_'")
    for token in tokens:
        assert token[:11] in ambiguous.err  # the stored prefixes, to choose from
    assert_one_error_line(run("token", "revoke", "anna@example.org", "--prefix", " "), 1, "prefix")
    assert_one_error_line(run("token", "revoke", "anna@example.org", "--prefix"), 2)
    assert_one_error_line(run("token", "revoke"), 2)
    assert count(database, api_tokens) == 2
    assert all(_accepted(database, t) for t in tokens)


def test_a_revoked_token_is_refused_by_a_running_server_within_a_second(
    run: Run, db_path: Path, tmp_path: Path
) -> None:
    """A real ``liveblog serve`` process remembers the token (LIVEBLOG_TOKEN_CACHE_SECONDS is
    30 s by default); ``liveblog token revoke`` in another process still stops it within about
    a second (the exact bound is tested with a fake clock in tests/web/test_token_cache.py)."""
    assert create_user(run, "anna@example.org", "admin").code == 0
    (token,) = _tokens(run, "anna@example.org", 1)
    headers = {"Authorization": f"Bearer {token}"}
    serving = start_server("cli", server_env(database_url=f"sqlite:///{db_path}"), tmp_path)
    try:
        wait_ready([serving])
        slugs = iter(f"blog-{n}" for n in range(1000))

        def post() -> int:
            body = {"slug": next(slugs), "title": "T"}
            return serving.request("POST", "/api/v1/blogs", body=body, headers=headers).status

        assert post() == 201  # the server remembers the token now
        revoked = run("token", "revoke", "anna@example.org")
        assert revoked.code == 0, revoked
        done = time.monotonic()
        status = post()
        while status == 201 and time.monotonic() < done + 10:
            status = post()
        waited = time.monotonic() - done
        assert status == 401, serving.log()
        # The cache alone would accept it for 30 s; the margin over 1 s is for a loaded machine.
        assert waited < 3, f"still accepted {waited:.2f} s after the revocation"
    finally:
        serving.stop()


# -- settings, database URL, port -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("mysql://root@127.0.0.1/liveblog", "unsupported database"),
        ("not a url", "not a database URL"),
        ("sqlite:////nonexistent-directory/liveblog.db", "unable to open database file"),
    ],
)
def test_an_unusable_database_url_is_one_line(
    run: Run, monkeypatch: pytest.MonkeyPatch, url: str, fragment: str
) -> None:
    monkeypatch.setenv("LIVEBLOG_DATABASE_URL", url)
    for argv in (["db", "upgrade"], ["token", "create", "a@example.org"]):
        assert_one_error_line(run(*argv), 1, fragment)


def test_an_unreachable_database_server_is_one_line(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()  # nothing listens there
    monkeypatch.setenv("LIVEBLOG_DATABASE_URL", f"postgresql://postgres@127.0.0.1:{port}/x")
    assert_one_error_line(run("db", "upgrade"), 1, "database")


def test_a_bad_setting_is_one_line(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIVEBLOG_PORT", "eighty")
    assert_one_error_line(run("serve"), 1, "LIVEBLOG_PORT")
    assert_one_error_line(run("db", "upgrade"), 1, "LIVEBLOG_PORT")


def test_the_port_option_wins_over_a_bad_variable(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The variable --port replaces is not read: the command gets as far as listening (on a
    # taken port here, so it stops there without serving).
    monkeypatch.setenv("LIVEBLOG_PORT", "abc")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        result = run("serve", "--port", port)
    assert_one_error_line(result, 1, "in use", port)
    assert "LIVEBLOG_PORT" not in result.err


def test_a_port_in_use_is_one_line_and_writes_nothing(run: Run, db_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        assert_one_error_line(run("serve", "--port", port), 1, "in use", port)
        assert_one_error_line(run("demo", "--port", port), 1, "in use")
    assert not db_path.exists()


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["frobnicate"],
        ["serve", "--port", "0"],
        ["serve", "--port", "http"],
        ["db"],
        ["user", "create"],
        ["token", "create"],
        ["token", "revoke"],
        ["serve", "--bogus"],
    ],
)
def test_a_command_line_that_does_not_parse_exits_2(run: Run, argv: list[str]) -> None:
    assert_one_error_line(run(*argv), 2)


def test_help_and_version(run: Run) -> None:
    helped = run("--help")
    assert helped.code == 0
    for command in ("serve", "demo", "db", "user", "token"):
        assert command in helped.out
    version = run("--version")
    assert version.code == 0
    assert version.out.startswith("liveblog ")


# -- serve --------------------------------------------------------------------------------------


def test_serve_migrates_and_runs_uvicorn_fast(
    run: Run, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, Any] = {}

    def fake_run(self: uvicorn.Server, sockets: list[socket.socket] | None = None) -> None:
        assert sockets is not None
        seen["config"] = self.config
        seen["address"] = sockets[0].getsockname()

    monkeypatch.setattr(uvicorn.Server, "run", fake_run)
    port = free_port()
    result = run("serve", "--host", "127.0.0.1", "--port", str(port))
    assert result.code == 0, result
    assert is_current(database)
    config: uvicorn.Config = seen["config"]
    assert seen["address"] == ("127.0.0.1", port)
    assert config.loop == "uvloop"
    assert config.http == "httptools" or (
        isinstance(config.http, type) and issubclass(config.http, HttpToolsProtocol)
    )
    assert f"http://127.0.0.1:{port}" in result.out


def test_serve_names_the_site_by_its_public_url(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets=None: None)
    monkeypatch.setenv("LIVEBLOG_PUBLIC_URL", "https://live.example.org/")
    result = run("serve", "--port", str(free_port()))
    assert result.code == 0, result
    assert "serving https://live.example.org (" in result.out


def test_without_uvloop_and_httptools_serve_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *args: None)
    assert server.fastest_available() == ("asyncio", "h11")


# -- user set-password, user disable, member add ------------------------------------------------


def _actions(database: Database) -> Actions:
    return Actions(database)


def test_user_create_takes_a_name_and_a_language(run: Run, database: Database) -> None:
    made = run(
        "user",
        "create",
        "eva@example.org",
        "--role",
        "user",
        "--password-stdin",
        "--name",
        "Eva Example",
        "--language",
        "en",
        stdin=PASSWORD,
    )
    assert made.code == 0, made
    with database.read() as conn:
        user = user_rows.by_email(conn, "eva@example.org")
    assert user is not None
    assert (user.display_name, user.language, user.role.value) == ("Eva Example", "en", "user")
    bad = run(
        "user",
        "create",
        "x@example.org",
        "--role",
        "user",
        "--password-stdin",
        "--language",
        "fr",
        stdin=PASSWORD,
    )
    assert_one_error_line(bad, 2, "--language")


def test_set_password_replaces_it_and_ends_sessions(run: Run, database: Database) -> None:
    assert create_user(run).code == 0
    actions = _actions(database)
    session = actions.log_in("anna@example.org", PASSWORD)
    result = run(
        "user", "set-password", "Anna@example.org", "--password-stdin", stdin="n3w pass word\n"
    )
    assert result.code == 0, result
    assert "anna@example.org" in result.out
    assert actions.log_in("anna@example.org", "n3w pass word").user.email == "anna@example.org"
    lifetimes = Lifetimes(timedelta(hours=1), timedelta(days=1))
    assert actions.session(session.session_id, lifetimes) is None


@pytest.mark.parametrize(
    ("argv", "stdin", "code", "fragment"),
    [
        (["user", "set-password", "nobody@example.org", "--password-stdin"], PASSWORD, 1, "nobody"),
        (["user", "set-password", "anna@example.org", "--password-stdin"], "short", 1, "password"),
        (["user", "set-password", "anna@example.org"], PASSWORD, 2, "--password-stdin"),
    ],
    ids=["unknown-user", "short-password", "no-password-flag"],
)
def test_set_password_errors_are_one_line(
    run: Run, database: Database, argv: list[str], stdin: str, code: int, fragment: str
) -> None:
    assert create_user(run).code == 0
    assert_one_error_line(run(*argv, stdin=stdin), code, fragment)
    assert _actions(database).log_in("anna@example.org", PASSWORD)  # unchanged


def test_disable_stops_logins_tokens_and_sessions(run: Run, database: Database) -> None:
    assert create_user(run, "anna@example.org", "admin").code == 0
    (token,) = _tokens(run, "anna@example.org", 1)
    actions = _actions(database)
    session = actions.log_in("anna@example.org", PASSWORD)
    result = run("user", "disable", "anna@example.org")
    assert result.code == 0, result
    assert "disabled anna@example.org" in result.out
    assert not _accepted(database, token)
    with pytest.raises(LoginFailed):
        actions.log_in("anna@example.org", PASSWORD)
    assert (
        actions.session(session.session_id, Lifetimes(timedelta(hours=1), timedelta(days=1)))
        is None
    )
    assert run("user", "disable", "anna@example.org").code == 0  # again: nothing to do
    assert_one_error_line(run("user", "disable", "nobody@example.org"), 1, "nobody@example.org")
    # Enabled again: the password works, the old session and token stay gone.
    result = run("user", "enable", "Anna@example.org")
    assert result.code == 0, result
    assert "enabled anna@example.org" in result.out
    assert actions.log_in("anna@example.org", PASSWORD).session_id
    assert not _accepted(database, token)
    assert_one_error_line(run("user", "enable", "nobody@example.org"), 1, "nobody@example.org")


def test_enable_asks_for_a_password_first_for_an_imported_member(
    run: Run, database: Database
) -> None:
    assert create_user(run, "anna@example.org", "user").code == 0
    with database.write() as conn:  # as an import leaves a member it created
        conn.execute(
            update(users)
            .where(users.c.email == "anna@example.org")
            .values(password_hash="!", disabled_at=datetime(2023, 10, 12, tzinfo=UTC))
        )
    assert_one_error_line(run("user", "enable", "anna@example.org"), 1, "set-password")
    result = run(
        "user", "set-password", "anna@example.org", "--password-stdin", stdin=PASSWORD + "\n"
    )
    assert result.code == 0, result
    assert run("user", "enable", "anna@example.org").code == 0
    assert _actions(database).log_in("anna@example.org", PASSWORD).session_id


def test_member_add_gives_a_role_in_a_blog(run: Run, database: Database) -> None:
    assert create_user(run, "boss@example.org", "admin").code == 0
    assert create_user(run, "anna@example.org", "user").code == 0
    actions = _actions(database)
    with database.read() as conn:
        boss = user_rows.by_email(conn, "boss@example.org")
    assert boss is not None
    actions.create_blog(boss, slug="sturm", title="Sturmflut")
    result = run("member", "add", "sturm", "Anna@example.org", "--role", "editor")
    assert result.code == 0, result
    assert result.out == "liveblog: anna@example.org is now editor of sturm\n"
    roles = {m.user.email: m.role.value for m in actions.members(boss, "sturm")}
    assert roles == {"boss@example.org": "owner", "anna@example.org": "editor"}


def test_member_add_errors_are_one_line(run: Run, database: Database) -> None:
    assert create_user(run, "anna@example.org", "user").code == 0
    assert create_user(run, "boss@example.org", "admin").code == 0
    assert_one_error_line(
        run("member", "add", "sturm", "anna@example.org", "--role", "editor"), 1, "sturm"
    )
    with database.read() as conn:
        boss = user_rows.by_email(conn, "boss@example.org")
    assert boss is not None
    _actions(database).create_blog(boss, slug="sturm", title="Sturmflut")
    assert_one_error_line(
        run("member", "add", "sturm", "nobody@example.org", "--role", "editor"), 1, "nobody"
    )
    assert_one_error_line(
        run("member", "add", "sturm", "anna@example.org", "--role", "chief"), 2, "--role"
    )
    assert_one_error_line(run("member", "add", "sturm", "anna@example.org"), 2, "--role")


# -- the console script -------------------------------------------------------------------------


def console(*argv: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "liveblog"), *argv],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_the_console_script(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVEBLOG_")}
    env["LIVEBLOG_DATABASE_URL"] = f"sqlite:///{tmp_path / 'console.db'}"

    bad = console(
        "user", "create", "nobody", "--role", "admin", "--password-stdin", env=env, stdin=PASSWORD
    )
    assert bad.returncode == 1
    assert bad.stderr.splitlines() == [
        "liveblog: error: email: must be an e-mail address (got 'nobody')"
    ]

    usage = console("user", "create", "a@example.org", "--role", "boss", env=env)
    assert usage.returncode == 2
    assert len(usage.stderr.splitlines()) == 1
    assert usage.stderr.startswith("liveblog: error: ")

    made = console(
        "user",
        "create",
        "a@example.org",
        "--role",
        "admin",
        "--password-stdin",
        env=env,
        stdin=PASSWORD + "\n",
    )
    assert made.returncode == 0, made.stderr
    token = console("token", "create", "a@example.org", env=env)
    assert token.returncode == 0, token.stderr
    assert token.stdout.startswith("lb_")

    as_module = subprocess.run(
        [sys.executable, "-m", "liveblog", "db", "upgrade"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert as_module.returncode == 0, as_module.stderr
