"""``compressed``: requests/s of gzip-coded cached pages next to nginx's ``gzip_static``.

Issue 15's figure: the page cache keeps gzip and Brotli versions of every cached page, feed and
poll answer, made once per version; a request that accepts gzip gets the gzip bytes from memory.
nginx serves the same pre-compressed bytes the way a newsroom would put them on a static server:
the plain file and ``file.gz`` next to it, ``gzip_static on`` and ``gzip_vary on``. The ``read``
workload's set-up otherwise (the seeded blog of 5,000 entries, one liveblog worker, one nginx
worker, both on core 0, wrk on core 1, rounds alternating), every request sending
``Accept-Encoding: gzip``:

* ``gzip-page``: the reader page ``GET /live/{slug}``, gzip-coded (target ≥ 0.3x);
* ``gzip-page-304``: the same revalidated with ``If-None-Match``;
* ``gzip-feed``: the Atom feed, gzip-coded (with ``LIVEBLOG_PUBLIC_URL`` set, as ``feed``).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.common import (
    NGINX,
    TASKSET,
    WRK,
    BenchError,
    Options,
    Processes,
    Report,
    check_tools,
    free_port,
    http_get,
    log,
)
from bench.feed import PUBLIC_URL
from bench.nginx_conf import nginx_conf
from bench.read import CONNECTIONS, ENTRIES, Target, _etag, compare
from bench.seed import seeded
from bench.servers import Server, StaticFile, run_nginx, start_liveblog

TARGET = "≥ 0.3"
GZIP = (("Accept-Encoding", "gzip"),)


def _coded(server: Server, path: str) -> tuple[StaticFile, bytes]:
    """The plain bytes of ``path`` and its gzip-coded bytes, as liveblog sends them."""
    plain = http_get(server.port, path, {"Accept-Encoding": "identity"})
    coded = http_get(server.port, path, {"Accept-Encoding": "gzip"})
    if plain.status != 200 or coded.status != 200:
        raise BenchError(f"GET {path} answered {plain.status}/{coded.status}, not 200")
    if coded.header("content-encoding") != "gzip" or plain.header("content-encoding"):
        raise BenchError(f"GET {path}: not sent gzip-coded to a request that accepts gzip")
    return StaticFile(path, plain.header("content-type") or "", plain.body), coded.body


def _start_nginx(procs: Processes, files: list[tuple[StaticFile, bytes]], workdir: Path) -> Server:
    root = workdir / "nginx"
    (root / "www").mkdir(parents=True, exist_ok=True)
    (root / "tmp").mkdir(exist_ok=True)
    locations = {}
    for n, (static, coded) in enumerate(files):
        path = root / "www" / f"file-{n}"
        path.write_bytes(static.body)
        path.with_name(path.name + ".gz").write_bytes(coded)
        locations[static.url_path] = [
            f'default_type "{static.content_type}"',
            f"alias {path}",
            "gzip_static on",
            "gzip_vary on",
        ]
    port = free_port()
    conf = nginx_conf(root, port, locations, sendfile=True)
    return run_nginx(procs, "nginx", root, port, conf, files[0][0].url_path)


def _same_coded_bytes(server: Server, path: str, coded: bytes) -> None:
    resp = http_get(server.port, path, {"Accept-Encoding": "gzip"})
    if resp.status != 200 or resp.header("content-encoding") != "gzip" or resp.body != coded:
        raise BenchError(f"{server.name} does not send the gzip bytes of {path}")


def run(options: Options) -> Report:
    check_tools(WRK, NGINX, TASKSET)
    report = Report()
    with (
        tempfile.TemporaryDirectory(prefix="liveblog-bench-compressed-") as tmp,
        Processes() as procs,
    ):
        workdir = Path(tmp)
        blog = seeded(ENTRIES, workdir)
        ours = start_liveblog(procs, blog.url, workdir, {"LIVEBLOG_PUBLIC_URL": PUBLIC_URL})
        page_path, feed_path = f"/live/{blog.slug}", f"/live/{blog.slug}/feed.atom"
        files = [_coded(ours, page_path), _coded(ours, feed_path)]
        peer = _start_nginx(procs, files, workdir)
        for static, coded in files:
            _same_coded_bytes(peer, static.url_path, coded)
        tags = {(s.name, page_path): _etag(s, page_path, dict(GZIP)) for s in (ours, peer)}
        log(
            f"one liveblog worker (pid {ours.pid}) and nginx (pid {peer.pid}) on core 0, "
            f"wrk -c{CONNECTIONS} on core 1, Accept-Encoding: gzip; page "
            f"{len(files[0][0].body):,} bytes, {len(files[0][1]):,} gzip-coded; feed "
            f"{len(files[1][0].body):,} bytes, {len(files[1][1]):,} gzip-coded"
        )
        targets = [
            Target("gzip-page", page_path, conditional=False, headers=GZIP),
            Target("gzip-page-304", page_path, conditional=True, headers=GZIP),
            Target("gzip-feed", feed_path, conditional=False, headers=GZIP),
        ]
        compare(report, options, (ours, peer), targets, tags, {"gzip-page": TARGET})
    return report
