"""``liveblog media prune``: delete the photos no entry shows and the files no photo lists.

A dry run by default (it lists what it would delete and how many bytes); ``--apply`` deletes.
Only photos uploaded, and files written, more than ``--older-than`` hours ago (24 by default)
go: a photo uploaded for an entry still being written survives.
"""

from __future__ import annotations

import argparse
import math
from datetime import timedelta
from pathlib import Path
from typing import Any

from liveblog.actions import Actions, Pruned
from liveblog.cli import CommandFailed, _database
from liveblog.config import Settings
from liveblog.storage.migrate import upgrade


def _hours(text: str) -> float:
    try:
        hours = float(text)
    except ValueError:
        hours = -1.0
    if not (math.isfinite(hours) and 0 <= hours <= 1_000_000):
        raise argparse.ArgumentTypeError(f"must be a number of hours, 0 or more, not {text!r}")
    return hours


def add_commands(commands: Any) -> None:
    """Add ``media`` and its subcommands to the ``liveblog`` command's subcommands."""
    media = commands.add_parser("media", help="uploaded photos")
    media_commands = media.add_subparsers(dest="media_command", required=True, metavar="COMMAND")
    prune = media_commands.add_parser(
        "prune",
        help="list (or with --apply delete) photos that no entry or revision shows and files "
        "in LIVEBLOG_MEDIA_DIR that no photo lists",
    )
    prune.add_argument(
        "--older-than",
        type=_hours,
        default=24.0,
        metavar="HOURS",
        help="only photos uploaded and files written more than this many hours ago (default 24)",
    )
    prune.add_argument("--apply", action="store_true", help="delete them (default: only list)")
    prune.set_defaults(handler=_prune)


def _prune(args: argparse.Namespace, settings: Settings) -> int:
    directory = Path(settings.media_dir)
    with _database(settings) as db:
        upgrade(db)
        try:
            pruned = Actions(db).prune_media(
                directory, older_than=timedelta(hours=args.older_than), apply=args.apply
            )
        except OSError as exc:
            raise CommandFailed(f"cannot prune {directory}: {exc.strerror or exc}") from exc
    _report(pruned, directory)
    return 0


def _report(pruned: Pruned, directory: Path) -> None:
    verb = "deleted" if pruned.applied else "would delete"
    for photo in pruned.photos:
        when = photo.created_at.strftime("%Y-%m-%d %H:%M UTC")
        print(f"{verb} photo {photo.id} (blog {photo.blog_id}, uploaded {when}): no entry shows it")
    for file in pruned.files:
        print(f"{verb} {directory / file.name} ({file.size} bytes)")
    photos = f"{len(pruned.photos)} photo{'' if len(pruned.photos) == 1 else 's'}"
    files = f"{len(pruned.files)} file{'' if len(pruned.files) == 1 else 's'}"
    summary = f"liveblog: {verb} {photos} and {files}, {pruned.bytes} bytes"
    if not pruned.applied and (pruned.photos or pruned.files):
        summary += "; run with --apply to delete them"
    print(summary)
