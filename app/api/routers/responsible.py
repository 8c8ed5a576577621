"""Who is responsible for what a question describes: agency, role, task, document chain, sources.

The same question asked again of the same data gets the same answer, so answers are kept (as
JSON bytes) per generation of the store: a repeated question is answered on the event loop with
no thread, no search and no serialisation; the first change to the data empties the cache.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from app.api.deps import StoreDep, get_search, settings_of
from app.api.errors import INVALID, STORE_ERRORS
from app.api.schemas import ROLES_DOC, AgencyOut, AttributeModel, DocumentOut, text_query
from app.core.answers import AnswerCache
from app.domain.responsibility import find_responsible
from app.sparql.results import Serialized
from app.store.policy_store import PolicyStore

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


#: Answers by (question, limit), filed under the store generation they were computed at.
AnswersCache = AnswerCache[tuple[str, int], Serialized]


def _answers(request: Request) -> AnswersCache:
    """The app's cache of answers (made on the event loop, on first use)."""
    cache: AnswersCache | None = getattr(request.app.state, "responsible_answers", None)
    if cache is None:
        cache = request.app.state.responsible_answers = AnswersCache(settings_of(request).result_cache_bytes)
    return cache


def _compute(request: Request, store: PolicyStore, q: str, limit: int) -> tuple[int, Serialized]:
    """The answer as JSON bytes and the generation of the index it was read from (in a thread)."""
    index = get_search(request)
    answer = ResponsibleResponse.model_validate(find_responsible(index, store, q, limit), from_attributes=True)
    return index.generation, Serialized(answer.model_dump_json().encode(), "application/json")


@router.get(
    "",
    response_model=ResponsibleResponse,
    summary="Who is responsible for …?",
    responses={**INVALID, **STORE_ERRORS},
)
async def responsible(
    request: Request,
    store: StoreDep,
    q: Annotated[
        str,
        text_query(
            "What to look for, as people type it: with or without accents, abbreviations "
            "(KH&CN, CĐS, ĐMST, UBND …), a document number, half a sentence, or English",
            "trung tam doi moi sang tao",
        ),
    ],
    limit: Annotated[int, Query(ge=1, le=100, description="How many results at most")] = 10,
) -> Response:
    """Agencies responsible for the tasks that match `q`, with role, task, document chain and sources.

    A task yields one result per responsible agency. Ranking is BM25 over the task's words (a
    phrase counts more than its syllables), its task group and document, and the agencies'
    names. A blank `q` is refused (422). `X-Cache: hit` says the answer was kept from an identical
    earlier question on the same data (`Age`: seconds since it was computed).
    """
    cache = _answers(request) if settings_of(request).result_cache_bytes else None
    generation = await store.generation_async()
    kept = cache.get(generation, (q, limit)) if cache is not None else None
    if kept is not None:
        return _json(kept.answer, {"X-Cache": "hit", "Age": str(kept.age)})
    read_at, answer = await run_in_threadpool(_compute, request, store, q, limit)
    # Kept only if the data did not move while it was computed (its lineage is read from the store).
    if cache is not None and read_at == generation == store.generation:
        cache.put(generation, (q, limit), answer)
    return _json(answer, {"X-Cache": "miss", "Age": "0"} if cache is not None else {})


def _json(answer: Serialized, headers: dict[str, str]) -> Response:
    return Response(answer.body, media_type=answer.media_type, headers=headers)
