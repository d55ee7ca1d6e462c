"""``liveblog export`` and ``liveblog import``: a blog as one JSON document (``docs/export.md``).

``export SLUG [-o FILE]`` writes the document (to standard output without ``-o``; a file is
written whole or not at all). ``import FILE [--replace] [--new-ids]`` reads one (``-`` is
standard input) through :meth:`liveblog.actions.Actions.import_blog`: in one transaction, or
not at all. A bad document ends, as every failure of the command does, in one line naming the
first problem by its place in the document (a JSON pointer such as ``/entries/3/body``) and how
many more there are. After an import the running servers are told over the broker, as a write
of theirs would (without a broker they notice within seconds).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
from pathlib import Path
from typing import Any

from liveblog.actions import Actions, IdsTaken, Imported, InvalidInput, SlugTaken, utc_now
from liveblog.cli import CommandFailed, _database
from liveblog.config import Settings
from liveblog.domain.export import MAX_DOCUMENT_BYTES, encode
from liveblog.storage import export as export_rows
from liveblog.storage.migrate import upgrade


def add_commands(commands: Any) -> None:
    """Add ``export`` and ``import`` to the ``liveblog`` command's subcommands."""
    export = commands.add_parser(
        "export", help="write a blog as one JSON document: settings, entries, history, members"
    )
    export.add_argument("slug")
    export.add_argument(
        "-o", "--output", metavar="FILE", help="write it to FILE (default: standard output)"
    )
    export.set_defaults(handler=_export)
    load = commands.add_parser(
        "import", help="make a blog of an export document, all of it in one transaction or none"
    )
    load.add_argument("file", metavar="FILE", help="the document ('-': standard input)")
    load.add_argument(
        "--replace",
        action="store_true",
        help="replace the blog with the document's slug if there is one (else it is refused)",
    )
    load.add_argument(
        "--new-ids",
        action="store_true",
        help="give the entries new ids (needed when other blogs here have theirs; their "
        "permalinks change)",
    )
    load.set_defaults(handler=_import)


def _export(args: argparse.Namespace, settings: Settings) -> int:
    with _database(settings) as db:
        upgrade(db)
        with db.read() as conn:
            document = export_rows.document(conn, args.slug, exported_at=utc_now())
    if document is None:
        raise CommandFailed(f"no blog with the slug {args.slug!r}")
    data = encode(document)
    if args.output in (None, "-"):
        out = getattr(sys.stdout, "buffer", None)
        if out is None:
            sys.stdout.write(data.decode("utf-8"))
        else:
            out.write(data)
        sys.stdout.flush()
        return 0
    _write_whole(Path(args.output), data)
    counts = ", ".join(
        _count(len(found), word)
        for found, word in (
            (document.entries, "entry"),
            (document.tombstones, "tombstone"),
            (document.users, "user"),
        )
    )
    print(f"liveblog: exported {args.slug} to {args.output} ({counts})")
    return 0


def _write_whole(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file beside it: a failure leaves no half
    document behind (and an existing file as it was)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise CommandFailed(f"cannot write {path}: {exc.strerror or exc}") from exc


def _import(args: argparse.Namespace, settings: Settings) -> int:
    data = _read(args.file)
    with _database(settings) as db:
        upgrade(db)
        try:
            done = Actions(db, media_url=settings.media_url).import_blog(
                data, replace=args.replace, new_ids=args.new_ids
            )
        except InvalidInput as exc:
            raise CommandFailed(_problems(args.file, exc)) from exc
        except SlugTaken as exc:
            raise CommandFailed(
                f"{exc.detail}; nothing was imported (--replace replaces it)"
            ) from exc
        except IdsTaken as exc:
            raise CommandFailed(
                f"{exc.detail}; nothing was imported (--new-ids gives the entries new ids, "
                "which changes their permalinks)"
            ) from exc
    _wake_servers(settings.broker_url, done)
    print(f"liveblog: {_summary(done)}")
    return 0


def _read(name: str) -> bytes:
    """The file's bytes, at most one more than an import reads (so a larger one is refused
    without reading all of it)."""
    if name == "-":
        stdin = getattr(sys.stdin, "buffer", None)
        if stdin is None:
            return sys.stdin.read(MAX_DOCUMENT_BYTES + 1).encode("utf-8", "surrogateescape")
        data: bytes = stdin.read(MAX_DOCUMENT_BYTES + 1)
        return data
    try:
        size = os.stat(name).st_size
        if size > MAX_DOCUMENT_BYTES:
            raise CommandFailed(
                f"{name} has {size} bytes; an import reads at most {MAX_DOCUMENT_BYTES}; "
                "nothing was imported"
            )
        with open(name, "rb") as file:
            return file.read(MAX_DOCUMENT_BYTES + 1)
    except OSError as exc:
        raise CommandFailed(f"cannot read {name}: {exc.strerror or exc}") from exc


def _problems(name: str, exc: InvalidInput) -> str:
    """The first problem of a refused document with its place, and how many more there are."""
    first = exc.errors[0]
    where = f"{first.field}: " if first.field else ""
    more = len(exc.errors) - 1
    also = f" (and {more} more problem{'' if more == 1 else 's'})" if more else ""
    return f"{name}: {where}{first.message}{also}; nothing was imported"


def _count(count: int, word: str) -> str:
    plural = "entries" if word == "entry" else f"{word}s"
    return f"{count} {word if count == 1 else plural}"


def _summary(done: Imported) -> str:
    verb = "replaced" if done.replaced else "imported"
    text = f"{verb} {done.blog.slug}: {_count(done.entries, 'entry')}, "
    text += _count(done.tombstones, "tombstone") + (", new ids" if done.renumbered else "")
    if done.created_users:
        made = _count(len(done.created_users), "new user")
        text += f"; {made} (disabled, without a password)"
    return text


def _wake_servers(broker_url: str, done: Imported) -> None:
    """Tell the running servers that the blog has new events (as their own writes do)."""
    from liveblog.pubsub import WakeUp, broker_from_url

    if broker_url.startswith("memory:"):
        return  # one process, and it is not this one: the servers catch up within seconds

    async def publish() -> None:
        broker = broker_from_url(broker_url)
        await broker.start(lambda _: None, lambda: None)
        try:
            await broker.publish(WakeUp(done.blog.id, done.blog.last_seq))
        finally:
            await broker.stop()

    # The import is committed: if the broker cannot be reached, servers catch up by themselves.
    with contextlib.suppress(OSError, TimeoutError, ValueError):
        asyncio.run(asyncio.wait_for(publish(), timeout=5))
