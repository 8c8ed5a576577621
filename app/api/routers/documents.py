"""The document browser: ``GET /api/documents`` (facets, filters, sort, paging; JSON or CSV of any view),
``GET /api/documents/{key}`` (one document's page data) and the pages ``/documents``, ``/documents/{key}``.

The work is ``app.domain.documents``'s; this router translates parameters and answers.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field, StringConstraints
from starlette.convertors import CONVERTOR_TYPES, PathConvertor, register_url_convertor

from app.api.deps import StoreDep
from app.api.errors import INVALID, NOT_ACCEPTABLE, STORE_ERRORS
from app.api.representations import csv_download, format_query
from app.api.schemas import AmbiguousResponse, NotFoundResponse, SourceOut, UnknownEntityResponse, source_out
from app.core.errors import ParameterError, UnknownDocument
from app.core.media import OFFERS, TABLE_CSV, negotiate
from app.domain.documents import (
    FACETS,
    SORTS,
    DocumentDetail,
    DocumentQuery,
    DocumentRow,
    Lang,
    Named,
    browse,
    document_detail,
    document_table,
    filtered_rows,
    find_document,
)

STATIC = Path(__file__).resolve().parent.parent.parent / "static" / "documents"

router = APIRouter(tags=["documents"])


class _AnyPath(PathConvertor):
    """Starlette's ``path`` stops at a line break; this takes every character (as /id/{path:anypath} does)."""

    regex = r"(?s:.*)"


# Registered by whichever router is imported first (resources registers the same convertor for /id/).
if "anypath" not in CONVERTOR_TYPES:
    register_url_convertor("anypath", _AnyPath())

# Bounded so that the longest request the schema allows (five filters of ten values, each of
# Vietnamese text percent-encoded at 9 bytes a letter) stays inside the 64 KB request head.
_VALUE_CHARS = 120
_MAX_ITEMS = 10
#: Values of one filter after commas are split (there are 63 provinces).
_MAX_VALUES = 100
#: The CSV columns, in order (values in the chosen language; lists joined by "; ").
CSV_COLUMNS = ("notation", "title", "type", "issuer", "date", "jurisdiction", "province", "level", "status",
               "implements", "implements_iri", "implemented_by", "iri")
SortColumn = Literal["notation", "title", "type", "issuer", "date", "year", "jurisdiction", "province", "level",
                     "status", "implemented_by"]
assert set(SortColumn.__args__) == set(SORTS)  # type: ignore[attr-defined]  # one list of columns


class NamedOut(BaseModel):
    """A resource a row points at: the key filters take, its IRI and its label in the chosen language."""

    key: str
    iri: str
    label: str


class LinkOut(BaseModel):
    """A document by number and IRI; ``page`` is its document page."""

    iri: str
    key: str
    notation: str | None
    page: str


class DocumentRowOut(BaseModel):
    """One document of the browser, labels in the chosen language."""

    iri: str
    key: str
    page: str = Field(description="The document's page (/documents/{key})")
    notation: str | None = Field(description="Its number as written; null for a draft or an unnumbered law")
    title: str | None
    type: NamedOut | None
    issuer: NamedOut | None
    date: str | None
    year: int | None
    jurisdiction: NamedOut | None
    province: NamedOut | None = Field(description="The province it belongs to, or area `vn` for a national document")
    level: NamedOut | None = Field(description="national, provincial or district (of its jurisdiction)")
    status: NamedOut | None
    implements: list[LinkOut] = Field(description="The documents it carries out (pol:implements)")
    implemented_by: int = Field(description="How many documents carry it out directly")


class FacetValueOut(BaseModel):
    """A facet value and how many documents of the view (all other filters applied) have it."""

    key: str
    label: str
    count: int
    selected: bool


class FacetOut(BaseModel):
    """A facet: province, issuer, type, year or level."""

    name: str
    values: list[FacetValueOut]


class DocumentsResponse(BaseModel):
    """One page of a view of the document table, its total, facets and links to the same view."""

    total: int = Field(description="Documents in the whole filtered view")
    offset: int
    limit: int
    page: int = Field(description="The page shown (1-based), of `pages`")
    pages: int
    sort: str
    order: Literal["asc", "desc"]
    rows: list[DocumentRowOut]
    facets: list[FacetOut]
    links: dict[str, str | None] = Field(description="self, next, prev, csv (the whole view), json and the page")


