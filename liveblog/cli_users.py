"""``liveblog user``: the accounts of editors and admins, from the command line: create one, give
one a new password, disable one, enable one again (a member an import created is disabled and has
no password: set one, then enable)."""

from __future__ import annotations

import argparse
from typing import Any

from liveblog.actions import Actions
from liveblog.cli import ROLES, _announcing, _database, _password_stdin, _read_password
from liveblog.config import Settings
from liveblog.storage.migrate import upgrade


def add_commands(commands: Any) -> None:
    """Add ``user`` and its subcommands to the ``liveblog`` command's subcommands."""
    user = commands.add_parser("user", help="editors and admins")
    user_commands = user.add_subparsers(dest="user_command", required=True, metavar="COMMAND")
    create_user = user_commands.add_parser("create", help="create a user")
    create_user.add_argument("email")
    create_user.add_argument("--role", required=True, choices=ROLES)
    _password_stdin(create_user)
    create_user.add_argument("--name", default="", help="display name (the byline)")
    create_user.add_argument(
        "--language", default="de", choices=("de", "en"), help="language of the desk"
    )
    create_user.set_defaults(handler=_user_create)
    set_password = user_commands.add_parser(
        "set-password", help="give a user a new password; their desk sessions end"
    )
    set_password.add_argument("email")
    _password_stdin(set_password)
    set_password.set_defaults(handler=_user_set_password)
    disable = user_commands.add_parser(
        "disable",
        help="disable a user: no login, no API token; every server refuses them within a second",
    )
    disable.add_argument("email")
    disable.set_defaults(handler=_user_disable)
    enable = user_commands.add_parser(
        "enable", help="let a disabled user log in again (a user without a password gets one first)"
    )
    enable.add_argument("email")
    enable.set_defaults(handler=_user_enable)


def _user_create(args: argparse.Namespace, settings: Settings) -> int:
    password = _read_password()
    with _database(settings) as db:
        upgrade(db)
        user = Actions(db).create_user(
            args.email, args.role, password, display_name=args.name, language=args.language
        )
    print(f"liveblog: created {user.role.value} {user.email}")
    return 0


def _user_set_password(args: argparse.Namespace, settings: Settings) -> int:
    password = _read_password()
    with _database(settings) as db:
        upgrade(db)
        user = _announcing(db, settings).set_password(args.email, password)
    print(f"liveblog: new password for {user.email}; their desk sessions have ended")
    return 0


def _user_disable(args: argparse.Namespace, settings: Settings) -> int:
    with _database(settings) as db:
        upgrade(db)
        user = _announcing(db, settings).disable_user(args.email)
    print(f"liveblog: disabled {user.email}; their sessions and API tokens no longer work")
    return 0


def _user_enable(args: argparse.Namespace, settings: Settings) -> int:
    with _database(settings) as db:
        upgrade(db)
        user = Actions(db).enable_user(args.email)
    print(f"liveblog: enabled {user.email}; they can log in again")
    return 0
