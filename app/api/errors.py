"""Error answers of the HTTP API: the one mapping of domain errors to HTTP, and its handlers.

Every ``PolicyKGError`` (app/core/errors.py) has its status in :data:`STATUS` and its body from
:func:`error_body`; routers raise domain errors and never build an error response by hand.

Every JSON error body has a string ``detail`` saying what was wrong, naming the parameter at
fault; some add fields (``suggestions``, ``candidates``, ``formats`` …). A 422 adds ``errors``,
one entry per parameter at fault (``loc``, ``msg``, ``type``), for a request whose parameters
are missing, malformed, out of range or given twice. Errors never echo more than the first
characters of what the client sent (``app.core.errors.clip``).
"""

from __future__ import annotations

import typing

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel

from app.api.schemas import (
    AmbiguousEntityResponse,
    AmbiguousResponse,
    DocumentCandidate,
    DraftSyntaxResponse,
    EntityCandidate,
    ErrorBody,
    InvalidParameters,
    NotAcceptableResponse,
    NotFoundResponse,
    ParameterProblem,
    TooLargeResponse,
    UnknownEntityResponse,
    UnknownQueryResponse,
)
from app.core import errors as e
from app.core.errors import clip

__all__ = [
    "INVALID",
    "NOT_ACCEPTABLE",
    "STATUS",
    "STORE_ERRORS",
    "ErrorBody",
    "InvalidParameters",
    "ParameterProblem",
    "error_body",
    "install",
    "refuse_repeated",
    "status_of",
]


#: The 422 every route with parameters can answer (FastAPI's default declaration is replaced).
INVALID: dict[int | str, dict[str, typing.Any]] = {
    422: {"model": InvalidParameters, "description": "A parameter is missing, malformed, out of range or repeated"},
}
#: The 406 of a negotiated route (Accept or ``format`` asks for nothing on offer).
NOT_ACCEPTABLE: dict[int | str, dict[str, typing.Any]] = {
    406: {
        "model": NotAcceptableResponse,
        "description": "Neither Accept nor `format` names a format on offer; `detail` lists them",
    },
}
#: What a route that reads the store can answer when the store is remote and fails.
STORE_ERRORS: dict[int | str, dict[str, typing.Any]] = {
    503: {"model": ErrorBody, "description": "The store cannot be reached or read"},
    504: {"model": ErrorBody, "description": "The remote store did not answer in time"},
}

#: The HTTP status of every domain error, by class; a class not listed takes its nearest base's.
STATUS: dict[type[e.PolicyKGError], int] = {
    e.PolicyKGError: 400,
    e.StoreError: 503,
    e.StoreLoadError: 503,
    e.ServiceBusy: 503,
    e.ReportPending: 503,
    e.QueryError: 400,
    e.QuerySyntaxError: 400,
    e.QueryTooComplex: 400,
    e.DefaultGraphWrite: 400,
    e.QueryTimeout: 504,
    e.QueryRefused: 403,
    e.WorkerCrashed: 500,
    e.QueryOutOfMemory: 507,
    e.ParameterError: 422,
    e.ProtocolError: 400,
    e.UnsupportedMediaType: 415,
    e.NotAcceptable: 406,
    e.PayloadTooLarge: 413,
    e.UpdateForbidden: 403,
    e.CatalogError: 500,
    e.UnknownQuery: 404,
    e.DocumentError: 400,
    e.AmbiguousDocument: 409,
    e.UnknownDocument: 404,
    e.UnknownResource: 404,
    e.AgencyError: 400,
    e.AmbiguousAgency: 409,
    e.UnknownAgency: 404,
    e.EntityError: 400,
    e.AmbiguousEntity: 409,
    e.UnknownEntity: 404,
    e.SelectionTooLarge: 413,
    e.ReasonerUnavailable: 503,
    e.ReasonerError: 500,
    e.CurationError: 400,
    e.InvalidInput: 422,
    e.InvalidSummary: 422,
    e.DraftSyntaxError: 400,
    e.DraftOutsideGraph: 400,
    e.SourceExists: 409,
    e.UnknownSource: 404,
}


def status_of(exc: e.PolicyKGError) -> int:
    """The status of ``exc``: its class's in :data:`STATUS`, else its nearest listed base's."""
    return next(STATUS[cls] for cls in type(exc).__mro__ if cls in STATUS)


