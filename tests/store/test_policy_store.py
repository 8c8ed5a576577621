"""The store wrapper (app.store.policy_store): loading, graphs, querying, export, on-disk reopen."""

from __future__ import annotations

import datetime as dt
import shutil
import threading
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from app.core.config import Settings
from app.core.errors import (
    ParameterError,
    QueryError,
    QuerySyntaxError,
    QueryTimeout,
    StoreLoadError,
)
from app.core.namespaces import DERIVED_GRAPH, ONTOLOGY_GRAPH
from app.sparql.engine import Dataset
from app.store.backends import EmbeddedBackend
from app.store.policy_store import PolicyStore, Sizes, read_rules
from tests.support.project import DOC_12, DOC_45, DOC_52, FIXTURE_TRIPLES, FIXTURES, PROJECT


def test_load_project_graphs(store: PolicyStore) -> None:
    assert store.triple_count() == FIXTURE_TRIPLES
    assert store.graph_names() == sorted(
        [
            ONTOLOGY_GRAPH,
            "https://w3id.org/policykg/graph/reference",
            "https://w3id.org/policykg/graph/source/national",
            "https://w3id.org/policykg/graph/source/quang-tri",
            "https://w3id.org/policykg/graph/source/ha-tinh",
            "https://w3id.org/policykg/graph/source/cycle",
        ]
    )


def test_turtle_graph_depends_on_directory(tmp_path: Path) -> None:
    onto = tmp_path / "ontology"
    onto.mkdir()
    (onto / "core.ttl").write_text("<http://ex/a> <http://ex/p> <http://ex/b> .\n", encoding="utf-8")
    (tmp_path / "extra.ttl").write_text("<http://ex/c> <http://ex/p> <http://ex/d> .\n", encoding="utf-8")
    with PolicyStore.open() as s:
        assert s.load_files([onto / "core.ttl", tmp_path / "extra.ttl"], ontology_dir=onto) == 2
        assert s.graph_names() == sorted([ONTOLOGY_GRAPH, "https://w3id.org/policykg/graph/extra"])


def test_union_default_graph_joins_across_graphs(store: PolicyStore) -> None:
    # The document is in the quang-tri source graph, its issuer's label in the reference graph.
    rows = store.select_python(
        "SELECT ?d ?name WHERE { ?d pol:issuedBy ?a . ?a rdfs:label ?name }",
        {"d": ox.NamedNode(DOC_45)},
    )
    assert [r["name"] for r in rows] == ["UBND tỉnh Quảng Trị"]


def test_select_returns_terms_and_none_for_unbound(store: PolicyStore) -> None:
    rows = store.select(
        "SELECT ?d ?n ?date WHERE { ?d skos:notation ?n OPTIONAL { ?d pol:issueDate ?date } } ORDER BY ?d",
        {"n": ox.Literal("12/KH-SKHCN")},
    )
    assert rows == [{"d": ox.NamedNode(DOC_12), "n": ox.Literal("12/KH-SKHCN"), "date": None}]


def test_select_python_converts_values(store: PolicyStore) -> None:
    rows = store.select_python(
        "SELECT ?d ?date ?year ?n WHERE { ?d pol:issueDate ?date BIND(YEAR(?date) AS ?year) BIND(1.5 AS ?n) }",
        {"d": ox.NamedNode(DOC_52)},
    )
    assert rows == [{"d": DOC_52, "date": dt.date(2019, 9, 27), "year": 2019, "n": 1.5}]


def test_ask_and_construct(store: PolicyStore) -> None:
    assert store.ask("ASK { ?d pol:implements ?up }", {"d": ox.NamedNode(DOC_45)})
    assert not store.ask("ASK { ?d pol:implements ?up }", {"d": ox.NamedNode(DOC_52)})
    graph = store.construct("CONSTRUCT { ?d pol:implements ?up } WHERE { ?d pol:implements ?up }")
    assert len(graph) == 4
    assert graph.namespace_manager.store.namespace("pol") is not None


