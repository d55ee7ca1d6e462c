"""``bench/run [--quick] [--json] WORKLOAD``: one module per workload, each with ``run()``."""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from collections.abc import Callable
from typing import cast

from bench.common import (
    BenchError,
    Options,
    Report,
    emit,
    install_signal_handlers,
    log,
    save,
)

# name -> (module, help); each module has run(Options) -> Report. Add new workloads here.
WORKLOADS = {
    "read": ("bench.read", "requests/s of the cached reader page and the entries API vs nginx"),
    "feed": ("bench.feed", "requests/s of a blog's cached Atom feed vs nginx"),
    "compressed": ("bench.compressed", "requests/s of gzip-coded cached pages vs gzip_static"),
    "long": ("bench.long", "render and entries API time of blogs of 100 to 50,000 entries"),
    "fanout": ("bench.fanout", "N SSE readers, M events: latency, CPU, memory vs nchan"),
    "publish": ("bench.publish", "POST-to-delivery latency, one reader, SQLite and PostgreSQL"),
    "workers": ("bench.workers", "readers held at the same median: serve --workers 2 vs 1"),
    "writes": ("bench.writes", "sustained writes, 50 blogs posting at once: entries/s and p99"),
}
# Workloads with options of their own: the module also has add_arguments(parser) and
# configure(args). Only these modules are imported to build the parser.
WORKLOAD_OPTIONS = ("fanout", "publish", "workers", "writes")


def _workload(name: str) -> Callable[[Options], Report]:
    module = importlib.import_module(WORKLOADS[name][0])
    return cast(Callable[[Options], Report], module.run)


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--quick", action="store_true", default=argparse.SUPPRESS, help="a run under a minute"
    )
    common.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS,
        help="one JSON object per line per system and workload, then 'ratio' lines",
    )
    common.add_argument(
        "--wait-quiet",
        type=float,
        metavar="SECONDS",
        default=argparse.SUPPRESS,
        help="before each measurement, wait up to SECONDS for other load on the machine to end",
    )
    main = argparse.ArgumentParser(
        prog="bench/run",
        description="liveblog benchmarks (loopback only; every process started is ended).",
        parents=[common],
    )
    sub = main.add_subparsers(dest="workload", required=True, metavar="WORKLOAD")
    for name, (module, text) in WORKLOADS.items():
        workload = sub.add_parser(name, parents=[common], help=text)
        if name in WORKLOAD_OPTIONS:
            importlib.import_module(module).add_arguments(workload)
    sub.add_parser("all", parents=[common], help="every workload above, one after another")
    return main


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    options = Options(
        quick=getattr(args, "quick", False),
        as_json=getattr(args, "json", False),
        wait_quiet=getattr(args, "wait_quiet", 0.0),
    )
    names = list(WORKLOADS) if args.workload == "all" else [args.workload]
    for name in names:
        if name in WORKLOAD_OPTIONS:
            importlib.import_module(WORKLOADS[name][0]).configure(args)
    install_signal_handlers()
    report = Report()
    began = time.monotonic()
    try:
        for name in names:
            log(f"workload {name}{' (quick)' if options.quick else ''}")
            report.extend(_workload(name)(options))
    except BenchError as exc:
        log(f"error: {exc}")
        return 1
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    kind = args.workload + ("-quick" if options.quick else "")
    log(f"done in {time.monotonic() - began:.0f}s; results also in {save(report, kind)}")
    emit(report, options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