def error_body(exc: e.PolicyKGError) -> BaseModel:
    """The JSON body of ``exc``: ``detail``, plus what lets a client recover (candidates, formats …)."""
    detail = str(exc)
    match exc:
        case e.ParameterError():
            loc: list[str | int] = ["query", exc.name] if exc.name else []
            problems = [ParameterProblem(loc=loc, msg=detail, type="value_error")] if loc else []
            return InvalidParameters(detail=detail, errors=problems)
        case e.InvalidSummary():
            at = ParameterProblem(loc=["body", *exc.path], msg=exc.reason, type="value_error")
            return InvalidParameters(detail=detail, errors=[at])
        case e.AmbiguousDocument():
            return AmbiguousResponse(detail=detail, candidates=_refs(DocumentCandidate, exc.candidates))
        case e.UnknownDocument():
            return NotFoundResponse(detail=detail, suggestions=_refs(DocumentCandidate, exc.suggestions))
        case e.AmbiguousAgency() | e.AmbiguousEntity():
            return AmbiguousEntityResponse(detail=detail, candidates=_refs(EntityCandidate, exc.candidates))
        case e.UnknownAgency() | e.UnknownEntity():
            return UnknownEntityResponse(detail=detail, suggestions=_refs(EntityCandidate, exc.suggestions))
        case e.UnknownQuery():
            return UnknownQueryResponse(detail=detail, available=exc.available)
        case e.SelectionTooLarge():
            return TooLargeResponse(detail=detail, elements=exc.elements, limit=exc.limit)
        case e.NotAcceptable():
            return NotAcceptableResponse(detail=detail, formats=exc.formats)
        case e.DraftSyntaxError():
            return DraftSyntaxResponse(detail=detail, line=exc.line, column=exc.column)
    return ErrorBody(detail=detail)


_M = typing.TypeVar("_M", bound=BaseModel)


def _refs(model: type[_M], refs: typing.Iterable[object]) -> list[_M]:
    return [model.model_validate(ref, from_attributes=True) for ref in refs]


def error_response(exc: e.PolicyKGError) -> JSONResponse:
    """The HTTP answer to a domain error (a 406 varies with Accept, so caches keep it apart)."""
    headers = {"Vary": "Accept"} if isinstance(exc, e.NotAcceptable) else None
    return JSONResponse(error_body(exc).model_dump(), status_code=status_of(exc), headers=headers)


_PLACES = {"query": "query parameter", "path": "path parameter", "header": "header", "cookie": "cookie"}


def _where(loc: list[str | int]) -> str:
    if not loc:
        return "request"
    place, *rest = loc
    if place == "body":
        return "body" + "".join(f"[{part!r}]" for part in rest)
    name = ".".join(str(part) for part in rest)
    return f"{_PLACES.get(str(place), str(place))} {clip(name)!r}"


def _invalid(problems: list[ParameterProblem]) -> JSONResponse:
    detail = "; ".join(f"{_where(p.loc)}: {p.msg}" for p in problems) or "the request parameters are invalid"
    body = InvalidParameters(detail=detail, errors=problems)
    return JSONResponse(body.model_dump(), status_code=422)


def _problem(error: typing.Mapping[str, typing.Any]) -> ParameterProblem:
    # FastAPI's entries also carry ``input`` (and ``ctx``), the client's own value, unbounded: left out.
    loc = [part if isinstance(part, int) else clip(str(part)) for part in error.get("loc", ())]
    return ParameterProblem(loc=loc, msg=clip(str(error.get("msg", ""))), type=str(error.get("type", "value_error")))


_SEQUENCES = (list, tuple, set, frozenset)


def _takes_many(annotation: object) -> bool:
    """True for ``list[str]``, ``list[str] | None`` …: a parameter declared to repeat."""
    return typing.get_origin(annotation) in _SEQUENCES or any(_takes_many(a) for a in typing.get_args(annotation))


def _single_valued(route: APIRoute) -> list[str]:
    """The query parameters ``route`` (and its dependencies) declare with one value."""
    names: list[str] = []
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        pending.extend(dependant.dependencies)
        names.extend(f.alias for f in dependant.query_params if not _takes_many(f.field_info.annotation))
    return names


async def refuse_repeated(request: Request) -> None:
    """Refuse (422) a request that gives a single-valued query parameter more than once.

    Frameworks differ on which copy they read (FastAPI the last, others the first); refusing
    leaves the client no doubt about which value was used.
    """
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    problems = [
        ParameterProblem(loc=["query", name], msg=f"given {count} times; give it once", type="repeated")
        for name in _single_valued(route)
        if (count := len(request.query_params.getlist(name))) > 1
    ]
    if problems:
        raise RequestValidationError([p.model_dump() for p in problems])


def install(app: FastAPI) -> None:
    """Answer request-validation errors with ``InvalidParameters`` (422), domain errors by :data:`STATUS`."""

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        return _invalid([_problem(error) for error in exc.errors()])

    @app.exception_handler(e.PolicyKGError)
    async def domain_error(_: Request, exc: e.PolicyKGError) -> JSONResponse:
        return error_response(exc)
