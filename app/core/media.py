"""The one registry of media types and format names, and the one reader of ``Accept``.

Every negotiated answer (``/sparql``, ``/id/…``, ``/ontology``, ``/void``, ``/dump``,
``/api/export``) picks from a tuple of :class:`MediaFormat` rows of this table with
:func:`negotiate`: a ``format`` value (a name or a media type) wins, else the best ``Accept``
match (q-values honoured, the most specific matching range decides, ties go to the order of the
offers, so the first offer is the default). Nothing can be served: :class:`NotAcceptable`, which
lists the offers (the HTTP layer maps it to a 406 with ``Vary: Accept``).

No HTTP framework here: the SPARQL protocol, the linked-data routes and the exports all read it.
The serialiser of a row is named by data: ``rdflib_format`` for linked-data graphs, the row's
``name`` for the SPARQL result writers (app/sparql/results.py) and the export writers
(app/export/graph.py), which each keep a table keyed by that name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from app.core.errors import NotAcceptable, ProtocolError, clip, shown

__all__ = [
    "FORMATS",
    "GRAPH_FORMATS",
    "OFFERS",
    "SOLUTION_FORMATS",
    "MediaFormat",
    "Offers",
    "accept_match",
    "accept_ranges",
    "accepts_html",
    "format_names",
    "negotiate",
    "preferences",
]

#: What a row serialises: SPARQL solutions, an RDF graph, a dataset (named graphs kept), a graph
#: export (networkx, tables, diagrams) or an HTML page.
Kind = Literal["solutions", "graph", "dataset", "export", "html", "table"]
#: The offers of each negotiated route, by name (:data:`OFFERS`).
Offers = Literal["solutions", "graph", "query", "rdf", "page", "dataset", "export", "table"]

_FORMATS_NS = "http://www.w3.org/ns/formats/"


@dataclass(frozen=True, slots=True)
class MediaFormat:
    """A format something can be served in: its names, media types, kind and serialiser."""

    name: str
    kind: Kind
    media_type: str
    label: str
    # Other ``format=`` names, and other media types clients use for the same format.
    names: tuple[str, ...] = ()
    media_aliases: tuple[str, ...] = ()
    #: The file extension (also a ``format=`` name: the linked-data pages link ``?format={extension}``).
    extension: str = ""
    #: The W3C format IRI (http://www.w3.org/ns/formats/), for the SPARQL service description.
    iri: str | None = None
    #: rdflib's serialiser name, for the RDF graph formats the linked-data routes write with rdflib.
    rdflib_format: str | None = None
    #: Whether the Content-Type carries ``charset=utf-8``.
    charset: bool = True

    @property
    def media_types(self) -> tuple[str, ...]:
        """The media type, then its aliases."""
        return (self.media_type, *self.media_aliases)

    @property
    def content_type(self) -> str:
        """The Content-Type header value."""
        return f"{self.media_type}; charset=utf-8" if self.charset else self.media_type

    def matches(self, value: str) -> bool:
        """True when a ``format`` value names this format: its name, another name or a media type."""
        return value in (self.name, *self.names, self.extension, *self.media_types)


def _row(name: str, kind: Kind, media: str, label: str, **fields: object) -> MediaFormat:
    return MediaFormat(name, kind, media, label, **fields)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------- the table
JSON_RESULTS = _row("json", "solutions", "application/sparql-results+json", "SPARQL JSON", names=("srj",),
                    media_aliases=("application/json", "text/javascript", "application/javascript"),
                    extension="srj", iri=_FORMATS_NS + "SPARQL_Results_JSON", charset=False)
XML_RESULTS = _row("xml", "solutions", "application/sparql-results+xml", "SPARQL XML", names=("srx",),
                   media_aliases=("application/xml", "text/xml"), extension="srx",
                   iri=_FORMATS_NS + "SPARQL_Results_XML")
CSV_RESULTS = _row("csv", "solutions", "text/csv", "CSV", extension="csv", iri=_FORMATS_NS + "SPARQL_Results_CSV")
TSV_RESULTS = _row("tsv", "solutions", "text/tab-separated-values", "TSV", extension="tsv",
                   iri=_FORMATS_NS + "SPARQL_Results_TSV")

TURTLE = _row("turtle", "graph", "text/turtle", "Turtle", names=("ttl",), media_aliases=("application/x-turtle",),
              extension="ttl", iri=_FORMATS_NS + "Turtle", rdflib_format="turtle")
N_TRIPLES = _row("ntriples", "graph", "application/n-triples", "N-Triples", names=("nt", "n-triples"),
                 media_aliases=("text/plain",), extension="nt", iri=_FORMATS_NS + "N-Triples", rdflib_format="nt")
JSON_LD = _row("jsonld", "graph", "application/ld+json", "JSON-LD", names=("json-ld", "json"),
               media_aliases=("application/json",), extension="jsonld", iri=_FORMATS_NS + "JSON-LD",
               rdflib_format="json-ld", charset=False)
RDF_XML = _row("rdfxml", "graph", "application/rdf+xml", "RDF/XML", names=("rdf+xml", "rdf", "xml", "owl"),
               media_aliases=("application/xml", "text/xml"), extension="rdf", iri=_FORMATS_NS + "RDF_XML",
               rdflib_format="xml")
N3 = _row("n3", "graph", "text/n3", "N3", media_aliases=("text/rdf+n3",), extension="n3", iri=_FORMATS_NS + "N3")
# TriG and N-Quads are UTF-8 by definition: no charset parameter (the dump adds one for TriG).
TRIG = _row("trig", "dataset", "application/trig", "TriG", media_aliases=("application/x-trig",),
            extension="trig", iri=_FORMATS_NS + "TriG", charset=False)
N_QUADS = _row("nquads", "dataset", "application/n-quads", "N-Quads", names=("nq",),
               media_aliases=("text/x-nquads",), extension="nq", iri=_FORMATS_NS + "N-Quads", charset=False)

HTML = _row("html", "html", "text/html", "HTML", media_aliases=("application/xhtml+xml",), extension="html")

NODE_LINK = _row("nodelink", "export", "application/json", "NetworkX node-link JSON", extension="json", charset=False)
CYTOSCAPE = _row("cytoscape", "export", "application/json", "Cytoscape.js JSON", extension="cyjs", charset=False)
GRAPHML = _row("graphml", "export", "application/graphml+xml", "GraphML", extension="graphml", charset=False)
GEXF = _row("gexf", "export", "application/gexf+xml", "GEXF", extension="gexf", charset=False)
DOT = _row("dot", "export", "text/vnd.graphviz", "Graphviz DOT", extension="dot")
MERMAID = _row("mermaid", "export", "text/plain", "Mermaid", extension="mmd")
CSV_ZIP = _row("csv", "export", "application/zip", "CSV tables (zip)", extension="csv.zip", charset=False)
# A table of the API (the document browser, the cascade comparison, duties by deadline): its JSON
# model, or the whole view as CSV for a spreadsheet.
TABLE_JSON = _row("json", "table", "application/json", "JSON", extension="json", charset=False)
TABLE_CSV = _row("csv", "table", "text/csv", "CSV", extension="csv")

#: Every row of the table.
FORMATS: tuple[MediaFormat, ...] = (
    JSON_RESULTS, XML_RESULTS, CSV_RESULTS, TSV_RESULTS,
    TURTLE, N_TRIPLES, JSON_LD, RDF_XML, N3, TRIG, N_QUADS, HTML,
    NODE_LINK, CYTOSCAPE, GRAPHML, GEXF, DOT, MERMAID, CSV_ZIP, TABLE_JSON, TABLE_CSV,
)

SOLUTION_FORMATS: tuple[MediaFormat, ...] = (JSON_RESULTS, XML_RESULTS, CSV_RESULTS, TSV_RESULTS)
#: What a CONSTRUCT or DESCRIBE (and the service description) is answered in.
GRAPH_FORMATS: tuple[MediaFormat, ...] = (TURTLE, N_TRIPLES, JSON_LD, RDF_XML, TRIG, N3)
#: The RDF graph formats of a linked-data resource, the ontology and VoID (written with rdflib).
RDF_FORMATS: tuple[MediaFormat, ...] = (TURTLE, JSON_LD, RDF_XML, N_TRIPLES)

#: Each negotiated route's offers, in its order of preference (the first is its default).
OFFERS: dict[Offers, tuple[MediaFormat, ...]] = {
    "solutions": SOLUTION_FORMATS,
    "graph": GRAPH_FORMATS,
    # A query before it runs: its answer may be either kind (refused only when it fits neither).
    "query": SOLUTION_FORMATS + GRAPH_FORMATS,
    "rdf": RDF_FORMATS,
    "page": (HTML, *RDF_FORMATS),
    "dataset": (TRIG, N_QUADS, TURTLE),
    # nodelink first: the default, and what */* or application/json gets.
    "export": (NODE_LINK, GRAPHML, GEXF, CYTOSCAPE, DOT, MERMAID, JSON_LD, TURTLE, TRIG, CSV_ZIP),
    # JSON first: the default, and what */* gets.
    "table": (TABLE_JSON, TABLE_CSV),
}
_WHAT: dict[Offers, str] = {
    "solutions": "query results (SELECT/ASK)",
    "graph": "RDF graphs (CONSTRUCT/DESCRIBE)",
    "query": "query results or RDF graphs",
    "rdf": "this resource",
    "page": "this resource",
    "dataset": "the dataset dump",
    "export": "an export",
    "table": "a table",
}
# A client that sends one Accept for every query (rdflib's SPARQLStore asks only for JSON results,
# CONSTRUCT included) gets this kind's default: it reads the Content-Type.
_OTHER_KIND: dict[Offers, Offers] = {"solutions": "graph", "graph": "solutions"}


# ------------------------------------------------------------------------------- Accept
_MEDIA_RANGE = re.compile(r"^\s*([\w.+*-]+)/([\w.+*-]+)\s*$")
Ranges = list[tuple[str, str, float]]


def accept_ranges(accept: str) -> Ranges:
    """``type/subtype`` ranges of an Accept header with their q values; malformed entries are skipped.

    An entry is malformed when its media range is not ``type/subtype`` or its q is not a number
    from 0 to 1 (``q=abc`` does not mean "not acceptable": it means nothing).
    """
    ranges = []
    for item in accept.split(","):
        media, *params = item.split(";")
        match = _MEDIA_RANGE.match(media)
        if match is None:
            continue
        q: float | None = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                q = _qvalue(value)
        if q is not None:
            ranges.append((match.group(1).lower(), match.group(2).lower(), q))
    return ranges


def _qvalue(text: str) -> float | None:
    """The weight of ``q=text`` (RFC 9110 12.4.2: 0 to 1, three decimals at most), None when malformed."""
    return float(text) if re.fullmatch(r"\s*(0(\.\d{0,3})?|1(\.0{0,3})?)\s*", text) else None


def preferences(accept: str | None) -> Ranges | None:
    """The well-formed ranges of an Accept header, or None when the header states no preference.

    A header that is empty or holds no well-formed media range (``Accept:``, ``Accept: null``)
    is treated as absent: RFC 9110 (12.5.1) lets a server disregard an Accept it cannot read,
    and answering the default is more useful than a 406 for a header that asks for nothing.
    """
    ranges = accept_ranges(accept) if accept else []
    return ranges or None


def accept_match(ranges: Ranges, media_type: str) -> tuple[int, float]:
    """``(specificity, q)`` of the most specific range matching ``media_type``; (-1, 0.0) when none does.

    Specificity is 2 for ``type/sub``, 1 for ``type/*``, 0 for ``*/*``.
    """
    kind, _, sub = media_type.partition("/")
    best: tuple[int, float] = (-1, 0.0)
    for r_type, r_sub, q in ranges:
        if (r_type, r_sub) == (kind, sub):
            specificity = 2
        elif r_type == kind and r_sub == "*":
            specificity = 1
        elif (r_type, r_sub) == ("*", "*"):
            specificity = 0
        else:
            continue
        best = max(best, (specificity, q))
    return best


def quality(ranges: Ranges, fmt: MediaFormat) -> float:
    """The q a client gives ``fmt``: that of the most specific range matching any of its media types.

    ``text/html;q=0, */*`` refuses HTML even though ``*/*`` matches its alias application/xhtml+xml.
    """
    return max(accept_match(ranges, media) for media in fmt.media_types)[1]


def format_names(offers: Sequence[MediaFormat]) -> list[str]:
    """Every ``format=`` value ``offers`` take: names, then media types; ``""`` means none."""
    names = [n for f in offers for n in (f.name, *f.names, f.extension) if n]
    media = [m for f in offers for m in f.media_types]
    return ["", *dict.fromkeys(names), *dict.fromkeys(media)]


def _listed(offers: Sequence[MediaFormat]) -> str:
    return ", ".join(f"{f.name} ({f.media_type})" for f in offers)


def _table(offers: Sequence[MediaFormat]) -> dict[str, str]:
    return {f.name: f.media_type for f in offers}


def _offers(offers: Offers | Sequence[MediaFormat]) -> tuple[tuple[MediaFormat, ...], str, Offers | None]:
    if isinstance(offers, str):
        return OFFERS[offers], _WHAT[offers], offers
    return tuple(offers), "this resource", None


def negotiate(
    offers: Offers | Sequence[MediaFormat],
    accept: str | None,
    formats: str | Sequence[str] = (),
    *,
    answer: str | None = None,
) -> MediaFormat:
    """The format to answer with: a ``format`` value wins, else the best ``Accept`` match.

    ``offers`` is a route's name in :data:`OFFERS` or a tuple of rows. ``formats`` holds the
    ``format`` values (empty ones mean none); when several are given (SPARQLWrapper sends
    ``format=tsv&format=text/tab-separated-values``), all must name the same format, else
    ProtocolError. Raise NotAcceptable when nothing on offer fits; its message calls the answer
    ``answer`` when given (``the results of a SELECT query``), else by the route's kind.
    """
    available, what, kind = _offers(offers)
    what = answer or what
    values = [v for v in ([formats] if isinstance(formats, str) else formats) if v]
    if values:
        named = {value: next((f for f in available if f.matches(value)), None) for value in values}
        chosen = set(named.values())
        if len(chosen) > 1:
            listed = ", ".join(shown(v) for v in named)
            raise ProtocolError(f"the format parameters name different formats ({listed}); give one")
        fmt = chosen.pop()
        if fmt is None:
            raise NotAcceptable(
                f"format={shown(values[0])} is not available for {what}; available: {_listed(available)}",
                formats=_table(available),
            )
        return fmt
    ranges = preferences(accept)
    if ranges is None:
        return available[0]
    # max() keeps the first of equal q values, so ties go to the server's order of preference.
    scored = max(available, key=lambda f: quality(ranges, f))
    if quality(ranges, scored) > 0:
        return scored
    if kind in _OTHER_KIND and any(quality(ranges, f) > 0 for f in OFFERS[_OTHER_KIND[kind]]):
        return available[0]
    raise NotAcceptable(
        f"none of the accepted media types ({clip((accept or '').strip())}) can carry {what}; "
        f"available: {_listed(available)}",
        formats=_table(available),
    )


def accepts_html(accept: str | None) -> bool:
    """True when ``Accept`` prefers an HTML page over every RDF format (a browser, not a client)."""
    ranges = preferences(accept)
    if ranges is None:
        return False
    html = max(accept_match(ranges, m)[1] for m in HTML.media_types)
    # Only an explicit html range counts: a bare */* is a program that takes anything.
    explicit = any(r[:2] in (("text", "html"), ("application", "xhtml+xml")) for r in ranges)
    rdf = max(max(accept_match(ranges, m)[1] for m in f.media_types) for f in GRAPH_FORMATS)
    return explicit and html > 0 and html >= rdf
