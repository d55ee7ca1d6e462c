"""The publish floor: ``python -m bench.floor PORT``.

The server stack liveblog runs on (uvicorn with uvloop and httptools, one process) with nothing
of liveblog in it: a raw ASGI app that holds ``GET .../events`` open as an event stream and,
for each ``POST``, parses the JSON body and writes its ``body`` to every open stream as one
event, then answers 201. No database, no checks, no rendering. ``bench/run publish`` measures it
in the same run as liveblog and nchan: what any Python server on this stack pays before it does
any work of its own (``ratio publish-floor``), so the rest of liveblog's time is what its own
work costs.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

import uvicorn

Message = dict[str, Any]
Receive = Any
Send = Any

_streams: set[asyncio.Queue[bytes]] = set()


async def app(scope: Message, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
    elif scope["method"] == "GET" and scope["path"].endswith("/events"):
        await _stream(send)
    elif scope["method"] == "POST":
        await _publish(receive, send)
    else:  # the bench's "is it answering" probe
        await _answer(send, 200, b"ok")


async def _stream(send: Send) -> None:
    start = {"type": "http.response.start", "status": 200}
    await send({**start, "headers": [(b"content-type", b"text/event-stream")]})
    await send({"type": "http.response.body", "body": b": open\n\n", "more_body": True})
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    _streams.add(queue)
    try:
        while True:
            body = await queue.get()
            await send({"type": "http.response.body", "body": body, "more_body": True})
    finally:
        _streams.discard(queue)


async def _publish(receive: Receive, send: Send) -> None:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    data = json.dumps({"html": json.loads(b"".join(chunks))["body"]})
    event = f"event: entry.created\ndata: {data}\n\n".encode()
    for queue in _streams:
        queue.put_nowait(event)
    await _answer(send, 201, b"{}")


async def _answer(send: Send, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


if __name__ == "__main__":
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=int(sys.argv[1]),
        loop="uvloop",
        http="httptools",
        lifespan="on",
        access_log=False,
        log_level="warning",
    )
