"""The named-query catalogue: list it and run a query with parameters from the query string."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel

from app.api.deps import CatalogDep, StoreDep
from app.api.errors import INVALID, STORE_ERRORS
from app.api.schemas import UnknownQueryResponse
from app.core.errors import ParameterError, shown
from app.endpoint.catalog import NamedQuery, get_query, run_named

router = APIRouter(prefix="/api/queries", tags=["queries"])


class ParamInfo(BaseModel):
    """A declared query parameter."""

    name: str
    kind: Literal["iri", "literal", "integer"]
    description: str
    required: bool


class QueryInfo(BaseModel):
    """A named query of the catalogue."""

    name: str
    title: str
    description: str
    params: list[ParamInfo]
    severity: str | None = None


class QueryRun(BaseModel):
    """The result of running a named query; values are IRIs, strings, numbers or null."""

    name: str
    columns: list[str]
    rows: list[dict[str, str | int | float | bool | None]]
    truncated: bool


def _info(query: NamedQuery) -> QueryInfo:
    return QueryInfo(
        name=query.name,
        title=query.title,
        description=query.description,
        params=[
            ParamInfo(name=p.name, kind=p.kind, description=p.description, required=p.required) for p in query.params
        ],
        severity=query.severity,
    )


@router.get("", response_model=list[QueryInfo], summary="List named queries")
def list_queries(catalog: CatalogDep) -> list[QueryInfo]:
    """All named queries with their parameters."""
    return [_info(q) for q in sorted(catalog.values(), key=lambda q: q.name)]


@router.get(
    "/{name}",
    response_model=QueryRun,
    summary="Run a named query",
    responses={
        404: {"model": UnknownQueryResponse, "description": "No named query has this name"},
        **INVALID,
        **STORE_ERRORS,
    },
)
def run_query(
    name: Annotated[str, Path(description="A name listed by GET /api/queries", examples=["conflicting-targets"])],
    request: Request,
    store: StoreDep,
    catalog: CatalogDep,
) -> QueryRun:
    """Run the query ``name``; each query-string parameter binds the variable of the same name.

    The parameters each query takes are listed by ``GET /api/queries``; an unknown, missing,
    malformed or repeated one is a 422 naming it.
    """
    query = get_query(catalog, name)
    params: dict[str, str] = {}
    for key in request.query_params:
        values = request.query_params.getlist(key)
        if len(values) > 1:
            raise ParameterError(f"parameter {shown(key)} is given {len(values)} times; give it once", name=key)
        params[key] = values[0]
    result = run_named(store, query, params)
    return QueryRun(name=name, columns=result.columns, rows=result.json_rows(), truncated=result.truncated)
