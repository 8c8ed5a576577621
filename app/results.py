"""Serialise query answers in a negotiated format, stopping at the result-size limit.

pyoxigraph serialises a whole ``QuerySolutions`` iterator and cannot be told to stop, so the rows
are read here up to the limit, written as SPARQL JSON, and converted by pyoxigraph's own writers
to XML, CSV or TSV when those were asked for.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import TypeVar

import pyoxigraph as ox

from app.backends import GraphAnswer, QueryAnswer
from app.errors import QueryError, StoreError
from app.namespaces import PREFIXES
from app.protocol import FormatKind, ResultFormat, negotiate

__all__ = ["Serialized", "answer_kind", "serialize_answer", "serialize_graph", "term_json"]

_T = TypeVar("_T")
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_SOLUTION_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
_GRAPH_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "trig": ox.RdfFormat.TRIG,
    "n3": ox.RdfFormat.N3,
}


@dataclass(frozen=True, slots=True)
class Serialized:
    """A serialised answer: bytes, their media type, how many rows/triples and whether it was cut."""

    body: bytes
    media_type: str
    count: int | None = None
    truncated: bool = False
    limit: int | None = None


def term_json(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> dict[str, object]:
    """A term as in the SPARQL 1.1 Query Results JSON Format (with the RDF-star ``triple`` type)."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Triple):
        return {
            "type": "triple",
            "value": {
                "subject": term_json(term.subject),
                "predicate": term_json(term.predicate),
                "object": term_json(term.object),
            },
        }
    out: dict[str, object] = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value not in (_XSD_STRING, _LANG_STRING):
        out["datatype"] = term.datatype.value
    return out


def answer_kind(answer: QueryAnswer) -> FormatKind:
    """Whether an answer is query results (SELECT, ASK) or an RDF graph (CONSTRUCT, DESCRIBE)."""
    return "graph" if isinstance(answer, ox.QueryTriples | GraphAnswer) else "solutions"


def _guarded(items: Iterable[_T]) -> Iterator[_T]:
    """Iterate lazily evaluated results, turning engine errors met on the way into QueryError."""
    iterator = iter(items)
    while True:
        try:
            item = next(iterator)
        except StopIteration:
            return
        except (RuntimeError, ValueError, SyntaxError) as exc:
            raise QueryError(f"query failed: {exc}") from exc
        except OSError as exc:
            raise StoreError(f"store error while querying: {exc}") from exc
        yield item


def _take(items: Iterable[_T], limit: int) -> tuple[list[_T], bool]:
    taken = list(islice(_guarded(items), limit + 1))
    return taken[:limit], len(taken) > limit


def serialize_graph(triples: Iterable[ox.Triple], fmt: ResultFormat) -> bytes:
    """Serialise triples; dataset formats (TriG) get them in the default graph."""
    rdf_format = _GRAPH_FORMATS[fmt.name]
    data: Iterable[ox.Triple] | Iterable[ox.Quad] = triples
    if rdf_format.supports_datasets:
        data = [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples]
    return ox.serialize(data, format=rdf_format, prefixes=PREFIXES) or b""


def serialize_answer(
    answer: QueryAnswer, accept: str | None, formats: tuple[str, ...], max_results: int
) -> Serialized:
    """Negotiate a format for ``answer`` and serialise at most ``max_results`` rows or triples."""
    fmt = negotiate(answer_kind(answer), accept, formats)
    if isinstance(answer, ox.QueryBoolean):
        return Serialized(answer.serialize(format=_SOLUTION_FORMATS[fmt.name]) or b"", fmt.media_type)
    if isinstance(answer, ox.QuerySolutions):
        variables = [v.value for v in answer.variables]
        rows, truncated = _take(answer, max_results)
        document = {
            "head": {"vars": variables},
            "results": {
                "bindings": [
                    {name: term_json(row[name]) for name in variables if row[name] is not None} for row in rows
                ]
            },
        }
        body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        if fmt.name != "json":
            body = ox.parse_query_results(body, ox.QueryResultsFormat.JSON).serialize(
                format=_SOLUTION_FORMATS[fmt.name]
            ) or b""
        return Serialized(body, fmt.media_type, len(rows), truncated, max_results)
    triples, truncated = _take(answer, max_results)
    return Serialized(serialize_graph(triples, fmt), fmt.media_type, len(triples), truncated, max_results)