def test_construct_triples_are_pyoxigraph_terms(store: PolicyStore) -> None:
    query = "CONSTRUCT { ?d pol:implements ?up } WHERE { ?d pol:implements ?up }"
    triples = store.construct_triples(query, {"d": ox.NamedNode(DOC_45)})
    assert all(isinstance(t, ox.Triple) for t in triples)
    assert {t.subject.value for t in triples} == {DOC_45}
    assert len(store.construct_triples(query)) == len(store.construct(query)) == 4
    with pytest.raises(QueryError, match="expected a CONSTRUCT"):
        store.construct_triples("ASK { ?s ?p ?o }")


def test_query_syntax_error_names_the_position_pyoxigraph_gives(store: PolicyStore) -> None:
    with pytest.raises(QuerySyntaxError, match="at line 1, column 25"):
        store.select("SELECT * WHERE { ?s ?p }")


def test_wrong_query_form(store: PolicyStore) -> None:
    with pytest.raises(QueryError, match="expected a SELECT"):
        store.select("ASK { ?s ?p ?o }")
    with pytest.raises(QueryError, match="expected an ASK"):
        store.ask("SELECT * WHERE { ?s ?p ?o }")


def test_unprojected_binding_is_projected_then_hidden(store: PolicyStore) -> None:
    # pyoxigraph substitutes projected variables only; the store widens a plain SELECT itself.
    query = "# a comment with select\nSELECT DISTINCT ?d WHERE { ?d skos:notation ?n FILTER(STR(?n) = ?want) }"
    result = store.run_select(query, {"want": ox.Literal("45/KH-UBND")})
    assert result.columns == ["d"]
    assert result.python_rows() == [{"d": DOC_45}]


def test_unprojected_binding_in_aggregate_is_a_parameter_error(store: PolicyStore) -> None:
    with pytest.raises(ParameterError, match=r"cannot bind \?o"):
        store.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", {"o": ox.Literal("x")})
    # Projected and grouped, the same binding works.
    rows = store.select_python(
        "SELECT ?o (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?o", {"o": ox.Literal("190-KH/TU")}
    )
    assert rows == [{"o": "190-KH/TU", "n": 2}]


def test_binding_must_be_a_term(store: PolicyStore) -> None:
    with pytest.raises(ParameterError):
        store.select("SELECT * WHERE { ?s ?p ?o }", {"o": "plain str"})  # type: ignore[dict-item]


def test_run_select_truncates_at_limit(store: PolicyStore) -> None:
    result = store.run_select("SELECT ?s ?p ?o WHERE { ?s ?p ?o }", limit=5)
    assert len(result.rows) == 5 and result.truncated
    assert result.columns == ["s", "p", "o"]


def test_bad_turtle_names_file_and_line() -> None:
    with PolicyStore.open() as s, pytest.raises(StoreLoadError) as info:
        s.load_files([FIXTURES / "bad.ttl"])
    assert info.value.path.name == "bad.ttl"
    assert info.value.line == 3
    assert str(info.value).startswith(f"{FIXTURES / 'bad.ttl'}:3:")
    assert "Parser error" not in str(info.value)


def test_missing_and_unsupported_files(tmp_path: Path) -> None:
    with PolicyStore.open() as s:
        with pytest.raises(StoreLoadError, match="cannot read"):
            s.load_files([tmp_path / "missing.ttl"])
        (tmp_path / "x.csv").write_text("a,b\n")
        with pytest.raises(StoreLoadError, match="unsupported"):
            s.load_files([tmp_path / "x.csv"])


def test_rdflib_exports(store: PolicyStore) -> None:
    dataset = store.to_rdflib_dataset()
    named = {str(g.identifier) for g in dataset.graphs() if len(g)}
    assert set(store.graph_names()) <= named
    graph = store.to_rdflib_graph()
    distinct = store.select_python("SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }")
    assert len(graph) == distinct[0]["n"]


