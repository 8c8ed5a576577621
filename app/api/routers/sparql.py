"""``/sparql``: the SPARQL 1.1 Protocol endpoint, its service description and its query page.

This router only translates HTTP: it reads the body (bounded), hands the raw request to
``app.protocol``, and the service (``app.endpoint``) checks, runs and serialises.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Annotated, cast

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from app.api.deps import CatalogDep, SettingsDep
from app.api.errors import ErrorBody
from app.api.html import render
from app.api.limits import client_key, read_body
from app.api.schemas import NotAcceptableResponse
from app.core.errors import WorkerCrashed
from app.core.media import GRAPH_FORMATS, SOLUTION_FORMATS, accepts_html, negotiate
from app.core.ratelimit import ClientLimiter
from app.endpoint.examples import examples
from app.endpoint.service import QueryOutcome, SparqlEndpoint
from app.sparql.protocol import FORM, QUERY_TYPE, UPDATE_TYPE, parse_request
from app.sparql.results import Serialized


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Runs inside the app's lifespan, after the store is open: start the query service."""
    endpoint = SparqlEndpoint(app.state.store, app.state.settings)
    app.state.sparql = endpoint
    try:
        yield
    finally:
        endpoint.close()


router = APIRouter(prefix="/sparql", tags=["sparql"], lifespan=_lifespan)


async def get_endpoint(request: Request) -> SparqlEndpoint:
    """The SPARQL service started with the app (a coroutine: no thread-pool hop to read app.state)."""
    return cast(SparqlEndpoint, request.app.state.sparql)


EndpointDep = Annotated[SparqlEndpoint, Depends(get_endpoint)]

_IRIS = {"type": "array", "items": {"type": "string", "format": "iri"}}
_DATASET = [
    {"name": "default-graph-uri", "in": "query", "schema": _IRIS, "explode": True,
     "description": "Graphs whose merge is the default graph (repeatable); each an absolute IRI: an empty "
                    "or relative value is a 400 naming the parameter, as in Oxigraph."},
    {"name": "named-graph-uri", "in": "query", "schema": _IRIS, "explode": True,
     "description": "Named graphs of the dataset (repeatable); each an absolute IRI."},
]
_FORMAT = {
    "name": "format", "in": "query", "schema": {"type": "string"},
    "description": "Overrides Accept: json, xml, csv, tsv (SELECT/ASK); turtle, ntriples, jsonld, rdfxml, trig, n3 "
                   "(CONSTRUCT/DESCRIBE), or a media type. Also read as `output` and `results`; given several "
                   "times (SPARQLWrapper sends `format=tsv&format=text/tab-separated-values`), every value must "
                   "name the same format, else 400. Empty is the same as absent.",
}
_USING = [
    {"name": "using-graph-uri", "in": "query", "schema": _IRIS, "explode": True,
     "description": "For an update: graphs whose merge is the default graph of its WHERE (repeatable)."},
    {"name": "using-named-graph-uri", "in": "query", "schema": _IRIS, "explode": True,
     "description": "For an update: named graphs its WHERE may read (repeatable)."},
]
_QUERY_TEXT = {"type": "string", "pattern": r"\S", "examples": ["SELECT * WHERE { ?s ?p ?o } LIMIT 3"]}
_GET_PARAMETERS = [
    {"name": "query", "in": "query", "schema": _QUERY_TEXT,
     "description": "A SPARQL 1.1 query. Without it, GET returns the service description, or the query page "
                    "when the client prefers text/html."},
    *_DATASET,
    _FORMAT,
]
_POST_PARAMETERS = [*_DATASET, *_USING, _FORMAT]
_TEXT = {"schema": {"type": "string", "pattern": r"\S"}}
_BODY = {
    "required": True,
    "content": {
        FORM: {"schema": {
            "type": "object",
            "properties": {
                "query": {**_QUERY_TEXT, "description": "A SPARQL 1.1 query"},
                "update": {"type": "string", "pattern": r"\S", "description": "A SPARQL 1.1 update (bearer token)"},
            },
            # Exactly one operation per request.
            "oneOf": [{"required": ["query"], "not": {"required": ["update"]}},
                      {"required": ["update"], "not": {"required": ["query"]}}],
        }},
        QUERY_TYPE: _TEXT,
        UPDATE_TYPE: _TEXT,
    },
}
_ANY = {"schema": {"type": "string"}}
_RESULTS_JSON = {"schema": {
    "type": "object", "required": ["head"],
    "properties": {"head": {"type": "object"}, "results": {"type": "object"}, "boolean": {"type": "boolean"}},
}}
_ANSWERS: dict[str, object] = {f.media_type: _ANY for f in (*SOLUTION_FORMATS, *GRAPH_FORMATS)}
_ANSWERS |= {"application/sparql-results+json": _RESULTS_JSON, "application/ld+json": {"schema": {}}, "text/html": _ANY}


def _error(description: str) -> dict[str, object]:
    return {"model": ErrorBody, "description": description}


