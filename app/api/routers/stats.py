"""Counts describing the loaded graph."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter
from pydantic import BaseModel

from app.api.deps import StoreDep
from app.api.errors import STORE_ERRORS
from app.domain.stats import compute_stats

router = APIRouter(prefix="/api/stats", tags=["stats"])


class StatsModel(BaseModel):
    """Triples, triples per named graph, instances per pol: class and key entity counts."""

    triples: int
    graphs: dict[str, int]
    default_graph_triples: int
    classes: dict[str, int]
    documents: int
    agencies: int
    tasks: int
    targets: int


@router.get("", response_model=StatsModel, summary="Graph statistics", responses=STORE_ERRORS)
def stats(store: StoreDep) -> StatsModel:
    """Count what the graph holds."""
    return StatsModel(**asdict(compute_stats(store)))
