"""``feed``: requests/s of a blog's cached Atom feed next to nginx serving the same bytes.

The ``read`` workload's set-up for ``GET /live/{slug}/feed.atom`` (issue 14: feeds are served
from the page cache like pages, target ≥ 0.3x nginx): the same seeded blog of 5,000 entries,
one liveblog worker with ``LIVEBLOG_PUBLIC_URL`` set (as a site with feeds runs: the fast path
answers fresh feeds before the application), nginx serving the captured feed as a file with the
same ``Content-Type``, both pinned to core 0, wrk on core 1, rounds alternating:

* ``feed-atom``: the feed (200, full body, the newest ``LIVEBLOG_FEED_SIZE`` = 20 entries);
* ``feed-atom-304``: the same revalidated with ``If-None-Match`` (each server's own ETag);
* ``feed-page``: the reader page ``GET /live/{slug}`` (``read-page``), for reference in the same
  run: the feed should do as well as the page, whatever the machine's state.
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
    log,
)
from bench.read import CONNECTIONS, ENTRIES, Target, _capture, _etag, _same_bytes, compare
from bench.seed import seeded
from bench.servers import start_liveblog, start_nginx

FEED_TARGET = "≥ 0.3"
PUBLIC_URL = "http://127.0.0.1"


def run(options: Options) -> Report:
    check_tools(WRK, NGINX, TASKSET)
    report = Report()
    with tempfile.TemporaryDirectory(prefix="liveblog-bench-feed-") as tmp, Processes() as procs:
        workdir = Path(tmp)
        blog = seeded(ENTRIES, workdir)
        ours = start_liveblog(procs, blog.url, workdir, {"LIVEBLOG_PUBLIC_URL": PUBLIC_URL})
        path = f"/live/{blog.slug}/feed.atom"
        page_path = f"/live/{blog.slug}"
        targets = [
            Target("feed-atom", path, conditional=False),
            Target("feed-atom-304", path, conditional=True),
            Target("feed-page", page_path, conditional=False),
        ]
        feed = _capture(ours, path, "Atom feed")
        if feed.content_type != "application/atom+xml; charset=utf-8":
            raise BenchError(f"the feed is {feed.content_type}, not application/atom+xml")
        page = _capture(ours, page_path, "reader page")
        peer = start_nginx(procs, [feed, page], workdir)
        for static in (feed, page):
            _same_bytes(peer, static)
        tags = {(s.name, path): _etag(s, path) for s in (ours, peer)}
        log(
            f"one liveblog worker (pid {ours.pid}) and nginx (pid {peer.pid}) on core 0, "
            f"wrk -c{CONNECTIONS} on core 1; feed {len(feed.body):,} bytes, "
            f"page {len(page.body):,} bytes"
        )
        compare(report, options, (ours, peer), targets, tags, {"feed-atom": FEED_TARGET})
    return report
