"""Representations of linked-data resources: media types, content negotiation, RDF responses.

A client chooses with ``Accept`` (q-values honoured, the most specific matching range wins) or
with ``?format=`` (which overrides Accept, for links and for clients that cannot set headers).
An empty ``format`` is the same as none, and so is an Accept without a well-formed media range.
A request the server cannot satisfy is a 406 that lists what it can give. Every negotiated
response carries ``Vary: Accept`` so caches keep one copy per representation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import HTTPException, Query, Response

from app.core.errors import shown
from app.core.namespaces import PREFIXES
from app.sparql.protocol import accept_match, preferences

if TYPE_CHECKING:
    import rdflib

VARY = {"Vary": "Accept"}


@dataclass(frozen=True, slots=True)
class Representation:
    """A format a resource can be served in."""

    key: str
    media_type: str
    label: str
    # Other ``?format=`` names and other media types clients use for the same format.
    names: tuple[str, ...] = ()
    media_aliases: tuple[str, ...] = ()
    rdflib_format: str | None = None
    charset: bool = True

    @property
    def content_type(self) -> str:
        """The Content-Type header value."""
        return f"{self.media_type}; charset=utf-8" if self.charset else self.media_type


HTML = Representation("html", "text/html", "HTML", media_aliases=("application/xhtml+xml",))
TURTLE = Representation("ttl", "text/turtle", "Turtle", ("turtle",), ("application/x-turtle",), "turtle")
JSON_LD = Representation(
    "jsonld", "application/ld+json", "JSON-LD", ("json-ld", "json"), ("application/json",), "json-ld", charset=False
)
RDF_XML = Representation(
    "rdf", "application/rdf+xml", "RDF/XML", ("xml", "rdfxml", "owl"), ("application/xml", "text/xml"), "xml"
)
N_TRIPLES = Representation("nt", "application/n-triples", "N-Triples", ("ntriples",), (), "nt")
TRIG = Representation("trig", "application/trig", "TriG", (), ("application/x-trig",))
N_QUADS = Representation("nq", "application/n-quads", "N-Quads", ("nquads",), ("text/x-nquads",))

#: The RDF graph formats every resource offers besides HTML.
RDF_GRAPH_FORMATS: tuple[Representation, ...] = (TURTLE, JSON_LD, RDF_XML, N_TRIPLES)


def _quality(rep: Representation, ranges: list[tuple[str, str, float]]) -> float:
    """The q a client gives ``rep``: the q of the most specific range matching any of its media types."""
    best: tuple[int, float] = (-1, 0.0)
    for media in (rep.media_type, *rep.media_aliases):
        match = accept_match(ranges, media)
        if match[0] > best[0]:
            best = match
    return best[1]


def supported(offers: Sequence[Representation]) -> str:
    """``ttl (text/turtle), ...``: the formats on offer, for error messages."""
    return ", ".join(f"{r.key} ({r.media_type})" for r in offers)


def format_names(offers: Sequence[Representation]) -> list[str]:
    """Every value ``?format=`` takes for ``offers``: short names, then media types; ``""`` means none."""
    names = [name for rep in offers for name in (rep.key, *rep.names)]
    return ["", *names, *(media for rep in offers for media in (rep.media_type, *rep.media_aliases))]


def format_query(offers: Sequence[Representation], description: str) -> Any:
    """The ``format`` query parameter of a route offering ``offers``, its values listed in OpenAPI."""
    values = {"enum": format_names(offers)}
    return Annotated[str, Query(alias="format", description=description, json_schema_extra=values)]


def negotiate(offers: Sequence[Representation], accept: str | None, fmt: str | None = None) -> Representation:
    """Pick a representation: ``fmt`` by name if given, else the best Accept match (first offer on ties).

    Raises a 406 HTTPException naming what is on offer when nothing fits.
    """
    if fmt:
        for rep in offers:
            if fmt in (rep.key, *rep.names, rep.media_type, *rep.media_aliases):
                return rep
        detail = f"unsupported format {shown(fmt)}; available: {supported(offers)}"
        raise HTTPException(406, detail=detail, headers=VARY)
    ranges = preferences(accept)
    if ranges is None:
        return offers[0]
    scored = [(_quality(rep, ranges), -i, rep) for i, rep in enumerate(offers)]
    q, _, rep = max(scored, key=lambda item: (item[0], item[1]))
    if q <= 0:
        raise HTTPException(
            406, detail=f"cannot serve any of {shown(accept)}; available: {supported(offers)}", headers=VARY
        )
    return rep


def serialize_graph(graph: rdflib.Graph, rep: Representation) -> bytes:
    """``graph`` in an RDF graph format, with the project prefixes."""
    if rep.rdflib_format is None:
        raise ValueError(f"{rep.label} is not an RDF graph format")
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    if rep.rdflib_format == "json-ld":
        # A prefix context keeps JSON-LD readable; it travels in the document, so parsers need nothing else.
        return graph.serialize(format="json-ld", context=dict(PREFIXES), auto_compact=True, encoding="utf-8")
    return graph.serialize(format=rep.rdflib_format, encoding="utf-8")


def rdf_response(graph: rdflib.Graph, rep: Representation, status_code: int = 200) -> Response:
    """An HTTP response carrying ``graph`` in ``rep``, with ``Vary: Accept``."""
    return Response(serialize_graph(graph, rep), status_code=status_code, media_type=rep.content_type, headers=VARY)
