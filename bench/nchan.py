"""nchan, the peer of the fan-out benchmarks: Debian's nginx with ``libnginx-mod-nchan``.

One nginx process (``master_process off``, one worker, its own config in a temp dir, pinned to
the server core) with one channel: ``GET /sub`` subscribes to it as an EventSource stream,
``POST /pub`` publishes a message to it. New subscribers start at the newest message (as
liveblog's readers do without ``Last-Event-ID``).
"""

from __future__ import annotations

import http.client
import json
import subprocess
import time
from pathlib import Path

from bench.common import BenchError, Processes, free_port
from bench.nginx_conf import nginx_conf
from bench.servers import Server, run_nginx

MODULE = Path("/usr/lib/nginx/modules/ngx_nchan_module.so")
SUB_PATH = "/sub"
PUB_PATH = "/pub"
CHANNEL = "bench"


def check_nchan() -> None:
    if not MODULE.exists():
        raise BenchError(f"nchan is not installed ({MODULE}): apt-get install libnginx-mod-nchan")


def versions() -> str:
    """nginx and nchan package versions, for the report."""
    done = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Package} ${Version}\\n", "nginx", "libnginx-mod-nchan"],
        capture_output=True,
        text=True,
        check=False,
    )
    return ", ".join(done.stdout.split("\n")[:2]).strip(", ") or "unknown"


def start_nchan(procs: Processes, workdir: Path, connections: int, files: int) -> Server:
    """nginx + nchan on a free loopback port, pinned to the server core. ``connections`` is
    nginx's ``worker_connections``: leave nchan ample headroom, e.g. two per subscriber (when
    fewer than 1/16 are free nginx reclaims idle connections, and nchan's streams count as
    idle: with one per subscriber it warns "worker_connections are not enough" and drops
    some)."""
    check_nchan()
    root = workdir / f"nchan-{time.monotonic_ns()}"
    (root / "tmp").mkdir(parents=True)
    port = free_port()
    channel = f"nchan_channel_id {CHANNEL}"
    locations = {
        SUB_PATH: [
            "nchan_subscriber eventsource",
            channel,
            "nchan_subscriber_first_message newest",
        ],
        PUB_PATH: ["nchan_publisher", channel, "nchan_message_buffer_length 16"],
    }
    conf = nginx_conf(
        root,
        port,
        locations,
        modules=[MODULE],
        worker_connections=connections,
        worker_rlimit_nofile=files,
        backlog=4096,
    )
    return run_nginx(procs, "nchan", root, port, conf, PUB_PATH)


class NchanPublisher:
    """Publishes to the channel over one keep-alive connection."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def publish(self, body: bytes) -> None:
        self.conn.request(
            "POST", PUB_PATH, body=body, headers={"Content-Type": "text/plain; charset=utf-8"}
        )
        resp = self.conn.getresponse()
        resp.read()
        if resp.status not in (201, 202):
            raise BenchError(f"nchan publish answered {resp.status}")

    def subscribers(self) -> int:
        """Subscribers nchan counts on the channel."""
        self.conn.request("GET", PUB_PATH, headers={"Accept": "application/json"})
        resp = self.conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            return 0
        return int(json.loads(body).get("subscribers", 0))

    def close(self) -> None:
        self.conn.close()
