"""The API tests of /health, /api/stats, /api/lineage and /api/queries, run again with the store in a
remote engine — a real Oxigraph server (``POLICYKG_STORE=http://…/query``) and a real Virtuoso
(``…/sparql``) — instead of the embedded one.

The test functions are those of their own modules, imported unchanged: pytest collects them here
and gives them this module's ``client`` fixture, so both backends must pass the very same tests.
Then every GET route of the API, on the shipped data, must answer over each engine as it does over
the embedded store.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

import httpx
import pytest
import rdflib
from fastapi.testclient import TestClient
from rdflib.compare import to_canonical_graph

from app.api import create_app
from app.core.config import Settings
from app.endpoint.catalog import load_catalog
from tests.api.test_health import test_health, test_openapi_lists_routes, test_stats
from tests.api.test_lineage import (
    test_ambiguous_notation_is_409_with_both_candidates,
    test_by_iri_and_bad_input,
    test_issuer_disambiguates,
    test_lineage_by_notation,
    test_unknown_document_is_404_with_suggestions,
)
from tests.api.test_queries import (
    test_bad_params_are_422,
    test_injection_attempt_returns_no_rows,
    test_integer_values_are_json_numbers,
    test_list_queries,
    test_missing_param_is_422_naming_it,
    test_run_query,
    test_unknown_query_is_404,
)
from tests.conftest import ROOT
from tests.support.backends import ENGINES, ScratchEngine, load_project_into
from tests.support.oxigraph_server import oxigraph_server
from tests.support.project import PROJECT
from tests.support.quality import quality_report

__all__ = [
    "test_ambiguous_notation_is_409_with_both_candidates",
    "test_bad_params_are_422",
    "test_by_iri_and_bad_input",
    "test_health",
    "test_injection_attempt_returns_no_rows",
    "test_integer_values_are_json_numbers",
    "test_issuer_disambiguates",
    "test_lineage_by_notation",
    "test_list_queries",
    "test_missing_param_is_422_naming_it",
    "test_openapi_lists_routes",
    "test_run_query",
    "test_stats",
    "test_unknown_document_is_404_with_suggestions",
    "test_unknown_query_is_404",
]


@pytest.fixture(scope="module")
def client(remote_store_url: str) -> Iterator[TestClient]:
    """The app over the fixture project held by each remote engine (read-only tests)."""
    with TestClient(create_app(Settings(root=PROJECT, store=remote_store_url))) as test_client:
        yield test_client


# Every GET route of the API, with a typical request on the shipped data. The table must name each
# route of the OpenAPI schema, so a new route cannot skip the remote engine unnoticed.
_RDF = {
    "application/n-triples": "nt",
    "application/n-quads": "nquads",
    "text/turtle": "turtle",
    "application/trig": "trig",
}
ROUTES: dict[str, list[tuple[str, dict[str, str]]]] = {
    "/health": [("/health", {})],
    "/api/stats": [("/api/stats", {})],
    "/api/queries": [("/api/queries", {})],
    # every named query, with the values of its `# example:` line
    "/api/queries/{name}": [(f"/api/queries/{q.name}", q.examples) for q in load_catalog(ROOT / "queries").values()],
    "/api/lineage": [("/api/lineage", {"document": "190-KH/TU"})],
    "/api/responsible": [("/api/responsible", {"q": "trung tâm đổi mới sáng tạo"})],
    "/api/duties": [("/api/duties", {"agency": "Sở KH&CN Quảng Trị"})],
    "/api/indicators": [("/api/indicators", {"q": "kinh te so GRDP"})],
    "/api/quality": [("/api/quality", {})],
    "/api/analytics": [("/api/analytics", {})],
    "/api/export": [("/api/export", {"format": f, "root": "190-KH/TU"}) for f in ("trig", "graphml", "cytoscape", "csv")]
    + [("/api/export", {"format": "nodelink"})],
    "/id/{path}": [("/id/doc/tu-quang-tri/2020/190-kh-tu", {"format": "nt"}), ("/id/doc/tu-quang-tri/2020/190-kh-tu", {})],
    "/ontology": [("/ontology", {"format": "nt"}), ("/ontology", {})],
    "/dump": [("/dump", {"format": f}) for f in ("trig", "nq", "ttl")],
    "/download/{filename}": [("/download/policykg.nq", {}), ("/download/policykg.trig", {})],
    "/.well-known/void": [("/.well-known/void", {"format": "nt"})],
    "/void": [("/void", {"format": "nt"})],
    "/sparql": [("/sparql", {"query": "SELECT ?d ?n WHERE { ?d <http://www.w3.org/2004/02/skos/core#notation> ?n } ORDER BY ?d ?n"})],
    "/api/sources": [("/api/sources", {})],
    # the gazetteer extraction reads, over each engine
    "/api/extract/agencies": [("/api/extract/agencies", {"label": "Sở Khoa học và Công nghệ", "province": "quang-tri"})],
    "/api/documents": [("/api/documents", {"province": "quang-tri", "sort": "notation"})],
    "/api/documents/{key}": [("/api/documents/tu-quang-tri/2020/190-kh-tu", {})],
    "/api/cascade": [("/api/cascade", {"document": "57-NQ/TW"}), ("/api/cascade", {"document": "52-NQ/TW", "format": "csv"})],
    "/api/deadlines": [("/api/deadlines", {"province": "vn", "today": "2025-07-01"}),
                       ("/api/deadlines", {"agency": "Bộ Khoa học và Công nghệ", "today": "2025-07-01", "format": "csv"})],
}
#: Routes that only write (no GET to compare): where each is tested over a remote engine.
WRITE_ONLY = {
    "/api/ingest": "tests/api/test_ingest.py::test_ingest_replace_and_retract_over_a_remote_oxigraph",
    "/api/sources/{name}": "tests/api/test_ingest.py::test_ingest_replace_and_retract_over_a_remote_oxigraph",
}
#: Routes answered to a POST only, which read the store through the gazetteer compared above.
POST_ONLY = {
    "/api/extract": "tests/api/test_extract.py",
    "/api/extract/draft": "tests/api/test_extract.py",
}
CASES = [(path, params) for requests in ROUTES.values() for path, params in requests]


@pytest.fixture(scope="module")
def shipped_oxigraph_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The app over the shipped data held by a real Oxigraph server."""
    with (
        oxigraph_server(tmp_path_factory.mktemp("oxigraph-shipped")) as base,
        TestClient(create_app(Settings(root=ROOT, store=f"{base}/query"))) as test_client,
    ):
        yield test_client


