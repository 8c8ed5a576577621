"""The quality report: what the data states that looks wrong, named so people can read it."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import Field

from app.api.deps import QualityDep
from app.api.errors import STORE_ERRORS
from app.api.schemas import AttributeModel

router = APIRouter(prefix="/api/quality", tags=["quality"])


class FocusOut(AttributeModel):
    """The resource at fault: a document by number, an agency or task by label, a target by indicator, year and document."""

    iri: str
    label: str
    notation: str | None


class FindingOut(AttributeModel):
    """One problem on one resource."""

    severity: str = Field(description="Violation (the data does not conform), Warning (suspicious as stated) or Info")
    rule: str = Field(description="Shape or query that found it (see /api/queries and shapes/)")
    message: str
    message_vi: str | None
    focus: FocusOut


class QualityResponse(AttributeModel):
    """Conforms when no finding is a Violation; Warnings record what the sources state that looks wrong."""

    conforms: bool
    counts: dict[str, int]
    findings: list[FindingOut]


@router.get("", response_model=QualityResponse, summary="Quality report", responses=STORE_ERRORS)
def quality(report: QualityDep) -> QualityResponse:
    """SHACL shapes and consistency rules over the whole graph, maintained in the background after every write.

    503 with Retry-After while the first validation after a start is running.
    """
    return QualityResponse(
        conforms=report.conforms,
        counts=report.counts(),
        findings=[FindingOut.model_validate(f) for f in report.findings],
    )
