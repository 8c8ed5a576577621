"""Error answers of the HTTP API: one body shape, its OpenAPI declarations, and the handlers.

Every JSON error body has a string ``detail`` saying what was wrong, naming the parameter at
fault; some add fields (``suggestions``, ``candidates``, ``formats`` …). A 422 adds ``errors``,
one entry per parameter at fault (``loc``, ``msg``, ``type``), for a request whose parameters
are missing, malformed, out of range or given twice. Errors never echo more than the first
characters of what the client sent (``app.errors.clip``).
"""

from __future__ import annotations

import typing

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field

from app.core.errors import ParameterError, clip

__all__ = [
    "INVALID",
    "NOT_ACCEPTABLE",
    "STORE_ERRORS",
    "ErrorBody",
    "InvalidParameters",
    "ParameterProblem",
    "install",
    "refuse_repeated",
]


class ErrorBody(BaseModel):
    """An error: what was wrong with the request, or why it could not be answered."""

    detail: str


class ParameterProblem(BaseModel):
    """One parameter at fault: where it is (``["query", "limit"]``), what is wrong, a short code."""

    loc: list[str | int]
    msg: str
    type: str


class InvalidParameters(ErrorBody):
    """A parameter is missing, malformed, out of range or given twice; ``detail`` names each."""

    errors: list[ParameterProblem] = Field(description="One entry per parameter at fault (may be empty)")


#: The 422 every route with parameters can answer (FastAPI's default declaration is replaced).
INVALID: dict[int | str, dict[str, typing.Any]] = {
    422: {"model": InvalidParameters, "description": "A parameter is missing, malformed, out of range or repeated"},
}
#: The 406 of a negotiated route (Accept or ``format`` asks for nothing on offer).
NOT_ACCEPTABLE: dict[int | str, dict[str, typing.Any]] = {
    406: {
        "model": ErrorBody,
        "description": "Neither Accept nor `format` names a format on offer; `detail` lists them",
    },
}
#: What a route that reads the store can answer when the store is remote and fails.
STORE_ERRORS: dict[int | str, dict[str, typing.Any]] = {
    503: {"model": ErrorBody, "description": "The store cannot be reached or read"},
    504: {"model": ErrorBody, "description": "The remote store did not answer in time"},
}

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
    names, pending = [], [route.dependant]
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
    """Answer request-validation and parameter errors with ``InvalidParameters`` (422)."""

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        return _invalid([_problem(e) for e in exc.errors()])

    @app.exception_handler(ParameterError)
    async def invalid_parameter(_: Request, exc: ParameterError) -> JSONResponse:
        loc: list[str | int] = ["query", exc.name] if exc.name else []
        body = InvalidParameters(
            detail=str(exc), errors=[ParameterProblem(loc=loc, msg=str(exc), type="value_error")] if loc else []
        )
        return JSONResponse(body.model_dump(), status_code=422)
