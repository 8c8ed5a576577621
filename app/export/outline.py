"""The documents-only view of a selection: documents and their issuers, tasks and agencies folded into counts.

A lineage of a national resolution drawn with every task and agency is a hairball; its outline
keeps the documents (and who issued each), and gives every document two numbers: how many tasks
it sets (``tasks``: distinct tasks reached through ``pol:hasTask`` or ``pol:hasTaskGroup``) and how
many agencies hold any role in them (``agencies``: distinct agencies bound to those tasks by a
role concept's ``pol:roleProperty``, the definition the agency selection of an export uses).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyoxigraph as ox

from app.sparql.values import batches, values

if TYPE_CHECKING:
    import networkx as nx

    from app.store.policy_store import PolicyStore

__all__ = ["COUNT_FIELDS", "DocumentCounts", "document_counts", "documents_and_issuers", "fold_into_documents"]

#: The node attributes the outline adds to each document.
COUNT_FIELDS = ("tasks", "agencies")

_DOCUMENTS = """
SELECT DISTINCT ?n ?issuer WHERE {
  %s
  ?n a/rdfs:subClassOf* pol:PolicyDocument .
  OPTIONAL { ?n pol:issuedBy ?issuer }
}"""
# Tasks and agencies are counted in two queries: a document with tasks but no responsible agency
# yet (a draft) still has its tasks counted.
_TASKS = """
SELECT ?d (COUNT(DISTINCT ?task) AS ?count) WHERE {
  %s
  ?d (pol:hasTaskGroup|pol:hasTask)+ ?task .
  ?task a/rdfs:subClassOf* pol:Task .
} GROUP BY ?d"""
_AGENCIES = """
SELECT ?d (COUNT(DISTINCT ?agency) AS ?count) WHERE {
  %s
  ?d (pol:hasTaskGroup|pol:hasTask)+ ?task .
  ?task a/rdfs:subClassOf* pol:Task .
  ?roleConcept pol:roleProperty ?roleProperty .
  ?task ?roleProperty ?agency .
} GROUP BY ?d"""


@dataclass(frozen=True, slots=True)
class DocumentCounts:
    """What a document's node stands for once its parts are folded away."""

    tasks: int = 0
    agencies: int = 0


def documents_and_issuers(store: PolicyStore, iris: Iterable[str]) -> tuple[set[str], set[str]]:
    """The documents among ``iris``, and the agencies that issued them."""
    documents: set[str] = set()
    issuers: set[str] = set()
    for chunk in batches(sorted(iris)):
        for row in store.select(_DOCUMENTS % values("n", chunk)):
            document, issuer = row["n"], row["issuer"]
            if isinstance(document, ox.NamedNode):
                documents.add(document.value)
                if isinstance(issuer, ox.NamedNode):
                    issuers.add(issuer.value)
    return documents, issuers


def document_counts(store: PolicyStore, documents: Iterable[str]) -> dict[str, DocumentCounts]:
    """Each document's number of tasks and of agencies responsible for them (zero when none)."""
    found: dict[str, dict[str, int]] = {d: {} for d in documents}
    for field, template in (("tasks", _TASKS), ("agencies", _AGENCIES)):
        for chunk in batches(sorted(found)):
            for row in store.select(template % values("d", chunk)):
                document, count = row["d"], row["count"]
                if isinstance(document, ox.NamedNode) and isinstance(count, ox.Literal):
                    found[document.value][field] = int(count.value)
    return {d: DocumentCounts(**counts) for d, counts in found.items()}


def fold_into_documents(graph: nx.MultiDiGraph, counts: dict[str, DocumentCounts]) -> nx.MultiDiGraph:
    """The graph with only links from documents (lineage, issuer), each document carrying its counts."""
    import networkx as nx

    folded = nx.MultiDiGraph()
    for node, data in graph.nodes(data=True):
        extra = {}
        if data.get("kind") == "document":
            tally = counts.get(node, DocumentCounts())
            extra = {"tasks": tally.tasks, "agencies": tally.agencies}
        folded.add_node(node, **data, **extra)
    # An issuer's own links (part of another agency) would join rows the view keeps apart.
    for source, target, key, data in graph.edges(keys=True, data=True):
        if graph.nodes[source].get("kind") == "document":
            folded.add_edge(source, target, key=key, **data)
    return folded
