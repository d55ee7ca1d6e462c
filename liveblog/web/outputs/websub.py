"""Telling a WebSub hub that a blog's feeds changed, in the background.

With ``LIVEBLOG_WEBSUB_HUB`` set, every feed names the hub (``rel="hub"``) and itself
(``rel="self"``), and :class:`HubNotifier` hears every commit of this process's actions (a
publish, an edit, a deletion, a scheduled entry going out, a change to the blog): for each feed
URL of the blog (three formats, each in full and with key events only; :func:`.feeds.feed_urls`)
it sends the hub the publisher's ping of WebSub's predecessor, PubSubHubbub 0.4, which hubs
accept: a form ``POST`` of ``hub.mode=publish&hub.url=<feed URL>``. The hub then fetches the
feed and pushes it to its subscribers.

A hub that is slow, down or failing never slows posting:

* The commit listener only puts the blog's feed URLs into a queue under a lock (no I/O) and
  wakes one worker thread, which sends the notifications one at a time (each with a timeout).
* **Coalescing**: the queue holds each feed URL at most once. A change to a feed already waiting
  adds nothing: the hub fetches the newest feed whenever it is told. A change while that feed's
  notification is on its way sends it once more afterwards, so the hub's fetch never predates
  the newest change.
* **Retries with exponential backoff**: an answer other than 2xx, or none, is tried again after
  ``websub_retry_seconds``, then twice as long, and so on, up to ``websub_tries`` tries; then
  the notification is dropped and logged (a later change sends it anew).
* **A bound**: at most :data:`MAX_PENDING` feed URLs wait; notifications beyond it are dropped
  and logged.

Notifications reach the hub from the process that committed; a change made by another process
(the CLI, another server) is announced by that process's notifier if it runs one. Feed URLs are
absolute URLs from ``LIVEBLOG_PUBLIC_URL``, which a hub needs: without it, they name the address
``liveblog serve`` listens on, and a warning says so at start-up.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.client import HTTPException
from urllib.parse import urlencode, urlsplit

from liveblog.actions import Committed
from liveblog.config import Settings, SettingsError
from liveblog.web.outputs.feeds import feed_urls
from liveblog.web.urls import base_url

log = logging.getLogger("liveblog.websub")

MAX_PENDING = 6000
"""Most feed URLs waiting to be announced (a thousand blogs' six feeds)."""
TIMEOUT_SECONDS = 10.0
"""How long one notification may take before it counts as failed."""
MAX_PAUSE_SECONDS = 3600.0
"""The longest pause between two tries, however many failed."""

Send = Callable[[str, str], None]
"""``(hub, feed URL)``: tell the hub, or raise :class:`NotificationFailed` (or ``OSError``)."""


class NotificationFailed(Exception):
    """The hub did not accept a notification."""


def check_hub(url: str) -> str:
    """The hub's URL if it is an absolute http(s) URL (or empty), else :class:`SettingsError`."""
    if url:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise SettingsError(f"LIVEBLOG_WEBSUB_HUB: not an http(s) URL: {url!r}")
    return url


def post_publish(hub: str, feed_url: str, timeout: float = TIMEOUT_SECONDS) -> None:
    """``POST hub.mode=publish&hub.url=<feed_url>`` to the hub; 2xx is success."""
    body = urlencode({"hub.mode": "publish", "hub.url": feed_url}).encode()
    request = urllib.request.Request(  # noqa: S310 - check_hub allows http(s) only
        hub,
        data=body,
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded", "User-Agent": "liveblog"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status = response.status
    except urllib.error.HTTPError as exc:
        raise NotificationFailed(f"the hub answered {exc.code}") from None
    except (urllib.error.URLError, HTTPException, OSError) as exc:
        raise NotificationFailed(f"the hub could not be reached: {exc}") from None
    if not 200 <= status < 300:
        raise NotificationFailed(f"the hub answered {status}")


@dataclass
class _Job:
    """One feed URL to announce."""

    tries: int = 0
    """Tries that failed so far."""
    due: float = 0.0
    """When (``time.monotonic``) it may be sent."""


class HubNotifier:
    """The queue of feed URLs to announce and the thread that announces them (see the module
    docstring). :meth:`committed` is the commit listener; :meth:`start` and :meth:`stop` run
    with the application's lifespan."""

    def __init__(
        self,
        settings: Settings,
        *,
        send: Send | None = None,
        max_pending: int = MAX_PENDING,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.hub = check_hub(settings.websub_hub)
        self.base = base_url(settings, None)
        self.tries = max(settings.websub_tries, 1)
        self.retry_seconds = max(settings.websub_retry_seconds, 0.0)
        self.max_pending = max_pending
        self._send = send or post_publish
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._pending: dict[str, _Job] = {}
        self._due: list[tuple[float, int, str, _Job]] = []
        """A heap of the waiting jobs by due time; an entry whose job is no longer the URL's
        in ``_pending`` is stale and skipped."""
        self._order = itertools.count()
        self._full = False
        self._sending: dict[str, bool] = {}
        """URLs on their way to the hub -> whether a change came meanwhile."""
        self._thread: threading.Thread | None = None
        self._stopping = False
        self.dropped = 0
        """Notifications dropped because the queue was full."""
        self.given_up = 0
        """Notifications dropped after ``websub_tries`` failed tries."""
        if not settings.public_url:
            log.warning(
                "LIVEBLOG_WEBSUB_HUB is set but LIVEBLOG_PUBLIC_URL is not: the hub is told of "
                "feeds at %s, which it may not reach",
                self.base,
            )

    # -- the commit listener: no I/O, never blocks on the hub -------------------------------------

    def committed(self, committed: Committed) -> None:
        """A commit changed the blog's feeds: queue its feed URLs."""
        self.notify(feed_urls(self.base, committed.slug))

    def notify(self, urls: Iterable[str]) -> None:
        """Queue ``urls`` to be announced (coalesced with those already waiting)."""
        full = False
        with self._lock:
            for url in urls:
                if url in self._sending:
                    self._sending[url] = True
                elif url not in self._pending:
                    if len(self._pending) + len(self._sending) >= self.max_pending:
                        self.dropped += 1
                        full = True
                        continue
                    self._queue(url, _Job(due=self._monotonic()))
            newly_full = full and not self._full
            self._full = full
        if newly_full:
            log.warning("WebSub queue full (%d feeds): notifications dropped", self.max_pending)

    @property
    def pending(self) -> int:
        """Feed URLs waiting or on their way."""
        with self._lock:
            return len(self._pending) + len(self._sending)

    # -- the worker ----------------------------------------------------------------------------

    def start(self) -> None:
        with self._lock:
            if self._thread is not None:
                return
            self._stopping = False
            self._thread = threading.Thread(target=self._run, name="websub", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """End the worker; a notification on its way is given ``timeout`` seconds to finish
        (the thread is a daemon: one stuck on a hung hub does not keep the process alive).
        What still waits is not sent."""
        with self._lock:
            thread, self._thread = self._thread, None
            self._stopping = True
            self._wake.notify()
        if thread is not None:
            thread.join(timeout)

    def _run(self) -> None:
        while True:
            taken = self._next()
            if taken is None:
                return
            url, job = taken
            try:
                self._send(self.hub, url)
            except (NotificationFailed, OSError, ValueError) as exc:
                self._failed(url, job, str(exc))
            except Exception:
                log.exception("announcing %s to the WebSub hub failed", url)
                self._failed(url, job, "unexpected error")
            else:
                self._sent(url)

    def _next(self) -> tuple[str, _Job] | None:
        """The next job that is due, taken from the queue; waits for one. ``None``: stop."""
        with self._lock:
            while not self._stopping:
                while self._due and self._pending.get(self._due[0][2]) is not self._due[0][3]:
                    heapq.heappop(self._due)  # stale: sent or replaced meanwhile
                if not self._due:
                    self._wake.wait()
                    continue
                due, _, url, job = self._due[0]
                now = self._monotonic()
                if due > now:
                    self._wake.wait(due - now)
                    continue
                heapq.heappop(self._due)
                del self._pending[url]
                self._sending[url] = False
                return url, job
            return None

    def _queue(self, url: str, job: _Job) -> None:
        """Put ``job`` in the queue (the lock is held)."""
        self._pending[url] = job
        heapq.heappush(self._due, (job.due, next(self._order), url, job))
        self._wake.notify()

    def _sent(self, url: str) -> None:
        with self._lock:
            changed_meanwhile = self._sending.pop(url, False)
            if changed_meanwhile:
                self._queue(url, _Job(due=self._monotonic()))

    def _failed(self, url: str, job: _Job, reason: str) -> None:
        tries = job.tries + 1
        pause = min(self.retry_seconds * 2 ** (tries - 1), MAX_PAUSE_SECONDS)
        with self._lock:
            changed_meanwhile = self._sending.pop(url, False)
            if tries < self.tries:
                self._queue(url, _Job(tries=tries, due=self._monotonic() + pause))
            else:
                self.given_up += 1
                if changed_meanwhile:  # a newer change: a fresh notification
                    self._queue(url, _Job(due=self._monotonic()))
        if tries < self.tries:
            log.warning(
                "WebSub hub not told of %s (%s); try %d of %d in %.1f s",
                url,
                reason,
                tries + 1,
                self.tries,
                pause,
            )
        else:
            log.error("WebSub hub not told of %s after %d tries (%s)", url, tries, reason)
