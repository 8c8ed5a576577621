"""/sparql: the SPARQL 1.1 Protocol endpoint, on each backend, with real clients and under abuse."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pyoxigraph as ox
import pytest
import rdflib
from fastapi.testclient import TestClient

from app.api import create_app
from app.core.config import Settings
from app.store.policy_store import PolicyStore
from tests.support.live import recorder, serve
from tests.support.project import DOC_HT_190, DOC_QT_190

SKOS = "http://www.w3.org/2004/02/skos/core#"
NOTATIONS = f"SELECT ?d ?n WHERE {{ ?d <{SKOS}notation> ?n }} ORDER BY ?n ?d"
THE_190S = f'SELECT ?d WHERE {{ ?d <{SKOS}notation> "190-KH/TU" }} ORDER BY ?d'
GRAPH_OF_TRIPLES = f"CONSTRUCT {{ ?d <{SKOS}notation> ?n }} WHERE {{ ?d <{SKOS}notation> ?n }}"
QUANG_TRI = "https://w3id.org/policykg/graph/source/quang-tri"
SD = "http://www.w3.org/ns/sparql-service-description#"
TOKEN = "s3cret-update-token"
RESULT_FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}


def column(response: httpx.Response, name: str) -> list[str]:
    """The values of one variable in a SPARQL JSON response."""
    assert response.status_code == 200, response.text
    return [b[name]["value"] for b in response.json()["results"]["bindings"] if name in b]


def media(response: httpx.Response) -> str:
    return response.headers["content-type"].split(";")[0]


def solutions(response: httpx.Response) -> list[dict[str, str]]:
    """Rows of any SPARQL results format pyoxigraph reads, as {variable: value}."""
    parsed = ox.parse_query_results(response.content, RESULT_FORMATS[media(response)])
    assert isinstance(parsed, ox.QuerySolutions)
    names = [v.value for v in parsed.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in parsed]


def triples(response: httpx.Response) -> set[tuple[str, str, str]]:
    rdf_format = ox.RdfFormat.from_media_type(media(response))
    assert rdf_format is not None, media(response)
    return {(str(q.subject), str(q.predicate), str(q.object)) for q in ox.parse(response.content, rdf_format)}


# ---------------------------------------------------------------------------------------- queries


def test_query_by_get_post_form_and_post_direct(backend_client: TestClient, store: PolicyStore) -> None:
    expected = [r["d"] for r in store.select_python(THE_190S)]
    assert expected == [DOC_HT_190, DOC_QT_190]
    by_get = backend_client.get("/sparql", params={"query": THE_190S})
    by_form = backend_client.post("/sparql", data={"query": THE_190S})
    direct = backend_client.post(
        "/sparql", content=THE_190S.encode(), headers={"Content-Type": "application/sparql-query"}
    )
    assert column(by_get, "d") == column(by_form, "d") == column(direct, "d") == expected
    assert media(by_get) == "application/sparql-results+json"
    assert backend_client.get("/sparql/", params={"query": THE_190S}).json() == by_get.json()


@pytest.mark.parametrize(
    ("how", "value", "expected_type"),
    [
        ("accept", "application/sparql-results+xml", "application/sparql-results+xml"),
        ("accept", "text/tab-separated-values", "text/tab-separated-values"),
        ("format", "xml", "application/sparql-results+xml"),
        ("format", "tsv", "text/tab-separated-values"),
        ("format", "json", "application/sparql-results+json"),
    ],
)
def test_select_formats_carry_the_same_rows(
    backend_client: TestClient, store: PolicyStore, how: str, value: str, expected_type: str
) -> None:
    params = {"query": NOTATIONS} | ({"format": value} if how == "format" else {})
    headers = {"Accept": value} if how == "accept" else {}
    response = backend_client.get("/sparql", params=params, headers=headers)
    assert response.status_code == 200 and media(response) == expected_type
    assert solutions(response) == [{"d": r["d"], "n": r["n"]} for r in store.select_python(NOTATIONS)]


def test_csv_results(backend_client: TestClient) -> None:
    response = backend_client.get("/sparql", params={"query": THE_190S}, headers={"Accept": "text/csv"})
    assert media(response) == "text/csv"
    assert response.text.splitlines() == ["d", DOC_HT_190, DOC_QT_190]


def test_ask(backend_client: TestClient) -> None:
    yes = backend_client.get("/sparql", params={"query": f'ASK {{ ?d <{SKOS}notation> "52-NQ/TW" }}'})
    no = backend_client.get("/sparql", params={"query": f'ASK {{ ?d <{SKOS}notation> "99-NQ/TW" }}'},
                            headers={"Accept": "application/sparql-results+xml"})
    assert yes.json()["boolean"] is True
    assert bool(ox.parse_query_results(no.content, ox.QueryResultsFormat.XML)) is False


@pytest.mark.parametrize(
    "accept", ["text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml",
               "application/trig", "text/n3"],
)
def test_construct_formats_carry_the_same_graph(backend_client: TestClient, store: PolicyStore, accept: str) -> None:
    response = backend_client.post("/sparql", data={"query": GRAPH_OF_TRIPLES}, headers={"Accept": accept})
    assert response.status_code == 200 and media(response) == accept
    assert len(triples(response)) == len(store.construct(GRAPH_OF_TRIPLES)) == 7


def test_describe(backend_client: TestClient) -> None:
    response = backend_client.get("/sparql", params={"query": f"DESCRIBE <{DOC_QT_190}>", "format": "ntriples"})
    assert media(response) == "application/n-triples"
    assert (f"<{DOC_QT_190}>", f"<{SKOS}notation>", '"190-KH/TU"') in triples(response)


def test_protocol_dataset_selects_graphs_of_the_store(backend_client: TestClient) -> None:
    params = {"query": THE_190S, "default-graph-uri": QUANG_TRI}
    assert column(backend_client.get("/sparql", params=params), "d") == [DOC_QT_190]
    named = {"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", "named-graph-uri": QUANG_TRI}
    assert column(backend_client.get("/sparql", params=named), "g") == [QUANG_TRI]
    from_clause = f"SELECT ?d FROM <{QUANG_TRI}> WHERE {{ ?d <{SKOS}notation> \"190-KH/TU\" }}"
    assert column(backend_client.get("/sparql", params={"query": from_clause}), "d") == [DOC_QT_190]


def test_service_description(backend_client: TestClient, store: PolicyStore) -> None:
    response = backend_client.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and media(response) == "text/turtle"
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    service = next(graph.subjects(rdflib.RDF.type, rdflib.URIRef(SD + "Service")))
    assert str(graph.value(service, rdflib.URIRef(SD + "endpoint"))) == "http://testserver/sparql"
    languages = set(graph.objects(service, rdflib.URIRef(SD + "supportedLanguage")))
    assert languages == {rdflib.URIRef(SD + "SPARQL11Query")}  # no update token configured
    names = {str(n) for n in graph.objects(None, rdflib.URIRef(SD + "name"))}
    assert names == set(store.graph_names())
    plain = backend_client.get("/sparql")  # no Accept: a program, so Turtle rather than the page
    assert media(plain) == "text/turtle"


def test_results_are_cut_at_the_limit_with_a_header(backend_settings: Settings) -> None:
    with TestClient(create_app(backend_settings.model_copy(update={"max_results": 3}))) as client:
        response = client.get("/sparql", params={"query": NOTATIONS})
        assert len(column(response, "d")) == 3 and response.headers["X-SPARQL-MaxRows"] == "3"
        graph = client.get("/sparql", params={"query": GRAPH_OF_TRIPLES, "format": "ntriples"})
        assert len(triples(graph)) == 3 and graph.headers["X-SPARQL-MaxRows"] == "3"
        small = client.get("/sparql", params={"query": THE_190S})
        assert "X-SPARQL-MaxRows" not in small.headers


def test_cors_for_query_pages_elsewhere(backend_client: TestClient) -> None:
    preflight = backend_client.options("/sparql")
    assert preflight.status_code == 204
    assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]
    response = backend_client.get("/sparql", params={"query": THE_190S})
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_openapi_documents_the_endpoint(backend_client: TestClient) -> None:
    operation = backend_client.get("/openapi.json").json()["paths"]["/sparql"]
    assert {"get", "post"} <= set(operation)
    assert "application/sparql-query" in operation["post"]["requestBody"]["content"]


# ---------------------------------------------------------------------------------------- updates


@pytest.fixture(params=["memory", "oxigraph", "virtuoso"])
def writable(request: pytest.FixtureRequest, settings: Settings) -> Iterator[TestClient]:
    """A client over a store of its own (memory, or a fresh remote engine) with updates enabled."""
    store = request.getfixturevalue(f"fresh_{request.param}_url") if request.param != "memory" else None
    with TestClient(create_app(settings.model_copy(update={"store": store, "update_token": TOKEN}))) as client:
        yield client


def test_updates_need_the_bearer_token(writable: TestClient) -> None:
    insert = f'INSERT DATA {{ GRAPH <{QUANG_TRI}> {{ <{DOC_QT_190}> <{SKOS}altLabel> "Kế hoạch 190" }} }}'
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
        refused = writable.post("/sparql", data={"update": insert}, headers=headers)
        assert refused.status_code == 403 and "Authorization: Bearer" in refused.json()["detail"]
    ask = {"query": f'ASK {{ ?d <{SKOS}altLabel> "Kế hoạch 190" }}'}
    assert writable.get("/sparql", params=ask).json()["boolean"] is False
    triples_before = writable.get("/health").json()["triples"]
    done = writable.post("/sparql", content=insert.encode(), headers={
        "Authorization": f"Bearer {TOKEN}", "Content-Type": "application/sparql-update"})
    assert done.status_code == 204, done.text
    # The query workers were recycled: they see the new triple, and so does the rest of the API.
    assert writable.get("/sparql", params=ask).json()["boolean"] is True
    assert writable.get("/health").json()["triples"] == triples_before + 1
    sd = rdflib.Graph().parse(data=writable.get("/sparql", headers={"Accept": "text/turtle"}).text, format="turtle")
    assert rdflib.URIRef(SD + "SPARQL11Update") in set(sd.objects(None, rdflib.URIRef(SD + "supportedLanguage")))


def update(client: TestClient, text: str) -> httpx.Response:
    """POST ``text`` as a SPARQL update with the token."""
    return client.post("/sparql", content=text.encode(), headers={
        "Authorization": f"Bearer {TOKEN}", "Content-Type": "application/sparql-update"})


def ask(client: TestClient, pattern: str) -> bool:
    """ASK ``pattern`` on the endpoint's default graph."""
    answer = client.get("/sparql", params={"query": f"ASK {{ {pattern} }}"}, headers={"Accept": "application/json"})
    assert answer.status_code == 200, answer.text
    return bool(answer.json()["boolean"])


