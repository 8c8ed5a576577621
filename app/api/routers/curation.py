"""``/api/ingest`` and ``/api/sources``: ingest a reviewed draft or a raw text as one source, retract one.

Writes need the update token, exactly as ``/sparql`` updates do (``SparqlEndpoint.authorise``), and
run through the SPARQL service's ``write``, so query workers are paused around them and answer
later queries with the new data. The work is ``app.curation.ingest``'s; this router translates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Annotated, Any, Literal, cast

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from app.api.deps import SettingsDep, StoreDep
from app.api.errors import INVALID, STORE_ERRORS, ErrorBody
from app.api.limits import read_body
from app.api.schemas import AttributeModel, DraftSyntaxResponse, SourceOut, source_out
from app.core.errors import UnsupportedMediaType
from app.curation.ingest import IngestReport, LogEntry, curation_log, ingest, retract, source_names
from app.domain.sources import source_records
from app.endpoint.service import SparqlEndpoint
from app.store.policy_store import PolicyStore

router = APIRouter(prefix="/api", tags=["curation"])

#: Media types of a reviewed draft; every other text type is a raw text to extract first.
DRAFT_TYPES = ("application/trig", "application/x-trig")
TEXT_TYPES = ("text/plain", "text/markdown", "text/html")
_NAME = r"^[a-z0-9][a-z0-9_.-]{0,99}$"


class ProblemOut(AttributeModel):
    """One finding about the draft, with the line of the draft that states the resource at fault."""

    severity: str = Field(description="Violation (blocks the ingest), Warning or Info (reported only)")
    rule: str
    message: str
    message_vi: str | None
    focus: str = Field(description="IRI of the resource at fault")
    focus_label: str | None
    path: str | None = Field(description="The property at fault, compact (pol:issueDate)")
    value: str | None
    line: int | None = Field(description="Line of the draft where the resource is first stated (1-based)")


class IngestResponse(AttributeModel):
    """What the ingest did: ``committed`` with the log entry, or nothing written and the violations."""

    detail: str = Field(description="One line: what was committed, or how many violations kept it out")
    source: str
    graph: str
    committed: bool
    replaced: bool = Field(description="True when the source existed and was replaced")
    quads: int = Field(description="Quads of the source's graph (as committed, or as it would have been)")
    violations: list[ProblemOut]
    warnings: list[ProblemOut]
    validation_seconds: float
    validated_triples: int = Field(description="Triples validated: the draft plus the neighbourhood it touches")
    draft: str = Field(description="The TriG checked: the draft as given, or the raw text's draft")
    log_entry: str | None = Field(description="IRI of the entry in the graph polg:curation-log")


class RetractResponse(AttributeModel):
    """The source removed."""

    source: str
    graph: str
    quads: int
    log_entry: str


class SourcesResponse(BaseModel):
    """The sources the store holds, and the curation log."""

    sources: list[str]
    log: list[LogEntry] = Field(description="Every ingest, replace and retract, oldest first")
    records: list[SourceOut] = Field(description="Every source record with where to check it (url, publisher, "
                                                 "publication and retrieval date; null: unknown)")


_FORBIDDEN: dict[int | str, dict[str, Any]] = {403: {"model": ErrorBody, "description": "No update token configured, or not the right bearer token"}}
_BODY = {
    "required": True,
    "content": {
        **{t: {"schema": {"type": "string"}} for t in DRAFT_TYPES[:1]},
        **{t: {"schema": {"type": "string"}} for t in TEXT_TYPES},
    },
}


async def _endpoint(request: Request) -> SparqlEndpoint:
    """The SPARQL service, whose token and write path ingests share."""
    return cast(SparqlEndpoint, request.app.state.sparql)


def _writer(endpoint: SparqlEndpoint, store: PolicyStore) -> Callable[[str], None]:
    """The commit of an ingest or retract: the store's update, with the query workers paused."""

    def commit(text: str) -> None:
        endpoint.write(lambda: store.update(text))

    return commit


