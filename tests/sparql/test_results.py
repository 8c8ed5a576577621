"""app.sparql.results: answers written by pyoxigraph's serialisers, rows counted from the bytes, cut at the limit."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from itertools import pairwise

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.sparql.engine import QueryAnswer
from app.sparql.protocol import SOLUTION_FORMATS
from app.sparql.results import ROW_COUNTERS, serialize_answer

FORMATS = {f.name: f for f in SOLUTION_FORMATS}
OX_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
# Text that imitates the structure each counter looks for, so a counter that reads inside strings fails.
TRICKY = ["},{", '},{"', "[{", "}}", "<result>", "\\", '\\"', '"', "\n", "\r\n", "\t", ",", "Sở KH&CN", "đ", "{}"]

texts = st.lists(st.sampled_from(TRICKY) | st.text(max_size=4), max_size=6).map("".join)
terms = st.one_of(
    st.none(),  # unbound
    texts.map(lambda t: {"type": "literal", "value": t}),
    st.tuples(texts, st.sampled_from(["vi", "en"])).map(lambda p: {"type": "literal", "value": p[0], "xml:lang": p[1]}),
    st.integers().map(lambda i: {"type": "literal", "value": str(i),
                                 "datatype": "http://www.w3.org/2001/XMLSchema#integer"}),
    st.integers(0, 99).map(lambda i: {"type": "uri", "value": f"https://w3id.org/policykg/id/x{i}"}),
    st.integers(0, 99).map(lambda i: {"type": "bnode", "value": f"b{i}"}),
)
VARIABLES = ["a", "b", "type"]  # a variable named "type" shares its key with the term objects
solutions = st.lists(st.fixed_dictionaries(dict.fromkeys(VARIABLES, terms)), max_size=12)


def results_json(rows: list[dict[str, dict[str, str] | None]], variables: list[str] = VARIABLES) -> bytes:
    """A SPARQL JSON document for ``rows`` (unbound variables left out)."""
    bindings = [{k: v for k, v in row.items() if v is not None} for row in rows]
    return json.dumps({"head": {"vars": variables}, "results": {"bindings": bindings}}).encode()


def answer(document: bytes) -> ox.QuerySolutions:
    """A fresh solutions iterator over ``document``."""
    parsed = ox.parse_query_results(document, ox.QueryResultsFormat.JSON)
    assert isinstance(parsed, ox.QuerySolutions)
    return parsed


def row_count(body: bytes, fmt: str) -> int:
    """Rows of ``body`` as read back by pyoxigraph's parser (or csv for CSV, which it cannot read)."""
    if fmt == "csv":
        return len(list(csv.reader(io.StringIO(body.decode(), newline="")))) - 1
    return len(list(ox.parse_query_results(body, OX_FORMATS[fmt])))  # type: ignore[arg-type]


@pytest.mark.parametrize("fmt", sorted(ROW_COUNTERS))
@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=solutions, cuts=st.lists(st.integers(min_value=0, max_value=4000), max_size=8))
def test_counters_count_rows_wherever_the_chunks_are_cut(
    fmt: str, rows: list[dict[str, dict[str, str] | None]], cuts: list[int]
) -> None:
    """Each format's counter finds the rows pyoxigraph wrote, however the bytes arrive in chunks."""
    body = answer(results_json(rows)).serialize(format=OX_FORMATS[fmt]) or b""
    counter = ROW_COUNTERS[fmt]()
    seen = 0
    edges = sorted({0, len(body), *(c % (len(body) + 1) for c in cuts)})
    for start, end in pairwise(edges):
        seen = counter.feed(body[start:end])
    assert seen == len(rows) == row_count(body, fmt)


@pytest.mark.parametrize("fmt", sorted(ROW_COUNTERS))
@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=solutions)
def test_quick_counts_never_undercount(fmt: str, rows: list[dict[str, dict[str, str] | None]]) -> None:
    """The quick count (strings not skipped) may count too many rows, never too few: it decides the fast path."""
    body = answer(results_json(rows)).serialize(format=OX_FORMATS[fmt]) or b""
    counter = ROW_COUNTERS[fmt](exact=False)
    seen = [counter.feed(body[i:i + 7]) for i in range(0, len(body), 7)]
    assert (seen[-1] if seen else 0) >= len(rows)


