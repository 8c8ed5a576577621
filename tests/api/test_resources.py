"""GET /id/{path}: linked-data dereferencing with content negotiation, 404 with close matches, 406."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pyoxigraph as ox
import pytest
import rdflib
import rdflib.compare
from fastapi.testclient import TestClient

from app.api import create_app
from app.core.config import Settings
from app.store.policy_store import PolicyStore
from tests.support.backends import VIRTUOSO_PAGE, fails_on_virtuoso
from tests.support.linked_data import (
    FORMAT_NAMES,
    RDF_GRAPH_FORMATS,
    RDFLIB_PARSER_WARNINGS,
    media_type,
    parse_graph,
)
from tests.support.project import DOC_12, DOC_45, DOC_QT_190, POLID

pytestmark = RDFLIB_PARSER_WARNINGS

POL = rdflib.Namespace("https://w3id.org/policykg/ontology#")
SKOS = rdflib.Namespace("http://www.w3.org/2004/02/skos/core#")


def path_of(iri: str) -> str:
    return "/id/" + iri.removeprefix(POLID)


class Links(HTMLParser):
    """The hrefs and the text of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.hrefs += [value for name, value in attrs if name in ("href", "src") and value]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def links(html: str) -> Links:
    parser = Links()
    parser.feed(html)
    return parser


@pytest.mark.parametrize("accept", list(RDF_GRAPH_FORMATS))
def test_each_rdf_format_parses_back_to_the_same_description(client: TestClient, accept: str) -> None:
    response = client.get(path_of(DOC_45), headers={"Accept": accept})
    assert response.status_code == 200 and media_type(response) == accept
    assert response.headers["vary"] == "Accept"
    graph = parse_graph(response)
    reference = parse_graph(client.get(path_of(DOC_45), headers={"Accept": "application/n-triples"}))
    assert len(graph) == len(reference) > 0
    assert rdflib.compare.isomorphic(graph, reference)
    doc = rdflib.URIRef(DOC_45)
    assert (doc, SKOS.notation, rdflib.Literal("45/KH-UBND")) in graph
    assert (rdflib.URIRef(DOC_12), POL.implements, doc) in graph  # incoming link


@pytest.mark.parametrize(("name", "expected"), list(FORMAT_NAMES.items()))
def test_format_parameter_overrides_accept(client: TestClient, name: str, expected: str) -> None:
    response = client.get(path_of(DOC_45), params={"format": name}, headers={"Accept": "text/html"})
    assert response.status_code == 200 and media_type(response) == expected
    assert len(parse_graph(response)) > 0


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),  # a browser
        ("*/*", "text/html"),
        ("", "text/html"),  # no preference
        ("text/turtle;q=0.5, application/ld+json;q=0.9", "application/ld+json"),
        ("application/json", "application/ld+json"),
        ("application/x-turtle", "text/turtle"),
        ("text/*;q=0.3, application/rdf+xml", "application/rdf+xml"),
        ("text/html;q=0, */*", "text/turtle"),
        ("image/png, text/turtle;q=0.1", "text/turtle"),
    ],
)
def test_accept_negotiation(client: TestClient, accept: str, expected: str) -> None:
    response = client.get(path_of(DOC_45), headers={"Accept": accept})
    assert response.status_code == 200 and media_type(response) == expected
    assert response.headers["vary"] == "Accept"


@pytest.mark.parametrize(("accept", "params"), [("image/png", {}), ("text/html;q=0", {}), (None, {"format": "pdf"})])
def test_unsupported_type_is_406_naming_the_formats(client: TestClient, accept: str | None, params: dict) -> None:
    response = client.get(path_of(DOC_45), params=params, headers={"Accept": accept} if accept else {})
    assert response.status_code == 406
    assert response.headers["vary"] == "Accept"
    detail = response.json()["detail"]
    assert "available:" in detail and "text/turtle" in detail and (accept or params["format"]) in detail


def test_html_page_shows_labels_numbers_links_and_sources(client: TestClient) -> None:
    response = client.get(path_of(DOC_12), headers={"Accept": "text/html"})
    assert response.status_code == 200 and media_type(response) == "text/html"
    page = links(response.text)
    text = " ".join(page.text)
    assert "Kế hoạch của Sở Khoa học và Công nghệ" in text and "12/KH-SKHCN" in text
    # the plan it implements is a link to its page here, shown with its number
    assert path_of(DOC_45) in page.hrefs and "45/KH-UBND" in text
    assert path_of(DOC_12 + "/task/1") in page.hrefs
    assert "/ontology#implements" in page.hrefs and "/ontology#Plan" in page.hrefs
    assert "/?root=https%3A%2F%2Fw3id.org%2Fpolicykg%2Fid%2Fdoc%2Fquang-tri-so-khcn%2F2022%2F12-kh-skhcn" in page.hrefs
    assert "Open in explorer" in text
    assert "https://w3id.org/policykg/graph/source/quang-tri" in text
    # every alternate format is linked; nothing is loaded from another host
    assert {f"?format={name}" for name in FORMAT_NAMES} <= set(page.hrefs)
    assert "<script" not in response.text and '<link rel="stylesheet"' not in response.text


def test_html_escapes_literals(client: TestClient) -> None:
    quad = (ox.NamedNode(DOC_45), ox.NamedNode(str(SKOS.note)), ox.Literal("<script>alert(1)</script>"))
    client.app.state.store.raw.add(ox.Quad(*quad, ox.DefaultGraph()))  # type: ignore[attr-defined]
    response = client.get(path_of(DOC_45), headers={"Accept": "text/html"})
    assert "<script>alert(1)" not in response.text and "&lt;script&gt;alert(1)" in response.text


