"""``GET /admin/blogs/{slug}/stream``: the members-only desk stream, on a real server: who may
open it, its queue snapshots (the same JSON as ``GET .../queue``) and presence frames, resuming
with ``Last-Event-ID``, the per-user bound and closing once access is gone."""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from liveblog.config import Settings
from liveblog.domain import presence
from liveblog.domain.models import User
from liveblog.web.desk.feed import MAX_STREAMS_PER_USER
from liveblog.web.sessions import cookie_name
from tests.waiting import wait_until
from tests.web.live.conftest import Served, serve
from tests.web.live.sse_reading import HOST, parse_block, read_head, stream_request

PASSWORD = "correct horse battery"
STREAM = "/admin/blogs/storm/stream"
SOON = 3.0


@dataclass
class Frame:
    event: str
    data: Any
    id: str | None


@dataclass
class DeskStream:
    """A raw-socket reader of the desk stream (chunked transfer coding, as the ASGI path sends)."""

    port: int
    path: str
    headers: dict[str, str]
    sock: socket.socket = field(init=False)
    status: int = 0
    response_headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    retry: int | None = None
    comments: int = 0
    _raw: bytes = b""
    _pending: bytes = b""

    def __post_init__(self) -> None:
        self.sock = socket.create_connection((HOST, self.port), timeout=5)
        self.sock.sendall(stream_request(self.port, self.path, self.headers))
        head, self._raw = read_head(self.sock, time.monotonic() + 5)
        self.status, self.response_headers = head.status, head.headers
        if self.status != 200:  # a problem document of known length
            length = int(head.headers.get("content-length", "0"))
            while len(self._raw) < length:
                self._raw += self.sock.recv(65536)
            self.body = self._raw

    def problem(self) -> dict[str, Any]:
        assert self.response_headers["content-type"].startswith("application/problem+json")
        found: dict[str, Any] = json.loads(self.body)
        return found

    def frames(self, count: int = 1, timeout: float = SOON) -> list[Frame]:
        found: list[Frame] = []
        deadline = time.monotonic() + timeout
        while True:
            data, self._raw, last = _dechunk(self._raw)
            self._pending += data
            while b"\n\n" in self._pending and len(found) < count:
                block, _, self._pending = self._pending.partition(b"\n\n")
                parsed = parse_block(block)
                self.comments += len(parsed.comments)
                if "retry" in parsed.fields:
                    self.retry = int(parsed.fields["retry"])
                if "event" in parsed.fields:
                    f = parsed.fields
                    found.append(Frame(f["event"], json.loads(f["data"]), f.get("id")))
            if len(found) >= count:
                return found
            if last:
                raise ConnectionError("the server ended the stream")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"got {len(found)} of {count} frames: {found}")
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(65536)
            except TimeoutError:
                continue
            if not chunk:
                raise ConnectionError("the server closed the connection")
            self._raw += chunk

    def next(self, event: str, timeout: float = SOON) -> Frame:
        """The next frame of type ``event`` (others before it are skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            [got] = self.frames(1, max(0.01, deadline - time.monotonic()))
            if got.event == event:
                return got

    def until(self, event: str, data: Any, timeout: float = SOON) -> Frame:
        """The first frame of type ``event`` that carries ``data`` (what comes before it, such
        as a state on the way there, is skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            got = self.next(event, max(0.01, deadline - time.monotonic()))
            if got.data == data:
                return got

    def ended(self, timeout: float = SOON) -> bool:
        """Whether the server ends the stream within ``timeout`` (frames before are skipped)."""
        try:
            self.frames(10_000, timeout)
        except ConnectionError:
            return True
        except TimeoutError:
            return False
        return False

    def close(self) -> None:
        self.sock.close()


def _dechunk(raw: bytes) -> tuple[bytes, bytes, bool]:
    """The data of the complete chunks at the start of ``raw``, what is left, and whether the
    last chunk (size 0: the response's end) was among them."""
    out = b""
    while b"\r\n" in raw:
        size_line, _, rest = raw.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            return out, b"", True
        if len(rest) < size + 2:
            break
        out += rest[:size]
        raw = rest[size + 2 :]
    return out, raw, False


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'desk.db'}",
        live_heartbeat_seconds=0.5,
        desk_stream_seconds=0.2,
    )
    yield from serve(settings, None)


