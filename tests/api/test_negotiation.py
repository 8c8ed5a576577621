"""The one media registry (app/core/media.py) serves every negotiated route.

Data-driven over the registry: each route answers every format of its offers, by name and by
media type, with that format's media type, in bytes that parse back as that format; what it
publishes in OpenAPI are the same offers; a 406 lists them, the same way on every route.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from html.parser import HTMLParser

import networkx as nx
import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from app.core.media import FORMATS, OFFERS, MediaFormat, Offers, format_names
from tests.support.project import POLID

DOC = "/id/" + (POLID + "doc/tu-quang-tri/2020/190-kh-tu").removeprefix(POLID)
SELECT = "SELECT ?s WHERE { ?s a ?c } LIMIT 3"
CONSTRUCT = "CONSTRUCT { ?s a ?c } WHERE { ?s a ?c } LIMIT 3"

#: Each negotiated route: the request, and the offers it must take from the registry.
ROUTES: dict[str, tuple[str, dict[str, str], Offers]] = {
    "sparql SELECT": ("/sparql", {"query": SELECT}, "solutions"),
    "sparql CONSTRUCT": ("/sparql", {"query": CONSTRUCT}, "graph"),
    "resource": (DOC, {}, "page"),
    "ontology": ("/ontology", {}, "page"),
    "void": ("/void", {}, "rdf"),
    "dump": ("/dump", {}, "dataset"),
    "export": ("/api/export", {"root": "52-NQ/TW", "direction": "up"}, "export"),
    "documents": ("/api/documents", {"province": "quang-tri"}, "table"),
    "cascade": ("/api/cascade", {"document": "57-NQ/TW"}, "table"),
    "deadlines": ("/api/deadlines", {"province": "vn", "today": "2026-01-01"}, "table"),
}
CASES = [(route, fmt) for route, (_, _, offers) in ROUTES.items() for fmt in OFFERS[offers]]


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)


def _parses_back(fmt: MediaFormat, body: bytes) -> int:
    """How many items (rows, triples, nodes, elements) ``body`` holds, read as ``fmt``; raises if it is not."""
    if fmt.kind == "table":
        # A table: JSON (a page of rows, or the answer's model), or every row as CSV ("utf-8-sig"
        # reads the document browser's BOM and text without one alike).
        if fmt.name == "csv":
            return len(list(csv.DictReader(io.StringIO(body.decode("utf-8-sig")))))
        table = json.loads(body)
        return len(table.get("rows", table.get("provinces", table.get("duties", []))))
    if fmt.name == "csv" and fmt.kind == "solutions":
        # pyoxigraph does not read CSV results (lossy): a header and one line per row.
        rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
        return len(rows) - 1 if rows and rows[0] == ["s"] else 0
    if fmt.kind == "solutions":
        return len(list(ox.parse_query_results(body, ox.QueryResultsFormat.from_media_type(fmt.media_type))))
    if fmt.kind in ("graph", "dataset") or fmt.rdflib_format or fmt.name == "trig":
        return len(list(ox.parse(body, ox.RdfFormat.from_media_type(fmt.media_type))))
    if fmt.kind == "html":
        parser = _Tags()
        parser.feed(body.decode("utf-8"))
        return parser.tags.count("a") if "html" in parser.tags else 0
    readers = {
        "nodelink": lambda: nx.node_link_graph(json.loads(body), edges="edges"),
        "cytoscape": lambda: nx.cytoscape_graph(json.loads(body)),
        "graphml": lambda: nx.read_graphml(io.BytesIO(body)),
        "gexf": lambda: nx.read_gexf(io.BytesIO(body)),
    }
    if fmt.name in readers:
        return int(readers[fmt.name]().number_of_nodes())
    if fmt.name == "csv":
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return len(archive.read("nodes.csv").decode("utf-8").splitlines()) - 1
    text = body.decode("utf-8")
    first = {"dot": "digraph ", "mermaid": "flowchart "}[fmt.name]
    return text.count("\n") if text.startswith(first) else 0


def _media(response_type: str) -> str:
    return response_type.split(";")[0].strip()


def test_every_route_publishes_its_offers_from_the_registry(shipped_client: TestClient) -> None:
    """The ``format`` enum and the 200 media types in OpenAPI are the route's offers in the registry."""
    spec = shipped_client.app.openapi()  # type: ignore[attr-defined]
    for route, (path, _, offers) in ROUTES.items():
        if path == "/sparql":
            continue  # its format parameter takes any spelling; its media types are checked below
        template = "/id/{path}" if path.startswith("/id/") else path
        operation = spec["paths"][template]["get"]
        enum = next(p["schema"]["enum"] for p in operation["parameters"] if p["name"] == "format")
        assert enum == format_names(OFFERS[offers]), route
        assert {f.media_type for f in OFFERS[offers]} <= set(operation["responses"]["200"]["content"]) | {
            "application/json"  # the export's JSON is declared by its model
        }, route
    sparql = spec["paths"]["/sparql"]["get"]["responses"]["200"]["content"]
    assert {f.media_type for f in (*OFFERS["solutions"], *OFFERS["graph"])} <= set(sparql)


