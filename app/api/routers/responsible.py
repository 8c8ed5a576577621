"""Who is responsible for what a question describes: agency, role, task, document chain, sources."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import Field

from app.api.deps import SearchDep, StoreDep
from app.api.errors import INVALID, STORE_ERRORS
from app.api.schemas import ROLES_DOC, AgencyOut, AttributeModel, DocumentOut, text_query
from app.domain.responsibility import find_responsible

router = APIRouter(prefix="/api/responsible", tags=["responsibility"])

class TaskOut(AttributeModel):
    """The task in plain words (for role `draft`, the drafting of the document, whose IRI it carries)."""

    iri: str
    label: str


class LineageStepOut(AttributeModel):
    """A document of the chain: depth 0 is the task's document, then what it carries out, up to the roots."""

    iri: str
    notation: str | None
    label: str | None
    issuer: str | None = Field(description="IRI of the issuing agency")
    issuer_label: str | None = None
    date: str | None = Field(description="Issue date (ISO 8601) as the source states it")
    depth: int


class SourceOut(AttributeModel):
    """A source article the task was taken from."""

    iri: str
    title: str


class ResponsibilityOut(AttributeModel):
    """One agency's part in one task, where the duty comes from, and how well it matches."""

    agency: AgencyOut
    role: str = Field(description=ROLES_DOC)
    task: TaskOut
    document: DocumentOut | None = Field(description="The document that gives the task")
    lineage: list[LineageStepOut]
    sources: list[SourceOut]
    score: float = Field(description="BM25 relevance (higher is better); only the order is meaningful")


class ResponsibleResponse(AttributeModel):
    """The question as received and the responsibilities that answer it, best first."""

    query: str
    results: list[ResponsibilityOut]


@router.get(
    "",
    response_model=ResponsibleResponse,
    summary="Who is responsible for …?",
    responses={**INVALID, **STORE_ERRORS},
)
def responsible(
    store: StoreDep,
    index: SearchDep,
    q: Annotated[
        str,
        text_query(
            "What to look for, as people type it: with or without accents, abbreviations "
            "(KH&CN, CĐS, ĐMST, UBND …), a document number, half a sentence, or English",
            "trung tam doi moi sang tao",
        ),
    ],
    limit: Annotated[int, Query(ge=1, le=100, description="How many results at most")] = 10,
) -> ResponsibleResponse:
    """Agencies responsible for the tasks that match `q`, with role, task, document chain and sources.

    A task yields one result per responsible agency. Ranking is BM25 over the task's words (a
    phrase counts more than its syllables), its task group and document, and the agencies'
    names. A blank `q` is refused (422).
    """
    return ResponsibleResponse.model_validate(find_responsible(index, store, q, limit), from_attributes=True)