def test_on_disk_store_reopens_without_reloading(tmp_path: Path) -> None:
    settings = Settings(root=PROJECT, store=str(tmp_path / "db"))
    with PolicyStore.from_settings(settings) as first:
        assert first.load_project(settings) is True
        count = first.triple_count()
    assert count == FIXTURE_TRIPLES

    # Break the data: the files changed since the load, so a start rebuilds from them, but it reads
    # them all first, so the broken file costs nothing of the store.
    project = tmp_path / "project"
    shutil.copytree(PROJECT, project)
    shutil.copy(FIXTURES / "bad.ttl", project / "data" / "zz-bad.ttl")
    broken = Settings(root=project, store=str(tmp_path / "db"))
    with PolicyStore.from_settings(broken) as second:
        with pytest.raises(StoreLoadError, match=r"zz-bad\.ttl"):
            second.load_project(broken)
        assert second.triple_count() == count
        with pytest.raises(StoreLoadError, match=r"zz-bad\.ttl"):
            second.load_project(broken, reload=True)
        # A failed load leaves the on-disk store empty rather than half loaded.
        assert second.is_empty()

    with PolicyStore.from_settings(settings) as third:
        assert third.load_project(settings) is True
        assert third.triple_count() == count


def test_query_timeout_is_a_domain_error(store: PolicyStore) -> None:
    store.timeout = -1.0  # already past the deadline at the first row
    with pytest.raises(QueryTimeout, match="timeout"):
        store.select("SELECT * WHERE { ?s ?p ?o }")


def test_a_fact_stated_by_two_sources_counts_once(tmp_path: Path) -> None:
    """The default graph is a set union: two sources stating one triple do not double COUNTs."""
    trig = tmp_path / "two.trig"
    trig.write_text(
        "<https://ex.org/g1> { <https://ex.org/d> <https://ex.org/p> <https://ex.org/o> . }\n"
        "<https://ex.org/g2> { <https://ex.org/d> <https://ex.org/p> <https://ex.org/o> . }\n",
        encoding="utf-8",
    )
    settings = Settings(root=tmp_path, ontology_dir=tmp_path / "none", data_dir=tmp_path)
    with PolicyStore.from_settings(settings) as store:
        store.load_project(settings)
        assert store.select_python("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }") == [{"n": 1}]
        assert store.triple_count() == 1
        # 2 stated, 1 union copy; in graph/state 3 of the derivation record, 3 of the load record,
        # 1 of the sizes record (which counts the union once)
        assert store.quad_count() == 10
        assert store.load_record().union_triples == 1
        assert len(store.graph_names()) == 2


def test_a_failing_rule_names_its_file(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "broken.ru").write_text("INSERT { ?s ?p } WHERE { ?s ?p ?o }", encoding="utf-8")
    with pytest.raises(StoreLoadError, match=r"broken.ru: rule failed: error at 1:16"):
        read_rules(rules)
    assert read_rules(tmp_path / "absent").operations == []


def test_rules_may_not_give_one_prefix_two_meanings(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    rule = "PREFIX ex: <{}>\nINSERT {{ ?s ex:p 1 }} WHERE {{ ?s ?p ?o }}"
    (rules / "a.ru").write_text(rule.format("https://ex.org/"), encoding="utf-8")
    (rules / "b.ru").write_text(rule.format("https://other.org/"), encoding="utf-8")
    with pytest.raises(StoreLoadError, match=r"b.ru: prefix ex: is <https://other.org/> here but <https://ex.org/>"):
        read_rules(rules)


def test_a_project_with_a_broken_rule_fails_to_load_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "ontology" / "rules").mkdir(parents=True)
    (tmp_path / "ontology" / "rules" / "broken.ru").write_text("INSERT { ?s ?p } WHERE { ?s ?p ?o }", encoding="utf-8")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "one.ttl").write_text("<https://ex.org/a> <https://ex.org/p> 1 .\n", encoding="utf-8")
    settings = Settings(root=tmp_path, store=str(tmp_path / "store"))
    with PolicyStore.from_settings(settings) as store:
        with pytest.raises(StoreLoadError, match=r"broken\.ru"):
            store.load_project(settings)
        assert store.is_empty()  # a disk store is not left half-loaded, to look loaded next start


