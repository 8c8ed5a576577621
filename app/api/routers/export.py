"""Export the graph or a selection of it as GraphML, GEXF, Cytoscape JSON, DOT, Mermaid, JSON-LD …"""

from __future__ import annotations

import functools
from typing import Annotated, Literal

import anyio
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from app.api.deps import ExportCacheDep, ExportLimiterDep, StoreDep
from app.export import (
    FORMATS,
    MAX_DEPTH,
    AmbiguousEntity,
    EntityRef,
    ExportFormat,
    Selection,
    SelectionTooLarge,
    UnknownEntity,
    export,
)

router = APIRouter(prefix="/api/export", tags=["export"])

# With no format= and an Accept of */* (or none), JSON a script can read straight away.
DEFAULT_FORMAT = ExportFormat.nodelink


class EntityCandidate(BaseModel):
    """An agency, area or indicator offered when a name is unknown or ambiguous."""

    iri: str
    label: str | None


class UnknownEntityResponse(BaseModel):
    """No agency, area or indicator (or document: see /api/lineage) matches; close matches follow."""

    detail: str
    suggestions: list[EntityCandidate]


class AmbiguousEntityResponse(BaseModel):
    """The name matches several agencies, areas or indicators."""

    detail: str
    candidates: list[EntityCandidate]


class TooLargeResponse(BaseModel):
    """The selection has more nodes and edges than ``max_elements``."""

    detail: str
    elements: int
    limit: int


class NotAcceptableResponse(BaseModel):
    """No supported format matches the Accept header; the supported formats follow."""

    detail: str
    formats: dict[str, str]


def _media(fmt: ExportFormat) -> str:
    return FORMATS[fmt].media_type.split(";")[0].strip()


def _supported() -> dict[str, str]:
    return {fmt.value: _media(fmt) for fmt in ExportFormat}


def negotiate(accept: str | None) -> ExportFormat | None:
    """The format an Accept header asks for (highest q first, then header order), or None."""
    ranges: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept or "*/*").split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media and quality > 0:
            ranges.append((-quality, position, media.lower()))
    for _, _, media in sorted(ranges):
        if media == "*/*":
            return DEFAULT_FORMAT
        kind, _, sub = media.partition("/")
        for fmt in ExportFormat:
            offered = _media(fmt)
            if media == offered or (sub == "*" and offered.startswith(kind + "/")):
                return fmt
    return None


def _candidates(refs: list[EntityRef]) -> list[dict[str, str | None]]:
    return [{"iri": r.iri, "label": r.label} for r in refs]


_CONTENT = {_media(fmt): {"schema": {"type": "string", "format": "binary"}} for fmt in ExportFormat}


@router.get(
    "",
    response_class=Response,
    summary="Export the graph or a selection",
    responses={
        200: {"description": "The export as a file (Content-Disposition names it).", "content": _CONTENT},
        404: {"model": UnknownEntityResponse},
        406: {"model": NotAcceptableResponse},
        409: {"model": AmbiguousEntityResponse},
        413: {"model": TooLargeResponse},
    },
)
async def export_graph(
    request: Request,
    store: StoreDep,
    cache: ExportCacheDep,
    limiter: ExportLimiterDep,
    format: Annotated[
        ExportFormat | None,
        Query(description="File format; without it the Accept header decides (*/* gives nodelink JSON)."),
    ] = None,
    root: Annotated[str | None, Query(description="Lineage of this document: a notation (190-KH/TU) or an IRI")] = None,
    issuer: Annotated[str | None, Query(description="Issuer of root, when its number repeats")] = None,
    direction: Annotated[Literal["up", "down", "both"], Query(description="Lineage direction from root")] = "both",
    depth: Annotated[int, Query(ge=0, le=MAX_DEPTH, description="Lineage levels from root")] = MAX_DEPTH,
    province: Annotated[str | None, Query(description="An area (province, town): IRI, key or name")] = None,
    area: Annotated[str | None, Query(description="Same as province")] = None,
    agency: Annotated[str | None, Query(description="One agency's duties: IRI, key or name")] = None,
    indicator: Annotated[str | None, Query(description="One indicator's targets: IRI, key or name")] = None,
    max_elements: Annotated[
        int | None, Query(ge=1, description="Refuse (413) a selection with more nodes plus edges")
    ] = None,
) -> Response:
    """The whole graph, or one selector (root, province/area, agency, indicator), in one format.

    ``csv`` is a zip of ``nodes.csv`` and ``edges.csv`` (UTF-8). ``trig`` keeps each triple in
    the named graph of the source that states it.
    """
    chosen = format or negotiate(request.headers.get("accept"))
    if chosen is None:
        supported = _supported()
        listed = ", ".join(f"{name} ({media})" for name, media in supported.items())
        return JSONResponse(
            status_code=406,
            content={
                "detail": f"no export format matches Accept: {request.headers.get('accept')}; "
                f"give format= or accept one of: {listed}",
                "formats": supported,
            },
        )
    if province and area and province != area:
        return JSONResponse(status_code=422, content={"detail": "give province or area, not both"})
    selection = Selection(
        root=root, issuer=issuer, direction=direction, depth=depth,
        province=province or area, agency=agency, indicator=indicator,
    )
    try:
        # Off the event loop, and at most ``export_concurrency`` at once: an export is CPU-bound
        # Python (SPARQL, the networkx mapping, serialising) and would otherwise take as many pool
        # threads, and as much of the GIL, as there are clients asking, starving the light routes.
        result = await anyio.to_thread.run_sync(
            functools.partial(export, store, selection, chosen, max_elements=max_elements, cache=cache),
            limiter=limiter,
        )
    except UnknownEntity as exc:
        return JSONResponse(status_code=404, content={"detail": str(exc), "suggestions": _candidates(exc.suggestions)})
    except AmbiguousEntity as exc:
        return JSONResponse(status_code=409, content={"detail": str(exc), "candidates": _candidates(exc.candidates)})
    except SelectionTooLarge as exc:
        return JSONResponse(
            status_code=413, content={"detail": str(exc), "elements": exc.elements, "limit": exc.limit}
        )
    headers = {
        "Content-Disposition": f'attachment; filename="{result.filename}"',
        "X-Graph-Nodes": str(result.nodes),
        "X-Graph-Edges": str(result.edges),
    }
    if result.root:
        # The document a notation resolved to, so a page can address it by IRI from then on.
        headers["X-Graph-Root"] = result.root
    return Response(content=result.body, media_type=result.media_type, headers=headers)
