"""Graph analytics: duties per agency, fan-out of documents, broken chains, components."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.deps import SearchDep, StoreDep
from app.api.errors import STORE_ERRORS
from app.api.schemas import AttributeModel
from app.export.analytics import analyse

router = APIRouter(prefix="/api/analytics", tags=["analytics"])


class DocumentModel(AttributeModel):
    """A document: IRI, number as written, Vietnamese label, level of its jurisdiction."""

    iri: str
    notation: str | None
    label: str
    level: str | None


class AgencyDutiesModel(AttributeModel):
    """Duties of an agency: in total, distinct tasks, and per role (lead, coordinate, advise, assigned)."""

    iri: str
    label: str
    total: int
    tasks: int
    roles: dict[str, int]


class FanOutModel(AttributeModel):
    """Documents carrying this one out: directly, and directly or through others."""

    document: DocumentModel
    direct: int
    transitive: int


class ChainStopModel(AttributeModel):
    """A non-national document that carries out nothing recorded, with the documents below it."""

    document: DocumentModel
    below: list[DocumentModel]


class ComponentModel(AttributeModel):
    """A weakly connected component: size, documents, best-linked members."""

    size: int
    documents: list[DocumentModel]
    hubs: list[str]


class AnalyticsModel(AttributeModel):
    """Graph analytics over the whole graph."""

    nodes: int
    edges: int
    roles: list[str]
    agencies: list[AgencyDutiesModel]
    documents: list[FanOutModel]
    chain_stops: list[ChainStopModel]
    unanchored: list[DocumentModel]
    component_count: int
    components: list[ComponentModel]


@router.get("", response_model=AnalyticsModel, summary="Graph analytics", responses=STORE_ERRORS)
def analytics(store: StoreDep, index: SearchDep) -> AnalyticsModel:
    """Agencies by duties, documents by fan-out, chains that stop before a national document, components."""
    return AnalyticsModel.model_validate(analyse(store, index))
