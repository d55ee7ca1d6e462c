"""The ``liveblog`` command: serve, the demo, migrations, users, API tokens, export and import,
pruning photos.

Every failure a user can cause ends in one line on standard error, ``liveblog: error: ...``,
and a non-zero exit status: 2 when the command line does not parse, 1 for everything else.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import getpass
import os
import socket
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn

from alembic.util.exc import CommandError as AlembicError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from liveblog import __version__
from liveblog.actions import Actions, MediaStore
from liveblog.config import Settings, SettingsError
from liveblog.demo import banner, fresh_password, seed
from liveblog.demo.brand import brand_environment, demo_brand
from liveblog.domain.errors import DomainError
from liveblog.storage.database import Database, DatabaseURLError
from liveblog.storage.migrate import upgrade
from liveblog.web.urls import absolute_url

EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
ROLES = ("admin", "user")
BLOG_ROLES = ("owner", "editor", "contributor")
Handler = Callable[[argparse.Namespace, Settings], int]


class CommandFailed(Exception):
    """A failure to report in one line with exit status 1."""


class UsageError(Exception):
    """The command line does not parse (exit status 2)."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad command line raises instead of printing usage and exiting."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = 0
    if not 0 < port < 65536:
        raise argparse.ArgumentTypeError(f"must be a number from 1 to 65535, not {text!r}")
    return port


def _workers(text: str) -> int:
    if text == "auto":
        from liveblog.web.workers import available_cores

        return available_cores()
    try:
        count = int(text)
    except ValueError:
        count = 0
    if not 0 < count <= 256:
        raise argparse.ArgumentTypeError(f"must be 'auto' or a number from 1 to 256, not {text!r}")
    return count


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="liveblog",
        description="Liveblog platform for newsrooms. Settings come from LIVEBLOG_* variables.",
    )
    parser.add_argument("--version", action="version", version=f"liveblog {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="apply migrations and serve the site")
    _listen_options(serve)
    serve.add_argument(
        "--demo", action="store_true", help="first put the demo blogs in place (see 'demo')"
    )
    serve.set_defaults(handler=_serve)

    demo = commands.add_parser(
        "demo", help="serve --demo: the demo blogs, a demo admin and a fresh API token"
    )
    _listen_options(demo)
    demo.set_defaults(handler=_serve, demo=True)

    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="COMMAND")
    db_upgrade = db_commands.add_parser("upgrade", help="apply all migrations (safe to repeat)")
    db_upgrade.set_defaults(handler=_db_upgrade)

    member = commands.add_parser("member", help="roles in a blog")
    member_commands = member.add_subparsers(dest="member_command", required=True, metavar="COMMAND")
    add_member = member_commands.add_parser(
        "add", help="give a user a role in a blog (or change it), acting as the first admin"
    )
    add_member.add_argument("slug")
    add_member.add_argument("email")
    add_member.add_argument("--role", required=True, choices=BLOG_ROLES)
    add_member.set_defaults(handler=_member_add)

    token = commands.add_parser("token", help="API tokens")
    token_commands = token.add_subparsers(dest="token_command", required=True, metavar="COMMAND")
    create_token = token_commands.add_parser(
        "create", help="print a new API token for a user (only its hash is stored)"
    )
    create_token.add_argument("email")
    create_token.set_defaults(handler=_token_create)
    revoke_token = token_commands.add_parser(
        "revoke",
        help="revoke a user's API tokens, or one of them (--prefix); every server refuses them "
        "within a second",
    )
    revoke_token.add_argument("email")
    revoke_token.add_argument(
        "--prefix",
        help="only the token that starts with these characters (the first 11 are compared; "
        "the whole token works too)",
    )
    revoke_token.set_defaults(handler=_token_revoke)
    # Subcommands in modules of their own; they import this module's helpers.
    from liveblog import cli_media, cli_transfer, cli_users

    cli_users.add_commands(commands)
    cli_transfer.add_commands(commands)
    cli_media.add_commands(commands)
    return parser


def _password_stdin(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        required=True,
        help="read the password from standard input (a prompt on a terminal)",
    )