@pytest.fixture(scope="module")
def _shipped_virtuoso_apps() -> Iterator[list[TestClient]]:
    """The started app over the shipped data on Virtuoso (at most one), stopped with the module."""
    apps: list[TestClient] = []
    yield apps
    for app in apps:
        app.__exit__(None, None, None)


@pytest.fixture
def shipped_virtuoso_client(virtuoso_scratch: ScratchEngine, _shipped_virtuoso_apps: list[TestClient]) -> TestClient:
    """The app over the shipped data held by the session's scratch Virtuoso (loaded again, and the
    app started again, only when a writing test emptied it in between)."""
    if virtuoso_scratch.claim("shipped", lambda url: load_project_into(url, ROOT)) or not _shipped_virtuoso_apps:
        while _shipped_virtuoso_apps:
            _shipped_virtuoso_apps.pop().__exit__(None, None, None)
        app = TestClient(create_app(Settings(root=ROOT, store=virtuoso_scratch.url)))
        _shipped_virtuoso_apps.append(app.__enter__())
    return _shipped_virtuoso_apps[0]


@pytest.fixture(params=ENGINES)
def shipped_remote_client(request: pytest.FixtureRequest) -> TestClient:
    """The app over the shipped data held by each remote engine."""
    client: TestClient = request.getfixturevalue(f"shipped_{request.param}_client")
    return client


def test_the_route_table_covers_the_api(shipped_client: TestClient) -> None:
    assert set(shipped_client.get("/openapi.json").json()["paths"]) == set(ROUTES) | set(WRITE_ONLY) | set(POST_ONLY)


def _content(response: httpx.Response) -> object:
    """What must be equal between the two stores: parsed JSON, RDF graph by graph with blank nodes
    canonically relabelled (each store labels its own), or the bytes."""
    kind = response.headers["content-type"].split(";")[0]
    if kind == "application/json":
        return response.json()
    if kind in _RDF:
        dataset = rdflib.Dataset()
        dataset.parse(data=response.content, format=_RDF[kind])
        return {
            str(graph.identifier): set(to_canonical_graph(graph))
            for graph in dataset.graphs()
            if len(graph)
        }
    if kind == "text/html":
        return None  # pages: a 200 is what is compared (their links are checked elsewhere)
    return response.content


# Where Virtuoso 7.2.5 answers otherwise, and why (docs-fragments/virtuoso.md). Each must still fail:
# a route that starts to agree fails the test until it is taken off this list.
_PATH_BOTH_ENDS_FREE = "Virtuoso refuses a transitive path (p+, p*) with neither end bound: 'transitive start not given'"
_OPTIONALS = "Virtuoso leaves OPTIONAL values unbound (and drops rows) in a join with a transitive path"
VIRTUOSO_DIFFERS = {
    "/api/quality": (
        "Virtuoso's SPARQL compiler refuses a compiled SHACL check (SQ074): the maintained findings are "
        "never ready, so /api/quality keeps answering 503"
    ),
    "/api/queries/agency-duties": _OPTIONALS,
    "/api/queries/lineage-down": _OPTIONALS,
    "/api/queries/lineage-up": _OPTIONALS,
    "/api/analytics": _PATH_BOTH_ENDS_FREE,
    "/api/export": _PATH_BOTH_ENDS_FREE,
    "/id/doc/tu-quang-tri/2020/190-kh-tu": (
        "the HTML page's describe query makes Virtuoso's SPARQL compiler fail "
        "(sparp_check_field_mapping_spo: internal error)"
    ),
}


def _known_difference(request: pytest.FixtureRequest, path: str, params: dict[str, str]) -> str | None:
    if request.node.callspec.params.get("shipped_remote_client") != "virtuoso":
        return None
    if path.startswith("/id/") and params:
        return None  # the N-Triples description agrees; only the page fails
    return VIRTUOSO_DIFFERS.get(path)


@pytest.mark.parametrize(("path", "params"), CASES, ids=[f"{p}?{urlencode(q)}" for p, q in CASES])
def test_every_route_answers_the_same_over_a_remote_engine(
    request: pytest.FixtureRequest,
    shipped_client: TestClient,
    shipped_remote_client: TestClient,
    path: str,
    params: dict[str, str],
) -> None:
    known = _known_difference(request, path, params)
    if path == "/api/quality":
        # Computed in the background after the start (503 until then) on each server.
        embedded, remote = quality_report(shipped_client), quality_report(shipped_remote_client, 5 if known else 120)
    else:
        embedded = shipped_client.get(path, params=params)
        remote = shipped_remote_client.get(path, params=params)
    try:
        assert embedded.status_code == remote.status_code == 200, remote.text[:300]
        assert _content(remote) == _content(embedded)
    except AssertionError:
        if known:
            pytest.xfail(known)
        raise
    assert known is None, f"{path} now answers the same on Virtuoso: take it off VIRTUOSO_DIFFERS"
