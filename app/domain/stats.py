"""Counts that describe the loaded graph: triples, graphs, instances per class and key entities."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from app.core.namespaces import GRAPH_COUNTS, POL
from app.store.policy_store import PolicyStore

_CLASS_COUNTS = """
SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE {
  ?s a ?class .
  FILTER(STRSTARTS(STR(?class), STR(pol:)))
} GROUP BY ?class ORDER BY ?class"""
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


def _int(value: object) -> int:
    return int(value) if isinstance(value, int | float) else 0


def _count(store: PolicyStore, query: str, bindings: dict[str, ox.NamedNode] | None = None) -> int:
    rows = store.select_python(query, bindings)
    return _int(rows[0].get("n")) if rows else 0


def compute_stats(store: PolicyStore) -> Stats:
    """Count triples, triples per named graph, instances per ``pol:`` class, documents, agencies, tasks, targets."""
    graphs = {str(r["g"]): _int(r["n"]) for r in store.select_python(GRAPH_COUNTS)}
    classes = {str(r["class"]): _int(r["n"]) for r in store.select_python(_CLASS_COUNTS)}
    total = store.triple_count()
    return Stats(
        triples=total,
        graphs=graphs,
        default_graph_triples=total,  # the default graph is the union of the named graphs
        classes=classes,
        documents=_count(store, _DOCUMENTS),
        agencies=_count(store, _AGENCIES),
        tasks=_count(store, _COUNT_OF_CLASS, {"class": ox.NamedNode(str(POL.Task))}),
        targets=_count(store, _COUNT_OF_CLASS, {"class": ox.NamedNode(str(POL.Target))}),
    )