def _listen_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="address to listen on (LIVEBLOG_HOST, default 127.0.0.1)")
    parser.add_argument(
        "--port", type=_port, help="port to listen on (LIVEBLOG_PORT, default 8000)"
    )
    parser.add_argument(
        "--workers",
        type=_workers,
        default=1,
        metavar="N",
        help="server processes sharing the port (default 1; 'auto': one per core); with "
        "LIVEBLOG_BROKER_URL memory:// they tell each other of changes through a local relay",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit status (the console script exits with it)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as exc:
        return _fail(str(exc), EXIT_USAGE)
    except SystemExit as exc:  # --help and --version print and "exit" successfully
        return exc.code if isinstance(exc.code, int) else 0
    handler: Handler = args.handler
    try:
        overrides = {
            name: getattr(args, name)
            for name in ("host", "port")
            if getattr(args, name, None) is not None
        }
        return handler(args, Settings.from_env(**overrides))
    except DomainError as exc:
        return _fail(exc.detail)
    except (CommandFailed, SettingsError, DatabaseURLError, AlembicError) as exc:
        return _fail(str(exc))
    except SQLAlchemyError as exc:
        return _fail(f"the database failed: {_reason(exc)}")
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


def _fail(message: str, status: int = EXIT_FAILURE) -> int:
    one_line = " ".join(message.split()) or "failed"
    print(f"liveblog: error: {one_line}", file=sys.stderr)
    return status


def _reason(exc: SQLAlchemyError) -> str:
    """The driver's own message, first line only (SQLAlchemy's adds SQL and a link)."""
    original: Any = getattr(exc, "orig", None) or exc
    lines = str(original).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


# -- commands ------------------------------------------------------------------------------------


def _db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    with _database(settings) as db:
        upgrade(db)
        print(f"liveblog: the database {_safe_url(db)} is up to date")
    return 0


def _announcing(db: Database, settings: Settings) -> Actions:
    """Actions that, after taking rights away, tell the running servers over the broker, so
    they forget remembered tokens at once (without a broker they notice within a second)."""
    actions = Actions(db)
    actions.on_access_revoked(lambda: _announce(settings.broker_url))
    return actions


def _announce(broker_url: str) -> None:
    from liveblog.pubsub import broker_from_url
    from liveblog.pubsub.broker import ACCESS_CHANGED

    if broker_url.startswith("memory:"):
        return  # one process, and it is not this one: the servers check within a second

    async def publish() -> None:
        broker = broker_from_url(broker_url)
        await broker.start(lambda _: None, lambda: None)
        try:
            await broker.publish(ACCESS_CHANGED)
        finally:
            await broker.stop()

    # The change is committed: if the broker cannot be reached, servers notice within a second.
    with contextlib.suppress(OSError, TimeoutError, ValueError):
        asyncio.run(asyncio.wait_for(publish(), timeout=5))


def _member_add(args: argparse.Namespace, settings: Settings) -> int:
    with _database(settings) as db:
        upgrade(db)
        # The operator acts: no account needed, recorded as nobody in the blog's audit log.
        member = Actions(db).add_member(None, args.slug, args.email, args.role)
    print(f"liveblog: {member.user.email} is now {member.role.value} of {args.slug}")
    return 0


def _token_create(args: argparse.Namespace, settings: Settings) -> int:
    with _database(settings) as db:
        upgrade(db)
        _, token = Actions(db).create_token(args.email)
    print(token)
    return 0


def _token_revoke(args: argparse.Namespace, settings: Settings) -> int:
    with _database(settings) as db:
        upgrade(db)
        user, revoked = _announcing(db, settings).revoke_tokens(args.email, prefix=args.prefix)
    print(f"liveblog: revoked {revoked} token{'' if revoked == 1 else 's'} of {user.email}")
    return 0


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from liveblog.web.app import create_app  # imported here: the web stack is slow to import
    from liveblog.web.brand import brand_of
    from liveblog.web.server import LiveServer, uvicorn_config

    if args.demo:  # the demo's invented newsroom, where no brand setting is given
        settings = demo_brand(settings, os.environ)
    brand_of(settings)  # a brand setting the pages cannot use stops every worker: say it once
    # Listen first: a taken port is reported before anything is written.
    with _listening(settings.host, settings.port) as listener:
        listeners = _worker_listeners(listener, args.workers, settings)
        with _database(settings) as db:
            upgrade(db)
            base_url = absolute_url(settings, None, "")
            if args.demo:
                actions = Actions(db, media_url=settings.media_url)
                seeded = seed(actions, media=MediaStore.of(settings))
                _, token = actions.create_token(seeded.admin.email)
                password = fresh_password(actions, seeded.admin)
                print(banner(base_url, seeded, token, password), flush=True)
            if listeners is None:
                try:
                    app = create_app(settings, db=db, migrate=False)
                except ValueError as exc:  # a setting the app cannot use, e.g. the broker URL
                    raise CommandFailed(str(exc)) from exc
                config = uvicorn_config(app, log_level="info", access_log=settings.access_log)
                print(f"liveblog: serving {base_url} (Ctrl+C stops)", flush=True)
                LiveServer(config).run(sockets=[listener])
                return 0
        return _supervise(listeners, args.workers, settings, base_url)


def _worker_listeners(listener: socket.socket, count: int, settings: Settings) -> Any:
    """For ``--workers N`` (N > 1), the workers' sockets (:class:`liveblog.web.workers.Listeners`);
    ``None`` for one process."""
    if count == 1:
        return None
    from liveblog.pubsub import broker_from_url
    from liveblog.web.workers import Listeners

    if not settings.broker_url.lower().startswith("memory:"):
        try:
            broker_from_url(settings.broker_url)
        except ValueError as exc:
            raise CommandFailed(str(exc)) from exc
    try:
        return Listeners(listener, count)
    except OSError as exc:
        where = f"{settings.host}:{settings.port}"
        reason = "the port is in use" if exc.errno == errno.EADDRINUSE else exc.strerror
        raise CommandFailed(f"cannot listen on {where}: {reason}") from exc


def _supervise(listeners: Any, count: int, settings: Settings, base_url: str) -> int:
    from liveblog.web.workers import WorkersFailed, supervise

    env = {
        **os.environ,
        "LIVEBLOG_HOST": settings.host,
        "LIVEBLOG_PORT": str(settings.port),
        "LIVEBLOG_BROKER_URL": settings.broker_url,
        **brand_environment(settings),
    }

    def serving(pids: list[int]) -> None:
        listed = ", ".join(map(str, pids))
        print(
            f"liveblog: serving {base_url} with {count} workers (pids {listed}; Ctrl+C stops)",
            flush=True,
        )

    try:
        return supervise(listeners, count, env, serving)
    except WorkersFailed as exc:
        raise CommandFailed(str(exc)) from exc


# -- helpers -------------------------------------------------------------------------------------


@contextmanager
def _database(settings: Settings) -> Iterator[Database]:
    try:
        db = Database(settings.database_url)
    except DatabaseURLError:
        raise
    except (ArgumentError, ValueError, ImportError) as exc:
        raise CommandFailed(
            f"cannot use LIVEBLOG_DATABASE_URL {settings.database_url!r}: {exc}"
        ) from exc
    try:
        yield db
    finally:
        db.dispose()


def _safe_url(db: Database) -> str:
    return make_url(db.url).render_as_string(hide_password=True)


def _read_password() -> str:
    stdin = sys.stdin
    if stdin is None:
        return ""
    if stdin.isatty():
        return getpass.getpass("Password: ")
    return stdin.read().removesuffix("\n").removesuffix("\r")


@contextmanager
def _listening(host: str, port: int) -> Iterator[socket.socket]:
    """A listening socket, bound here so that a taken port is one clear error."""
    where = f"{host}:{port}"
    if not 0 < port < 65536:
        raise CommandFailed(f"cannot listen on {where}: the port must be from 1 to 65535")
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except (socket.gaierror, UnicodeError) as exc:
        raise CommandFailed(f"cannot listen on {where}: unknown host") from exc
    sock = socket.socket(family, kind, proto)
    try:
        if os.name != "nt":  # on Windows it would let two servers share the port
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        reason = "the port is in use" if exc.errno == errno.EADDRINUSE else exc.strerror
        raise CommandFailed(f"cannot listen on {where}: {reason}") from exc
    sock.set_inheritable(True)
    try:
        yield sock
    finally:
        sock.close()