class _Recording(EmbeddedBackend):
    """The embedded backend, remembering each update request it is sent."""

    def __init__(self, store: ox.Store) -> None:
        super().__init__(store)
        self.updates: list[str] = []

    def update(self, text: str, *, base_iri: str | None = None, using: Dataset | None = None) -> None:
        self.updates.append(text)
        super().update(text, base_iri=base_iri, using=using)


def test_the_derivation_is_one_update_request(tmp_path: Path) -> None:
    """Union rebuild and rules go to the engine as one request (one transaction in Oxigraph), so a
    reader of a disk store or another replica never sees the default graph empty mid-update.
    Rules ending in a comment or a ';' still join the sequence."""
    rules = tmp_path / "ontology" / "rules"
    rules.mkdir(parents=True)
    (rules / "a.ru").write_text(
        f"INSERT {{ GRAPH <{DERIVED_GRAPH}> {{ ?s <https://ex.org/seen> 1 }} }} WHERE {{ ?s ?p ?o }} ;\n", encoding="utf-8"
    )
    (rules / "b.ru").write_text(  # a prologue, which Oxigraph only accepts at the start of a request
        f"# b\nPREFIX ex: <https://ex.org/>\nINSERT {{ GRAPH <{DERIVED_GRAPH}> {{ ?s ex:also 2 }} }} WHERE {{ ?s ex:p ?o }} # done",
        encoding="utf-8",
    )
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "one.ttl").write_text("<https://ex.org/a> <https://ex.org/p> 1 .\n", encoding="utf-8")
    settings = Settings(root=tmp_path)
    backend = _Recording(ox.Store())
    with PolicyStore(backend, None) as store:
        store.load_project(settings)
        assert len(backend.updates) == 1
        store.update("INSERT DATA { GRAPH <https://ex.org/g> { <https://ex.org/b> <https://ex.org/p> 2 } }")
        assert len(backend.updates) == 2  # the user's update and the whole derivation at once
        seen = "SELECT ?s ?n { ?s <https://ex.org/seen>|<https://ex.org/also> ?n } ORDER BY ?s ?n"
        assert [(r["s"], r["n"]) for r in store.select_python(seen)] == [
            ("https://ex.org/a", 1), ("https://ex.org/a", 2), ("https://ex.org/b", 1), ("https://ex.org/b", 2)
        ]


def test_updates_rebuild_the_union_and_rerun_the_rules(tmp_path: Path) -> None:
    """After an update, the default graph is again the union of the named graphs and the rules' output is current."""
    (tmp_path / "ontology" / "rules").mkdir(parents=True)
    (tmp_path / "ontology" / "rules" / "seen.ru").write_text(
        f"INSERT {{ GRAPH <{DERIVED_GRAPH}> {{ ?s <https://ex.org/seen> true }} }} WHERE {{ ?s a <https://ex.org/Thing> }}",
        encoding="utf-8",
    )
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "one.trig").write_text(
        "<https://ex.org/g1> { <https://ex.org/a> a <https://ex.org/Thing> . }\n", encoding="utf-8"
    )
    settings = Settings(root=tmp_path)
    seen = "SELECT ?s { ?s <https://ex.org/seen> true } ORDER BY ?s"
    things = "SELECT ?s { ?s a <https://ex.org/Thing> } ORDER BY ?s"
    with PolicyStore.from_settings(settings) as store:
        store.load_project(settings)
        assert store.select_python(seen) == [{"s": "https://ex.org/a"}]
        generation = store.generation
        store.update("INSERT DATA { GRAPH <https://ex.org/g1> { <https://ex.org/b> a <https://ex.org/Thing> } }")
        assert store.select_python(things) == [{"s": "https://ex.org/a"}, {"s": "https://ex.org/b"}]
        assert store.select_python(seen) == [{"s": "https://ex.org/a"}, {"s": "https://ex.org/b"}]
        assert store.generation > generation  # caches built from the data (search index) rebuild
        store.update("DELETE DATA { GRAPH <https://ex.org/g1> { <https://ex.org/a> a <https://ex.org/Thing> } }")
        assert store.select_python(things) == [{"s": "https://ex.org/b"}]
        assert store.select_python(seen) == [{"s": "https://ex.org/b"}]
        derived = f"SELECT ?s {{ GRAPH <{DERIVED_GRAPH}> {{ ?s ?p ?o }} }}"
        assert store.select_python(derived) == [{"s": "https://ex.org/b"}]


