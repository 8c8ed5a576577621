"""Cascade comparison: every province's documents and targets below one national resolution; the page ``/cascade``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import FileResponse

from app.api.deps import StoreDep
from app.api.representations import TABLE_FORMAT_DESCRIPTION, csv_download, format_query, table_responses
from app.api.schemas import AmbiguousResponse, AttributeModel, NotFoundResponse, text_query
from app.core.media import OFFERS, negotiate
from app.domain.cascade import cascade, cascade_csv, resolve_national_document
from app.search.index import MAX_QUERY_CHARS

router = APIRouter(tags=["cascade"])

PAGE = Path(__file__).resolve().parent.parent.parent / "static" / "cascade" / "index.html"


class AreaOut(AttributeModel):
    """An administrative area."""

    iri: str
    label: str
    label_en: str | None


class CascadeDocumentOut(AttributeModel):
    """A document of the cascade; `depth` 0 is the resolution, `via` the document it carries out."""

    iri: str
    notation: str | None
    label: str | None
    issuer_label: str | None
    date: str | None
    depth: int
    relation: str | None
    via: str | None
    place: AreaOut | None


class TargetOut(AttributeModel):
    """A target a document sets; `versus_national` compares it with the national target of its year."""

    iri: str
    value: float | None
    value_high: float | None
    comparator: str | None
    unit: str | None
    year: int | None
    place: AreaOut | None
    document: str
    document_notation: str | None
    document_label: str | None
    versus_national: Literal["stronger", "same", "weaker", "other_year", "other_unit", "not_comparable", "no_national"]


class IndicatorColumnOut(AttributeModel):
    """An indicator: the national targets (empty when only provinces set one) and which way is better."""

    iri: str
    label: str
    label_en: str | None
    unit: str | None
    direction: Literal["up", "down"]
    national: list[TargetOut]
    national_contradiction: bool


class CellOut(AttributeModel):
    """One province's targets for one indicator and its flags (none, lower, contradiction)."""

    indicator: str
    targets: list[TargetOut]
    flags: list[Literal["none", "lower", "contradiction"]]


class ProvinceRowOut(AttributeModel):
    """A province: its documents carrying out the resolution, a cell per indicator (in `indicators` order)."""

    area: AreaOut
    documents: list[CascadeDocumentOut]
    cells: list[CellOut]
    flags: list[Literal["none", "lower", "contradiction"]]


class CascadeResponse(AttributeModel):
    """The cascade comparison below one national resolution."""

    document: CascadeDocumentOut
    national_documents: list[CascadeDocumentOut]
    indicators: list[IndicatorColumnOut]
    provinces: list[ProvinceRowOut]
    unplaced_documents: list[CascadeDocumentOut]
    flag_count: int


@router.get(
    "/api/cascade",
    response_model=CascadeResponse,
    summary="Cascade comparison of a national resolution",
    description=(
        "Every province's documents that carry out the resolution (transitively: pol:implements, "
        "pol:basedOn) and, per indicator, each province's targets next to the national one. Flags: "
        "`none` (the nation sets a target, the province none), `lower` (less ambitious than the "
        "national target of the same year: lower under a floor, higher under an at-most ceiling), "
        "`contradiction` (two different targets for one indicator, place and year)."
    ),
    responses={
        **table_responses(CascadeResponse),
        409: {"model": AmbiguousResponse, "description": "The notation names several documents"},
        404: {"model": NotFoundResponse, "description": "No document matches"},
    },
)
def get_cascade(
    request: Request,
    response: Response,
    store: StoreDep,
    document: Annotated[str, text_query("A notation as written (57-NQ/TW) or an IRI", "57-NQ/TW")],
    issuer: Annotated[
        str | None,
        Query(
            description="Issuer IRI, key or name, to pick among same-numbered documents",
            json_schema_extra={"maxLength": MAX_QUERY_CHARS},
        ),
    ] = None,
    format: Annotated[str, format_query(OFFERS["table"], TABLE_FORMAT_DESCRIPTION)] = "",
) -> CascadeResponse | Response:
    """Resolve ``document`` and compare every province's targets with the national ones."""
    chosen = negotiate("table", request.headers.get("accept"), format)
    iri = resolve_national_document(store, document, issuer)
    result = cascade(store, iri)
    if chosen.name == "csv":
        stem = (result.document.notation or iri.rsplit("/", 1)[-1]).replace("/", "-")
        return csv_download(cascade_csv(result).encode("utf-8"), f"cascade-{stem}.csv")
    response.headers["Vary"] = "Accept"
    return CascadeResponse.model_validate(result, from_attributes=True)


@router.get("/cascade", include_in_schema=False)
def cascade_page() -> FileResponse:
    """The comparison page; ``document`` and ``lang`` in the query string are read by the page itself."""
    return FileResponse(PAGE, media_type="text/html; charset=utf-8")
