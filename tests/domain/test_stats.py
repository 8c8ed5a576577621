"""Graph statistics (app.domain.stats)."""

from __future__ import annotations

from app.domain.stats import compute_stats
from app.store.policy_store import PolicyStore
from tests.support.project import FIXTURE_TRIPLES

POL = "https://w3id.org/policykg/ontology#"


def test_compute_stats(store: PolicyStore) -> None:
    stats = compute_stats(store)
    assert stats.triples == FIXTURE_TRIPLES
    # The default graph is the union of the named graphs (no fixture triple is stated twice).
    assert sum(stats.graphs.values()) == stats.default_graph_triples == FIXTURE_TRIPLES
    assert stats.graphs["https://w3id.org/policykg/graph/source/ha-tinh"] == 6
    assert stats.classes[POL + "Plan"] == 6
    assert stats.classes[POL + "Resolution"] == 1
    # Documents are typed with subclasses of pol:PolicyDocument only.
    assert (stats.documents, stats.agencies, stats.tasks, stats.targets) == (7, 5, 1, 1)


def test_stats_of_empty_store() -> None:
    with PolicyStore.open() as empty:
        stats = compute_stats(empty)
    assert (stats.triples, stats.graphs, stats.documents, stats.tasks) == (0, {}, 0, 0)


def test_stats_and_void_count_the_same_graph_alike(store: PolicyStore) -> None:
    """/stats and VoID read one set of store counts: their triples, graphs and classes agree."""
    from app.linkeddata.dumps import dataset_statistics

    stats, void = compute_stats(store), dataset_statistics(store)
    assert stats.triples == void.triples == store.triple_count() == FIXTURE_TRIPLES
    assert stats.graphs == {s.graph: s.triples for s in void.subsets} == store.graph_triple_counts()
    assert list(stats.graphs) == store.graph_names()  # /health counts these graphs
    assert stats.classes == {c: n for c, n in void.classes.items() if c.startswith(POL)}
    assert void.classes == store.class_counts() and void.classes[POL + "Plan"] == 6
    assert store.data_quad_count() == sum(stats.graphs.values())