def test_triples_outside_any_graph_block_keep_the_file_as_their_source(tmp_path: Path) -> None:
    """A TriG file's default-graph triples go to the file's own graph, so an update's union rebuild keeps them."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "loose.trig").write_text(
        "<https://ex.org/a> <https://ex.org/p> 1 .\n<https://ex.org/g> { <https://ex.org/a> <https://ex.org/p> 2 . }\n",
        encoding="utf-8",
    )
    settings = Settings(root=tmp_path)
    with PolicyStore.from_settings(settings) as store:
        store.load_project(settings)
        store.update("INSERT DATA { GRAPH <https://ex.org/g> { <https://ex.org/a> <https://ex.org/p> 3 } }")
        values = "SELECT ?o { <https://ex.org/a> <https://ex.org/p> ?o } ORDER BY ?o"
        assert store.select_python(values) == [{"o": 1}, {"o": 2}, {"o": 3}]
        graphs = "SELECT ?g { GRAPH ?g { <https://ex.org/a> <https://ex.org/p> 1 } }"
        assert store.select_python(graphs) == [{"g": "https://w3id.org/policykg/graph/loose"}]


def test_replicas_learn_of_each_others_updates_at_most_once_per_interval(fresh_remote_url: str) -> None:
    settings = Settings(root=PROJECT, store=fresh_remote_url, change_check_seconds=3600)
    with PolicyStore.from_settings(settings) as first, PolicyStore.from_settings(settings) as second:
        assert first.load_project(settings) and not second.load_project(settings)  # the engine was loaded once
        seen = second.current_generation()
        assert second.current_generation() == seen  # nothing changed
        first.update("INSERT DATA { GRAPH <https://ex.org/g> { <https://ex.org/a> <https://ex.org/p> 1 } }")
        assert second.current_generation() == seen  # not asked again within the interval
        second.change_check_seconds = 0
        assert second.current_generation() == seen + 1
        assert second.current_generation() == seen + 1  # one change, one bump
        first.change_check_seconds = 0
        own = first.generation
        assert first.current_generation() == own  # its own update is no news to it


def test_a_value_per_generation_is_computed_again_only_when_the_data_changes(store: PolicyStore) -> None:
    """Counts kept per generation: reused while the data is the same, recomputed after an update."""
    computed: list[int] = []

    def count() -> int:
        computed.append(store.triple_count())
        return computed[-1]

    first = store.per_generation("triples", count)
    assert store.per_generation("triples", count) == first and len(computed) == 1
    assert store.sizes().triples == first
    store.update("INSERT DATA { GRAPH <https://w3id.org/policykg/graph/source/t> { <urn:x:s> <urn:x:p> 1 } }")
    assert store.per_generation("triples", count) == first + 1 and len(computed) == 2
    assert store.sizes() == Sizes(first + 1, len(store.graph_names()))


def test_concurrent_first_calls_of_a_generation_compute_once(store: PolicyStore) -> None:
    """Load balancers poll /health together after an update: one count, the others wait for it."""
    computed: list[int] = []
    started = threading.Barrier(4)

    def count() -> int:
        computed.append(1)
        time.sleep(0.2)  # a slow count, so the other callers arrive while it runs
        return store.triple_count()

    def call() -> None:
        started.wait()
        results.append(store.per_generation("slow", count))

    results: list[int] = []
    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(computed) == 1
    assert results == [store.triple_count()] * 4