def test_the_default_graph_follows_updates_of_the_named_graphs(writable: TestClient) -> None:
    """The default graph is the union of the named graphs after every update, not only after a load."""
    fact = f'<{DOC_QT_190}> <{SKOS}altLabel> "KH 190/TU"'
    other = "https://w3id.org/policykg/graph/source/other"
    assert update(writable, f"INSERT DATA {{ GRAPH <{QUANG_TRI}> {{ {fact} }} }}").status_code == 204
    assert ask(writable, fact)
    # Stated by a second source too: deleting it from one graph keeps it in the union.
    assert update(writable, f"INSERT DATA {{ GRAPH <{other}> {{ {fact} }} }}").status_code == 204
    assert update(writable, f"DELETE DATA {{ GRAPH <{QUANG_TRI}> {{ {fact} }} }}").status_code == 204
    assert ask(writable, fact)
    assert update(writable, f"DROP GRAPH <{other}>").status_code == 204
    assert not ask(writable, fact)
    # A source graph removed with DELETE WHERE leaves the union with everything it alone stated.
    assert ask(writable, f"<{DOC_QT_190}> ?p ?o")
    assert update(writable, f"DELETE WHERE {{ GRAPH <{QUANG_TRI}> {{ ?s ?p ?o }} }}").status_code == 204
    assert not ask(writable, f"<{DOC_QT_190}> <{SKOS}notation> ?n")


