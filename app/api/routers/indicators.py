"""Indicators and the targets documents set for them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import Field

from app.api.deps import SearchDep, StoreDep
from app.api.errors import INVALID, STORE_ERRORS
from app.api.schemas import AttributeModel, DocumentOut, text_query
from app.domain.indicators import find_indicators

router = APIRouter(prefix="/api/indicators", tags=["indicators"])


class PlaceOut(AttributeModel):
    """The area a target applies to."""

    iri: str
    label: str


class TargetOut(AttributeModel):
    """A target: value and unit, comparator, year, place and the document that sets it."""

    iri: str
    value: float | None
    unit: str | None = Field(description="Unit notation: %, %/năm, count")
    year: int | None
    comparator: str | None = Field(description="about, at-least, over or exactly")
    jurisdiction: PlaceOut | None
    document: DocumentOut | None


class IndicatorOut(AttributeModel):
    """An indicator that matches the question, with every target set for it."""

    iri: str
    label: str
    score: float
    targets: list[TargetOut]


class IndicatorsResponse(AttributeModel):
    """Indicators matching the question, best first."""

    query: str
    indicators: list[IndicatorOut]


@router.get(
    "",
    response_model=IndicatorsResponse,
    summary="Indicators and their targets",
    responses={**INVALID, **STORE_ERRORS},
)
def indicators(
    store: StoreDep,
    index: SearchDep,
    q: Annotated[
        str,
        text_query(
            "Words of the indicator, any accents or abbreviation (kinh tế số, GRDP, DVC trực tuyến, 5G)",
            "kinh te so GRDP",
        ),
    ],
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> IndicatorsResponse:
    """Indicators whose names match `q`, each with its targets by year and place; a blank `q` is 422."""
    found = find_indicators(index, store, q, limit)
    return IndicatorsResponse.model_validate({"query": q, "indicators": found}, from_attributes=True)