@pytest.mark.parametrize("fmt", sorted(ROW_COUNTERS))
@pytest.mark.parametrize("size", [1, 2, 3, 5])
def test_counters_read_escapes_split_across_chunks(fmt: str, size: int) -> None:
    """A backslash or doubled quote at the end of one chunk still escapes the start of the next."""
    rows = [{"a": {"type": "literal", "value": value}, "b": None, "type": None}
            for value in [*TRICKY, '\\"},{"', '\\\\', 'x\\', '""},{', '\\\\"[{']]
    body = answer(results_json(rows)).serialize(format=OX_FORMATS[fmt]) or b""
    counter = ROW_COUNTERS[fmt]()
    seen = [counter.feed(body[i:i + size]) for i in range(0, len(body), size)]
    assert seen[-1] == len(rows) == row_count(body, fmt)


@pytest.mark.parametrize("fmt", sorted(ROW_COUNTERS))
def test_a_solution_with_no_bindings_is_a_row(fmt: str) -> None:
    """``SELECT * {}`` has one empty row, and ``SELECT ?x {} LIMIT 0`` none: both counted right."""
    store = ox.Store()
    for query, expected in (("SELECT * {}", 1), ("SELECT ?x {} LIMIT 0", 0), ("SELECT ?x {} VALUES ?x {1 2}", 2)):
        body = store.query(query).serialize(format=OX_FORMATS[fmt]) or b""  # type: ignore[union-attr]
        counter = ROW_COUNTERS[fmt]()
        assert counter.feed(body) == expected, (query, body)


def runs(document: bytes) -> tuple[Callable[[], QueryAnswer], list[int]]:
    """A query runner over ``document`` that records how often it was called."""
    calls: list[int] = []

    def run() -> QueryAnswer:
        calls.append(1)
        return answer(document)

    return run, calls


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=solutions, limit=st.integers(min_value=1, max_value=10))
def test_answers_are_whole_documents_cut_at_the_limit(
    fmt: str, rows: list[dict[str, dict[str, str] | None]], limit: int
) -> None:
    """Under the limit the body is pyoxigraph's own, run once; over it, exactly ``limit`` rows, flagged."""
    document = results_json(rows)
    run, calls = runs(document)
    result = serialize_answer(run, None, (fmt,), limit)
    assert result.media_type == FORMATS[fmt].media_type
    assert row_count(result.body, fmt) == min(len(rows), limit)
    assert result.count in (None, min(len(rows), limit))
    assert result.truncated == (len(rows) > limit)
    if len(rows) <= limit:
        assert result.body == answer(document).serialize(format=OX_FORMATS[fmt])
        assert len(calls) == 1
    else:
        assert len(calls) == 2  # the second run is read row by row up to the limit


def test_truncated_rows_are_the_first_rows_in_order() -> None:
    """A cut answer keeps the rows the engine gave first, with their terms intact (diacritics too)."""
    rows = [{"a": {"type": "literal", "value": f"Sở KH&CN {i}", "xml:lang": "vi"}, "b": None, "type": None}
            for i in range(7)]
    run, _ = runs(results_json(rows))
    result = serialize_answer(run, "application/sparql-results+json", (), 3)
    bindings = json.loads(result.body)["results"]["bindings"]
    assert [b["a"]["value"] for b in bindings] == ["Sở KH&CN 0", "Sở KH&CN 1", "Sở KH&CN 2"]
    assert bindings[0]["a"]["xml:lang"] == "vi" and result.truncated and result.limit == 3


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_strings_that_look_like_rows_do_not_cut_an_answer(fmt: str) -> None:
    """Literals full of row separators push the quick count past the limit; the exact count keeps the answer whole."""
    rows = [{"a": {"type": "literal", "value": '},{"x":{}},{[{' * 5 + "\n" * 5}, "b": None, "type": None}
            for _ in range(3)]
    document = results_json(rows)
    run, calls = runs(document)
    result = serialize_answer(run, None, (fmt,), 3)
    assert not result.truncated and len(calls) == 1
    assert result.body == answer(document).serialize(format=OX_FORMATS[fmt])
