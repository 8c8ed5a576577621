"""The W3C SPARQL 1.1 Protocol tests (../shared/conformance/sparql11-protocol), over real HTTP.

Each ``mf:ProtocolTest`` of manifest.ttl is read from the manifest (nothing here restates what a
test expects) and its ``ht:Request``s are sent in order to a live server; the status class, the
result format and the boolean are checked as the manifest says.

How the run is configured, and why:
- The manifest's update tests expect success, so the server has an update token and the harness
  sends ``Authorization: Bearer <token>`` with every request (a request that should fail still
  fails: for its syntax, media type or method, not for lack of a token).
- ``ut:graphData`` files are loaded before a test with an authorised ``INSERT DATA { GRAPH <label>
  { … } }`` of the file's triples (the server reaches no network, so LOAD from a URL is refused
  by design: that is a setting, ``POLICYKG_ALLOWED_REMOTE``, which this test does not use).
- Otherwise the server runs with the shipped settings: no allow-list. The tests name graphs
  (``…/data0.rdf``, ``using-graph-uri``) that no test loads; a graph the store lacks is simply
  empty, as the tests expect.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
import rdflib
from rdflib import RDF, RDFS, Namespace

from app.api import create_app
from app.core.config import Settings
from tests.support.live import serve
from tests.support.oxigraph_server import oxigraph_server
from tests.support.project import PROJECT

SUITE = Path(Settings().root).parent / "shared" / "conformance" / "sparql11-protocol"
MANIFEST = SUITE / "manifest.ttl"
TOKEN = "conformance-token"

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = "http://www.w3.org/2011/http-statusCodes#StatusCode"

RESULT_TYPES = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}


@dataclass(frozen=True)
class Request:
    """One ht:Request with the response the manifest expects."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: frozenset[str]  # status classes: "2", "3", "4"
    result_format: str | None
    boolean: bool | None


@dataclass(frozen=True)
class Case:
    """One mf:ProtocolTest."""

    name: str
    title: str
    graph_data: dict[str, Path] = field(default_factory=dict)
    requests: tuple[Request, ...] = ()


def _items(graph: rdflib.Graph, head: rdflib.term.Node | None) -> list[rdflib.term.Node]:
    return list(rdflib.collection.Collection(graph, head)) if head is not None else []


def _request(graph: rdflib.Graph, node: rdflib.term.Node) -> Request:
    headers = {
        str(graph.value(h, HT.fieldName)): str(graph.value(h, HT.fieldValue))
        for h in _items(graph, graph.value(node, HT.headers))
    }
    body_node = graph.value(node, HT.body)
    body = None
    if body_node is not None:
        encoding = str(graph.value(body_node, CNT.characterEncoding) or "UTF-8")
        body = str(graph.value(body_node, CNT.chars)).encode(encoding)
    response = graph.value(node, HT.resp)
    boolean = graph.value(response, MF.expectedBoolean)
    result_format = graph.value(response, MF.expectedFormat)
    return Request(
        method=str(graph.value(node, HT.methodName)),
        path=str(graph.value(node, HT.absolutePath)),
        headers=headers,
        body=body,
        statuses=frozenset(str(s).removeprefix(HTS)[0] for s in graph.objects(response, MF.expectedStatus)),
        result_format=str(result_format) if result_format is not None else None,
        boolean=bool(boolean.toPython()) if boolean is not None else None,
    )


def load_cases() -> list[Case]:
    """The manifest's tests, in manifest order."""
    graph = rdflib.Graph().parse(MANIFEST, format="turtle", publicID=MANIFEST.as_uri())
    manifest = next(graph.subjects(RDF.type, MF.Manifest))
    cases = []
    for entry in _items(graph, graph.value(manifest, MF.entries)):
        graph_data = {
            str(graph.value(g, RDFS.label)): Path(str(graph.value(g, UT.graph)).removeprefix("file://"))
            for g in graph.objects(entry, UT.graphData)
        }
        action = graph.value(entry, MF.action)
        requests = tuple(_request(graph, r) for r in _items(graph, graph.value(action, HT.requests)))
        name = str(entry).rsplit("#", 1)[-1]
        cases.append(Case(name, str(graph.value(entry, MF.name)), graph_data, requests))
    return cases


CASES = load_cases() if MANIFEST.is_file() else []


@pytest.fixture(autouse=True)
def _suite_present() -> None:
    if not MANIFEST.is_file():
        pytest.skip(f"the W3C protocol tests are not at {SUITE}")


@dataclass(frozen=True)
class Endpoint:
    """A live server under test."""

    base: str


@pytest.fixture(scope="module", params=["memory", "remote"])
def endpoint(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoint]:
    """A live server over a store in memory, or over an Oxigraph server of its own.

    One per backend for the module: every test empties the store first (DROP ALL) and loads
    only its own graphs, so tests cannot see each other's data.
    """
    with ExitStack() as stack:
        store = None
        if request.param == "remote":
            store = stack.enter_context(oxigraph_server(tmp_path_factory.mktemp("oxigraph"))) + "/query"
        settings = Settings(root=PROJECT, store=store, update_token=TOKEN)
        assert settings.allowed_remote == ()
        yield Endpoint(stack.enter_context(serve(create_app(settings))))


def _check(case: Case, request: Request, response: httpx.Response) -> None:
    where = f"{case.name}: {request.method} {request.path}"
    assert response.status_code // 100 in {int(s) for s in request.statuses}, (
        f"{where}: status {response.status_code}, expected {sorted(request.statuses)}xx: {response.text[:300]}"
    )
    media_type = response.headers.get("content-type", "").split(";")[0].strip()
    if request.result_format in ("boolean", "tabular"):
        assert media_type in RESULT_TYPES or (request.result_format == "tabular" and media_type == "text/csv"), where
        if media_type in RESULT_TYPES:
            parsed = ox.parse_query_results(response.content, RESULT_TYPES[media_type])
            if request.result_format == "boolean":
                assert isinstance(parsed, ox.QueryBoolean), where
                if request.boolean is not None:
                    assert bool(parsed) is request.boolean, where
            else:
                assert isinstance(parsed, ox.QuerySolutions), where
                list(parsed)
    elif request.result_format == "RDF":
        rdf_format = ox.RdfFormat.from_media_type(media_type)
        assert rdf_format is not None, f"{where}: {media_type} is not an RDF media type"
        list(ox.parse(response.content, rdf_format))


def test_the_manifest_is_read_whole() -> None:
    assert len(CASES) == 34 and all(case.requests for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_protocol(case: Case, endpoint: Endpoint) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=endpoint.base, timeout=30) as client:
        # Start every test from its own data: nothing but the graphs it names.
        setup = client.post("/sparql", data={"update": "DROP ALL"}, headers=auth)
        assert setup.status_code == 204, setup.text
        for graph, path in case.graph_data.items():
            triples = " .\n".join(str(t) for t in ox.parse(path=SUITE / path.name, format=ox.RdfFormat.N_TRIPLES))
            loaded = client.post(
                "/sparql", content=f"INSERT DATA {{ GRAPH {ox.NamedNode(graph)} {{ {triples} }} }}",
                headers={**auth, "Content-Type": "application/sparql-update"},
            )
            assert loaded.status_code == 204, loaded.text
        for request in case.requests:
            response = client.request(
                request.method, request.path, content=request.body, headers={**auth, **request.headers}
            )
            _check(case, request, response)
