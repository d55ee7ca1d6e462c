"""The uvicorn internals that liveblog's protocols subclass are still there, as they were.

:mod:`liveblog.web.live.protocol` and :mod:`liveblog.web.connection_limits` subclass uvicorn's
``HttpToolsProtocol`` and ``H11Protocol``: they override some methods, call others and use their
per-connection attributes, none of which is public API. pyproject.toml pins uvicorn to the minor
version tested; these tests fail, naming what changed, when a new uvicorn moves any of it. After
an upgrade, re-read the uvicorn code named in a failure and adapt the subclass before updating
the expectations here.
"""

from __future__ import annotations

import hashlib
import inspect
import re
import textwrap
import tomllib
from collections.abc import Callable
from pathlib import Path

import h11
import httptools
import pytest
import uvicorn
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import (
    STATUS_LINE,
    HttpToolsProtocol,
    RequestResponseCycle,
)
from uvicorn.server import ServerState

from liveblog.web.connection_limits import HeadGuard, LimitedH11Protocol
from liveblog.web.live.protocol import LimitedHttpToolsProtocol, LiveHttpToolsProtocol

ROOT = Path(__file__).resolve().parents[2]
TESTED_MINOR = "0.54"

# Methods of uvicorn's protocols that ours override or call, with their parameters.
_PROTOCOL = ["config", "server_state", "app_state", "_loop"]
HTTPTOOLS_METHODS: dict[str, list[str]] = {
    "__init__": _PROTOCOL,
    "connection_made": ["transport"],
    "connection_lost": ["exc"],
    "data_received": ["data"],
    "on_message_begin": [],
    "on_headers_complete": [],
    "on_message_complete": [],
    "on_response_complete": [],
    "_start_asgi_task": ["cycle", "app"],
    "_unset_keepalive_if_required": [],
    "_should_upgrade": [],
    "handle_websocket_upgrade": [],
    "_unsupported_upgrade_warning": [],
    "send_400_response": ["msg"],
}
H11_METHODS: dict[str, list[str]] = {
    "__init__": _PROTOCOL,
    "connection_made": ["transport"],
    "connection_lost": ["exc"],
    "data_received": ["data"],
    "send_400_response": ["msg"],
}
# Per-connection attributes ours read or replace (set in uvicorn's methods, not on the class).
HTTPTOOLS_ATTRIBUTES = [
    "app", "app_state", "loop", "logger", "parser", "connections", "tasks", "transport", "flow",
    "pipeline", "cycle", "url", "headers", "access_log", "root_path", "server_state",
]  # fmt: skip
H11_ATTRIBUTES = ["loop", "connections", "transport", "conn", "cycle"]

# The methods whose whole body ours repeat (with additions): any change to them must be seen.
COPIED_SOURCE = {
    (HttpToolsProtocol, "data_received"): "02c2572f1df55907",
}


def parameters(method: Callable[..., object]) -> list[str]:
    return [p for p in inspect.signature(method).parameters if p != "self"]


def assigned_attributes(cls: type) -> set[str]:
    return set(re.findall(r"\bself\.(\w+)\s*(?::[^=\n]+)?=[^=]", inspect.getsource(cls)))


def own_methods(*classes: type) -> set[str]:
    return {
        name for cls in classes for name, value in vars(cls).items() if inspect.isfunction(value)
    }


def test_pyproject_pins_the_tested_minor_version() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pins = [d for d in project["project"]["dependencies"] if d.startswith("uvicorn")]
    assert pins == [f"uvicorn[standard]>={TESTED_MINOR},<0.{int(TESTED_MINOR[2:]) + 1}"]
    assert uvicorn.__version__.startswith(TESTED_MINOR + "."), uvicorn.__version__


@pytest.mark.parametrize(
    ("base", "expected"),
    [(HttpToolsProtocol, HTTPTOOLS_METHODS), (H11Protocol, H11_METHODS)],
    ids=["httptools", "h11"],
)
def test_the_methods_ours_use_have_the_same_signatures(
    base: type, expected: dict[str, list[str]]
) -> None:
    for name, params in expected.items():
        method = getattr(base, name, None)
        assert callable(method), f"uvicorn {base.__name__}.{name} is gone"
        assert parameters(method) == params, f"uvicorn {base.__name__}.{name} changed"


def test_every_override_is_listed_here() -> None:
    """A new override of a uvicorn method must be added to the expectations above."""
    httptools_overrides = own_methods(LimitedHttpToolsProtocol, LiveHttpToolsProtocol)
    assert httptools_overrides - {"_hand_over", "_answer_from_cache"} <= set(HTTPTOOLS_METHODS)
    assert own_methods(LimitedH11Protocol) <= set(H11_METHODS)
    # The mixin's names must not shadow uvicorn's.
    for name in own_methods(HeadGuard):
        assert not hasattr(HttpToolsProtocol, name), name
        assert not hasattr(H11Protocol, name), name


@pytest.mark.parametrize(
    ("base", "names"),
    [(HttpToolsProtocol, HTTPTOOLS_ATTRIBUTES), (H11Protocol, H11_ATTRIBUTES)],
    ids=["httptools", "h11"],
)
def test_the_attributes_ours_use_are_still_set(base: type, names: list[str]) -> None:
    missing = set(names) - assigned_attributes(base)
    assert not missing, f"uvicorn {base.__name__} no longer sets {sorted(missing)}"


def test_the_request_cycle_and_server_state_are_as_used() -> None:
    cycle = assigned_attributes(RequestResponseCycle)
    assert {"scope", "response_complete"} <= cycle
    assert parameters(RequestResponseCycle.run_asgi) == ["app"]
    assert {"connections", "tasks", "default_headers"} <= assigned_attributes(ServerState)
    # Cache hits are written with uvicorn's own status lines (LiveHttpToolsProtocol).
    assert STATUS_LINE[200] == b"HTTP/1.1 200 OK\r\n"
    assert STATUS_LINE[304] == b"HTTP/1.1 304 Not Modified\r\n"


def test_the_copied_method_bodies_are_unchanged() -> None:
    for (cls, name), digest in COPIED_SOURCE.items():
        source = textwrap.dedent(inspect.getsource(getattr(cls, name)))
        found = hashlib.sha256(source.encode()).hexdigest()[:16]
        assert found == digest, (
            f"uvicorn {cls.__name__}.{name} changed: liveblog's override repeats its body "
            "(liveblog/web/live/protocol.py); merge the change there, then update the digest"
        )


def test_h11_still_parses_through_the_hooks_ours_replace() -> None:
    """The h11 limits replace ``self.conn`` with a subclass whose ``next_event`` refuses large
    heads; uvicorn must still read events through it and answer its errors with a 400."""
    handle = inspect.getsource(H11Protocol.handle_events)
    assert "self.conn.next_event()" in handle
    assert "h11.RemoteProtocolError" in handle
    assert "send_400_response" in handle
    init = inspect.signature(h11.Connection.__init__).parameters
    assert "max_incomplete_event_size" in init
    assert hasattr(h11.RemoteProtocolError("x"), "error_status_hint")
    assert hasattr(h11, "IDLE")


def test_httptools_and_the_proxy_middleware_are_as_used() -> None:
    assert issubclass(httptools.HttpParserUpgrade, Exception)
    assert issubclass(httptools.HttpParserError, Exception)
    assert "trusted_hosts" in assigned_attributes(ProxyHeadersMiddleware)
    trusted = inspect.getsource(ProxyHeadersMiddleware)
    assert "get_trusted_client_address" in trusted
