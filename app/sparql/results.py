"""Serialise query answers in a negotiated format, stopping at the result-size limit.

Solutions are written by pyoxigraph's own serialisers (Rust, several times faster than building
the document here) into a sink that counts rows as the bytes arrive and stops the engine once
there are more than the limit: pyoxigraph cannot be told to stop after N rows, but each format
makes row boundaries countable outside its quoted strings (a line in TSV and CSV, ``<result>`` in
XML, ``},{`` between binding objects in JSON). Only then is the query run a second time and read
here row by row up to the limit, so a truncated answer is still a whole, valid document.

Bytes are bounded the same way: once an answer passes ``max_bytes`` the serialiser is stopped and
the rows wholly written before that point are written again as a whole document, marked as cut
by bytes (``Serialized.byte_limit``), so one huge value cannot make a 144 MB answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Literal, Protocol, TypeVar

import pyoxigraph as ox

from app.core.errors import QueryError, StoreError
from app.core.media import MediaFormat, negotiate
from app.core.namespaces import PREFIXES
from app.sparql.engine import GraphAnswer, QueryAnswer

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
    """A serialised answer: bytes, their media type, how many rows/triples (None: not counted), whether it was cut."""

    body: bytes
    media_type: str
    count: int | None = None
    truncated: bool = False
    limit: int | None = None
    byte_limit: int | None = None  # set when the answer was cut to stay under this many bytes


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


def answer_kind(answer: QueryAnswer) -> Literal["solutions", "graph"]:
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


def serialize_graph(triples: Iterable[ox.Triple], fmt: MediaFormat) -> bytes:
    """Serialise triples; dataset formats (TriG) get them in the default graph."""
    rdf_format = _GRAPH_FORMATS[fmt.name]
    data: Iterable[ox.Triple] | Iterable[ox.Quad] = triples
    if rdf_format.supports_datasets:
        data = [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples]
    return ox.serialize(data, format=rdf_format, prefixes=PREFIXES) or b""


class RowCounter(Protocol):
    """Counts the rows of a results document from its bytes, fed in the order they are written."""

    def feed(self, chunk: bytes) -> int:
        """Take the next chunk; return how many rows have begun so far (or an upper bound of it)."""
        ...


class _OutsideQuotes:
    """The text of a document outside its double-quoted strings, chunk by chunk.

    JSON escapes with backslashes (``\\"`` is a quote inside a string); CSV doubles the quote,
    which toggles in and out of the string and so needs no special case.
    """

    def __init__(self, *, backslash_escapes: bool) -> None:
        self._backslashes = backslash_escapes
        self._inside = False
        self._escaped = False  # the previous chunk ended with a backslash that escapes our first byte

    def feed(self, chunk: bytes) -> bytes:
        """Return the part of ``chunk`` that lies outside strings."""
        if not chunk:
            return b""
        if self._backslashes:
            if self._escaped:
                chunk = chunk[1:]
                self._escaped = False
            if b"\\" in chunk:
                # Backslashes occur only inside strings; an odd run at the end escapes the next byte.
                if (len(chunk) - len(chunk.rstrip(b"\\"))) % 2:
                    chunk = chunk[:-1]
                    self._escaped = True
                chunk = chunk.replace(b"\\\\", b"").replace(b'\\"', b"")
        parts = chunk.split(b'"')
        outside = parts[1::2] if self._inside else parts[0::2]
        if len(parts) % 2 == 0:
            self._inside = not self._inside
        return b"".join(outside)


class JsonRows:
    """Rows of SPARQL JSON results as pyoxigraph writes them (no whitespace between tokens).

    Outside strings, the bindings array opens with ``[{`` when it has a row, and rows are
    separated by ``},{``, which nothing else produces (terms in a row are separated by ``},"name":{``).
    Not ``exact``, strings are not skipped: a literal holding ``},{`` counts too, so the count is
    an upper bound, read at the speed of ``bytes.count``.
    """

    def __init__(self, *, exact: bool = True) -> None:
        self._text = _OutsideQuotes(backslash_escapes=True) if exact else None
        self._tail = b""
        self._separators = 0
        self._first = False

    def feed(self, chunk: bytes) -> int:
        """See ``RowCounter.feed``."""
        data = self._tail + (self._text.feed(chunk) if self._text else chunk)
        self._separators += data.count(b"},{")
        self._first = self._first or b"[{" in data
        self._tail = data[-2:]  # shorter than "},{", so no separator is counted twice
        return self._separators + self._first


class TagRows:
    """Rows of SPARQL XML results: one ``<result>`` each (``<`` is escaped in text, absent from IRIs)."""

    _TAG = b"<result>"

    def __init__(self, *, exact: bool = True) -> None:  # always exact: counting tags is cheap
        self._tail = b""
        self._rows = 0

    def feed(self, chunk: bytes) -> int:
        """See ``RowCounter.feed``."""
        data = self._tail + chunk
        self._rows += data.count(self._TAG)
        self._tail = data[-(len(self._TAG) - 1):]
        return self._rows


class LineRows:
    """Rows of TSV (values escape tabs and newlines) or CSV (newlines only inside quoted values).

    Not ``exact``, CSV's quoted newlines count too: an upper bound.
    """

    def __init__(self, *, quoted: bool, exact: bool = True) -> None:
        self._text = _OutsideQuotes(backslash_escapes=False) if quoted and exact else None
        self._lines = 0

    def feed(self, chunk: bytes) -> int:
        """See ``RowCounter.feed``; the first line is the header."""
        self._lines += (self._text.feed(chunk) if self._text else chunk).count(b"\n")
        return max(0, self._lines - 1)


#: Row counters by format name, called with ``exact=``.
ROW_COUNTERS: dict[str, Callable[..., RowCounter]] = {
    "json": JsonRows,
    "xml": TagRows,
    "tsv": lambda exact=True: LineRows(quoted=False, exact=exact),
    "csv": lambda exact=True: LineRows(quoted=True, exact=exact),
}


class _OverLimit(Exception):
    """Raised inside pyoxigraph's serialiser to stop it: the answer has more rows than allowed."""


class _LimitedSink:
    """A binary file for pyoxigraph's serialisers that keeps what they write up to ``limit`` rows.

    Rows are bounded from above cheaply; only once that bound passes the limit are the bytes so
    far, and all that follow, counted exactly (which skips quoted strings, several times slower).
    """

    def __init__(self, fmt: str, limit: int, max_bytes: int) -> None:
        self.chunks: list[bytes] = []
        self.rows = 0
        self.size = 0
        self.over_bytes = False
        self._make = ROW_COUNTERS[fmt]
        self._counter = self._make(exact=False)
        self._exact = False
        self._limit = limit
        self._max_bytes = max_bytes

    def _count_exactly(self) -> None:
        if not self._exact:
            self._counter, self._exact = self._make(exact=True), True
            for kept in self.chunks:
                self.rows = self._counter.feed(kept)

    def write(self, chunk: bytes) -> int:
        """Keep ``chunk``, or stop the serialiser once the rows or the bytes pass their limit."""
        if self.size + len(chunk) > self._max_bytes:
            self._count_exactly()  # the rows begun in what was kept, counted on at most max_bytes
            self.over_bytes = True
            raise _OverLimit
        rows = self._counter.feed(chunk)
        if rows > self._limit and not self._exact:
            self._count_exactly()
            rows = self._counter.feed(chunk)
        self.rows = rows
        if self.rows > self._limit:
            raise _OverLimit
        self.chunks.append(chunk)
        self.size += len(chunk)
        return len(chunk)

    def flush(self) -> None:
        """Nothing is buffered here."""


def _engine_serialize(
    solutions: ox.QuerySolutions, fmt: MediaFormat, limit: int, max_bytes: int
) -> Serialized | int:
    """Serialise all of ``solutions`` in Rust; past ``limit`` rows or ``max_bytes`` bytes, return how
    many rows to write instead (``limit``, or the rows wholly written before the byte limit)."""
    sink = _LimitedSink(fmt.name, limit, max_bytes)
    try:
        solutions.serialize(sink, format=_SOLUTION_FORMATS[fmt.name])  # type: ignore[arg-type]  # a write()r
    except _OverLimit:
        # A row begun but not finished when the bytes ran out is not counted as written.
        return min(limit, max(0, sink.rows - 1)) if sink.over_bytes else limit
    except (RuntimeError, ValueError, SyntaxError) as exc:
        raise QueryError(f"query failed: {exc}") from exc
    except OSError as exc:
        raise StoreError(f"store error while querying: {exc}") from exc
    # Rows are known exactly only when the cheap bound passed the limit: not counted here.
    return Serialized(b"".join(sink.chunks), fmt.media_type, None, False, limit)


def _truncated(solutions: ox.QuerySolutions, fmt: MediaFormat, limit: int) -> Serialized:
    """The first ``limit`` rows of ``solutions``, read here and written as a whole document."""
    variables = [v.value for v in solutions.variables]
    rows, truncated = _take(solutions, limit)
    return _document(variables, rows, fmt, truncated, limit)


def _document(
    variables: list[str], rows: list[ox.QuerySolution], fmt: MediaFormat, truncated: bool, limit: int
) -> Serialized:
    document = {
        "head": {"vars": variables},
        "results": {
            "bindings": [{name: term_json(row[name]) for name in variables if row[name] is not None} for row in rows]
        },
    }
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if fmt.name != "json":
        body = ox.parse_query_results(body, ox.QueryResultsFormat.JSON).serialize(
            format=_SOLUTION_FORMATS[fmt.name]
        ) or b""
    return Serialized(body, fmt.media_type, len(rows), truncated, limit)


def _within_bytes(
    variables: list[str], solutions: ox.QuerySolutions, fmt: MediaFormat, rows: int, max_bytes: int
) -> Serialized:
    """The first ``rows`` rows as a document of at most ``max_bytes`` bytes (fewer rows if need be)."""
    taken, _ = _take(solutions, rows)
    while True:
        document = _document(variables, taken, fmt, True, len(taken))
        if len(document.body) <= max_bytes or not taken:
            return Serialized(document.body, document.media_type, len(taken), True, None, max_bytes)
        taken = taken[: len(taken) // 2]


def _graph_within(triples: Iterable[ox.Triple], limit: int, max_bytes: int) -> tuple[list[ox.Triple], bool, bool]:
    """At most ``limit`` triples whose N-Triples form stays under ``max_bytes``; (triples, cut by rows, by bytes)."""
    taken: list[ox.Triple] = []
    size = 0
    for triple in _guarded(triples):
        size += len(str(triple).encode("utf-8")) + 3
        if size > max_bytes:
            return taken, False, True
        if len(taken) == limit:
            return taken, True, False
        taken.append(triple)
    return taken, False, False


def serialize_answer(
    run: Callable[[], QueryAnswer],
    accept: str | None,
    formats: tuple[str, ...],
    max_results: int,
    max_bytes: int = 1 << 62,
) -> Serialized:
    """Run the query with ``run``, negotiate a format, serialise at most ``max_results`` rows or
    triples and about ``max_bytes`` bytes.

    An answer over a limit runs the query a second time to write the rows that fit.
    """
    answer = run()
    fmt = negotiate(answer_kind(answer), accept, formats)
    if isinstance(answer, ox.QueryBoolean):
        return Serialized(answer.serialize(format=_SOLUTION_FORMATS[fmt.name]) or b"", fmt.media_type)
    if isinstance(answer, ox.QuerySolutions):
        variables = [v.value for v in answer.variables]
        whole = _engine_serialize(answer, fmt, max_results, max_bytes)
        if isinstance(whole, Serialized):
            return whole
        again = run()
        assert isinstance(again, ox.QuerySolutions)
        if whole < max_results:
            return _within_bytes(variables, again, fmt, whole, max_bytes)
        return _truncated(again, fmt, max_results)
    triples, by_rows, by_bytes = _graph_within(answer, max_results, max_bytes)
    body = serialize_graph(triples, fmt)
    return Serialized(
        body, fmt.media_type, len(triples), by_rows or by_bytes, max_results if by_rows else None,
        max_bytes if by_bytes else None,
    )
