"""Duties by deadline: an agency's or a province's tasks due in a period, and the overdue ones; the page ``/deadlines``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import FileResponse

from app.api.deps import SearchDep, StoreDep
from app.api.representations import TABLE_FORMAT_DESCRIPTION, csv_download, format_query, table_responses
from app.api.schemas import AgencyOut, AmbiguousEntityResponse, AttributeModel, DocumentOut, UnknownEntityResponse
from app.core.media import OFFERS, negotiate
from app.domain.deadlines import deadlines, deadlines_csv, parse_day, period_bound, resolve_scope
from app.search.index import MAX_QUERY_CHARS

router = APIRouter(tags=["responsibility"])

PAGE = Path(__file__).resolve().parent.parent.parent / "static" / "deadlines" / "index.html"
_DAY_PATTERN = r"^[1-9]\d{3}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$"


class ScopeOut(AttributeModel):
    """Whose duties: an agency, or the agencies of a province."""

    kind: Literal["agency", "province"]
    iri: str
    label: str


class ReportOut(AttributeModel):
    """A document reporting the task done."""

    iri: str
    notation: str | None
    label: str | None
    date: str | None


class DeadlineDutyOut(AttributeModel):
    """A duty with its deadline as the source states it, the last day it allows, and its status on `today`."""

    task: AgencyOut
    agency: AgencyOut
    role: str
    document: DocumentOut | None
    deadline: str
    precision: Literal["year", "month", "day"]
    due: str
    status: Literal["due", "overdue", "done"]
    reports: list[ReportOut]


class DeadlinesResponse(AttributeModel):
    """The scope's duties due in the period (or only the overdue ones), by due day."""

    scope: ScopeOut
    today: str
    start: str | None
    end: str | None
    overdue_only: bool
    duties: list[DeadlineDutyOut]
    overdue_count: int
    without_deadline: int


def _day(description: str, alias: str | None = None, pattern: str = _DAY_PATTERN) -> Any:
    return Query(description=description, alias=alias, json_schema_extra={"pattern": pattern, "maxLength": 10})


@router.get(
    "/api/deadlines",
    response_model=DeadlinesResponse,
    summary="Duties by deadline",
    description=(
        "An agency's or a province's duties due in a period (`from`, `to`: a year, month or day) and "
        "whether each is overdue: past its deadline with no document (pol:reportsDone) reporting it done."
    ),
    responses={
        **table_responses(DeadlinesResponse),
        409: {"model": AmbiguousEntityResponse, "description": "The name fits several agencies or areas"},
        404: {"model": UnknownEntityResponse, "description": "No agency or area has this name"},
    },
)
def get_deadlines(
    request: Request,
    response: Response,
    store: StoreDep,
    index: SearchDep,
    agency: Annotated[
        str | None,
        Query(description="An agency IRI, name or abbreviation", json_schema_extra={"maxLength": MAX_QUERY_CHARS}),
    ] = None,
    province: Annotated[
        str | None,
        Query(description="A province (or any area): IRI, key or name", json_schema_extra={"maxLength": MAX_QUERY_CHARS}),
    ] = None,
    start: Annotated[str | None, _day("First day of the period: 2025, 2025-06 or 2025-06-01", "from")] = None,
    end: Annotated[str | None, _day("Last day of the period: 2025 (its 31 December), 2025-06 or 2025-06-30", "to")] = None,
    overdue: Annotated[bool, Query(description="Only the overdue duties")] = False,
    today: Annotated[str | None, _day("The day to judge overdue on, YYYY-MM-DD (default: the server's date)", pattern=r"^[1-9]\d{3}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")] = None,
    format: Annotated[str, format_query(OFFERS["table"], TABLE_FORMAT_DESCRIPTION)] = "",
) -> DeadlinesResponse | Response:
    """Resolve the agency or province and list its dated duties."""
    chosen = negotiate("table", request.headers.get("accept"), format)
    first = period_bound(start, name="from", end=False)
    last = period_bound(end, name="to", end=True)
    day = parse_day(today, name="today") or dt.date.today()
    scope = resolve_scope(store, index, agency, province)
    result = deadlines(store, index, scope, today=day, start=first, end=last, overdue_only=overdue)
    if chosen.name == "csv":
        return csv_download(deadlines_csv(result).encode("utf-8"), f"deadlines-{scope.iri.rsplit('/', 1)[-1]}.csv")
    response.headers["Vary"] = "Accept"
    return DeadlinesResponse.model_validate(result, from_attributes=True)


@router.get("/deadlines", include_in_schema=False)
def deadlines_page() -> FileResponse:
    """The deadlines page; ``agency``, ``province``, ``from``, ``to`` and ``lang`` are read by the page itself."""
    return FileResponse(PAGE, media_type="text/html; charset=utf-8")
