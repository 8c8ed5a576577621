"""Dumps and the VoID description (app.linkeddata.dumps): every dump re-reads into the store's quads,
every VoID count equals the SPARQL count it stands for."""

from __future__ import annotations

import io
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from typer.testing import CliRunner

from app.cli.commands import app as cli
from app.core.namespaces import STATE_GRAPH
from app.linkeddata.dumps import (
    DATASET_IRI,
    DUMPS,
    VOID,
    DumpFormat,
    dump_chunks,
    void_description,
    write_dump,
)
from app.store.policy_store import PolicyStore
from tests.support.project import FIXTURE_TRIPLES, PROJECT

# rdflib's own TriG parser still builds a ConjunctiveGraph inside; not our code.
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")

V = rdflib.Namespace(VOID)
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
RDFLIB_QUAD_FORMAT = {DumpFormat.trig: "trig", DumpFormat.nq: "nquads"}


def named_quads(store: PolicyStore) -> set[tuple[str, str, str, str]]:
    """The store's named-graph quads as N-Triples-ish strings (blank nodes excepted in fixtures),
    without the service's state graph (the record of the last derivation, not data)."""
    return {
        (str(q.subject), str(q.predicate), str(q.object), str(q.graph_name))
        for q in store.raw
        if not isinstance(q.graph_name, ox.DefaultGraph) and q.graph_name.value != STATE_GRAPH
    }


def reread(data: bytes, fmt: DumpFormat) -> rdflib.Dataset | rdflib.Graph:
    if fmt is DumpFormat.ttl:
        return rdflib.Graph().parse(data=data, format="turtle")
    dataset = rdflib.Dataset()
    dataset.parse(data=data, format=RDFLIB_QUAD_FORMAT[fmt])
    return dataset


@pytest.mark.parametrize("batch_size", [20_000, 7])  # 7: graphs span batches, prefixes stated once
@pytest.mark.parametrize("fmt", list(DumpFormat))
def test_dump_rereads_into_the_same_quads(store: PolicyStore, fmt: DumpFormat, batch_size: int) -> None:
    data = b"".join(dump_chunks(store, fmt, batch_size))
    parsed = reread(data, fmt)
    if fmt is DumpFormat.ttl:
        assert len(parsed) == store.triple_count() == FIXTURE_TRIPLES
    else:
        assert isinstance(parsed, rdflib.Dataset)
        quads = {(s.n3(), p.n3(), o.n3(), g.n3()) for s, p, o, g in parsed.quads((None, None, None, None))}
        assert len(quads) == store.data_quad_count() == len(named_quads(store))
        # pyoxigraph's str() of a term is N-Triples, like rdflib's n3() for IRIs and plain literals
        assert {q[3] for q in quads} == {f"<{g}>" for g in store.graph_names()}
    if fmt is not DumpFormat.nq:
        assert data.count(b"@prefix pol:") == 1


@pytest.mark.parametrize("fmt", [DumpFormat.trig, DumpFormat.nq])
def test_quad_dumps_leave_out_the_derived_default_graph(store: PolicyStore, fmt: DumpFormat) -> None:
    parsed = reread(b"".join(dump_chunks(store, fmt)), fmt)
    assert isinstance(parsed, rdflib.Dataset)
    assert len(parsed.default_graph) == 0
    assert {str(g) for _, _, _, g in parsed.quads((None, None, None, None))} == set(store.graph_names())


def test_empty_store_dumps_are_valid() -> None:
    with PolicyStore.open() as empty:
        for fmt in DumpFormat:
            parsed = reread(b"".join(dump_chunks(empty, fmt)), fmt)
            assert len(parsed) == 0


def test_write_dump_counts_bytes(store: PolicyStore) -> None:
    out = io.BytesIO()
    assert write_dump(store, DumpFormat.trig, out) == len(out.getvalue()) > 0


def void_of(store: PolicyStore) -> rdflib.Graph:
    text = void_description(store, "http://127.0.0.1:9/").serialize(format="turtle")
    return rdflib.Graph().parse(data=text, format="turtle")


def single_int(graph: rdflib.Graph, subject: rdflib.term.Node, predicate: rdflib.URIRef) -> int:
    (value,) = graph.objects(subject, predicate)
    return int(value)


def count(store: PolicyStore, query: str) -> int:
    return int(store.select_python(query)[0]["n"])  # type: ignore[arg-type]


