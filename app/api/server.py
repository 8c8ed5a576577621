"""The HTTP server ``policykg serve`` runs: uvicorn on h11, with connection-level limits.

uvicorn's default parser (httptools, when installed) buffers a request head of any size, and no
uvicorn protocol bounds the time to send one or the number of connections held, so a few clients
could hold every socket (slowloris) or the memory. The server is pinned to h11 and to a small
subclass of uvicorn's H11Protocol, so the limits are ones we set and test:

- a request head (request line and headers) longer than ``http_max_header_bytes``: 431, closed;
- a head not complete ``http_header_timeout`` seconds after the connection opened (or after the
  first byte of the next request on a kept-alive connection): 408 if part of it came, and closed;
- a body still coming ``http_body_timeout`` seconds after the answer to its request (a route that
  reads none) is not waited for: the connection is closed;
- more than ``http_max_connections`` open connections, or more than ``http_max_client_connections``
  from one client (its address; a trusted proxy is exempt): the one past the cap is answered 503
  with ``Retry-After`` at once, without reading its request, and closed. A refused connection does
  not count, so one client past its own cap cannot fill the server's.

Header count, body read time and rate limits are the app's (``app.api.limits``). uvicorn's own
``limit_concurrency`` is not used: its 503 has no ``Retry-After``, comes only once a request head
is in (a slowloris never sends one) and counts the sockets it refuses. Written against uvicorn
0.54's H11Protocol (``conn``, ``transport``, ``connections``, ``send_400_response``,
``on_response_complete``); tests/api/test_server.py fails if those change.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections import Counter
from typing import Any, ClassVar

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import STATUS_PHRASES, H11Protocol

from app.api.limits import RETRY_AFTER_UNAVAILABLE, TrustedProxies, client_key
from app.core.config import Settings

__all__ = ["LimitedH11Protocol", "server_config"]


# Seconds a refused connection is kept reading (and dropping) what the client sends after the 503,
# so the client reads the answer rather than a reset; then it is closed whatever the client does.
_LINGER = 2.0


def _raw_response(status: int, detail: str, *extra: str) -> bytes:
    """A whole ``Connection: close`` response, written outside h11's state machine (no request read)."""
    body = json.dumps({"detail": detail}).encode()
    lines = [
        f"HTTP/1.1 {status} {STATUS_PHRASES[status].decode()}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        "Connection: close",
        "Access-Control-Allow-Origin: *",
        *extra,
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class _Tally:
    """The connections one server admitted, in all and by client (counted, not searched: O(1) a connection)."""

    def __init__(self) -> None:
        self.admitted = 0
        self.by_client: Counter[str] = Counter()


class LimitedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with time limits on request heads and caps on open connections."""

    header_timeout: ClassVar[float] = 10.0
    body_timeout: ClassVar[float] = 15.0
    max_connections: ClassVar[int] = 512
    max_client_connections: ClassVar[int] = 50
    max_header_bytes: ClassVar[int] = 65_536
    proxies: ClassVar[TrustedProxies] = TrustedProxies(())
    tally: ClassVar[_Tally] = _Tally()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_timer: asyncio.TimerHandle | None = None
        self._drain_timer: asyncio.TimerHandle | None = None
        self._peer: str | None = None
        self._admitted = False
        self._refused = False

    @classmethod
    def configured(cls, settings: Settings) -> type[LimitedH11Protocol]:
        """This protocol with the limits of ``settings`` and a tally of its own (one per server)."""
        return type(cls.__name__, (cls,), {
            "header_timeout": settings.http_header_timeout,
            "body_timeout": settings.http_body_timeout,
            "max_connections": settings.http_max_connections,
            "max_client_connections": settings.http_max_client_connections,
            "max_header_bytes": settings.http_max_header_bytes,
            "proxies": TrustedProxies(settings.trusted_proxies),
            "tally": _Tally(),
        })

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        tally = self.tally
        if self.client and self.client[0] not in self.proxies:
            self._peer = client_key({"client": self.client})
        if tally.admitted >= self.max_connections:
            self._refuse_connection(f"the server holds its limit of {self.max_connections} connections; retry shortly")
        elif self._peer is not None and tally.by_client[self._peer] >= self.max_client_connections:
            self._refuse_connection(f"this client holds its limit of {self.max_client_connections} open connections; "
                                    "reuse them (keep-alive) or retry shortly")
        else:
            self._admitted = True
            tally.admitted += 1
            if self._peer is not None:
                tally.by_client[self._peer] += 1
            self._arm_head_timer()

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        # The first byte of a request on a kept-alive connection starts its clock.
        if self.conn.their_state is h11.IDLE:
            self._arm_head_timer()
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:
            self._disarm_head_timer()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # Answered before its body was read (a route that takes none): uvicorn would read and drop
        # the rest for as long as the client keeps sending, a drip that no other timer ends.
        if self.conn.their_state is h11.SEND_BODY and not self.transport.is_closing() and self._drain_timer is None:
            self._drain_timer = self.loop.call_later(self.body_timeout, self._drain_timed_out)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_timer()
        if self._drain_timer is not None:
            self._drain_timer.cancel()
        if self._admitted:
            self._admitted = False
            self.tally.admitted -= 1
            if self._peer is not None:
                self.tally.by_client[self._peer] -= 1
                if not self.tally.by_client[self._peer]:
                    del self.tally.by_client[self._peer]
        super().connection_lost(exc)

    def send_400_response(self, msg: str) -> None:
        # Called by H11Protocol.handle_events while it handles h11's RemoteProtocolError.
        error = sys.exc_info()[1]
        if getattr(error, "error_status_hint", None) == 431:
            self._refuse(431, f"the request head passes the limit of {self.max_header_bytes} bytes")
        else:
            super().send_400_response(msg)

    def _refuse_connection(self, detail: str) -> None:
        """503 at once, before any request is read: a refused socket is let go in ``_LINGER`` seconds."""
        self._refused = True
        self.transport.write(_raw_response(503, detail, f"Retry-After: {RETRY_AFTER_UNAVAILABLE}"))
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(_LINGER, self.transport.close)

    def _arm_head_timer(self) -> None:
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(self.header_timeout, self._head_timed_out)

    def _disarm_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return
        if self.conn.trailing_data[0]:
            self._refuse(408, f"the request headers did not arrive within {self.header_timeout:g} s")
        else:
            # Nothing sent (an idle or preconnected socket): close without an unasked-for answer.
            self.transport.close()

    def _drain_timed_out(self) -> None:
        self._drain_timer = None
        if self.conn.their_state is h11.SEND_BODY:
            self.transport.close()

    def _refuse(self, status: int, detail: str) -> None:
        self.transport.write(_raw_response(status, detail))
        self.transport.close()


def server_config(app: Any, settings: Settings, host: str | None = None, port: int | None = None,
                  **overrides: Any) -> uvicorn.Config:
    """The uvicorn configuration of ``policykg serve`` for ``app`` (``overrides``: more uvicorn options)."""
    options: dict[str, Any] = {
        "host": host or settings.host,
        "port": port or settings.port,
        "http": LimitedH11Protocol.configured(settings),
        # h11 buffers at most this much of an incomplete request head; the protocol answers 431.
        "h11_max_incomplete_event_size": settings.http_max_header_bytes,
        "timeout_keep_alive": settings.http_keep_alive,
        # X-Forwarded-* are the app's to read, from settings.trusted_proxies only (app.api.limits);
        # uvicorn's own default would believe them from any local process.
        "proxy_headers": False,
        **overrides,
    }
    return uvicorn.Config(app, **options)
