"""Counts that describe the loaded graph: triples, graphs, instances per class and key entities."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from app.core.namespaces import POL
from app.store.policy_store import PolicyStore

# Subclass closure because data may type a document pol:Plan without also stating pol:PolicyDocument.
# ?class is projected and grouped on because pyoxigraph only substitutes projected variables.
_COUNT_OF_CLASS = "SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a/rdfs:subClassOf* ?class } GROUP BY ?class"
_DOCUMENTS = """
SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {
  { ?s a/rdfs:subClassOf* pol:PolicyDocument } UNION { ?s pol:issuedBy ?issuer }
}"""
_AGENCIES = """
SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {
  { ?s a/rdfs:subClassOf* pol:Agency } UNION { ?doc pol:issuedBy ?s }
}"""


@dataclass(frozen=True, slots=True)
class Stats:
    """Size of the loaded graph."""

    triples: int
    graphs: dict[str, int] = field(default_factory=dict)
    default_graph_triples: int = 0
    classes: dict[str, int] = field(default_factory=dict)
    documents: int = 0
    agencies: int = 0
    tasks: int = 0
    targets: int = 0


def compute_stats(store: PolicyStore) -> Stats:
    """The graph's counts, computed once per generation of the store's data (``_count_stats``)."""
    return store.per_generation("stats", lambda: _count_stats(store))


def _count_stats(store: PolicyStore) -> Stats:
    """Count triples, triples per named graph, instances per ``pol:`` class, documents, agencies, tasks, targets."""
    classes = {c: n for c, n in store.class_counts().items() if c.startswith(str(POL))}
    total = store.triple_count()
    return Stats(
        triples=total,
        graphs=store.graph_triple_counts(),
        default_graph_triples=total,  # the default graph is the union of the named graphs
        classes=classes,
        documents=store.count(_DOCUMENTS),
        agencies=store.count(_AGENCIES),
        tasks=store.count(_COUNT_OF_CLASS, {"class": ox.NamedNode(str(POL.Task))}),
        targets=store.count(_COUNT_OF_CLASS, {"class": ox.NamedNode(str(POL.Target))}),
    )
