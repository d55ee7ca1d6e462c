"""The live path: event streams and polling.

``sse`` frames messages and holds the SSE response headers and the two kinds of reader;
``frames`` encodes the event log into frames and polling JSON; ``delivery`` wires the broker,
the hub and the streams together (``Live``); ``protocol`` is uvicorn's httptools protocol that
hands event-stream connections to the hub (the only module here that imports httptools);
``route`` is the ASGI fallback for the stream, ``polling`` the JSON endpoint for clients that
poll. Nothing is imported here, so importing one of them costs only what it needs.
"""