@pytest.mark.parametrize(
    ("text", "named"),
    [
        (f'INSERT DATA {{ <{DOC_QT_190}> <{SKOS}altLabel> "x" }}', "INSERT DATA"),
        (f"DELETE DATA {{ <{DOC_QT_190}> <{SKOS}notation> \"190-KH/TU\" }}", "DELETE DATA"),
        (f"DELETE WHERE {{ <{DOC_QT_190}> ?p ?o }}", "DELETE WHERE"),
        (f"DELETE {{ ?d ?p ?o }} WHERE {{ GRAPH <{QUANG_TRI}> {{ ?d ?p ?o }} }}", "without GRAPH or WITH"),
        ("CLEAR DEFAULT", "CLEAR DEFAULT"),
        (f"ADD <{QUANG_TRI}> TO DEFAULT", "ADD"),
        (f"INSERT DATA {{ GRAPH <{QUANG_TRI}> {{ <{DOC_QT_190}> <{SKOS}altLabel> \"y\" }} }} ; CLEAR DEFAULT",
         "CLEAR DEFAULT"),
    ],
)
def test_updates_that_write_the_default_graph_are_refused(writable: TestClient, text: str, named: str) -> None:
    """Every fact needs its source graph: a default-graph write is a 400 naming it, and nothing changes."""
    triples = writable.get("/health").json()["triples"]
    refused = update(writable, text)
    assert refused.status_code == 400 and named in refused.json()["detail"] and "GRAPH <" in refused.json()["detail"]
    assert writable.get("/health").json()["triples"] == triples
    assert not ask(writable, f'?d <{SKOS}altLabel> "y"')


