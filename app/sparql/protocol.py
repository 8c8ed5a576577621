"""The SPARQL 1.1 Protocol without HTTP machinery: read a request into a typed ``SparqlRequest``,
and choose a result format from ``Accept`` and the ``format`` parameter.

Rules (https://www.w3.org/TR/sparql11-protocol/): a query comes by GET (``?query=``), by POST
form (``application/x-www-form-urlencoded``) or by POST direct (``application/sparql-query``);
an update only by POST form (``update=``) or direct (``application/sparql-update``). Exactly
one query or update per request; bodies are UTF-8.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import parse_qsl

import pyoxigraph as ox

from app.sparql.engine import Dataset
from app.core.errors import NotAcceptable, ProtocolError, UnsupportedMediaType, clip, shown
from app.core.text import nfc

__all__ = [
    "FORMAT_PARAMETERS",
    "GRAPH_FORMATS",
    "SOLUTION_FORMATS",
    "ResultFormat",
    "SparqlRequest",
    "accepts_html",
    "negotiate",
    "parse_request",
    "preferences",
]

Operation = Literal["query", "update", "description"]
FormatKind = Literal["solutions", "graph"]

FORM = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
# Clients name the wanted format with one of these parameters (Virtuoso: format, Joseki: output);
# SPARQLWrapper sends all three, sometimes twice each.
FORMAT_PARAMETERS = ("format", "output", "results")


@dataclass(frozen=True, slots=True)
class SparqlRequest:
    """One request to the SPARQL endpoint, validated: its operation, text and dataset."""

    operation: Operation
    text: str | None = None
    dataset: Dataset = field(default_factory=Dataset)
    using: Dataset = field(default_factory=Dataset)
    formats: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ResultFormat:
    """A serialisation the endpoint can answer with."""

    name: str
    kind: FormatKind
    media_type: str
    accepted: tuple[str, ...]
    aliases: tuple[str, ...]
    iri: str

    def matches(self, value: str) -> bool:
        """True when a ``format`` parameter value names this format (short name or media type)."""
        value = value.strip().lower()
        return value == self.name or value in self.aliases or value in self.accepted


_FORMATS_NS = "http://www.w3.org/ns/formats/"
SOLUTION_FORMATS: tuple[ResultFormat, ...] = (
    ResultFormat("json", "solutions", "application/sparql-results+json",
                 ("application/sparql-results+json", "application/json", "text/javascript",
                  "application/javascript"), ("srj",), _FORMATS_NS + "SPARQL_Results_JSON"),
    ResultFormat("xml", "solutions", "application/sparql-results+xml",
                 ("application/sparql-results+xml", "application/xml", "text/xml"), ("srx",),
                 _FORMATS_NS + "SPARQL_Results_XML"),
    ResultFormat("csv", "solutions", "text/csv", ("text/csv",), (), _FORMATS_NS + "SPARQL_Results_CSV"),
    ResultFormat("tsv", "solutions", "text/tab-separated-values", ("text/tab-separated-values",), (),
                 _FORMATS_NS + "SPARQL_Results_TSV"),
)
GRAPH_FORMATS: tuple[ResultFormat, ...] = (
    ResultFormat("turtle", "graph", "text/turtle", ("text/turtle", "application/x-turtle"), ("ttl",),
                 _FORMATS_NS + "Turtle"),
    ResultFormat("ntriples", "graph", "application/n-triples", ("application/n-triples", "text/plain"),
                 ("nt", "n-triples"), _FORMATS_NS + "N-Triples"),
    ResultFormat("jsonld", "graph", "application/ld+json", ("application/ld+json", "application/json"),
                 ("json-ld", "json"), _FORMATS_NS + "JSON-LD"),
    ResultFormat("rdfxml", "graph", "application/rdf+xml", ("application/rdf+xml", "application/xml", "text/xml"),
                 ("rdf+xml", "rdf", "xml"), _FORMATS_NS + "RDF_XML"),
    ResultFormat("trig", "graph", "application/trig", ("application/trig",), (), _FORMATS_NS + "TriG"),
    ResultFormat("n3", "graph", "text/n3", ("text/n3", "text/rdf+n3"), (), _FORMATS_NS + "N3"),
)

_MEDIA_RANGE = re.compile(r"^\s*([\w.+*-]+)/([\w.+*-]+)\s*$")


def _formats(kind: FormatKind) -> tuple[ResultFormat, ...]:
    return SOLUTION_FORMATS if kind == "solutions" else GRAPH_FORMATS


def accept_ranges(accept: str) -> list[tuple[str, str, float]]:
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


def preferences(accept: str | None) -> list[tuple[str, str, float]] | None:
    """The well-formed ranges of an Accept header, or None when the header states no preference.

    A header that is empty or holds no well-formed media range (``Accept:``, ``Accept: null``)
    is treated as absent: RFC 9110 (12.5.1) lets a server disregard an Accept it cannot read,
    and answering the default is more useful than a 406 for a header that asks for nothing.
    Malformed entries next to well-formed ones are skipped.
    """
    ranges = accept_ranges(accept) if accept else []
    return ranges or None


def accept_match(ranges: list[tuple[str, str, float]], media_type: str) -> tuple[int, float]:
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


def accept_quality(ranges: list[tuple[str, str, float]], media_type: str) -> float:
    """The q an Accept header gives ``media_type``: its most specific matching range decides."""
    return accept_match(ranges, media_type)[1]


def negotiate(kind: FormatKind, accept: str | None, formats: Sequence[str] = ()) -> ResultFormat:
    """The format to answer with: a ``format`` parameter wins, else the best ``Accept`` match.

    Raise NotAcceptable when the client named or accepts only formats this kind of result lacks.
    """
    available = _formats(kind)
    what = "query results (SELECT/ASK)" if kind == "solutions" else "RDF graphs (CONSTRUCT/DESCRIBE)"
    names = ", ".join(f.name for f in available)
    if formats:
        # Clients name the format under several parameters and spellings (SPARQLWrapper sends
        # format=tsv&format=text/tab-separated-values); every value must name the same one.
        named = {value: next((f for f in available if f.matches(value)), None) for value in formats}
        chosen = set(named.values())
        if len(chosen) > 1:
            listed = ", ".join(shown(v) for v in named)
            raise ProtocolError(f"the format parameters name different formats ({listed}); give one")
        fmt = chosen.pop()
        if fmt is None:
            raise NotAcceptable(f"format {shown(formats[0])} is not available for {what}; use one of: {names}")
        return fmt
    ranges = preferences(accept)
    if ranges is None:
        return available[0]
    # max() keeps the first of equal q values, so ties go to the server's order of preference.
    scored = max(available, key=lambda f: max(accept_quality(ranges, m) for m in f.accepted))
    if max(accept_quality(ranges, m) for m in scored.accepted) > 0:
        return scored
    # Clients that send one Accept header for every query (rdflib's SPARQLStore asks only for
    # JSON results, CONSTRUCT included) get this kind's default; they read the Content-Type.
    other = GRAPH_FORMATS if kind == "solutions" else SOLUTION_FORMATS
    if any(accept_quality(ranges, m) > 0 for f in other for m in f.accepted):
        return available[0]
    media = ", ".join(f.media_type for f in available)
    raise NotAcceptable(
        f"none of the accepted media types ({clip((accept or '').strip())}) can carry {what}; offered: {media}"
    )


def accepts_html(accept: str | None) -> bool:
    """True when ``Accept`` prefers an HTML page over every RDF format (a browser, not a client)."""
    ranges = preferences(accept)
    if ranges is None:
        return False
    html = max(accept_quality(ranges, "text/html"), accept_quality(ranges, "application/xhtml+xml"))
    # Only an explicit html range counts: a bare */* is a program that takes anything.
    explicit = any(r[:2] in (("text", "html"), ("application", "xhtml+xml")) for r in ranges)
    rdf = max(accept_quality(ranges, m) for f in GRAPH_FORMATS for m in f.accepted)
    return explicit and html > 0 and html >= rdf


def _media_type(content_type: str | None) -> tuple[str | None, str | None]:
    """The bare media type and charset of a Content-Type header."""
    if not content_type or not content_type.strip():
        return None, None
    media, *params = content_type.split(";")
    charset = None
    for param in params:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return media.strip().lower(), charset


def _decode(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError(
            f"the {what} is not valid UTF-8 (byte {exc.start}: {data[exc.start:exc.start + 1]!r}); "
            "SPARQL requests must be UTF-8"
        ) from None


def _pairs(encoded: str, what: str) -> list[tuple[str, str]]:
    try:
        return parse_qsl(encoded, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise ProtocolError(f"the {what} holds percent-encoded bytes that are not UTF-8") from None


def _single(pairs: list[tuple[str, str]], name: str) -> str | None:
    values = [v for k, v in pairs if k == name]
    if len(values) > 1:
        raise ProtocolError(f"the '{name}' parameter is given {len(values)} times; a request carries exactly one")
    return values[0] if values else None


def _iris(pairs: list[tuple[str, str]], name: str) -> tuple[str, ...]:
    iris = []
    for _, value in (p for p in pairs if p[0] == name):
        iri = nfc(value.strip())
        try:
            if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", iri):
                raise ValueError("no scheme")
            ox.NamedNode(iri)
        except ValueError:
            raise ProtocolError(f"{name} {shown(value)} is not an absolute IRI") from None
        iris.append(iri)
    return tuple(iris)


def parse_request(method: str, query_string: str, content_type: str | None, body: bytes) -> SparqlRequest:
    """Read a SPARQL protocol request; raise ProtocolError (400) or UnsupportedMediaType (415)."""
    pairs = _pairs(query_string, "query string")
    text: str | None
    if method == "GET":
        if any(k == "update" for k, _ in pairs):
            raise ProtocolError("an update must be sent with POST (form field 'update' or application/sparql-update)")
        text = _single(pairs, "query")
        operation: Operation = "query" if text is not None else "description"
    elif method == "POST":
        media, charset = _media_type(content_type)
        if charset is not None and charset.replace("-", "") != "utf8":
            raise ProtocolError(f"charset={charset} is not accepted: SPARQL requests must be UTF-8")
        if media == FORM:
            pairs = pairs + _pairs(_decode(body, "form body"), "form body")
            query, update = _single(pairs, "query"), _single(pairs, "update")
            if query is not None and update is not None:
                raise ProtocolError("a request carries either 'query' or 'update', not both")
            if query is None and update is None:
                raise ProtocolError("the form has neither a 'query' nor an 'update' field")
            operation, text = ("query", query) if query is not None else ("update", update)
        elif media in (QUERY_TYPE, UPDATE_TYPE):
            if any(k in ("query", "update") for k, _ in pairs):
                raise ProtocolError(f"with {media} the operation is the body; drop the query/update URL parameter")
            operation = "query" if media == QUERY_TYPE else "update"
            text = _decode(body, "request body")
        else:
            shown = f"Content-Type {media}" if media else "no Content-Type"
            raise UnsupportedMediaType(
                f"a POST with {shown} is not a SPARQL request; send {FORM}, {QUERY_TYPE} or {UPDATE_TYPE}"
            )
    else:
        raise ProtocolError(f"method {method} is not part of the SPARQL protocol; use GET or POST")
    if operation != "description" and not (text or "").strip():
        raise ProtocolError(f"the {operation} is empty")
    formats = tuple(v for k, v in pairs if k in FORMAT_PARAMETERS and v.strip())
    if operation == "update":
        if any(k in ("default-graph-uri", "named-graph-uri") for k, _ in pairs):
            raise ProtocolError("an update takes using-graph-uri / using-named-graph-uri, not default-graph-uri")
        using = Dataset(_iris(pairs, "using-graph-uri"), _iris(pairs, "using-named-graph-uri"))
        return SparqlRequest("update", nfc(text or ""), using=using)
    if any(k in ("using-graph-uri", "using-named-graph-uri") for k, _ in pairs):
        raise ProtocolError("a query takes default-graph-uri / named-graph-uri, not using-graph-uri")
    dataset = Dataset(_iris(pairs, "default-graph-uri"), _iris(pairs, "named-graph-uri"))
    return SparqlRequest(operation, nfc(text) if text is not None else None, dataset=dataset, formats=formats)
