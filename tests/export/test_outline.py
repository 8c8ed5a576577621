"""The documents-only view of an export (app/export/outline.py): documents, their issuers, counts.

The counts are checked against SPARQL written the other way round, through the responsibility
records (task → pol:hasResponsibility → pol:agent) rather than the role properties the view
reads, and against the full view of each document on its own (what the explorer shows when a
document of the cascade is opened).
"""

from __future__ import annotations

import csv
import io
import zipfile

import pytest

from app.core.errors import ParameterError
from app.core.namespaces import POLID
from app.export.graph import ExportFormat, Selection, ViewCache, build_graph, export
from app.store.policy_store import PolicyStore

NQ57 = POLID + "doc/bo-chinh-tri/2024/57-nq-tw"
# Tasks of a document: in it or in one of its task groups; agencies: those named in the
# responsibility records of those tasks.
_COUNTS = """
SELECT (COUNT(DISTINCT ?task) AS ?tasks) (COUNT(DISTINCT ?agency) AS ?agencies) WHERE {
  VALUES ?d { <%s> }
  { ?d pol:hasTask ?task } UNION { ?d pol:hasTaskGroup ?group . ?group pol:hasTask ?task }
  ?task a pol:Task .
  OPTIONAL { ?task pol:hasResponsibility ?r . ?r pol:agent ?agency }
}"""


def _sparql_counts(store: PolicyStore, document: str) -> tuple[int, int]:
    (row,) = store.select(_COUNTS % document)
    return int(row["tasks"].value), int(row["agencies"].value)  # type: ignore[union-attr]


def test_cascade_of_57_is_its_documents_and_issuers_only(shipped_store: PolicyStore) -> None:
    view = build_graph(shipped_store, Selection(root="57-NQ/TW", direction="down", view="documents"))
    kinds = {data["kind"] for _, data in view.graph.nodes(data=True)}
    assert kinds == {"document", "agency"}
    notations = {data.get("notation") for _, data in view.graph.nodes(data=True) if data["kind"] == "document"}
    # The resolution, the Government's programme, the National Assembly's plan and Quảng Trị's documents.
    assert {"57-NQ/TW", "03/NQ-CP", "3260-KH/ĐĐQH15", "144-CTHĐ/TU", "47/KH-UBND"} <= notations
    issued = {v for _, v, rel in view.graph.edges(keys=True) if rel == "issuedBy"}
    agencies = {n for n, data in view.graph.nodes(data=True) if data["kind"] == "agency"}
    # Every agency in the view issued one of its documents; no responsible agency is left over.
    assert agencies == issued
    assert {data["relation"] for _, _, data in view.graph.edges(data=True)} <= {"implements", "basedOn", "issuedBy", "draftedBy"}
    assert all(view.graph.nodes[u]["kind"] == "document" for u, _ in view.graph.edges())
    assert view.name.endswith("-documents") and view.root == NQ57


def test_counts_equal_what_sparql_says(shipped_store: PolicyStore) -> None:
    view = build_graph(shipped_store, Selection(root="57-NQ/TW", direction="down", view="documents"))
    documents = [(n, data) for n, data in view.graph.nodes(data=True) if data["kind"] == "document"]
    assert any(data["tasks"] > 0 for _, data in documents)  # the view is not all zeros
    for node, data in documents:
        assert (data["tasks"], data["agencies"]) == _sparql_counts(shipped_store, node), data.get("notation")


def test_counts_equal_the_documents_opened_alone(shipped_store: PolicyStore) -> None:
    view = build_graph(shipped_store, Selection(root="57-NQ/TW", direction="down", view="documents"))
    for node, data in view.graph.nodes(data=True):
        if data["kind"] != "document" or not data["tasks"]:
            continue
        full = build_graph(shipped_store, Selection(root=node, direction="down", depth=0)).graph
        tasks = {n for n, d in full.nodes(data=True) if d["kind"] == "task"}
        responsible = {v for u, v, d in full.edges(data=True) if u in tasks and "role" in d}
        assert (data["tasks"], data["agencies"]) == (len(tasks), len(responsible)), data.get("notation")


def test_views_are_cached_apart_and_per_generation(shipped_store: PolicyStore) -> None:
    cache = ViewCache(max_triples=1_000_000)
    documents = build_graph(shipped_store, Selection(root="57-NQ/TW", view="documents"), cache=cache)
    full = build_graph(shipped_store, Selection(root="57-NQ/TW"), cache=cache)
    assert full is not documents and full.graph.number_of_nodes() > documents.graph.number_of_nodes()
    assert build_graph(shipped_store, Selection(root="57-NQ/TW", view="documents"), cache=cache) is documents


def test_documents_view_csv_carries_the_counts(shipped_store: PolicyStore) -> None:
    result = export(shipped_store, Selection(root="57-NQ/TW", direction="down", view="documents"), ExportFormat.csv)
    with zipfile.ZipFile(io.BytesIO(result.body)) as archive:
        rows = list(csv.DictReader(io.StringIO(archive.read("nodes.csv").decode("utf-8"))))
    by_notation = {row["notation"]: row for row in rows if row["kind"] == "document" and row["notation"]}
    tasks, agencies = _sparql_counts(shipped_store, by_notation["03/NQ-CP"]["id"])
    assert (by_notation["03/NQ-CP"]["tasks"], by_notation["03/NQ-CP"]["agencies"]) == (str(tasks), str(agencies))
    assert result.filename.endswith("-documents.csv.zip")


def test_unknown_view_is_refused() -> None:
    with pytest.raises(ParameterError, match="view must be full or documents, not 'outline'"):
        Selection(view="outline").normalised()  # type: ignore[arg-type]


def test_province_documents_view(shipped_store: PolicyStore) -> None:
    view = build_graph(shipped_store, Selection(province="Quảng Trị", view="documents"))
    documents = {n: d for n, d in view.graph.nodes(data=True) if d["kind"] == "document"}
    full = build_graph(shipped_store, Selection(province="Quảng Trị")).graph
    # The same documents as the full view of the province, each with its counts.
    assert set(documents) == {n for n, d in full.nodes(data=True) if d["kind"] == "document"}
    assert all("tasks" in d and "agencies" in d for d in documents.values())
    assert {d["kind"] for _, d in view.graph.nodes(data=True)} == {"document", "agency"}
