"""app.safety: finding what a query or update reaches outside the store, and refusing it."""

from __future__ import annotations

import pytest

from app.backends import Dataset
from app.errors import QueryRefused, QuerySyntaxError
from app.safety import AllowList, Reference, check, dataset_references, default_graph_writes, references

BASE = "http://localhost:8000/sparql"


def kinds(text: str, *, update: bool = False) -> list[tuple[str, str | None]]:
    return [(r.kind, r.iri) for r in references(text, update=update, base_iri=BASE)]


def test_dataset_clauses_and_services_are_found_wherever_they_hide() -> None:
    query = """
    BASE <http://b.example/dir/>
    PREFIX e: <http://e.example/>
    SELECT * FROM <file:///etc/passwd> FROM NAMED e:named WHERE {
      OPTIONAL { SERVICE SILENT <relative> { ?s ?p ?o } }
      FILTER EXISTS { SERVICE <http://127.0.0.1:9999/sparql> { ?s ?p ?o } }
      { SELECT ?s WHERE { MINUS { SERVICE ?endpoint { ?s ?p ?o } } } }
    }"""
    assert kinds(query) == [
        ("FROM", "file:///etc/passwd"),
        ("FROM NAMED", "http://e.example/named"),
        ("SERVICE", "http://b.example/dir/relative"),
        ("SERVICE", "http://127.0.0.1:9999/sparql"),
        ("SERVICE", None),
    ]


def test_update_references() -> None:
    update = """PREFIX e: <http://e.example/>
    LOAD SILENT <file:///etc/passwd> INTO GRAPH e:g ;
    WITH e:w DELETE { ?s ?p ?o } USING e:u USING NAMED <http://n.example/> WHERE { ?s ?p ?o }"""
    assert kinds(update, update=True) == [
        ("LOAD", "file:///etc/passwd"),
        ("WITH", "http://e.example/w"),
        ("USING", "http://e.example/u"),
        ("USING NAMED", "http://n.example/"),
    ]


def test_unicode_escapes_do_not_hide_a_keyword() -> None:
    assert kinds(r"SELECT * { \u0053ERVICE <http://x.example/> { ?s ?p ?o } }") == [("SERVICE", "http://x.example/")]


def test_words_in_strings_and_comments_are_not_references() -> None:
    assert kinds('SELECT * { ?s ?p "from the service, with love" } # LOAD <file:///etc/passwd>') == []


def test_unparseable_text_with_a_keyword_is_a_syntax_error_naming_the_position() -> None:
    with pytest.raises(QuerySyntaxError, match=r"line 1, column \d+"):
        references("SELECT * FROM <http://x/> { ?s ?p }", update=False, base_iri=BASE)


def test_text_without_any_keyword_is_not_parsed() -> None:
    # Invalid SPARQL, but it cannot reach anywhere: the engine's parser will report it.
    assert references("SELECT * { ?s ?p }", update=False, base_iri=BASE) == []


def test_unknown_prefix_is_a_syntax_error() -> None:
    with pytest.raises(QuerySyntaxError, match="zz"):
        references("SELECT * FROM zz:g { ?s ?p ?o }", update=False, base_iri=BASE)


def test_allow_list_prefixes_do_not_leak_to_lookalike_hosts() -> None:
    allowed = AllowList.of(["http://127.0.0.1:8000", " https://data.example/graphs/ ", ""])
    assert allowed.prefixes == ("http://127.0.0.1:8000/", "https://data.example/graphs/")
    assert allowed.allows("http://127.0.0.1:8000/sparql")
    assert not allowed.allows("http://127.0.0.1:8000.evil.example/")
    assert not allowed.allows("https://data.example/other")


def test_check_refuses_outside_references_and_allows_store_graphs() -> None:
    graphs_asked = []

    def store_graphs() -> set[str]:
        graphs_asked.append(1)
        return {"https://w3id.org/policykg/graph/reference"}

    allowed = AllowList.of(["http://allowed.example/"])
    check([Reference("SERVICE", "http://allowed.example/sparql")], allowed, store_graphs)
    assert graphs_asked == []  # no graph reference: the store was not asked
    check([Reference("FROM", "https://w3id.org/policykg/graph/reference")], allowed, store_graphs)
    refused = [
        (Reference("SERVICE", "http://127.0.0.1:1/sparql"), "SERVICE <http://127.0.0.1:1/sparql> is refused"),
        (Reference("LOAD", "https://w3id.org/policykg/graph/reference"), "LOAD"),
        (Reference("FROM", "file:///etc/passwd"), "not a graph of this store"),
        (Reference("SERVICE", None), "a variable"),
        (Reference("default-graph-uri", "http://elsewhere.example/"), "default-graph-uri=http://elsewhere.example/"),
    ]
    for reference, needle in refused:
        with pytest.raises(QueryRefused, match=needle):
            check([reference], allowed, store_graphs)


def test_dataset_references_name_the_protocol_parameter() -> None:
    dataset = Dataset(("http://a/",), ("http://b/",))
    assert [r.kind for r in dataset_references(dataset, update=False)] == ["default-graph-uri", "named-graph-uri"]
    assert [r.kind for r in dataset_references(dataset, update=True)] == ["using-graph-uri", "using-named-graph-uri"]


@pytest.mark.parametrize(
    ("update", "writes"),
    [
        ("INSERT DATA { GRAPH <https://ex.org/g> { <https://ex.org/s> <https://ex.org/p> 1 } }", []),
        (("INSERT DATA { GRAPH <https://ex.org/g> { <https://ex.org/s> <https://ex.org/p> 1 } "
          "<https://ex.org/s> <https://ex.org/p> 2 }"), ["INSERT DATA"]),
        ("DELETE DATA { <https://ex.org/s> <https://ex.org/p> 1 }", ["DELETE DATA"]),
        ("DELETE WHERE { ?s ?p ?o }", ["DELETE WHERE"]),
        ("DELETE WHERE { GRAPH ?g { ?s ?p ?o } }", []),
        ("WITH <https://ex.org/g> DELETE { ?s ?p ?o } INSERT { ?s ?p 2 } WHERE { ?s ?p ?o }", []),
        ("INSERT { ?s ?p 2 } WHERE { GRAPH ?g { ?s ?p ?o } }", ["INSERT { … } without GRAPH or WITH"]),
        ("CLEAR ALL ; DROP NAMED ; CLEAR GRAPH <https://ex.org/g> ; CREATE GRAPH <https://ex.org/h>", []),
        ("CLEAR DEFAULT ; DROP DEFAULT", ["CLEAR DEFAULT", "DROP DEFAULT"]),
        ("COPY DEFAULT TO <https://ex.org/g> ; COPY <https://ex.org/g> TO <https://ex.org/h>", []),
        ("MOVE DEFAULT TO <https://ex.org/g> ; ADD <https://ex.org/g> TO DEFAULT",
         ["MOVE … DEFAULT", "ADD … DEFAULT"]),
        ("LOAD <https://ex.org/x> ; LOAD <https://ex.org/y> INTO GRAPH <https://ex.org/g>", ["LOAD without INTO GRAPH"]),
    ],
)
def test_default_graph_writes_are_found(update: str, writes: list[str]) -> None:
    """Each operation that would write the default graph is named; reads of it and named-graph writes are not."""
    assert default_graph_writes(update) == writes
