"""Liveness, readiness and size of the loaded graph."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from app import __version__
from app.api.deps import StoreDep
from app.api.errors import STORE_ERRORS
from app.api.readiness import RETRY_AFTER_SECONDS
from app.store.readiness import Phase, Readiness

router = APIRouter(prefix="/health", tags=["health"])


class Health(BaseModel):
    """The service is up, whether its store can be served, and how much data it holds."""

    status: Literal["ok", "stale", "degraded"] = "ok"
    #: Why the status is not ok, or what the start did.
    reason: str | None = None
    triples: int | None = None
    graphs: int | None = None
    version: str


_DEGRADED: dict[int | str, dict[str, Any]] = {
    503: {
        "model": Health,
        "description": "The store is being (re)built at start, or its build failed; with Retry-After.",
    }
}


@router.get("", response_model=Health, response_model_exclude_none=True, summary="Service health",
            responses={**STORE_ERRORS, **_DEGRADED})
def health(request: Request, store: StoreDep) -> Health | JSONResponse:
    """Report that the service is up: ``ok``; ``stale`` (serving a store whose files changed since it
    was loaded, kept because updates changed it); ``degraded`` (503) while the store is rebuilt."""
    readiness: Readiness = getattr(request.app.state, "readiness", None) or Readiness()
    if not readiness.servable:
        # The store is being written or is broken: counting it would say nothing and cost the rebuild.
        body = Health(status="degraded", reason=readiness.reason, version=__version__)
        return JSONResponse(
            body.model_dump(exclude_none=True), status_code=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)}
        )
    sizes = store.sizes()
    return Health(
        status="stale" if readiness.phase is Phase.stale else "ok",
        reason=readiness.reason if readiness.phase is Phase.stale else None,
        triples=sizes.triples,
        graphs=sizes.graphs,
        version=__version__,
    )