def test_updates_are_off_without_a_configured_token(backend_client: TestClient) -> None:
    response = backend_client.post("/sparql", data={"update": "CLEAR ALL"}, headers={"Authorization": "Bearer x"})
    assert response.status_code == 403 and "POLICYKG_UPDATE_TOKEN" in response.json()["detail"]
    assert backend_client.get("/health").json()["triples"] > 0


# ---------------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("method", "kwargs", "status", "needle"),
    [
        ("get", {"params": {"query": "SELECT * WHERE { ?s ?p }"}}, 400, "line 1, column 25"),
        ("get", {"params": {"query": THE_190S, "format": "yaml"}}, 406, "'yaml'"),
        ("get", {"params": {"query": THE_190S}, "headers": {"Accept": "image/png"}}, 406, "image/png"),
        ("get", {"params": {"query": GRAPH_OF_TRIPLES, "format": "csv"}}, 406, "'csv'"),
        ("post", {"content": b"ASK {}", "headers": {"Content-Type": "text/plain"}}, 415, "text/plain"),
        ("post", {"content": b"query=ASK%20%7B%7D"}, 415, "no Content-Type"),
        ("post", {"content": b"ASK { ?s ?p \"\xc3\x28\" }", "headers": {"Content-Type": "application/sparql-query"}},
         400, "UTF-8"),
        ("post", {"content": "ASK {}".encode("utf-16"),
                  "headers": {"Content-Type": "application/sparql-query; charset=UTF-16"}}, 400, "UTF-8"),
        ("get", {"params": [("query", "ASK {}"), ("query", "SELECT * {}")]}, 400, "2 times"),
        ("get", {"params": {"update": "CLEAR ALL"}}, 400, "POST"),
        ("post", {"data": {"query": "ASK {}", "update": "CLEAR ALL"}}, 400, "not both"),
        ("get", {"params": {"query": "ASK {}", "default-graph-uri": "no iri"}}, 400, "absolute IRI"),
        ("put", {"params": {"query": "ASK {}"}}, 405, "Method Not Allowed"),
    ],
)
def test_bad_input_is_a_4xx_naming_the_problem(
    client: TestClient, method: str, kwargs: dict[str, object], status: int, needle: str
) -> None:
    response = getattr(client, method)("/sparql", **kwargs)
    assert response.status_code == status, response.text
    assert needle in response.json()["detail"]


def test_oversized_bodies_are_refused_over_a_real_socket(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"max_body_bytes": 1000}))
    big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 100_000
    with serve(app) as base, httpx.Client(base_url=base, timeout=10) as http:
        declared = http.post("/sparql", content=big.encode(), headers={"Content-Type": "application/sparql-query"})
        assert declared.status_code == 413 and "1000" in declared.json()["detail"]
        chunked = http.post("/sparql", content=iter([big.encode()[:800], big.encode()[800:]]),
                            headers={"Content-Type": "application/sparql-query"})
        assert chunked.status_code == 413
        assert http.get("/sparql", params={"query": "ASK {}"}).json()["boolean"] is True


