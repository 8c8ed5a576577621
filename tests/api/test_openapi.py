"""The API answers as its OpenAPI schema says: one error shape, every status and format documented.

One test per way the answers contradicted the schema (issue 10, finding 10); the schemathesis run
over every operation is tests/api/test_openapi_fuzz.py.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import httpx
import pytest
import schemathesis
from fastapi.testclient import TestClient

from tests.support.project import DOC_45, POLID

SELECT = "SELECT * WHERE { ?s ?p ?o } LIMIT 1"


def conforms(client: TestClient, response: httpx.Response, template: str) -> None:
    """``response`` has a status, a Content-Type and a body the schema documents for ``template``."""
    spec = client.app.openapi()  # type: ignore[attr-defined]
    method = response.request.method
    documented = spec["paths"][template][method.lower()]["responses"]
    status = str(response.status_code)
    assert status in documented, f"{method} {template} answered {status}; documented: {sorted(documented)}"
    if response.content:
        media = response.headers["content-type"].split(";")[0].strip()
        content = documented[status].get("content", {})
        assert media in content, f"{status} answered in {media}; documented: {sorted(content)}"
    schemathesis.openapi.from_dict(spec)[template][method].validate_response(response)


def media_type(response: httpx.Response) -> str:
    return response.headers["content-type"].split(";")[0].strip()


def test_every_422_has_one_shape_a_string_detail_and_the_parameters_at_fault(client: TestClient) -> None:
    out_of_range = client.get("/api/responsible", params={"q": "khcn", "limit": 0})
    blank = client.get("/api/responsible", params={"q": "  "})
    for response, name in ((out_of_range, "limit"), (blank, "q")):
        assert response.status_code == 422
        body = response.json()
        assert isinstance(body["detail"], str) and name in body["detail"]
        assert body["errors"][0]["loc"] == ["query", name]
        conforms(client, response, "/api/responsible")
    # FastAPI's own 422 schema (detail: array) is documented nowhere.
    assert "HTTPValidationError" not in json.dumps(client.app.openapi())  # type: ignore[attr-defined]


@pytest.mark.parametrize("fmt", ["nodelink", "cytoscape", "jsonld"])
def test_json_exports_are_documented_as_the_json_they_are(shipped_client: TestClient, fmt: str) -> None:
    response = shipped_client.get("/api/export", params={"format": fmt, "root": "190-KH/TU"})
    assert response.status_code == 200
    conforms(shipped_client, response, "/api/export")


# Every negotiated route, a path on it and what it answers when the client states no preference.
NEGOTIATED = [
    ("/void", "/void", "text/turtle"),
    ("/.well-known/void", "/.well-known/void", "text/turtle"),
    ("/dump", "/dump", "application/trig"),
    ("/ontology", "/ontology", "text/html"),
    ("/id/{path}", "/id/" + DOC_45.removeprefix(POLID), "text/html"),
    ("/api/export", "/api/export", "application/json"),
    ("/sparql", "/sparql?query=" + quote(SELECT), "application/sparql-results+json"),
    ("/sparql", "/sparql", "text/turtle"),
]


@pytest.mark.parametrize("accept", ["", "null", "text/html;q=abc"])
@pytest.mark.parametrize(("template", "path", "default"), NEGOTIATED)
def test_an_accept_without_a_readable_media_range_is_no_accept(
    client: TestClient, template: str, path: str, default: str, accept: str
) -> None:
    """RFC 9110 12.5.1: a server may disregard an Accept it cannot honour; we do for one it cannot read."""
    response = client.get(path, headers={"Accept": accept})
    assert response.status_code == 200 and media_type(response) == default
    conforms(client, response, template)


@pytest.mark.parametrize(("template", "path", "default"), [r for r in NEGOTIATED if r[0] != "/sparql"])
def test_an_empty_format_is_no_format(client: TestClient, template: str, path: str, default: str) -> None:
    response = client.get(path, params={"format": ""})
    assert response.status_code == 200 and media_type(response) == default
    conforms(client, response, template)


def test_an_unknown_resource_is_a_documented_404_in_html_or_json(client: TestClient) -> None:
    page = client.get("/id/doc/nothing-here", headers={"Accept": ""})
    assert page.status_code == 404 and media_type(page) == "text/html"
    conforms(client, page, "/id/{path}")
    # Whatever follows /id/, a line break included, gets the route's 404, not a bare one.
    data = client.get("/id/a%0Ab", headers={"Accept": "application/ld+json"})
    assert data.status_code == 404 and data.json()["iri"] == POLID + "a\nb"
    conforms(client, data, "/id/{path}")


def test_an_unknown_named_query_is_a_documented_404(client: TestClient) -> None:
    response = client.get("/api/queries/no-such-query")
    assert response.status_code == 404 and response.json()["available"]
    conforms(client, response, "/api/queries/{name}")


def test_sparql_errors_and_refused_updates_are_documented(client: TestClient) -> None:
    empty_graph = client.get("/sparql", params={"query": "ASK {}", "default-graph-uri": ""})
    assert empty_graph.status_code == 400 and "default-graph-uri" in empty_graph.json()["detail"]
    conforms(client, empty_graph, "/sparql")
    parameters = client.app.openapi()["paths"]["/sparql"]["get"]["parameters"]  # type: ignore[attr-defined]
    graph_iri = next(p for p in parameters if p["name"] == "default-graph-uri")
    assert graph_iri["schema"]["items"]["format"] == "iri"
    # As shipped there is no update token: every update is a documented 403.
    update = client.post("/sparql", data={"update": "INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> <urn:c> } }"})
    assert update.status_code == 403
    conforms(client, update, "/sparql")


# A route, two values for one of its single-valued parameters, other parameters it needs.
REPEATED = [
    ("/void", "format", ("ttl", "nt"), {}),
    ("/dump", "format", ("ttl", "trig"), {}),
    ("/ontology", "format", ("ttl", "html"), {}),
    ("/id/" + DOC_45.removeprefix(POLID), "format", ("ttl", "nt"), {}),
    ("/api/export", "format", ("dot", "gexf"), {}),
    ("/api/lineage", "document", ("45/KH-UBND", "190-KH/TU"), {}),
    ("/api/responsible", "limit", ("1", "2"), {"q": "khcn"}),
]


@pytest.mark.parametrize(("path", "name", "values", "others"), REPEATED)
def test_a_repeated_single_valued_parameter_is_refused_naming_it(
    client: TestClient, path: str, name: str, values: tuple[str, str], others: dict[str, str]
) -> None:
    """FastAPI reads the last copy, /sparql the first: neither, the client hears which one is wrong."""
    response = client.get(path, params=[*others.items(), *((name, v) for v in values)])
    assert response.status_code == 422
    body = response.json()
    assert f"'{name}'" in body["detail"] and "2 times" in body["detail"]
    assert body["errors"] == [{"loc": ["query", name], "msg": "given 2 times; give it once", "type": "repeated"}]


def test_sparql_format_values_must_name_one_format(client: TestClient) -> None:
    differ = client.get("/sparql", params=[("query", SELECT), ("format", "json"), ("output", "xml")])
    assert differ.status_code == 400 and "'json'" in differ.json()["detail"] and "'xml'" in differ.json()["detail"]
    # SPARQLWrapper names TSV twice, by short name and by media type: one format.
    tsv = [("format", "tsv"), ("format", "text/tab-separated-values")]
    synonyms = client.get("/sparql", params=[("query", SELECT), *tsv])
    assert synonyms.status_code == 200 and media_type(synonyms) == "text/tab-separated-values"


LONG = "x" * 14_000
# A name longer than 1,000 characters is refused unread (422, app.search.normalise); one just under
# the bound is looked up, and its 404 must still clip what it repeats.
LONG_NAME = "x" * 999


@pytest.mark.parametrize(
    ("path", "params", "headers"),
    [
        ("/api/export", {"agency": LONG_NAME}, {}),
        ("/api/export", {"indicator": LONG_NAME}, {}),
        ("/api/export", {"format": LONG}, {}),
        ("/api/export", {}, {"Accept": "text/" + LONG}),
        ("/api/queries/" + LONG, {}, {}),
        ("/api/queries/agency-by-label", {LONG: "1"}, {}),
        ("/void", {"format": LONG}, {}),
        ("/void", {}, {"Accept": "text/" + LONG}),
        ("/download/" + LONG, {}, {}),
        ("/sparql", {"query": SELECT, "default-graph-uri": LONG}, {}),
        ("/sparql", {"query": SELECT, "format": LONG}, {}),
        ("/id/" + LONG, {"format": "ttl"}, {}),
    ],
)
def test_an_error_repeats_at_most_200_characters_of_the_input(
    client: TestClient, path: str, params: dict[str, str], headers: dict[str, str]
) -> None:
    response = client.get(path, params=params, headers=headers)
    assert 400 <= response.status_code < 500
    detail = response.json()["detail"]
    assert "xxx…" in detail and "x" * 201 not in detail
