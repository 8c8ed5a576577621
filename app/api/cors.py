"""CORS for every route and every answer, errors included: anyone's page may read the API.

Nothing the API serves depends on cookies, so no credentials are allowed and the origin is
always ``*`` (the same for every requester: no ``Vary: Origin``, caches stay shared). Starlette's
CORSMiddleware answers only requests that carry ``Origin``; this one marks every answer, and
answers every ``OPTIONS`` as a preflight.
"""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["EXPOSED_HEADERS", "CorsMiddleware"]

# Response headers a script may read beyond the CORS-safelisted ones. "*" means all of them
# for requests without credentials (ours); the names are for browsers that predate the wildcard.
EXPOSED_HEADERS = ", ".join((
    "*", "Retry-After", "X-SPARQL-MaxRows", "X-SPARQL-MaxBytes", "Content-Disposition", "Content-Length",
    "X-Graph-Nodes", "X-Graph-Edges", "X-Graph-Root", "Vary",
))
_ALLOWED_METHODS = "GET, HEAD, POST, OPTIONS"
# Authorization is for SPARQL updates (bearer token); a wildcard would not cover it.
_ALLOWED_HEADERS = "Accept, Accept-Language, Authorization, Content-Type"
_MAX_AGE = "86400"


class CorsMiddleware:
    """Adds ``Access-Control-Allow-Origin: *`` to every answer and answers preflights (204)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS":
            await self._preflight(scope)(scope, receive, send)
            return

        async def marked(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Access-Control-Allow-Origin"] = "*"
                headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
            await send(message)

        await self.app(scope, receive, marked)

    @staticmethod
    def _preflight(scope: Scope) -> Response:
        requested = Headers(scope=scope).get("access-control-request-headers")
        return Response(status_code=204, headers={
            "Access-Control-Allow-Origin": "*",
            "Access-Control-Allow-Methods": _ALLOWED_METHODS,
            # Echoing what the page asks for is safe without credentials: the answers are public anyway.
            "Access-Control-Allow-Headers": f"{_ALLOWED_HEADERS}, {requested}" if requested else _ALLOWED_HEADERS,
            "Access-Control-Max-Age": _MAX_AGE,
        })
