"""GET /api/export and GET /api/analytics on the shipped data: formats, headers, and every 4xx."""

from __future__ import annotations

import io
import json
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor

import httpx
import networkx as nx
import pytest
from fastapi.testclient import TestClient

from app.api import create_app
from app.core.config import Settings
from app.export.graph import ExportFormat, export
from tests.support.live import serve
from tests.support.project import POLID

DOC_190 = POLID + "doc/tu-quang-tri/2020/190-kh-tu"


@pytest.mark.parametrize(
    ("fmt", "media_type", "extension"),
    [
        ("graphml", "application/graphml+xml", "graphml"),
        ("gexf", "application/gexf+xml", "gexf"),
        ("cytoscape", "application/json", "cyjs"),
        ("nodelink", "application/json", "json"),
        ("dot", "text/vnd.graphviz; charset=utf-8", "dot"),
        ("mermaid", "text/plain; charset=utf-8", "mmd"),
        ("jsonld", "application/ld+json", "jsonld"),
        ("turtle", "text/turtle; charset=utf-8", "ttl"),
        ("trig", "application/trig", "trig"),
        ("csv", "application/zip", "csv.zip"),
    ],
)
def test_each_format_downloads_with_its_media_type(
    shipped_client: TestClient, fmt: str, media_type: str, extension: str
) -> None:
    response = shipped_client.get("/api/export", params={"format": fmt, "root": "190-KH/TU", "direction": "up"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == media_type
    disposition = response.headers["content-disposition"]
    assert disposition == f'attachment; filename="policykg-lineage-tu-quang-tri-2020-190-kh-tu-up-10.{extension}"'
    assert response.headers["x-graph-root"] == DOC_190
    assert (response.headers["x-graph-nodes"], response.headers["x-graph-edges"]) == ("11", "11")


def test_cytoscape_json_is_what_the_explorer_draws(shipped_client: TestClient) -> None:
    response = shipped_client.get("/api/export", params={"format": "cytoscape", "root": "190-KH/TU"})
    data = response.json()
    notations = {n["data"].get("notation") for n in data["elements"]["nodes"]}
    assert {"190-KH/TU", "52-NQ/TW", "3917/UBND"} <= notations
    graph = nx.cytoscape_graph(data)
    assert graph.number_of_nodes() == int(response.headers["x-graph-nodes"])
    assert graph.number_of_edges() == int(response.headers["x-graph-edges"])


def test_whole_graph_csv_zip(shipped_client: TestClient) -> None:
    response = shipped_client.get("/api/export", params={"format": "csv"})
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        nodes = archive.read("nodes.csv").decode("utf-8").splitlines()
        edges = archive.read("edges.csv").decode("utf-8").splitlines()
    assert len(nodes) - 1 == int(response.headers["x-graph-nodes"])
    assert len(edges) - 1 == int(response.headers["x-graph-edges"])
    assert nodes[0].startswith("id,kind,type,label,label_en,notation,date,issuer,jurisdiction")
    assert any("Sở Khoa học và Công nghệ tỉnh Quảng Trị" in line for line in nodes)


def test_selectors_by_name(shipped_client: TestClient) -> None:
    for params in ({"agency": "Sở KH&CN Quảng Trị"}, {"area": "Quảng Trị"}, {"indicator": "mobile-5g-coverage"}):
        response = shipped_client.get("/api/export", params={"format": "nodelink", **params})
        assert response.status_code == 200, (params, response.text)
        assert json.loads(response.content)["nodes"]


def test_accept_header_picks_the_format(shipped_client: TestClient) -> None:
    gexf = shipped_client.get("/api/export", params={"root": "52-NQ/TW"}, headers={"Accept": "text/turtle;q=0.5, application/gexf+xml"})
    assert gexf.headers["content-type"] == "application/gexf+xml"
    default = shipped_client.get("/api/export", params={"root": "52-NQ/TW"}, headers={"Accept": "*/*"})
    assert default.headers["content-disposition"].endswith('.json"') and "nodes" in default.json()


def test_unknown_format_is_406_listing_the_formats(shipped_client: TestClient) -> None:
    """Like every route's ``format``: a name the route cannot serve is a 406 that lists what it can."""
    response = shipped_client.get("/api/export", params={"format": "svg"})
    assert response.status_code == 406
    body = response.json()
    assert "format='svg'" in body["detail"] and set(body["formats"]) == {fmt.value for fmt in ExportFormat}


def test_unacceptable_accept_is_406_listing_the_formats(shipped_client: TestClient) -> None:
    response = shipped_client.get("/api/export", headers={"Accept": "text/html"})
    assert response.status_code == 406
    body = response.json()
    assert "text/html" in body["detail"] and body["formats"]["gexf"] == "application/gexf+xml"
    assert set(body["formats"]) == {fmt.value for fmt in ExportFormat}


def test_unknown_root_is_404_with_close_matches(shipped_client: TestClient) -> None:
    response = shipped_client.get("/api/export", params={"format": "dot", "root": "190-KH/TX"})
    assert response.status_code == 404
    assert DOC_190 in [s["iri"] for s in response.json()["suggestions"]]


def test_unknown_and_ambiguous_agency(shipped_client: TestClient) -> None:
    unknown = shipped_client.get("/api/export", params={"agency": "Sở Khoa học tỉnh Nghệ An"})
    assert unknown.status_code == 404 and "no agency matches" in unknown.json()["detail"]
    ambiguous = shipped_client.get("/api/export", params={"agency": "so-khcn"})
    assert ambiguous.status_code == 409
    assert len(ambiguous.json()["candidates"]) == 2


@pytest.mark.parametrize("depth", ["-1", "11", "deep"])
def test_depth_outside_0_to_10_is_422(shipped_client: TestClient, depth: str) -> None:
    response = shipped_client.get("/api/export", params={"root": "52-NQ/TW", "depth": depth})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "depth"]
    assert "query parameter 'depth'" in response.json()["detail"]


def test_two_selectors_and_bad_direction_are_422(shipped_client: TestClient) -> None:
    both = shipped_client.get("/api/export", params={"root": "52-NQ/TW", "agency": "Sở KH&CN Quảng Trị"})
    assert both.status_code == 422 and "one selector at a time" in both.json()["detail"]
    sideways = shipped_client.get("/api/export", params={"root": "52-NQ/TW", "direction": "sideways"})
    assert sideways.status_code == 422


def test_too_large_selection_is_413(shipped_client: TestClient) -> None:
    response = shipped_client.get("/api/export", params={"format": "cytoscape", "max_elements": 100})
    assert response.status_code == 413
    body = response.json()
    assert body["limit"] == 100 and body["elements"] > 100
    assert "narrow it" in body["detail"]


def test_analytics(shipped_client: TestClient) -> None:
    response = shipped_client.get("/api/analytics")
    assert response.status_code == 200
    body = response.json()
    assert body["agencies"][0]["label"] == "Sở Khoa học và Công nghệ tỉnh Quảng Trị"
    assert body["agencies"][0]["roles"] == {"advise": 4, "assigned": 17, "coordinate": 2, "draft": 6, "lead": 5}
    # the one duty count: what /api/duties reports for the same agency
    duties = shipped_client.get("/api/duties", params={"agency": body["agencies"][0]["iri"]}).json()
    assert body["agencies"][0]["total"] == duties["task_count"] == 34
    assert body["documents"][0]["document"]["notation"] == "57-NQ/TW"  # widest fan-out since the real passages
    assert "02-NQ/TW" in [s["document"]["notation"] for s in body["chain_stops"]]
    assert body["component_count"] == len(body["components"])
    assert sum(c["size"] for c in body["components"]) == body["nodes"]


def test_an_export_after_an_update_shows_the_update(client: TestClient) -> None:
    """Graph views are kept between exports (ViewCache), but never across a change of the data."""
    store = client.app.state.store  # type: ignore[attr-defined]
    params = {"format": "nodelink", "root": "52-NQ/TW", "direction": "down"}
    before = client.get("/api/export", params=params)
    assert client.get("/api/export", params={**params, "format": "csv"}).status_code == 200
    assert before.status_code == 200 and client.get("/api/export", params=params).content == before.content
    new = POLID + "doc/test/2026/99-kh-test"
    root = next(n["id"] for n in before.json()["nodes"] if n.get("notation") == "52-NQ/TW")
    source = next(iter(store.graph_names()))
    store.update(
        f"""PREFIX pol: <https://w3id.org/policykg/ontology#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        INSERT DATA {{ GRAPH <{source}> {{
          <{new}> a pol:Plan ; skos:notation "99-KH/TEST" ; pol:implements <{root}> . }} }}"""
    )
    after = client.get("/api/export", params=params)
    assert after.status_code == 200
    assert new in {n["id"] for n in after.json()["nodes"]}
    assert new not in {n["id"] for n in before.json()["nodes"]}


def test_exports_computed_at_once_are_bounded(shipped_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """A burst of exports takes at most ``export_concurrency`` (2) threads; the others wait their turn."""
    from app.api.routers import export as router

    lock, running, peak = threading.Lock(), [0], [0]

    def counted(*args: object, **kwargs: object) -> object:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        try:
            time.sleep(0.2)  # long enough for the whole burst to arrive meanwhile
            return export(*args, **kwargs)  # type: ignore[arg-type]
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(router, "export", counted)
    with serve(create_app(shipped_settings)) as url, httpx.Client(base_url=url, timeout=60) as http:
        params = {"format": "cytoscape", "root": "190-KH/TU"}
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(lambda _: http.get("/api/export", params=params).status_code, range(8)))
    assert statuses == [200] * 8
    assert 1 <= peak[0] <= 2, f"{peak[0]} exports ran at once"


def test_api_documents_view_and_a_bad_view(shipped_client: TestClient) -> None:
    response = shipped_client.get(
        "/api/export", params={"format": "cytoscape", "root": "57-NQ/TW", "direction": "down", "view": "documents"}
    )
    assert response.status_code == 200 and response.headers["x-graph-root"] == "https://w3id.org/policykg/id/doc/bo-chinh-tri/2024/57-nq-tw"
    nodes = [n["data"] for n in response.json()["elements"]["nodes"]]
    assert {n["kind"] for n in nodes} == {"document", "agency"}
    assert all(isinstance(n["tasks"], int) and isinstance(n["agencies"], int) for n in nodes if n["kind"] == "document")
    bad = shipped_client.get("/api/export", params={"root": "57-NQ/TW", "view": "outline"})
    assert bad.status_code == 422 and "view" in bad.json()["detail"]
