"""Export the graph or a selection of it as GraphML, GEXF, Cytoscape JSON, DOT, Mermaid, JSON-LD …"""

from __future__ import annotations

import functools
from typing import Annotated, Any, Literal

import anyio
from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict

from app.api.deps import ExportCacheDep, ExportLimiterDep, StoreDep
from app.api.errors import INVALID, NOT_ACCEPTABLE, STORE_ERRORS
from app.api.schemas import AmbiguousEntityResponse, TooLargeResponse, UnknownEntityResponse
from app.core.errors import ParameterError
from app.core.media import OFFERS, format_names, negotiate
from app.export.graph import MAX_DEPTH, ExportFormat, Selection, View, export

router = APIRouter(prefix="/api/export", tags=["export"])

class GraphNode(BaseModel):
    """A node: its IRI as ``id``, then kind, type, label … (the fields that apply to it)."""

    model_config = ConfigDict(extra="allow")
    id: str


class GraphEdge(BaseModel):
    """An edge from ``source`` to ``target`` (IRIs), with its relation and property."""

    model_config = ConfigDict(extra="allow")
    source: str
    target: str


class NodeLinkGraph(BaseModel):
    """``format=nodelink`` (the default): NetworkX node-link JSON, edges under ``edges``."""

    directed: bool
    multigraph: bool
    graph: dict[str, Any]
    nodes: list[GraphNode]
    edges: list[GraphEdge]


class CytoscapeNode(BaseModel):
    """A Cytoscape.js node element."""

    data: GraphNode


class CytoscapeEdge(BaseModel):
    """A Cytoscape.js edge element."""

    data: GraphEdge


class CytoscapeElements(BaseModel):
    """The elements of a Cytoscape.js graph."""

    nodes: list[CytoscapeNode]
    edges: list[CytoscapeEdge]


class CytoscapeGraph(BaseModel):
    """``format=cytoscape``: Cytoscape.js JSON (``cy.json()``)."""

    data: list[Any]
    directed: bool
    multigraph: bool
    elements: CytoscapeElements


_TEXT = {"schema": {"type": "string"}}
_JSON_LD = {
    "schema": {
        "type": "object",
        "required": ["@context", "@graph"],
        "properties": {"@context": {"type": "object"}, "@graph": {"type": "array", "items": {"type": "object"}}},
    }
}
# application/json is both nodelink and cytoscape: its schema comes from the 200 "model" (one of the two).
# With no format= and an Accept of */* (or none), the first offer: nodelink JSON a script reads at once.
_OFFERS = OFFERS["export"]
_CONTENT = {
    fmt.media_type: _JSON_LD if fmt.name == ExportFormat.jsonld else _TEXT
    for fmt in _OFFERS
    if fmt.media_type != "application/json"
}
_CONTENT["application/zip"] = {"schema": {"type": "string", "format": "binary"}}
FORMAT_NAMES = format_names(_OFFERS)


@router.get(
    "",
    response_class=Response,
    summary="Export the graph or a selection",
    responses={
        200: {
            "description": "The export as a file (Content-Disposition names it).",
            "model": NodeLinkGraph | CytoscapeGraph,
            "content": _CONTENT,
        },
        404: {"model": UnknownEntityResponse, "description": "No agency, area, indicator or document matches"},
        **NOT_ACCEPTABLE,
        409: {"model": AmbiguousEntityResponse, "description": "The name matches several entities"},
        413: {"model": TooLargeResponse, "description": "The selection is larger than `max_elements`"},
        **INVALID,
        **STORE_ERRORS,
    },
)
async def export_graph(
    request: Request,
    store: StoreDep,
    cache: ExportCacheDep,
    limiter: ExportLimiterDep,
    format: Annotated[
        str,
        Query(
            description="File format; without it the Accept header decides (*/* gives nodelink JSON).",
            json_schema_extra={"enum": FORMAT_NAMES},
        ),
    ] = "",
    root: Annotated[str | None, Query(description="Lineage of this document: a notation (190-KH/TU) or an IRI")] = None,
    issuer: Annotated[str | None, Query(description="Issuer of root, when its number repeats")] = None,
    direction: Annotated[Literal["up", "down", "both"], Query(description="Lineage direction from root")] = "both",
    depth: Annotated[int, Query(ge=0, le=MAX_DEPTH, description="Lineage levels from root")] = MAX_DEPTH,
    province: Annotated[str | None, Query(description="An area (province, town): IRI, key or name")] = None,
    area: Annotated[str | None, Query(description="Same as province")] = None,
    agency: Annotated[str | None, Query(description="One agency's duties: IRI, key or name")] = None,
    indicator: Annotated[str | None, Query(description="One indicator's targets: IRI, key or name")] = None,
    view: Annotated[
        View,
        Query(
            description="`full`: every part and agency; `documents`: only documents and their issuers, "
            "each document with `tasks` and `agencies` counts (the explorer's cascade view)"
        ),
    ] = "full",
    max_elements: Annotated[
        int | None, Query(ge=1, description="Refuse (413) a selection with more nodes plus edges")
    ] = None,
) -> Response:
    """The whole graph, or one selector (root, province/area, agency, indicator), in one format.

    ``csv`` is a zip of ``nodes.csv`` and ``edges.csv`` (UTF-8). ``trig`` keeps each triple in
    the named graph of the source that states it.
    """
    chosen = ExportFormat(negotiate("export", request.headers.get("accept"), format).name)
    if province and area and province != area:
        raise ParameterError("give province or area, not both", name="area")
    selection = Selection(
        root=root, issuer=issuer, direction=direction, depth=depth,
        province=province or area, agency=agency, indicator=indicator, view=view,
    )
    # Off the event loop, and at most ``export_concurrency`` at once: an export is CPU-bound
    # Python (SPARQL, the networkx mapping, serialising) and would otherwise take as many pool
    # threads, and as much of the GIL, as there are clients asking, starving the light routes.
    result = await anyio.to_thread.run_sync(
        functools.partial(export, store, selection, chosen, max_elements=max_elements, cache=cache),
        limiter=limiter,
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