@pytest.mark.parametrize(("route", "fmt"), CASES, ids=[f"{r}-{f.name}" for r, f in CASES])
def test_each_route_answers_each_of_its_formats(shipped_client: TestClient, route: str, fmt: MediaFormat) -> None:
    """By ``format=name`` and by ``Accept: media type``, each offer comes back as itself and parses back."""
    path, params, _ = ROUTES[route]
    by_name = shipped_client.get(path, params={**params, "format": fmt.name})
    assert by_name.status_code == 200, by_name.text
    assert _media(by_name.headers["content-type"]) == fmt.media_type
    assert _parses_back(fmt, by_name.content) > 0
    by_accept = shipped_client.get(path, params=params, headers={"Accept": fmt.media_type})
    assert by_accept.status_code == 200, by_accept.text
    # Two offers can share a media type (nodelink and cytoscape are both JSON): the first one wins.
    first = next(f for f in OFFERS[ROUTES[route][2]] if fmt.media_type in f.media_types)
    assert _media(by_accept.headers["content-type"]) == first.media_type
    assert _parses_back(first, by_accept.content) == _parses_back(first, by_name.content if first is fmt else (
        shipped_client.get(path, params={**params, "format": first.name}).content))


@pytest.mark.parametrize("route", list(ROUTES))
@pytest.mark.parametrize(("accept", "fmt"), [("image/png", None), (None, "yaml")])
def test_every_406_is_the_same_answer(shipped_client: TestClient, route: str, accept: str | None, fmt: str | None) -> None:
    """Nothing on offer fits: 406, ``Vary: Accept``, a detail naming what was asked and the offers by name."""
    path, params, offers = ROUTES[route]
    response = shipped_client.get(
        path, params={**params, **({"format": fmt} if fmt else {})}, headers={"Accept": accept} if accept else {}
    )
    assert response.status_code == 406
    assert response.headers["vary"] == "Accept"
    body = response.json()
    assert (accept or fmt or "") in body["detail"]
    # /sparql refuses before running the query, offering the formats of its form's answer.
    assert body["formats"] == {f.name: f.media_type for f in OFFERS[offers]}


def test_the_registry_has_one_row_per_name_and_kind() -> None:
    """A ``format`` name means one thing per kind, and every offer is a row of the table."""
    keys = [(f.kind, f.name) for f in FORMATS]
    assert len(keys) == len(set(keys))
    assert {f for offers in OFFERS.values() for f in offers} <= set(FORMATS)
    for offers in OFFERS.values():
        for fmt in offers:
            # The name a page links to (?format={extension}) chooses that format on the route.
            assert next(f for f in offers if f.matches(fmt.extension)) is fmt or fmt.extension == "json"