# ---------------------------------------------------------------------------------------- safety


@pytest.mark.parametrize("kind", ["memory", "oxigraph", "virtuoso"])
def test_nothing_outside_the_store_is_reached(
    kind: str, settings: Settings, request: pytest.FixtureRequest
) -> None:
    """SERVICE and LOAD are refused; graph names (FROM, the protocol's parameters, USING) are only
    names: an unknown one is an empty graph, and nothing is fetched (the recorder sees no request)."""
    store = request.getfixturevalue(f"remote_{kind}_url") if kind != "memory" else None
    with recorder() as (outside, hits):
        app = create_app(settings.model_copy(update={"store": store, "update_token": TOKEN}))
        auth = {"Authorization": f"Bearer {TOKEN}"}
        refused = [
            {"query": f"SELECT * WHERE {{ SERVICE <{outside}/sparql> {{ ?x ?p ?o }} }}"},
            {"query": f"SELECT * WHERE {{ SERVICE SILENT <{outside}/sparql> {{ ?x ?p ?o }} }}"},
            {"query": f"SELECT * WHERE {{ # x\rSERVICE <{outside}/sparql> {{ ?x ?p ?o }} }}"},
            {"update": f"LOAD <{outside}/data.nt> INTO GRAPH <http://example.org/g>"},
            {"update": f"INSERT {{ GRAPH <http://example.org/g> {{ ?s ?p ?o }} }} WHERE {{ # x\r"
                       f"SERVICE <{outside}/sparql> {{ ?s ?p ?o }} }}"},
            {"update": "LOAD <file:///etc/passwd> INTO GRAPH <http://example.org/passwd>"},
        ]
        empty = [
            {"query": f"SELECT * FROM <{outside}/x> WHERE {{ ?s ?p ?o }}"},
            {"query": f"SELECT * FROM NAMED <{outside}/x> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"},
            {"query": "SELECT * WHERE { ?s ?p ?o }", "default-graph-uri": f"{outside}/x"},
            {"query": "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", "named-graph-uri": f"{outside}/x"},
            {"query": "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }"},
        ]
        with serve(app) as base, httpx.Client(base_url=base, timeout=10) as http:
            for form in refused:
                response = http.post("/sparql", data=form, headers=auth)
                assert response.status_code == 403, (form, response.text)
                assert "is refused" in response.json()["detail"]
            for form in empty:
                response = http.post("/sparql", data=form, headers=auth)
                assert response.status_code == 200, (form, response.text)
                assert response.json()["results"]["bindings"] == [], form
            inserted = http.post("/sparql", headers=auth, data={
                "update": f"INSERT {{ GRAPH <http://example.org/g> {{ ?s ?p ?o }} }} USING <{outside}/x> "
                          "WHERE { ?s ?p ?o }"})
            assert inserted.status_code == 204, inserted.text
            assert hits == []
            assert http.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}).json()["boolean"] is True
        # The control: allow-listed, the same SERVICE does reach the recorder, so hits == [] above meant something.
        allowed = create_app(settings.model_copy(update={"allowed_remote": (outside,)}))
        with TestClient(allowed) as client:
            response = client.post("/sparql", data=refused[0])
            assert response.status_code == 200 and column(response, "x") == ["hit"]  # type: ignore[arg-type]
        assert hits


def test_a_runaway_query_is_stopped_while_the_server_answers(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"query_timeout": 2.0}))
    cross_join = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
    outcome: dict[str, httpx.Response] = {}

    def run_runaway(base: str) -> None:
        with httpx.Client(base_url=base, timeout=60) as runaway:
            outcome["response"] = runaway.get("/sparql", params={"query": cross_join})

    with serve(app) as base, httpx.Client(base_url=base, timeout=10) as http:
        assert http.get("/sparql", params={"query": "ASK {}"}).status_code == 200
        workers_before = set(app.state.sparql.worker_pids())
        thread = threading.Thread(target=run_runaway, args=(base,))
        thread.start()
        answered_meanwhile = []
        for _ in range(100):  # bounded; the runaway is stopped after 2 s
            health = http.get("/health")
            answered_meanwhile.append(health.status_code == 200 and thread.is_alive())
            quick = http.get("/sparql", params={"query": THE_190S})
            answered_meanwhile.append(quick.status_code == 200 and thread.is_alive())
            if not thread.is_alive():
                break
            time.sleep(0.05)
        thread.join(timeout=30)
        assert any(answered_meanwhile), "neither /health nor another query answered while the runaway ran"
        response = outcome["response"]
        assert response.status_code == 504 and "2 s" in response.json()["detail"]
        # The killed worker was replaced; the service answers as before (computed anew, not kept).
        fresh = http.get("/sparql", params={"query": THE_190S}, headers={"Cache-Control": "no-cache"})
        assert column(fresh, "d") == [DOC_HT_190, DOC_QT_190]
        assert not workers_before >= set(app.state.sparql.worker_pids())