class TargetOut(BaseModel):
    """A target of an objective."""

    iri: str
    indicator: NamedOut | None
    value: float | None
    unit: str | None
    comparator: str | None
    year: int | None
    jurisdiction: NamedOut | None


class ObjectiveOut(BaseModel):
    """An objective with its horizon year and targets."""

    iri: str
    label: str | None
    horizon: int | None
    targets: list[TargetOut]


class RoleOut(BaseModel):
    """An agency's role in a task: lead, coordinate, advise, assigned."""

    agency: NamedOut
    role: str


class TaskOut(BaseModel):
    """A task and its agencies."""

    iri: str
    label: str | None
    agencies: list[RoleOut]


class TaskGroupOut(BaseModel):
    """A task group (ordinal null: tasks stated outside any group)."""

    iri: str | None
    ordinal: int | None
    label: str | None
    tasks: list[TaskOut]


class AgencyTasksOut(BaseModel):
    """One agency's tasks in the document under one role."""

    agency: NamedOut
    role: str
    tasks: list[str]


class CascadeDocOut(DocumentRowOut):
    """A document carrying this one out, how far down, and by which edge."""

    depth: int
    relation: str | None


class CascadeGroupOut(BaseModel):
    """The documents that carry the document out in one province (null: none stated)."""

    province: NamedOut | None
    documents: list[CascadeDocOut]


class DocumentDetailOut(BaseModel):
    """A document's page: the document, its cascade down by province, objectives, task groups, duties, sources."""

    document: DocumentRowOut
    cascade: list[CascadeGroupOut]
    objectives: list[ObjectiveOut]
    task_groups: list[TaskGroupOut]
    by_agency: list[AgencyTasksOut]
    sources: list[SourceOut]


# ------------------------------------------------------------------------------ translating


def _named(named: Named | None, lang: Lang) -> NamedOut | None:
    return None if named is None else NamedOut(key=named.key, iri=named.iri, label=named.label(lang))


def _page(key: str) -> str:
    return f"/documents/{key}"


def _row(row: DocumentRow, lang: Lang) -> DocumentRowOut:
    return DocumentRowOut(
        iri=row.iri, key=row.key, page=_page(row.key), notation=row.notation, title=row.title(lang),
        type=_named(row.type, lang), issuer=_named(row.issuer, lang), date=row.date, year=row.year,
        jurisdiction=_named(row.jurisdiction, lang), province=_named(row.province, lang),
        level=_named(row.level, lang), status=_named(row.status, lang),
        implements=[LinkOut(iri=link.iri, key=link.key, notation=link.notation, page=_page(link.key))
                    for link in row.implements],
        implemented_by=row.implemented_by,
    )


def _csv(rows: list[DocumentRow], lang: Lang) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        def label(named: Named | None) -> str:
            return "" if named is None else named.label(lang)

        writer.writerow([
            row.notation or "", row.title(lang) or "", label(row.type), label(row.issuer), row.date or "",
            label(row.jurisdiction), label(row.province), label(row.level), label(row.status),
            "; ".join(link.notation or link.key for link in row.implements),
            " ".join(link.iri for link in row.implements), row.implemented_by, row.iri,
        ])
    # With a BOM, Excel opens the file as UTF-8 (Vietnamese intact); csv readers given
    # encoding="utf-8-sig" drop it.
    return out.getvalue().encode("utf-8-sig")


def _values(name: str, given: list[str] | None) -> tuple[str, ...]:
    """The values of a repeatable filter; a comma also separates values (``province=a,b``)."""
    found = tuple(dict.fromkeys(v.strip() for value in (given or []) for v in value.split(",") if v.strip()))
    if len(found) > _MAX_VALUES:
        raise ParameterError(f"{name}: at most {_MAX_VALUES} values", name=name)
    return found


def _filter(description: str, example: str) -> object:
    return Query(description=f"{description}; repeat the parameter (up to {_MAX_ITEMS} times) or separate values "
                             "by commas for several values, any of which matches", examples=[[example]],
                 max_length=_MAX_ITEMS)


