"""Hold requests while the store is being (re)built at start; past a short wait, 503 with Retry-After.

``/health`` (which reports the phase itself), the OpenAPI schema, the docs and static files are
always answered.
"""

from __future__ import annotations

import json

import anyio
from starlette.types import ASGIApp, Receive, Scope, Send

from app.store.readiness import Phase, Readiness

__all__ = ["RETRY_AFTER_SECONDS", "ReadinessGate"]

#: What a 503 during a rebuild tells a client to wait before trying again.
RETRY_AFTER_SECONDS = 5
_ALWAYS = ("/health", "/openapi.json", "/docs", "/redoc", "/static/")


class ReadinessGate:
    """ASGI middleware: a request waits up to ``rebuild_wait`` seconds for the store, then gets 503."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        readiness: Readiness | None = None
        if scope["type"] == "http" and not scope["path"].startswith(_ALWAYS):
            readiness = getattr(scope["app"].state, "readiness", None)
        if readiness is not None and not readiness.servable:
            if readiness.phase is Phase.rebuilding:
                wait = scope["app"].state.settings.rebuild_wait
                await anyio.to_thread.run_sync(readiness.wait, wait)
            if not readiness.servable:
                await _unavailable(send, readiness.reason)
                return
        await self.app(scope, receive, send)


async def _unavailable(send: Send, reason: str) -> None:
    body = json.dumps({"detail": f"the store is not ready: {reason}"}, ensure_ascii=False).encode("utf-8")
    await send({
        "type": "http.response.start",
        "status": 503,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"retry-after", str(RETRY_AFTER_SECONDS).encode()),
        ],
    })
    await send({"type": "http.response.body", "body": body})
