"""Photo uploads a process holds at once are bounded (:data:`liveblog.web.limits.UPLOADS_AT_ONCE`):
each body is kept in memory until its photo is stored, so more at a time get 503 with
``Retry-After`` and are not read; once one ends, the next is taken."""

from __future__ import annotations

import asyncio
import json

from starlette.types import Message, Receive, Scope, Send

from liveblog.web.limits import UPLOAD_RETRY_SECONDS, UPLOADS_AT_ONCE, RequestLimits

BOUNDARY = "x"


def upload_scope() -> Scope:
    return {
        "type": "http",
        "method": "POST",
        "path": "/api/v1/blogs/hochwasser/media",
        "headers": [(b"content-type", f"multipart/form-data; boundary={BOUNDARY}".encode())],
    }


async def answer(limits: RequestLimits, receive: Receive) -> list[Message]:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    await limits(upload_scope(), receive, send)
    return sent


def test_uploads_beyond_the_bound_get_503_until_one_ends() -> None:
    async def scenario() -> None:
        release = asyncio.Event()
        reached = 0

        async def handler(scope: Scope, receive: Receive, send: Send) -> None:
            nonlocal reached
            reached += 1
            await release.wait()  # the photo being worked on
            await send({"type": "http.response.start", "status": 201, "headers": []})
            await send({"type": "http.response.body", "body": b""})

        async def body() -> Message:
            return {"type": "http.request", "body": b"--x--", "more_body": False}

        limits = RequestLimits(handler, max_bytes=1000, upload_bytes=1000)
        held = [asyncio.create_task(answer(limits, body)) for _ in range(UPLOADS_AT_ONCE)]
        while reached < UPLOADS_AT_ONCE:
            await asyncio.sleep(0)
        refused = await answer(limits, body)
        start = refused[0]
        assert start["status"] == 503
        assert (b"retry-after", str(UPLOAD_RETRY_SECONDS).encode()) in start["headers"]
        assert "photos are being uploaded" in json.loads(refused[1]["body"])["detail"]
        assert reached == UPLOADS_AT_ONCE  # the refused one was not read or handled
        release.set()
        for task in held:
            assert (await task)[0]["status"] == 201
        assert (await answer(limits, body))[0]["status"] == 201
        assert limits.uploads == 0

    asyncio.run(scenario())