_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"description": "Query results (SPARQL JSON/XML/CSV/TSV) or an RDF graph, as negotiated; without a "
                         "query, the service description (or the query page, for a browser).",
          "content": _ANSWERS},
    204: {"description": "The update was applied."},
    400: _error("Malformed request or query (the parser's message and position), or a parameter repeated."),
    403: _error("Update without the right bearer token (updates are off as shipped), or a SERVICE/LOAD to an "
                "IRI not on the allow-list (POLICYKG_ALLOWED_REMOTE)."),
    406: {"model": NotAcceptableResponse, "description": "No acceptable format for this kind of result."},
    413: _error("Request body larger than POLICYKG_MAX_BODY_BYTES."),
    415: _error("POST with a media type other than form, sparql-query or sparql-update."),
    503: _error("Every query worker is busy, or the store is unreachable."),
    500: _error("The engine crashed on the query (a stack overflow, a signal); its worker process was replaced."),
    504: _error("The query ran past POLICYKG_QUERY_TIMEOUT and was stopped."),
    507: _error("The query needed more memory than POLICYKG_WORKER_MEMORY_MB; it was stopped."),
}
_GET_RESPONSES = {code: answer for code, answer in _RESPONSES.items() if code not in (204, 413, 415)}


@contextmanager
def _charged(request: Request) -> Iterator[None]:
    """Charge the time the block took, failed or not, to the client's query-time budget.

    A query that crashed its worker costs ``rate_crash_seconds`` more: forking a replacement is
    the server's time, and a client that keeps crashing workers runs out of budget (429) while
    everyone else keeps the workers.
    """
    started = time.monotonic()
    penalty = 0.0
    try:
        yield
    except WorkerCrashed:
        penalty = request.app.state.settings.rate_crash_seconds
        raise
    finally:
        limiter: ClientLimiter = request.app.state.rate_limiter
        limiter.charge(client_key(request), time.monotonic() - started + penalty)


def _endpoint_url(request: Request) -> str:
    return str(request.base_url).rstrip("/") + router.prefix


def _response(result: Serialized, extra: dict[str, str] | None = None) -> Response:
    headers = {"Vary": "Accept", **(extra or {})}
    if result.truncated and result.limit is not None:
        # Virtuoso's header for the same thing, so clients that know it can warn.
        headers["X-SPARQL-MaxRows"] = str(result.limit)
    if result.byte_limit is not None:
        headers["X-SPARQL-MaxBytes"] = str(result.byte_limit)
    return Response(result.body, media_type=result.media_type, headers=headers)


def _outcome_response(outcome: QueryOutcome, tagged: bool) -> Response:
    """The answer with what a client needs to know about its freshness (X-Cache, Age, ETag)."""
    headers = {} if outcome.cache is None else {"X-Cache": outcome.cache, "Age": str(outcome.age)}
    if tagged and outcome.etag is not None:
        headers["ETag"] = outcome.etag
    if outcome.result is None:
        return Response(status_code=304, headers={"Vary": "Accept", **headers})
    return _response(outcome.result, headers)


@router.get("", summary="SPARQL 1.1 query, service description or query page", responses=_GET_RESPONSES,
            openapi_extra={"parameters": _GET_PARAMETERS})
@router.post("", summary="SPARQL 1.1 query or update", responses=_RESPONSES,
             openapi_extra={"parameters": _POST_PARAMETERS, "requestBody": _BODY})
@router.api_route("/", methods=["GET", "POST"], include_in_schema=False)
async def sparql(request: Request, endpoint: EndpointDep, settings: SettingsDep, catalog: CatalogDep) -> Response:
    """Answer a query (GET, POST form, POST direct) or an update (POST, with the bearer token).

    Without a query, GET returns the SPARQL Service Description, or the query page for a browser.
    """
    accept = request.headers.get("accept")
    url = _endpoint_url(request)
    plain_get = request.method == "GET" and not any(h in request.headers for h in ("if-none-match", "cache-control"))
    if plain_get and (kept := endpoint.kept_get(request.url.query, accept, url)) is not None:
        return _outcome_response(kept, True)
    body = await read_body(request, settings.max_body_bytes) if request.method == "POST" else b""
    sparql_request = parse_request(request.method, request.url.query, request.headers.get("content-type"), body)
    if sparql_request.operation == "update":
        with _charged(request):
            await run_in_threadpool(endpoint.update, sparql_request, request.headers.get("authorization"), url)
        return Response(status_code=204)
    if sparql_request.operation == "query":
        # A conditional POST would be 412 by HTTP's rules; a query by POST is answered in full.
        conditional = request.headers.get("if-none-match") if request.method == "GET" else None
        refresh = "no-cache" in request.headers.get("cache-control", "").lower()
        with _charged(request):
            outcome = await endpoint.answer(
                sparql_request, accept, url, if_none_match=conditional, refresh=refresh,
                get_query=request.url.query if request.method == "GET" else None,
            )
        return _outcome_response(outcome, request.method == "GET")
    if not sparql_request.formats and accepts_html(accept):
        offered = examples(catalog)
        return render(request, "sparql/query.html", {
            "endpoint": url,
            "examples": offered,
            "timeout": f"{settings.query_timeout:g}",
            "max_results": settings.max_results,
            "yasgui_js": request.url_for("static", path="vendor/yasgui.min.js"),
            "yasgui_css": request.url_for("static", path="vendor/yasgui.min.css"),
            "config": {
                "endpoint": url,
                "examples": [{"name": e.name, "title": e.title, "text": e.text} for e in offered],
            },
        })
    fmt = negotiate("graph", accept, sparql_request.formats)
    return _response(await run_in_threadpool(endpoint.description, fmt, url))