@pytest.mark.parametrize("accept", ["application/json", "text/turtle"])
def test_unknown_iri_is_json_404_with_close_matches(client: TestClient, accept: str) -> None:
    response = client.get(path_of(DOC_QT_190) + "x", headers={"Accept": accept})
    assert response.status_code == 404 and media_type(response) == "application/json"
    assert response.headers["vary"] == "Accept"
    body = response.json()
    assert body["iri"] == DOC_QT_190 + "x" and "no resource" in body["detail"]
    first = body["suggestions"][0]
    assert first == {"iri": DOC_QT_190, "href": path_of(DOC_QT_190), "label": first["label"], "notation": "190-KH/TU"}


def test_unknown_iri_is_html_404_for_a_browser(client: TestClient) -> None:
    response = client.get(path_of(DOC_12) + "/", headers={"Accept": "text/html"})
    assert response.status_code == 404 and media_type(response) == "text/html"
    page = links(response.text)
    assert page.hrefs.count(path_of(DOC_12)) == 1
    assert "Not found" in " ".join(page.text)


@pytest.mark.parametrize("path", ["/id/", "/id/doc/a%20b", "/id/doc/%3E%20%7D%20DROP%20ALL", "/id/%C3%A0"])
def test_odd_paths_are_404_not_500(client: TestClient, path: str) -> None:
    response = client.get(path, headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert "detail" in response.json()


def test_path_is_nfc_normalised(client: TestClient) -> None:
    nfc_iri = POLID + "area/h\u00f2a"  # "hòa" composed
    client.app.state.store.raw.add(  # type: ignore[attr-defined]
        ox.Quad(ox.NamedNode(nfc_iri), ox.NamedNode(str(rdflib.RDFS.label)), ox.Literal("x"), ox.DefaultGraph())
    )
    decomposed = "/id/area/ho\u0300a"
    response = client.get(decomposed, headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert (rdflib.URIRef(nfc_iri), rdflib.RDFS.label, rdflib.Literal("x")) in parse_graph(response)


def shipped_iris(client: TestClient, cls: str) -> list[str]:
    store: PolicyStore = client.app.state.store  # type: ignore[attr-defined]
    rows = store.select_python(f"SELECT DISTINCT ?s WHERE {{ ?s a/rdfs:subClassOf* pol:{cls} }} ORDER BY ?s")
    return [str(r["s"]) for r in rows]


@pytest.mark.parametrize("cls", ["PolicyDocument", "Agency"])
def test_every_shipped_document_and_agency_dereferences(shipped_client: TestClient, cls: str) -> None:
    iris = shipped_iris(shipped_client, cls)
    assert len(iris) >= (16 if cls == "PolicyDocument" else 20)
    for iri in iris:
        assert iri.startswith(POLID), iri
        html = shipped_client.get(path_of(iri), headers={"Accept": "text/html"})
        assert html.status_code == 200, iri
        assert media_type(html) == "text/html" and iri in html.text
        turtle = shipped_client.get(path_of(iri), headers={"Accept": "text/turtle"})
        assert turtle.status_code == 200, iri
        graph = parse_graph(turtle)
        assert (rdflib.URIRef(iri), rdflib.RDF.type, None) in graph, iri
        assert (rdflib.URIRef(iri), rdflib.RDFS.label, None) in graph, iri


def test_pages_request_nothing_from_other_hosts_in_a_browser(settings: Settings) -> None:
    from tests.support.browser import browser_page
    from tests.support.live import serve

    with serve(create_app(settings)) as base, browser_page() as page:
        hosts: set[str] = set()
        page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
        page.goto(base + path_of(DOC_12))
        assert page.title().startswith("12/KH-SKHCN")
        page.click(f"a[href='{path_of(DOC_45)}']")  # follow a property link to the next resource
        page.wait_for_url(base + path_of(DOC_45))
        page.goto(base + "/ontology#Plan")
        assert page.locator("section#Plan").is_visible()
        assert hosts == {urlsplit(base).netloc}


def test_resources_dereference_on_every_backend(request: pytest.FixtureRequest, backend_client: TestClient) -> None:
    turtle = backend_client.get(path_of(DOC_45), headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200
    graph = parse_graph(turtle)
    assert (rdflib.URIRef(DOC_12), POL.implements, rdflib.URIRef(DOC_45)) in graph
    missing = backend_client.get(path_of(DOC_45) + "x", headers={"Accept": "application/json"})
    assert missing.status_code == 404 and missing.json()["suggestions"][0]["iri"] == DOC_45
    with fails_on_virtuoso(request, VIRTUOSO_PAGE):
        html = backend_client.get(path_of(DOC_45), headers={"Accept": "text/html"})
        assert html.status_code == 200 and "45/KH-UBND" in html.text


def test_agency_page_names_incoming_links_by_property(shipped_client: TestClient) -> None:
    html = shipped_client.get("/id/agency/quang-tri/so-khcn", headers={"Accept": "text/html"}).text
    incoming = html[html.index("Incoming links"):html.index("Stated in")]
    shown = re.sub(r"<[^>]+>", " ", incoming)
    # Responsibilities read as role and task, not as their IRIs …
    assert "responsibility/" not in shown
    assert "Chủ trì: Chủ trì tham mưu thực hiện Kế hoạch 190-KH/TU" in shown
    # … under one heading per property, each with its count.
    headings = re.findall(r'<section class="incoming-group">\s*<h3>(.*?)</h3>', incoming, re.S)
    assert len(headings) >= 3 and any("pol:agent" in h and "(28)" in h for h in headings)
