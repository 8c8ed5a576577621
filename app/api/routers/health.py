"""Liveness and size of the loaded graph."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel

from app import __version__
from app.api.deps import StoreDep
from app.api.errors import STORE_ERRORS

router = APIRouter(prefix="/health", tags=["health"])


class Health(BaseModel):
    """The service is up and this much data is loaded."""

    status: Literal["ok"] = "ok"
    triples: int
    graphs: int
    version: str


@router.get("", response_model=Health, summary="Service health", responses=STORE_ERRORS)
def health(store: StoreDep) -> Health:
    """Report that the service is up, with the number of triples and named graphs."""
    return Health(triples=store.triple_count(), graphs=len(store.graph_names()), version=__version__)