FilterValue = Annotated[str, StringConstraints(max_length=_VALUE_CHARS)]
ProvinceParam = Annotated[list[FilterValue] | None, _filter("Province key (quang-tri), `vn` for national documents, "
                                                    "IRI or name", "quang-tri")]
IssuerParam = Annotated[list[FilterValue] | None, _filter("Issuer key (quang-tri/ubnd), IRI or name", "quang-tri/ubnd")]
TypeParam = Annotated[list[FilterValue] | None, _filter("Document type key or notation (kh, KH, QĐ) or name", "kh")]
YearParam = Annotated[list[FilterValue] | None, _filter("Year of issue", "2024")]
LevelParam = Annotated[list[FilterValue] | None, _filter("Level: national, provincial, district", "provincial")]
TextParam = Annotated[str | None, Query(description="Free text in the number or title, accents optional",
                                        max_length=_VALUE_CHARS, examples=["190-KH/TU", "chuyen doi so"])]
SortParam = Annotated[SortColumn, Query(description="The column to sort on (rows without a value go last)")]
OrderParam = Annotated[Literal["asc", "desc"], Query(description="asc or desc")]
LangParam = Annotated[Literal["vi", "en"], Query(description="The language of labels and statuses")]


def _query(province: ProvinceParam, issuer: IssuerParam, type: TypeParam, year: YearParam, level: LevelParam,
           q: TextParam, sort: SortColumn, order: str, limit: int, offset: int | None, page: int | None,
           lang: Lang) -> DocumentQuery:
    # A page names its rows whole: with both, the page wins (a page link keeps working whatever offset it carries).
    start = (page - 1) * limit if page is not None else offset or 0
    return DocumentQuery(
        province=_values("province", province), issuer=_values("issuer", issuer), type=_values("type", type),
        year=_values("year", year), level=_values("level", level), q=q, sort=sort, desc=order == "desc",
        limit=limit, offset=start, lang=lang,
    )


def _link(request: Request, **changes: object) -> str:
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in changes]
    params += [(k, str(v)) for k, v in changes.items() if v is not None]
    text = urlencode(params)
    return f"{request.url.path}{'?' + text if text else ''}"