# ---------------------------------------------------------------------------------------- real clients


@pytest.fixture(scope="module")
def live_endpoint() -> Iterator[str]:
    from tests.support.project import PROJECT

    with serve(create_app(Settings(root=PROJECT))) as base:
        yield f"{base}/sparql"


def test_sparqlwrapper(live_endpoint: str) -> None:
    from SPARQLWrapper import JSON, POST, TURTLE, XML, SPARQLWrapper

    wrapper = SPARQLWrapper(live_endpoint)
    wrapper.setQuery(THE_190S)
    wrapper.setReturnFormat(JSON)
    rows = wrapper.query().convert()["results"]["bindings"]  # type: ignore[index, call-overload]
    assert [r["d"]["value"] for r in rows] == [DOC_HT_190, DOC_QT_190]
    wrapper.setQuery(f'ASK {{ ?d <{SKOS}notation> "52-NQ/TW" }}')
    wrapper.setMethod(POST)
    assert wrapper.query().convert()["boolean"] is True  # type: ignore[index, call-overload]
    wrapper.setQuery(GRAPH_OF_TRIPLES)
    wrapper.setReturnFormat(XML)  # CONSTRUCT as RDF/XML, parsed into an rdflib Graph by SPARQLWrapper
    graph = wrapper.query().convert()
    assert isinstance(graph, rdflib.Graph) and len(graph) == 7
    wrapper.setReturnFormat(TURTLE)
    assert len(rdflib.Graph().parse(data=wrapper.query().convert(), format="turtle")) == 7


def test_rdflib_sparqlstore(live_endpoint: str) -> None:
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    for return_format in ("xml", "json"):
        graph = rdflib.Graph(store=SPARQLStore(query_endpoint=live_endpoint, returnFormat=return_format))
        assert [str(row.d) for row in graph.query(THE_190S)] == [DOC_HT_190, DOC_QT_190]  # type: ignore[union-attr]
        assert graph.query(f'ASK {{ ?d <{SKOS}notation> "52-NQ/TW" }}').askAnswer is True
        assert len(graph.query(GRAPH_OF_TRIPLES).graph) == 7  # type: ignore[arg-type]



def test_a_document_added_through_one_replica_is_found_by_the_others(settings: Settings, fresh_remote_url: str) -> None:
    """Two service replicas over one engine: each keeps caches (the notation table of /api/lineage,
    the search index), which must follow an update made through the other one."""
    shared = settings.model_copy(
        update={"store": fresh_remote_url, "update_token": TOKEN, "change_check_seconds": 0}
    )
    new = "https://w3id.org/policykg/id/doc/quang-tri-so-khcn/2023/99-kh-skhcn"
    with TestClient(create_app(shared)) as first, TestClient(create_app(shared)) as second:
        assert second.get("/api/lineage", params={"document": "99/KH-SKHCN"}).status_code == 404
        inserted = update(first, f"""INSERT DATA {{ GRAPH <{QUANG_TRI}> {{
            <{new}> a <https://w3id.org/policykg/ontology#Plan> ;
              <{SKOS}notation> "99/KH-SKHCN" ;
              <https://w3id.org/policykg/ontology#implements> <{DOC_QT_190}> }} }}""")
        assert inserted.status_code == 204
        found = second.get("/api/lineage", params={"document": "99/KH-SKHCN"})
        assert found.status_code == 200, found.text
        assert DOC_QT_190 in {link["iri"] for link in found.json()["ancestors"]}
