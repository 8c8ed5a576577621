"""Lineage of a document: what it carries out and what carries it out."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel

from app.api.deps import StoreDep
from app.api.errors import INVALID, STORE_ERRORS
from app.api.schemas import AmbiguousResponse, NotFoundResponse, text_query
from app.domain.lineage import LineageItem, lineage
from app.domain.names import resolve_document
from app.search.index import MAX_QUERY_CHARS

router = APIRouter(prefix="/api/lineage", tags=["lineage"])


class LineageEntry(BaseModel):
    """A document in a lineage; depth 0 is the document asked about."""

    iri: str
    notation: str | None
    label: str | None
    type: str | None
    issuer: str | None
    issuer_label: str | None
    date: str | None
    depth: int
    relation: Literal["implements", "basedOn"] | None = None
    via: str | None = None


class LineageResponse(BaseModel):
    """A document with its ancestors (what it carries out) and descendants (what carries it out)."""

    document: LineageEntry
    ancestors: list[LineageEntry]
    descendants: list[LineageEntry]


def _entry(item: LineageItem) -> LineageEntry:
    return LineageEntry.model_validate(item, from_attributes=True)


@router.get(
    "",
    response_model=LineageResponse,
    summary="Lineage of a document",
    responses={
        409: {"model": AmbiguousResponse, "description": "The notation names several documents"},
        404: {"model": NotFoundResponse, "description": "No document matches"},
        **INVALID,
        **STORE_ERRORS,
    },
)
def get_lineage(
    store: StoreDep,
    document: Annotated[str, text_query(
            "A document: its number as written (190-KH/TU, `52`, `Nghị quyết 52`, `NQ 52`, "
            "`190-KH/TU Quảng Trị`), its key or its IRI",
            "190-KH/TU",
        )],
    issuer: Annotated[
        str | None,
        Query(
            description="Issuer IRI, key or name, to pick among same-numbered documents (empty: any issuer)",
            json_schema_extra={"maxLength": MAX_QUERY_CHARS},
        ),
    ] = None,
    max_depth: Annotated[int, Query(ge=1, le=100)] = 20,
) -> LineageResponse:
    """Resolve ``document`` and return its ancestors and descendants, each at its shortest depth."""
    iri = resolve_document(store, document, issuer)
    result = lineage(store, iri, max_depth)
    return LineageResponse(
        document=_entry(result.document),
        ancestors=[_entry(i) for i in result.ancestors],
        descendants=[_entry(i) for i in result.descendants],
    )
