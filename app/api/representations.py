"""HTTP faces of the media registry (app/core/media.py): the ``format`` parameter, RDF responses.

A client chooses with ``Accept`` (q-values honoured, the most specific matching range wins) or
with ``?format=`` (which overrides Accept, for links and for clients that cannot set headers).
An empty ``format`` is the same as none, and so is an Accept without a well-formed media range.
A request the server cannot satisfy is a 406 that lists what it can give (app/api/errors.py).
Every negotiated response carries ``Vary: Accept`` so caches keep one copy per representation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from fastapi import Query, Response

from app.api.errors import INVALID, NOT_ACCEPTABLE, STORE_ERRORS
from app.api.schemas import AttributeModel
from app.core.media import MediaFormat, format_names
from app.core.namespaces import PREFIXES

if TYPE_CHECKING:
    import rdflib

VARY = {"Vary": "Accept"}
#: The ``format`` parameter of a table route (json or csv; without it, Accept decides).
TABLE_FORMAT_DESCRIPTION = "json or csv; without it the Accept header decides (*/* gives JSON)"


def format_query(offers: Sequence[MediaFormat], description: str) -> Any:
    """The ``format`` query parameter of a route offering ``offers``, its values listed in OpenAPI.

    Used as ``Annotated[str, format_query(…)]``, so the parameter's type stays visible to mypy.
    """
    return Query(alias="format", description=description, json_schema_extra={"enum": format_names(offers)})


def media_content(offers: Sequence[MediaFormat]) -> dict[str, dict[str, object]]:
    """The OpenAPI ``content`` of a 200 in any of ``offers`` (schemas left open)."""
    return {fmt.media_type: {} for fmt in offers}


def serialize_graph(graph: rdflib.Graph, fmt: MediaFormat) -> bytes:
    """``graph`` in an RDF graph format, with the project prefixes."""
    if fmt.rdflib_format is None:
        raise ValueError(f"{fmt.label} is not an RDF graph format rdflib writes here")
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    if fmt.rdflib_format == "json-ld":
        # A prefix context keeps JSON-LD readable; it travels in the document, so parsers need nothing else.
        return graph.serialize(format="json-ld", context=dict(PREFIXES), auto_compact=True, encoding="utf-8")
    return graph.serialize(format=fmt.rdflib_format, encoding="utf-8")


def rdf_response(graph: rdflib.Graph, fmt: MediaFormat, status_code: int = 200) -> Response:
    """An HTTP response carrying ``graph`` in ``fmt``, with ``Vary: Accept``."""
    return Response(serialize_graph(graph, fmt), status_code=status_code, media_type=fmt.content_type, headers=VARY)


def csv_download(content: bytes, filename: str) -> Response:
    """A CSV table (``content``, UTF-8 as its route encodes it) as a download named ``filename``."""
    return Response(
        content=content,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', **VARY},
    )


def table_responses(model: type[AttributeModel]) -> dict[int | str, dict[str, object]]:
    """The 200 of a table route (its JSON model, or CSV) and the errors it can answer."""
    return {
        200: {"model": model, "content": {"text/csv": {"schema": {"type": "string"}}}, "description": "JSON, or CSV"},
        **NOT_ACCEPTABLE,
        **INVALID,
        **STORE_ERRORS,
    }
