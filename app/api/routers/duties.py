"""An agency's duties: its tasks by document and task group, with its role in each."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from app.api.deps import SearchDep, StoreDep
from app.api.errors import INVALID, STORE_ERRORS
from app.api.schemas import (
    ROLES_DOC,
    AgencyOut,
    AmbiguousEntityResponse,
    AttributeModel,
    DocumentOut,
    UnknownEntityResponse,
    text_query,
)
from app.domain.names import resolve_agency
from app.domain.responsibility import duties

router = APIRouter(prefix="/api/duties", tags=["responsibility"])


class DutyTaskOut(AttributeModel):
    """A task of the agency."""

    iri: str
    label: str
    role: str


class GroupOut(AttributeModel):
    """A task group."""

    iri: str
    label: str


class DutyGroupOut(AttributeModel):
    """The agency's tasks in one task group; `group` null for tasks listed outside any group."""

    group: GroupOut | None
    ordinal: int | None
    tasks: list[DutyTaskOut]


class DutyDocumentOut(AttributeModel):
    """The agency's tasks under one document."""

    document: DocumentOut | None
    groups: list[DutyGroupOut]


class DutiesResponse(AttributeModel):
    """Every duty of the agency, and the documents it drafts."""

    agency: AgencyOut
    task_count: int
    documents: list[DutyDocumentOut]
    drafted: list[DocumentOut]


@router.get(
    "",
    response_model=DutiesResponse,
    summary="Duties of an agency",
    description=f"Tasks of the agency by document and task group. Roles: {ROLES_DOC}",
    responses={
        409: {"model": AmbiguousEntityResponse, "description": "The name fits several agencies"},
        404: {"model": UnknownEntityResponse, "description": "No agency has this name"},
        **INVALID,
        **STORE_ERRORS,
    },
)
def get_duties(
    store: StoreDep,
    index: SearchDep,
    agency: Annotated[
        str,
        text_query(
            "An agency IRI, key, name or abbreviation, any accents: `Sở KH&CN Quảng Trị`, `so khcn quang tri`, "
            "`quang-tri/so-khcn`",
            "Sở KH&CN Quảng Trị",
        ),
    ],
) -> DutiesResponse:
    """Resolve `agency` (409 with candidates when several fit, 404 with suggestions when none) and list its duties."""
    result = duties(index, resolve_agency(store, agency))
    return DutiesResponse.model_validate(result, from_attributes=True)