@router.post(
    "/ingest",
    response_model=IngestResponse,
    status_code=201,
    summary="Ingest a reviewed draft (TriG) or a raw text as one source",
    openapi_extra={"requestBody": _BODY},
    responses={
        200: {"model": IngestResponse, "description": "The source existed and was replaced (replace=true)"},
        400: {"model": DraftSyntaxResponse,
              "description": "Empty, binary or non-UTF-8 input, invalid TriG (line and column), a draft writing "
                             "outside its graph, or a bad source name or address"},
        404: {"model": ErrorBody, "description": "Never for an ingest (listed for the shared error mapping)"},
        409: {"model": ErrorBody, "description": "A source of that name exists and replace was not asked for"},
        413: {"model": ErrorBody, "description": "Body larger than POLICYKG_INGEST_MAX_BYTES"},
        415: {"model": ErrorBody, "description": "Content-Type is none of application/trig, text/plain, "
                                                 "text/markdown, text/html"},
        422: {"description": "The draft breaks a shape: nothing was written, `violations` say what and where "
                             "(an IngestResponse); or a query parameter is missing or malformed (InvalidParameters)",
              "content": {"application/json": {"schema": {"anyOf": [
                  {"$ref": "#/components/schemas/IngestResponse"},
                  {"$ref": "#/components/schemas/InvalidParameters"},
              ]}}}},
        **_FORBIDDEN,
        **STORE_ERRORS,
    },
)
async def post_ingest(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    source: Annotated[str, Query(description="The source's name: its graph is polg:source/{source}",
                                 pattern=_NAME, examples=["ha-tinh-kh-57"])],
    province: Annotated[str | None, Query(description="The text's province: IRI, key or name (a new one is "
                                                      "proposed by a raw text's draft)", max_length=200)] = None,
    url: Annotated[str | None, Query(description="The page where a reader checks the text (dcat:landingPage); "
                                                 "`unknown` when the source gives none", max_length=2000)] = None,
    publisher: Annotated[str | None, Query(description="Who published the text, by name (pol:publisher), or `unknown`",
                                           max_length=200)] = None,
    published: Annotated[str | None, Query(description="Publication date: YYYY, YYYY-MM or YYYY-MM-DD (dcterms:issued), "
                                                       "or `unknown`", max_length=40, examples=["2025-01-09"])] = None,
    retrieved: Annotated[str | None, Query(description="When the text was retrieved: YYYY-MM-DD or an ISO date-time "
                                                       "(pav:retrievedOn), or `unknown`", max_length=40)] = None,
    curator: Annotated[str | None, Query(description="Who reviewed it (default POLICYKG_CURATOR)",
                                         max_length=200)] = None,
    replace: Annotated[bool, Query(description="Replace the source if it exists (else 409)")] = False,
) -> JSONResponse:
    """Validate the source with the neighbourhood it touches and commit it in one transaction, or write nothing.

    Body: a TriG draft (`application/trig`), or a text (`text/plain`, `text/markdown`, `text/html`)
    that is extracted and ingested as drafted. Needs `Authorization: Bearer <POLICYKG_UPDATE_TOKEN>`.
    Lineage, search, quality and exports see the new source at once (quality in the background).
    """
    endpoint = await _endpoint(request)
    endpoint.authorise(request.headers.get("authorization"))
    media = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if media not in DRAFT_TYPES + TEXT_TYPES:
        raise UnsupportedMediaType(
            f"Content-Type {media or 'none'!r:.80}: send application/trig (a draft) or text/plain, "
            "text/markdown, text/html (a text to extract)"
        )
    body = await read_body(request, settings.ingest_max_bytes)
    report: IngestReport = await run_in_threadpool(
        ingest, store, body, source, raw=media not in DRAFT_TYPES, province=province, url=url,
        curator=curator, replace=replace, settings=settings, commit=_writer(endpoint, store),
        publisher=publisher, published=published, retrieved=retrieved,
    )
    status = 422 if not report.committed else 200 if report.replaced else 201
    if report.committed:
        detail = f"{'replaced' if report.replaced else 'ingested'} source {report.source}: {report.quads} quads"
    else:
        detail = f"{len(report.violations)} violation(s) of the shapes: nothing was written"
    answer = IngestResponse.model_validate({**asdict(report), "detail": detail})
    return JSONResponse(answer.model_dump(), status_code=status)


@router.delete(
    "/sources/{name}",
    response_model=RetractResponse,
    summary="Retract one source",
    responses={
        400: {"model": ErrorBody, "description": "The name is no source name"},
        404: {"model": ErrorBody, "description": "No source of that name"},
        **_FORBIDDEN,
        **INVALID,
        **STORE_ERRORS,
    },
)
async def delete_source(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    name: str,
    curator: Annotated[str | None, Query(description="Who retracts it (default POLICYKG_CURATOR)",
                                         max_length=200)] = None,
) -> RetractResponse:
    """Remove the source's named graph in one transaction, and log it. Needs the update token."""
    endpoint = await _endpoint(request)
    endpoint.authorise(request.headers.get("authorization"))
    report = await run_in_threadpool(
        retract, store, name, curator=curator, settings=settings, commit=_writer(endpoint, store)
    )
    return RetractResponse.model_validate(report)


@router.get("/sources", response_model=SourcesResponse, summary="Sources, their records and the curation log",
            responses={**INVALID, **STORE_ERRORS})
def get_sources(
    store: StoreDep, lang: Annotated[Literal["vi", "en"], Query(description="The language of titles")] = "vi"
) -> SourcesResponse:
    """The sources the store holds (by name) and every ingest, replace and retract logged, oldest first."""
    records = source_records(store)
    return SourcesResponse(
        sources=source_names(store), log=curation_log(store),
        records=[source_out(records[iri], lang) for iri in sorted(records)],
    )