def test_void_counts_equal_sparql_counts(store: PolicyStore) -> None:
    g = void_of(store)
    ds = rdflib.URIRef(DATASET_IRI)
    assert (ds, rdflib.RDF.type, V.Dataset) in g
    assert single_int(g, ds, V.triples) == store.triple_count() == FIXTURE_TRIPLES
    assert single_int(g, ds, V.distinctSubjects) == count(store, "SELECT (COUNT(DISTINCT ?s) AS ?n) { ?s ?p ?o }")
    assert single_int(g, ds, V.distinctObjects) == count(store, "SELECT (COUNT(DISTINCT ?o) AS ?n) { ?s ?p ?o }")
    classes = {g.value(part, V["class"]): int(g.value(part, V.entities)) for part in g.objects(ds, V.classPartition)}
    expected = {
        rdflib.URIRef(str(r["c"])): r["n"]
        for r in store.select_python("SELECT ?c (COUNT(DISTINCT ?s) AS ?n) { ?s a ?c } GROUP BY ?c")
    }
    assert classes == expected and classes[rdflib.URIRef("https://w3id.org/policykg/ontology#Plan")] == 6
    properties = {g.value(p, V.property): int(g.value(p, V.triples)) for p in g.objects(ds, V.propertyPartition)}
    assert sum(properties.values()) == FIXTURE_TRIPLES
    assert single_int(g, ds, V.properties) == len(properties)
    subsets = {s: single_int(g, s, V.triples) for s in g.objects(ds, V.subset)}
    assert {str(s) for s in subsets} == set(store.graph_names())
    stated = store.select_python(
        f"SELECT ?g (COUNT(*) AS ?n) {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != <{STATE_GRAPH}>) }} GROUP BY ?g"
    )
    assert {str(s): n for s, n in subsets.items()} == {r["g"]: r["n"] for r in stated}


def test_void_links_license_endpoint_and_dumps(store: PolicyStore) -> None:
    g = void_of(store)
    ds = rdflib.URIRef(DATASET_IRI)
    assert g.value(ds, DCT.license) == rdflib.URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert {lit.language for lit in g.objects(ds, DCT.title)} == {"vi", "en"}
    assert g.value(ds, V.sparqlEndpoint) == rdflib.URIRef("http://127.0.0.1:9/sparql")
    assert set(g.objects(ds, V.dataDump)) == {
        rdflib.URIRef(f"http://127.0.0.1:9/download/{spec.filename}") for spec in DUMPS.values()
    }


def test_void_subsets_of_source_graphs_name_their_article(store: PolicyStore) -> None:
    source = "https://w3id.org/policykg/id/source/quang-tri"
    graph = ox.NamedNode("https://w3id.org/policykg/graph/source/quang-tri")
    record = (
        ox.NamedNode(source),
        ox.NamedNode(str(rdflib.RDF.type)),
        ox.NamedNode("https://w3id.org/policykg/ontology#SourceArticle"),
    )
    store.raw.extend([ox.Quad(*record, graph), ox.Quad(*record, ox.DefaultGraph())])
    g = void_of(store)
    assert g.value(rdflib.URIRef(graph.value), DCT.source) == rdflib.URIRef(source)
    # no record for the reference graph: no dcterms:source rather than a dangling one
    assert g.value(rdflib.URIRef("https://w3id.org/policykg/graph/reference"), DCT.source) is None


@pytest.mark.parametrize("fmt", list(DumpFormat))
def test_cli_dump_writes_the_file(tmp_path: Path, store: PolicyStore, fmt: DumpFormat) -> None:
    out = tmp_path / f"dump.{fmt.value}"
    result = CliRunner().invoke(
        cli, ["dump", "--format", fmt.value, "--out", str(out)], env={"POLICYKG_ROOT": str(PROJECT)}
    )
    assert result.exit_code == 0, result.output
    assert not out.with_name(out.name + ".part").exists()
    parsed = reread(out.read_bytes(), fmt)
    assert len(parsed) == (FIXTURE_TRIPLES if fmt is DumpFormat.ttl else store.data_quad_count())


def test_cli_dump_to_stdout_and_bad_target(tmp_path: Path) -> None:
    env = {"POLICYKG_ROOT": str(PROJECT)}
    result = CliRunner().invoke(cli, ["dump", "-f", "nq"], env=env)
    assert result.exit_code == 0 and result.stdout.count("\n") == len(reread(result.stdout_bytes, DumpFormat.nq))
    missing = tmp_path / "no" / "such" / "dir" / "x.trig"
    result = CliRunner().invoke(cli, ["dump", "--out", str(missing)], env=env)
    assert result.exit_code == 2 and result.stderr.startswith("error: ") and "Traceback" not in result.output