@dataclass
class Desk:
    served: Served
    users: dict[str, User]
    streams: list[DeskStream] = field(default_factory=list)
    sessions: dict[str, str] = field(default_factory=dict)

    def cookie(self, who: str) -> dict[str, str]:
        """The user's session cookie (one login per user: password hashing is slow)."""
        if who not in self.sessions:
            self.sessions[who] = self.served.actions.log_in(
                self.users[who].email, PASSWORD
            ).session_id
        name = cookie_name(self.served.app.state.services.settings)
        return {"Cookie": f"{name}={self.sessions[who]}"}

    def open(
        self,
        who: str | None,
        client: str | None = None,
        headers: dict[str, str] | None = None,
        path: str = STREAM,
    ) -> DeskStream:
        sent = {**(self.cookie(who) if who else {}), **(headers or {})}
        query = "" if client == "" else f"?client={client or f'{who}-page-' + '0' * 12}"
        stream = DeskStream(self.served.port, path + query, sent)
        self.streams.append(stream)
        return stream

    def api(self, who: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        _, token = self.served.actions.create_token(self.users[who].email)
        request = urllib.request.Request(
            f"http://{HOST}:{self.served.port}/api/v1/blogs/storm{path}",
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as reply:  # noqa: S310
                text = reply.read()
                return reply.status, json.loads(text) if text else None
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())


@pytest.fixture
def desk(served: Served) -> Iterator[Desk]:
    a = served.actions
    a.create_blog(served.admin, slug="storm", title="Sturmflut")
    users = {"admin": served.admin}
    for name, role in [("anna", "editor"), ("ben", "editor"), ("cora", "contributor")]:
        users[name] = a.create_user(
            f"{name}@example.org", "user", PASSWORD, display_name=name.title()
        )
        a.add_member(served.admin, "storm", users[name].email, role)
    users["otto"] = a.create_user("otto@example.org", "user", PASSWORD)
    found = Desk(served, users)
    yield found
    for stream in found.streams:
        stream.close()


def desks(served: Served) -> int:
    feeds = served.app.state.services.desk
    return sum(len(feed.readers) for feed in feeds.feeds.values())


def test_members_only_and_a_valid_client(desk: Desk) -> None:
    anonymous = desk.open(None, client="anonymous-0000000000")
    assert anonymous.status == 401
    assert anonymous.problem()["status"] == 401
    outsider = desk.open("otto")
    assert outsider.status == 404
    assert outsider.problem()["status"] == 404
    nowhere = desk.open("anna", path="/admin/blogs/nowhere/stream")
    assert nowhere.status == 404
    for client in ("", "short", "x" * 65, "with%20space-0000000000"):
        bad = desk.open("anna", client=client)
        assert bad.status == 422, client
        assert [e["field"] for e in bad.problem()["errors"]] == ["client"]
    # Not even an outsider with a bad client learns that the blog has a desk.
    assert desk.open("otto", client="short").status == 404


def test_first_the_queue_as_the_api_has_it_then_who_is_here(desk: Desk) -> None:
    a, served = desk.served.actions, desk.served
    a.create_entry(desk.users["cora"], "storm", body="Entwurf von Cora")
    a.create_entry(served.admin, "storm", body="Veröffentlicht")
    stream = desk.open("anna")
    assert stream.status == 200
    assert stream.response_headers["content-type"].startswith("text/event-stream")
    assert stream.response_headers["cache-control"] == "private, no-store"
    queue, here = stream.frames(2)
    assert stream.retry == 3000
    assert queue.event == "queue"
    assert queue.id is not None
    status, expected = desk.api("anna", "GET", "/queue")
    assert status == 200
    assert queue.data == expected
    assert [item["body"] for item in queue.data["items"]] == ["Entwurf von Cora"]
    assert (here.event, here.data, here.id) == ("presence", [], None)


def test_a_contributors_draft_reaches_the_editors_desk(desk: Desk) -> None:
    anna = desk.open("anna")
    cora = desk.open("cora")
    anna.frames(2)
    assert [f.event for f in cora.frames(2)] == ["queue", "presence"]
    started = time.monotonic()
    draft = desk.served.actions.create_entry(desk.users["cora"], "storm", body="Neu")
    got = anna.next("queue")
    assert time.monotonic() - started < 2
    assert [item["id"] for item in got.data["items"]] == [draft.id]
    assert got.data["counts"] == {"draft": 1, "submitted": 0, "scheduled": 0}
    assert got.data["items"][0]["author"] == {"id": desk.users["cora"].id, "name": "Cora"}
    # The contributor's queue has her own draft; Ben's draft stays his.
    assert [item["id"] for item in cora.next("queue").data["items"]] == [draft.id]
    desk.served.actions.create_entry(desk.users["ben"], "storm", body="Bens", status="draft")
    assert len(anna.next("queue").data["items"]) == 2
    assert [item["id"] for item in cora.next("queue").data["items"]] == [draft.id]
    # An edit of the draft writes no audit record; it reaches the desk all the same.
    desk.served.actions.update_entry(
        desk.users["cora"], "storm", draft.id, {"body": "Neu, besser"}, if_match=1
    )
    edited = anna.next("queue")
    assert "Neu, besser" in [item["body"] for item in edited.data["items"]]


def test_presence_comes_changes_and_goes(desk: Desk) -> None:
    entry = desk.served.actions.create_entry(desk.served.admin, "storm", body="Der Deich hält.")
    anna = desk.open("anna")
    anna.frames(2)
    ben = desk.open("ben")
    ben.next("presence")  # at connect: Anna
    anna_id, ben_id = desk.users["anna"].id, desk.users["ben"].id
    anna.until("presence", [{"user": {"id": ben_id, "name": "Ben"}, "editing": None}])
    status, _ = desk.api(
        "ben", "PUT", "/presence", {"client": "ben-page-000000000000", "editing": entry.id}
    )
    assert status == 204
    anna.until("presence", [{"user": {"id": ben_id, "name": "Ben"}, "editing": entry.id}])
    # Ben's own second page is no one else to him.
    second = desk.open("ben", client="ben-second-page-0000")
    assert second.next("presence").data == [
        {"user": {"id": anna_id, "name": "Anna"}, "editing": None}
    ]
    second.close()
    ben.close()
    started = time.monotonic()
    anna.until("presence", [])
    assert time.monotonic() - started < 2
    wait_until(lambda: desks(desk.served) == 1, what="the closed streams to leave")


def test_resume_with_the_last_event_id(desk: Desk) -> None:
    first = desk.open("anna")
    queue, _ = first.frames(2)
    first.close()
    again = desk.open("anna", headers={"Last-Event-ID": str(queue.id)})
    [frame] = again.frames(1)
    assert frame.event == "presence"  # nothing changed: no snapshot again
    desk.served.actions.create_entry(desk.users["cora"], "storm", body="Entwurf")
    newer = again.next("queue")
    assert newer.id != queue.id
    again.close()
    for stale in (queue.id, "garbage", "1"):
        resumed = desk.open(
            "anna", client="anna-other-page-0000", headers={"Last-Event-ID": str(stale)}
        )
        [frame] = resumed.frames(1)
        assert (frame.event, frame.id) == ("queue", newer.id)
        resumed.close()
    by_query = desk.open(
        "anna", client=f"anna-query-page-0000&last_event_id={newer.id}", headers={}
    )
    assert by_query.frames(1)[0].event == "presence"


def test_heartbeats_keep_an_idle_stream_open(desk: Desk) -> None:
    stream = desk.open("anna")
    stream.frames(2)
    with pytest.raises(TimeoutError):
        stream.frames(1, timeout=1.2)
    assert stream.comments >= 1


def test_at_most_so_many_streams_per_user(desk: Desk) -> None:
    opened = [desk.open("anna", client=f"anna-page-{n:012d}") for n in range(MAX_STREAMS_PER_USER)]
    assert {s.status for s in opened} == {200}
    refused = desk.open("anna", client="anna-page-one-too-many")
    assert refused.status == 429
    assert refused.response_headers["retry-after"]
    assert desk.open("ben").status == 200  # others are not affected
    opened[0].close()
    wait_until(lambda: desks(desk.served) == MAX_STREAMS_PER_USER, what="a slot to free")
    assert desk.open("anna", client="anna-page-after-close").status == 200


def test_a_member_who_leaves_the_blog_loses_the_stream(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(presence, "REFRESH", timedelta(seconds=0.2))
    anna = desk.open("anna")
    anna.frames(2)
    cora = desk.open("cora")
    cora.frames(2)
    desk.served.actions.remove_member(desk.served.admin, "storm", desk.users["anna"].id)
    assert anna.ended()
    # Promoted, Cora gets the whole queue, Ben's draft included.
    desk.served.actions.create_entry(desk.users["ben"], "storm", body="Bens", status="draft")
    desk.served.actions.change_member(desk.served.admin, "storm", desk.users["cora"].id, "editor")
    wait_until(
        lambda: any(item["body"] == "Bens" for item in cora.next("queue").data["items"]),
        timeout=SOON,
        what="Cora's queue as an editor",
    )


def test_head_is_not_answered_as_get(desk: Desk) -> None:
    sock = socket.create_connection((HOST, desk.served.port), timeout=5)
    try:
        head = f"HEAD {STREAM}?client=anna-page-000000000000 HTTP/1.1\r\nHost: x\r\n"
        sock.sendall(
            (
                head + "".join(f"{k}: {v}\r\n" for k, v in desk.cookie("anna").items()) + "\r\n"
            ).encode()
        )
        reply, _ = read_head(sock, time.monotonic() + 5)
        assert reply.status == 405
    finally:
        sock.close()
