"""The one module that writes RDF terms into SPARQL text: whatever a term holds, it stays one term."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from app.sparql.values import VALUES_BATCH, batches, bind, iri_list, term, values, values_rows

XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
EX = "https://example.org/"

# Lexical forms that would end a string, a group or the query if pasted as text.
HOSTILE = [
    'say "hi"',
    "it's",
    "line\nbreak\r\n",
    "a } ; DROP ALL ; SELECT * { ?s ?p ?o",
    "ends with a backslash \\",
    '""" } INSERT DATA { <x:a> <x:b> <x:c> } #',
    "<https://evil.example/> >",
    "Sở Khoa học và Công nghệ 中文 🙂",
]


def _roundtrip(literal: ox.Literal) -> ox.Literal:
    """The value a query returns when ``literal`` is bound by a VALUES clause."""
    store = ox.Store()
    rows = list(store.query(f"SELECT ?x WHERE {{ {values('x', [literal])} }}"))  # type: ignore[union-attr]
    assert len(rows) == 1
    value = rows[0]["x"]
    assert isinstance(value, ox.Literal)
    return value


@pytest.mark.parametrize("text", HOSTILE)
@pytest.mark.parametrize("language", [None, "vi", "en-GB"])
def test_a_literal_comes_back_from_a_query_unchanged(text: str, language: str | None) -> None:
    literal = ox.Literal(text, language=language) if language else ox.Literal(text)
    assert _roundtrip(literal) == literal


def test_a_datatyped_literal_keeps_its_datatype() -> None:
    literal = ox.Literal("42", datatype=XSD_INTEGER)
    back = _roundtrip(literal)
    assert back.datatype == XSD_INTEGER and back.value == "42"


@pytest.mark.parametrize("bad", ["https://example.org/a b", "https://example.org/a>b", "x:a}", 'x:"q"', "no scheme"])
def test_a_string_that_is_not_an_iri_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        term(bad)


def test_a_unicode_iri_is_written_as_is() -> None:
    assert term(EX + "đổi-mới") == f"<{EX}đổi-mới>"


def test_blank_nodes_and_quoted_triples_are_refused() -> None:
    with pytest.raises(ValueError, match="blank node"):
        term(ox.BlankNode("b1"))
    triple = ox.Triple(ox.NamedNode(EX + "s"), ox.NamedNode(EX + "p"), ox.Literal("o"))
    with pytest.raises(ValueError):
        term(triple)
    with pytest.raises(ValueError):
        values("x", [ox.BlankNode()])  # type: ignore[list-item]


def test_an_invalid_variable_name_is_refused() -> None:
    with pytest.raises(ValueError):
        values("x } DROP ALL", [EX + "a"])
    with pytest.raises(ValueError):
        values_rows(["a", "b c"], [(EX + "a", EX + "b")])


def test_values_binds_every_term_and_nothing_else() -> None:
    store = ox.Store()
    iris = [EX + f"n{i}" for i in range(5)]
    rows = store.query(f"SELECT ?x WHERE {{ {values('x', iris)} }}")
    assert sorted(row["x"].value for row in rows) == iris  # type: ignore[union-attr]
    assert iri_list(iris) == " ".join(f"<{i}>" for i in iris)


def test_values_rows_binds_rows_with_integers() -> None:
    store = ox.Store()
    clause = values_rows(("i", "s", "o"), [(0, EX + "a", ox.Literal("x\ny")), (-3, EX + "b", ox.Literal("z", language="vi"))])
    rows = list(store.query(f"SELECT ?i ?s ?o WHERE {{ {clause} }} ORDER BY ?i"))  # type: ignore[union-attr]
    assert [(int(r["i"].value), r["s"].value, r["o"]) for r in rows] == [
        (-3, EX + "b", ox.Literal("z", language="vi")),
        (0, EX + "a", ox.Literal("x\ny")),
    ]


def test_a_row_of_the_wrong_width_is_refused() -> None:
    with pytest.raises(ValueError, match="2 terms for 3 variables"):
        values_rows(("a", "b", "c"), [(EX + "a", EX + "b")])


def test_bind_matches_pyoxigraph_substitutions() -> None:
    """What a remote engine is sent answers as the embedded store's own substitutions do."""
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode(EX + "a"), ox.NamedNode(EX + "p"), ox.Literal(HOSTILE[3])))
    store.add(ox.Quad(ox.NamedNode(EX + "b"), ox.NamedNode(EX + "p"), ox.Literal("other")))
    query = "SELECT ?s ?o ?wanted WHERE { ?s ?p ?o FILTER(?o = ?wanted) }"
    wanted = {ox.Variable("wanted"): ox.Literal(HOSTILE[3])}
    native = [(r["s"], r["o"], r["wanted"]) for r in store.query(query, substitutions=wanted)]  # type: ignore[union-attr]
    spliced = [(r["s"], r["o"], r["wanted"]) for r in store.query(bind(query, wanted))]  # type: ignore[union-attr]
    assert spliced == native == [(ox.NamedNode(EX + "a"), ox.Literal(HOSTILE[3]), ox.Literal(HOSTILE[3]))]
    assert bind(query, None) == query


def test_batches_cover_every_item_once_in_order() -> None:
    items = list(range(2 * VALUES_BATCH + 7))
    parts = list(batches(items))
    assert [len(p) for p in parts] == [VALUES_BATCH, VALUES_BATCH, 7]
    assert [x for p in parts for x in p] == items
    assert list(batches([])) == []
    assert [list(p) for p in batches([1, 2, 3], 2)] == [[1, 2], [3]]
    with pytest.raises(ValueError):
        list(batches(items, 0))


def test_a_boolean_cell_is_refused_not_written_as_an_integer() -> None:
    with pytest.raises(ValueError, match="boolean"):
        values_rows(("flag",), [(True,)])  # type: ignore[list-item]
