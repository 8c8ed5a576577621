"""Exports (app.export.graph): every format re-reads into the graph the mapping built, labels intact.

Each format is read back with the tool an analyst would use (networkx, pydot, rdflib, csv, a
Mermaid line parser) over several selections of the shipped data, and compared node by node
and edge by edge with the networkx graph of the one RDF → networkx mapping.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Callable

import networkx as nx
import pydot
import pyoxigraph as ox
import pytest
import rdflib

from app.core.config import Settings
from app.core.errors import ParameterError, UnknownDocument
from app.core.namespaces import POL, POLG
from app.export.graph import (
    AmbiguousEntity,
    ExportFormat,
    GraphView,
    Selection,
    SelectionTooLarge,
    UnknownEntity,
    build_graph,
    export,
    graph_from_rdf,
    serialise,
)
from app.store.policy_store import PolicyStore
from tests.support.backends import TRANSITIVE_PATHS, fails_on_virtuoso
from tests.support.project import POLID

DOC_52 = POLID + "doc/bo-chinh-tri/2019/52-nq-tw"
DOC_190 = POLID + "doc/tu-quang-tri/2020/190-kh-tu"
DOC_3917 = POLID + "doc/ubnd-quang-tri/2020/3917-ubnd"
DRAFT_QT = POLID + "doc/ubnd-quang-tri/draft/ke-hoach-trien-khai-190-kh-tu"
SO_KHCN_QT = POLID + "agency/quang-tri/so-khcn"
SO_KHCN_LABEL = "Sở Khoa học và Công nghệ tỉnh Quảng Trị"

# Every format is read back for each of these (pydot alone takes ~2 s on the whole graph, so
# the matrix stays at the selections analysts asked for).
SELECTIONS = {
    "whole graph": Selection(),
    "190-KH/TU both ways": Selection(root="190-KH/TU", direction="both"),
    "Sở KH&CN Quảng Trị duties": Selection(agency="Sở KH&CN Quảng Trị"),
}
UP = Selection(root="190-KH/TU", direction="up")

# A graph read back from a file: node id → label, and edges as (source, target, relation, role).
Readback = tuple[dict[str, str], Counter[tuple[str, str, str, str | None]]]


def _from_networkx(graph: nx.MultiDiGraph) -> Readback:
    nodes = {str(n): data["label"] for n, data in graph.nodes(data=True)}
    edges = Counter((str(u), str(v), d["relation"], d.get("role")) for u, v, d in graph.edges(data=True))
    return nodes, edges


def _read_graphml(body: bytes) -> Readback:
    return _from_networkx(nx.read_graphml(io.BytesIO(body), force_multigraph=True, edge_key_type=str))


def _read_gexf(body: bytes) -> Readback:
    return _from_networkx(nx.read_gexf(io.BytesIO(body)))


def _read_cytoscape(body: bytes) -> Readback:
    return _from_networkx(nx.cytoscape_graph(json.loads(body)))


def _read_nodelink(body: bytes) -> Readback:
    return _from_networkx(nx.node_link_graph(json.loads(body), edges="edges"))


def _read_dot(body: bytes) -> Readback:
    [graph] = pydot.graph_from_dot_data(body.decode("utf-8"))

    def text(value: str | None) -> str | None:
        # pydot hands back the quoted DOT string; undo our escaping of backslash and quote.
        if value is None:
            return None
        return re.sub(r'\\(["\\])', r"\1", value[1:-1]) if value.startswith('"') else value

    nodes = {
        text(n.get_name()): text(n.get("label"))
        for n in graph.get_nodes()
        if n.get_name() not in ("node", "graph", "edge")
    }
    edges = Counter(
        (text(e.get_source()), text(e.get_destination()), text(e.get("relation")), text(e.get("role")))
        for e in graph.get_edges()
    )
    return nodes, edges


_MERMAID_NODE = re.compile(r'^  (n\d+)\["(.*)"\]:::[a-z]+$')
_MERMAID_EDGE = re.compile(r'^  (n\d+) -->\|"(.*)"\| (n\d+)$')


def _read_mermaid(body: bytes) -> tuple[dict[str, str], Counter[tuple[str, str, str]]]:
    def unescape(value: str) -> str:
        for code, char in (("#quot;", '"'), ("#lt;", "<"), ("#gt;", ">"), ("#amp;", "&")):
            value = value.replace(code, char)
        return value

    lines = body.decode("utf-8").splitlines()
    assert lines[0] == "flowchart BT"
    nodes = {m[1]: unescape(m[2]) for m in map(_MERMAID_NODE.match, lines) if m}
    edges = Counter((m[1], m[3], unescape(m[2])) for m in map(_MERMAID_EDGE.match, lines) if m)
    # Every line is a node, an edge, a class definition or the header: nothing unparsed.
    assert len(nodes) + sum(edges.values()) + sum(line.startswith("  classDef ") for line in lines) == len(lines) - 1
    return nodes, edges


def _read_rdf(fmt: str) -> Callable[[bytes], Readback]:
    def read(body: bytes) -> Readback:
        if fmt == "trig":
            dataset = rdflib.Dataset()
            dataset.parse(data=body, format="trig")
            graph = rdflib.Graph()
            for s, p, o, _ in dataset.quads():
                graph.add((s, p, o))
        else:
            graph = rdflib.Graph().parse(data=body, format=fmt)
        return _from_networkx(graph_from_rdf(graph))

    return read


def _read_csv(body: bytes) -> Readback:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert sorted(archive.namelist()) == ["edges.csv", "nodes.csv"]
        nodes_rows = list(csv.DictReader(io.StringIO(archive.read("nodes.csv").decode("utf-8"))))
        edge_rows = list(csv.DictReader(io.StringIO(archive.read("edges.csv").decode("utf-8"))))
    nodes = {row["id"]: row["label"] for row in nodes_rows}
    edges = Counter((r["source"], r["target"], r["relation"], r["role"] or None) for r in edge_rows)
    return nodes, edges


READERS: dict[ExportFormat, Callable[[bytes], Readback]] = {
    ExportFormat.graphml: _read_graphml,
    ExportFormat.gexf: _read_gexf,
    ExportFormat.cytoscape: _read_cytoscape,
    ExportFormat.nodelink: _read_nodelink,
    ExportFormat.dot: _read_dot,
    ExportFormat.jsonld: _read_rdf("json-ld"),
    ExportFormat.turtle: _read_rdf("turtle"),
    ExportFormat.trig: _read_rdf("trig"),
    ExportFormat.csv: _read_csv,
}


@pytest.fixture(scope="module")
def views(shipped_store: PolicyStore) -> dict[str, GraphView]:
    """Each selection built once for the module."""
    return {name: build_graph(shipped_store, selection) for name, selection in SELECTIONS.items()}


def test_every_format_has_a_reader() -> None:
    assert set(READERS) | {ExportFormat.mermaid} == set(ExportFormat)


@pytest.mark.parametrize("selection", list(SELECTIONS))
@pytest.mark.parametrize("fmt", [f for f in ExportFormat if f is not ExportFormat.mermaid])
def test_export_reads_back_to_the_same_graph(
    views: dict[str, GraphView], shipped_store: PolicyStore, selection: str, fmt: ExportFormat
) -> None:
    view = views[selection]
    body = serialise(view, fmt, shipped_store)
    nodes, edges = READERS[fmt](body)
    expected_nodes, expected_edges = _from_networkx(view.graph)
    assert len(nodes) == view.graph.number_of_nodes()
    assert sum(edges.values()) == view.graph.number_of_edges()
    # The same nodes with the same labels, diacritics and all, and the same typed edges.
    assert nodes == expected_nodes
    assert edges == expected_edges
    assert all(unicodedata.is_normalized("NFC", label) for label in nodes.values())


@pytest.mark.parametrize("selection", list(SELECTIONS))
def test_mermaid_has_one_line_per_node_and_edge(views: dict[str, GraphView], selection: str) -> None:
    view = views[selection]
    nodes, edges = _read_mermaid(serialise(view, ExportFormat.mermaid))
    assert len(nodes) == view.graph.number_of_nodes()
    assert sum(edges.values()) == view.graph.number_of_edges()
    assert sorted(nodes.values()) == sorted(data["label"] for _, data in view.graph.nodes(data=True))
    ids = {node: f"n{i}" for i, node in enumerate(view.graph.nodes)}
    shown = Counter(
        (ids[u], ids[v], d["relation"] + (f" ({d['role']})" if "role" in d else ""))
        for u, v, d in view.graph.edges(data=True)
    )
    assert edges == shown


@pytest.mark.parametrize("fmt", [ExportFormat.graphml, ExportFormat.gexf])
def test_xml_exports_are_utf8_with_raw_vietnamese(views: dict[str, GraphView], fmt: ExportFormat) -> None:
    body = serialise(views["Sở KH&CN Quảng Trị duties"], fmt)
    assert body.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    # Written as UTF-8 bytes, not as character references a tool might show raw.
    assert SO_KHCN_LABEL.encode("utf-8") in body
    assert b"&#" not in body


def test_whole_graph_counts_match_sparql(views: dict[str, GraphView], shipped_store: PolicyStore) -> None:
    nodes = """SELECT (COUNT(DISTINCT ?n) AS ?count) WHERE {
      ?n a/rdfs:subClassOf* ?c .
      VALUES ?c { pol:PolicyDocument pol:Objective pol:TaskGroup pol:Task pol:Target pol:Agency
                  pol:Indicator pol:Meeting pol:Person } }"""
    edges = """SELECT (COUNT(*) AS ?count) WHERE { SELECT DISTINCT ?s ?p ?o WHERE {
      ?s ?p ?o . FILTER(?p != rdf:type)
      ?s a/rdfs:subClassOf* ?c1 . ?o a/rdfs:subClassOf* ?c2 .
      VALUES ?c1 { pol:PolicyDocument pol:Objective pol:TaskGroup pol:Task pol:Target pol:Agency
                   pol:Indicator pol:Meeting pol:Person }
      VALUES ?c2 { pol:PolicyDocument pol:Objective pol:TaskGroup pol:Task pol:Target pol:Agency
                   pol:Indicator pol:Meeting pol:Person } } }"""
    graph = views["whole graph"].graph
    assert graph.number_of_nodes() == shipped_store.select_python(nodes)[0]["count"]
    assert graph.number_of_edges() == shipped_store.select_python(edges)[0]["count"]


def _documents(view: GraphView) -> set[str]:
    return {n for n, kind in view.graph.nodes(data="kind") if kind == "document"}


def test_lineage_selections_hold_the_documents_of_the_chain(
    views: dict[str, GraphView], shipped_store: PolicyStore
) -> None:
    assert _documents(build_graph(shipped_store, UP)) == {DOC_190, DOC_52}
    down = build_graph(shipped_store, Selection(root="190-KH/TU", direction="down"))
    assert _documents(down) == {DOC_190, DOC_3917, DRAFT_QT}
    assert _documents(views["190-KH/TU both ways"]) == {DOC_190, DOC_52, DOC_3917, DRAFT_QT}
    both = views["190-KH/TU both ways"]
    assert both.root == DOC_190
    assert both.graph.has_edge(DOC_190, DOC_52, key="implements")
    # Down to the departments: the draft's task groups and tasks, and who carries them out.
    assert both.graph.has_node(DRAFT_QT + "/task-group/4/task/2")
    assert both.graph.edges[DRAFT_QT + "/task-group/4/task/2", SO_KHCN_QT, "advisingAgency"]["role"] == "advise"


def test_depth_bounds_the_lineage(shipped_store: PolicyStore) -> None:
    assert _documents(build_graph(shipped_store, Selection(root="52-NQ/TW", direction="down", depth=0))) == {DOC_52}
    one = _documents(build_graph(shipped_store, Selection(root="52-NQ/TW", direction="down", depth=1)))
    two = _documents(build_graph(shipped_store, Selection(root="52-NQ/TW", direction="down", depth=2)))
    assert DOC_190 in one and DOC_3917 not in one
    assert DOC_3917 in two


def test_agency_selection_has_every_duty_with_its_role(views: dict[str, GraphView], shipped_store: PolicyStore) -> None:
    rows = shipped_store.select_python(
        f"""SELECT ?code (COUNT(*) AS ?n) WHERE {{ VALUES ?agency {{ <{SO_KHCN_QT}> }}
             ?concept pol:roleProperty ?p ; skos:notation ?code . ?task ?p ?agency }} GROUP BY ?code"""
    )
    expected = {row["code"]: row["n"] for row in rows}
    graph = views["Sở KH&CN Quảng Trị duties"].graph
    roles = Counter(d["role"] for _, v, d in graph.in_edges(SO_KHCN_QT, data=True) if "role" in d)
    assert roles == expected and sum(expected.values()) == 28
    assert graph.nodes[SO_KHCN_QT]["label"] == SO_KHCN_LABEL
    assert graph.nodes[SO_KHCN_QT]["label_en"] == "Quảng Trị Department of Science and Technology"


def test_node_attributes_of_a_document_and_a_target(views: dict[str, GraphView]) -> None:
    graph = views["190-KH/TU both ways"].graph
    plan = graph.nodes[DOC_190]
    assert plan["kind"] == "document" and plan["type"] == "Plan"
    assert (plan["notation"], plan["date"], plan["issuer"]) == ("190-KH/TU", "2020-08-12", "Tỉnh ủy Quảng Trị")
    assert (plan["jurisdiction"], plan["level"], plan["status"]) == ("Tỉnh Quảng Trị", "provincial", "issued")
    assert graph.nodes[DOC_52]["level"] == "national"
    target = graph.nodes[DOC_190 + "/target/digital-economy-share-grdp-2030"]
    assert (target["target_value"], target["unit"], target["comparator"], target["year"]) == (30.0, "%", "about", 2030)
    assert target["label"] == "Tỷ trọng kinh tế số trong GRDP: ≈30 % (2030)"
    assert graph.nodes[DRAFT_QT]["status"] == "draft" and "notation" not in graph.nodes[DRAFT_QT]


def test_province_selection_stays_in_the_province(shipped_store: PolicyStore) -> None:
    graph = build_graph(shipped_store, Selection(province="Thanh Hóa")).graph
    documents = {graph.nodes[n].get("notation") for n in graph if graph.nodes[n]["kind"] == "document"}
    assert "178" in documents and "190-KH/TU" not in documents
    assert all("Quảng Trị" not in (graph.nodes[n].get("jurisdiction") or "") for n in graph)
    same = build_graph(shipped_store, Selection(province=POLID + "area/thanh-hoa")).graph
    assert sorted(same.nodes) == sorted(graph.nodes)


def test_indicator_selection_holds_every_target_of_it(shipped_store: PolicyStore) -> None:
    graph = build_graph(shipped_store, Selection(indicator="Tỷ trọng kinh tế số trong GRDP")).graph
    rows = shipped_store.select_python(
        f"SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE {{ ?t pol:measures <{POLID}indicator/digital-economy-share-grdp> }}"
    )
    targets = [n for n, kind in graph.nodes(data="kind") if kind == "target"]
    assert len(targets) == rows[0]["n"] == graph.in_degree(POLID + "indicator/digital-economy-share-grdp")


def test_trig_keeps_each_fact_in_its_source_graph(shipped_store: PolicyStore) -> None:
    dataset = rdflib.Dataset()
    dataset.parse(data=serialise(build_graph(shipped_store, UP), ExportFormat.trig, shipped_store), format="trig")
    fact = (rdflib.URIRef(DOC_190), POL.implements, rdflib.URIRef(DOC_52))
    graphs = {str(g) for s, p, o, g in dataset.quads(fact)}
    assert graphs == {str(POLG) + "source/000_5cc84be3d7069e89"}


def test_jsonld_carries_its_context(views: dict[str, GraphView]) -> None:
    document = json.loads(serialise(views["190-KH/TU both ways"], ExportFormat.jsonld))
    assert document["@context"]["pol"] == str(POL)


def test_export_result_names_the_file(shipped_store: PolicyStore) -> None:
    result = export(shipped_store, Selection(root="190-KH/TU", direction="up", depth=3), ExportFormat.csv)
    assert result.filename == "policykg-lineage-tu-quang-tri-2020-190-kh-tu-up-3.csv.zip"
    assert result.media_type == "application/zip" and result.root == DOC_190
    assert (result.nodes, result.edges) == _counts(_read_csv(result.body))


def _counts(readback: Readback) -> tuple[int, int]:
    return len(readback[0]), sum(readback[1].values())


def test_bad_selections_are_refused_with_reasons(shipped_store: PolicyStore) -> None:
    with pytest.raises(ParameterError, match="depth must be between 0 and 10"):
        build_graph(shipped_store, Selection(root="52-NQ/TW", depth=11))
    with pytest.raises(ParameterError, match="one selector at a time"):
        build_graph(shipped_store, Selection(root="52-NQ/TW", agency="so-khcn"))
    with pytest.raises(UnknownDocument) as unknown:
        build_graph(shipped_store, Selection(root="190-KH/TX"))
    assert DOC_190 in [s.iri for s in unknown.value.suggestions]
    with pytest.raises(AmbiguousEntity) as ambiguous:
        build_graph(shipped_store, Selection(agency="so-khcn"))
    assert {c.iri for c in ambiguous.value.candidates} == {SO_KHCN_QT, POLID + "agency/thanh-hoa/so-khcn"}
    # the Đắk Nông plan adds 5G indicators (districts, population, download speed) beside the coverage
    # one: "5G" names them all, and the answer lists them to choose from (app.domain.names)
    with pytest.raises(AmbiguousEntity) as several:
        build_graph(shipped_store, Selection(indicator="5G"))
    offered = [c.iri for c in several.value.candidates]
    assert POLID + "indicator/mobile-5g-coverage" in offered and all("5g" in iri for iri in offered)
    with pytest.raises(UnknownEntity) as no_indicator:
        build_graph(shipped_store, Selection(indicator="7G coverage"))
    assert POLID + "indicator/mobile-5g-coverage" in [s.iri for s in no_indicator.value.suggestions]


def test_too_large_selection_is_refused(shipped_store: PolicyStore) -> None:
    with pytest.raises(SelectionTooLarge, match="more than the limit of 20"):
        build_graph(shipped_store, Selection(root="190-KH/TU"), max_elements=20)
    # Nodes fit, nodes plus edges do not: still refused, with both counts.
    view = build_graph(shipped_store, UP)
    limit = view.graph.number_of_nodes() + 1
    with pytest.raises(SelectionTooLarge, match=f"{view.graph.number_of_edges()} edges"):
        build_graph(shipped_store, UP, max_elements=limit)
    assert build_graph(shipped_store, UP, max_elements=view.elements)


@pytest.mark.parametrize("selection", [Selection(), Selection(root="52-NQ/TW", direction="down")], ids=["whole", "52 down"])
def test_trig_from_a_remote_engine_matches_the_embedded_store(
    request: pytest.FixtureRequest, remote_store_url: str, settings: Settings, selection: Selection
) -> None:
    """The TriG export asks the store which graphs state each triple: over HTTP it must find the same."""
    with (
        fails_on_virtuoso(request, TRANSITIVE_PATHS),
        PolicyStore.from_settings(settings) as local,
        PolicyStore.from_settings(settings.model_copy(update={"store": remote_store_url})) as remote,
    ):
        local.load_project(settings)
        exported = [
            set(ox.parse(serialise(build_graph(store, selection), ExportFormat.trig, store), format=ox.RdfFormat.TRIG))
            for store in (local, remote)
        ]
        assert exported[0] == exported[1]
        assert any(isinstance(q.graph_name, ox.NamedNode) for q in exported[0])


def test_a_csv_export_is_the_same_bytes_each_time(views: dict[str, GraphView], shipped_store: PolicyStore) -> None:
    """The zip carries no clock time, so two exports of one selection compare equal (the remote-engine test does)."""
    import time as _time

    first = serialise(views["whole graph"], ExportFormat.csv, shipped_store)
    _time.sleep(2.1)  # zip timestamps have a 2 s resolution
    assert serialise(views["whole graph"], ExportFormat.csv, shipped_store) == first