@router.get(
    "/api/documents",
    response_model=DocumentsResponse,
    summary="Browse documents: facets, filters, sort, paging; JSON or CSV",
    responses={
        404: {"model": UnknownEntityResponse, "description": "A filter value no document has, with the closest values"},
        200: {"content": {TABLE_CSV.media_type: {"schema": {"type": "string"},
                                                 "example": ",".join(CSV_COLUMNS) + "\r\n"}},
              "description": "One page as JSON, or (format=csv or Accept: text/csv) the whole filtered "
                             "view as CSV, UTF-8 with a BOM so that spreadsheets read Vietnamese"},
        **NOT_ACCEPTABLE,
        **INVALID,
        **STORE_ERRORS,
    },
)
def get_documents(
    request: Request,
    store: StoreDep,
    province: ProvinceParam = None,
    issuer: IssuerParam = None,
    type: TypeParam = None,
    year: YearParam = None,
    level: LevelParam = None,
    q: TextParam = None,
    sort: SortParam = "date",
    order: OrderParam = "desc",
    limit: Annotated[int, Query(ge=1, le=1000, description="Rows per page")] = 50,
    offset: Annotated[int | None, Query(ge=0, description="Rows to skip (or give page)")] = None,
    page: Annotated[int | None, Query(ge=1, description="The page (1-based) of `limit` rows; wins over offset")] = None,
    lang: LangParam = "vi",
    format: Annotated[str, format_query(
        OFFERS["table"], "json (one page) or csv (the whole view); without it the Accept header decides")] = "",
) -> Response:
    """Every document with number, type, issuer, date, jurisdiction, level, status, what it implements
    and how many carry it out; facets count the view with every filter but their own."""
    query = _query(province, issuer, type, year, level, q, sort, order, limit, offset, page, lang)
    chosen = negotiate(OFFERS["table"], request.headers.get("accept"), format)
    if chosen is TABLE_CSV:
        rows, _ = filtered_rows(store, query)
        return csv_download(_csv(rows, lang), "documents.csv")
    result = browse(store, query)
    pages = max(1, -(-result.total // query.limit))
    shown = query.offset // query.limit + 1
    following = query.offset + query.limit
    answer = DocumentsResponse(
        total=result.total, offset=result.offset, limit=result.limit, page=shown, pages=pages, sort=query.sort,
        order="desc" if query.desc else "asc", rows=[_row(r, lang) for r in result.rows],
        facets=[FacetOut(name=f.name, values=[FacetValueOut(key=v.key, label=v.label, count=v.count,
                                                            selected=v.selected) for v in f.values])
                for f in result.facets],
        links={
            "self": _link(request),
            "next": _link(request, offset=following, page=None) if following < result.total else None,
            "prev": _link(request, offset=max(0, query.offset - query.limit), page=None) if query.offset else None,
            "csv": _link(request, format="csv", offset=None, page=None),
            "json": _link(request, format="json"),
            "html": _link(request, format=None).replace("/api/documents", "/documents", 1),
        },
    )
    return Response(answer.model_dump_json(), media_type="application/json", headers={"Vary": "Accept"})


# A key with a line break gets this route's 404, not a bare one: ``anypath`` takes every character.
@router.get(
    "/api/documents/{key:anypath}",
    response_model=DocumentDetailOut,
    summary="One document: cascade down by province, objectives, task groups, duties, sources",
    responses={
        404: {"model": NotFoundResponse, "description": "No document has that key or number"},
        409: {"model": AmbiguousResponse, "description": "The number names several documents"},
        **INVALID,
        **STORE_ERRORS,
    },
)
def get_document(store: StoreDep, key: str, lang: LangParam = "vi") -> DocumentDetailOut:
    """The document by key (the path after /id/doc/: tu-quang-tri/2020/190-kh-tu), IRI or number."""
    try:
        iri = find_document(store, key)
    except ParameterError:
        # A key the resolver cannot even read (blank, control characters, too long) names no document.
        raise UnknownDocument(key, []) from None
    if iri not in document_table(store).by_iri:
        raise UnknownDocument(key, [])
    detail = document_detail(store, iri)
    return _detail(detail, lang)


def _detail(detail: DocumentDetail, lang: Lang) -> DocumentDetailOut:
    def text(vi: str | None, en: str | None) -> str | None:
        return (vi or en) if lang == "vi" else (en or vi)

    return DocumentDetailOut(
        document=_row(detail.document, lang),
        cascade=[CascadeGroupOut(province=_named(g.province, lang), documents=[
            CascadeDocOut(**_row(row, lang).model_dump(), depth=depth, relation=relation)
            for row, depth, relation in g.documents]) for g in detail.cascade],
        objectives=[ObjectiveOut(iri=o.iri, label=text(o.label_vi, o.label_en), horizon=o.horizon, targets=[
            TargetOut(iri=t.iri, indicator=_named(t.indicator, lang), value=t.value, unit=t.unit,
                      comparator=t.comparator, year=t.year, jurisdiction=_named(t.jurisdiction, lang))
            for t in o.targets]) for o in detail.objectives],
        task_groups=[TaskGroupOut(iri=g.iri, ordinal=g.ordinal, label=text(g.label_vi, g.label_en), tasks=[
            TaskOut(iri=t.iri, label=text(t.label_vi, t.label_en),
                    agencies=[RoleOut(agency=NamedOut(key=a.key, iri=a.iri, label=a.label(lang)), role=role)
                              for a, role in t.agencies]) for t in g.tasks]) for g in detail.task_groups],
        by_agency=[AgencyTasksOut(agency=NamedOut(key=a.agency.key, iri=a.agency.iri, label=a.agency.label(lang)),
                                  role=a.role, tasks=list(a.tasks)) for a in detail.by_agency],
        sources=[source_out(s, lang) for s in detail.sources],
    )


@router.get("/documents", include_in_schema=False)
def documents_page() -> FileResponse:
    """The document browser; the view (filters, sort, page, lang) is in the query string, read by the page."""
    return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")


@router.get("/documents/{key:anypath}", include_in_schema=False)
def document_page(key: str) -> FileResponse:
    """A document's page; the page asks /api/documents/{key} for its content."""
    return FileResponse(STATIC / "document.html", media_type="text/html; charset=utf-8")


__all__ = ["CSV_COLUMNS", "FACETS", "router"]
