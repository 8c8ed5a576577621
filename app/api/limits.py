"""Limits the app applies to every request, whatever server runs it (pure ASGI middleware).

- per-client rate limits (``app.ratelimit``): 429 with ``Retry-After`` naming the limit;
- at most ``http_max_headers`` header fields and ``http_max_header_bytes`` of request head: 431
  (uvicorn as ``policykg serve`` runs it refuses a longer head before it is buffered; this check
  also holds under another server);
- a body must arrive within ``http_body_timeout`` seconds of the head: 408;
- every 503 carries ``Retry-After``.

Client identity is the socket peer address (an IPv6 client by its /64, which one host is usually
given whole). Behind a reverse proxy, ``trusted_proxies`` names the proxies whose
``X-Forwarded-For`` is believed; without it every request would seem to come from the proxy.

The route that runs SPARQL charges the query time it spent: ``request.app.state.rate_limiter``
is the ``ClientLimiter``; call ``charge(client_key(request), seconds)`` on it (also to penalise a
client whose query crashed a worker).
"""

from __future__ import annotations

import asyncio
import ipaddress
from typing import Any

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app.api.cors import CorsMiddleware
from app.api.errors import ErrorBody
from app.core.config import Settings
from app.core.errors import PayloadTooLarge
from app.core.ratelimit import ClientLimiter

__all__ = ["RETRY_AFTER_UNAVAILABLE", "TrustedProxies", "client_key", "install_limits"]

# Seconds a client is told to wait after a 503 that did not say: workers busy, store unreachable.
RETRY_AFTER_UNAVAILABLE = 5
# Requests to these paths also need query seconds left (the budget their queries are charged to).
_QUERY_PATHS = ("/sparql",)


def client_key(source: Scope | HTTPConnection) -> str:
    """The key a client's budgets are kept under: its address, an IPv6 one by its /64 network."""
    scope: Any = source.scope if isinstance(source, HTTPConnection) else source
    peer = scope.get("client")
    host = str(peer[0]) if peer else "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return host


class TrustedProxies:
    """The reverse proxies named by ``trusted_proxies``: addresses, networks, or other literal names."""

    def __init__(self, entries: tuple[str, ...]) -> None:
        self.networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        self.names: set[str] = set()
        for entry in entries:
            try:
                self.networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                self.names.add(entry)

    def __contains__(self, host: object) -> bool:
        try:
            address = ipaddress.ip_address(str(host))
        except ValueError:
            return host in self.names
        return any(address in network for network in self.networks)


def _refusal(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


class RateLimitMiddleware:
    """Refuses a client over its request rate or out of query seconds with 429 and ``Retry-After``."""

    def __init__(self, app: ASGIApp, limiter: ClientLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        queries = str(scope["path"]).startswith(_QUERY_PATHS)
        decision = self.limiter.allow(client_key(scope), queries=queries)
        if decision.allowed:
            await self.app(scope, receive, send)
            return
        await _refusal(429, decision.detail, {"Retry-After": str(decision.retry_after_seconds)})(scope, receive, send)


class BodyTimeout(Exception):
    """The client did not send its whole request body in time."""


def _has_body(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"transfer-encoding" or (name == b"content-length" and value.strip() != b"0"):
            return True
    return False


class RequestLimitMiddleware:
    """Header count and size (431), body read time (408), and ``Retry-After`` on every 503."""

    def __init__(self, app: ASGIApp, max_headers: int, max_header_bytes: int, body_timeout: float) -> None:
        self.app = app
        self.max_headers = max_headers
        self.max_header_bytes = max_header_bytes
        self.body_timeout = body_timeout

    def _header_problem(self, scope: Scope) -> str | None:
        headers = scope["headers"]
        if len(headers) > self.max_headers:
            return f"the request has {len(headers)} header fields; the limit is {self.max_headers}"
        # The request line and the header lines as they came (": " and CRLF counted).
        size = len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"")
        size += sum(len(name) + len(value) + 4 for name, value in headers)
        if size > self.max_header_bytes:
            return f"the request head has about {size} bytes; the limit is {self.max_header_bytes}"
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = self._header_problem(scope)
        if problem is not None:
            await _refusal(431, problem, {"Connection": "close"})(scope, receive, send)
            return
        deadline = asyncio.get_running_loop().time() + self.body_timeout
        # Without a body to come, receive() only ever waits for the client to go: no deadline.
        body_done = not _has_body(scope)
        started = False

        async def timed_receive() -> Message:
            nonlocal body_done
            if body_done:
                return await receive()
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                raise BodyTimeout from None
            body_done = message["type"] != "http.request" or not message.get("more_body", False)
            return message

        async def checked_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if message["status"] == 503:
                    headers = MutableHeaders(scope=message)
                    headers.setdefault("Retry-After", str(RETRY_AFTER_UNAVAILABLE))
            await send(message)

        try:
            await self.app(scope, timed_receive, checked_send)
        except BodyTimeout:
            if started:
                raise
            detail = f"the request body did not arrive within {self.body_timeout:g} s of its headers"
            await _refusal(408, detail, {"Connection": "close"})(scope, receive, send)


def install_limits(app: FastAPI, settings: Settings) -> None:
    """Add the rate limiter (``app.state.rate_limiter``), the request limits and CORS to ``app``."""
    limiter = ClientLimiter(
        rate=settings.rate_requests,
        burst=settings.rate_burst,
        query_rate=settings.rate_query_seconds,
        query_burst=settings.rate_query_burst,
        max_clients=settings.rate_clients,
    )
    app.state.rate_limiter = limiter
    # Any route may answer 429; said in the OpenAPI of every route included after this.
    app.router.responses.setdefault(429, {
        "model": ErrorBody,
        "description": "Over this client's request rate or /sparql time (the detail names which).",
        "headers": {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}},
    })
    # The last added runs first: the real client address, then CORS (so refusals carry it too),
    # then the rate limit, then the request limits.
    app.add_middleware(
        RequestLimitMiddleware,
        max_headers=settings.http_max_headers,
        max_header_bytes=settings.http_max_header_bytes,
        body_timeout=settings.http_body_timeout,
    )
    app.add_middleware(RateLimitMiddleware, limiter=limiter)
    app.add_middleware(CorsMiddleware)
    if settings.trusted_proxies:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.trusted_proxies))


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it passes ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"the request body has {declared} bytes; the limit is {limit}")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the request body passes the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
