"""SPARQL errors a Fuseki user meets, as they come back from /sparql: short, placed, in words.

A 406 names the formats that fit the query's form (a SELECT's solutions, a CONSTRUCT's graph),
never the other kind's. A malformed query or update is a 400 ``{"detail": …}`` under 200
characters that names the problem and where it is, whichever parser (pyoxigraph, or rdflib's in
the safety check of SERVICE queries and updates) stopped first.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.api import create_app
from app.core.config import Settings
from app.core.media import GRAPH_FORMATS, SOLUTION_FORMATS

SELECT = "SELECT * WHERE { ?s ?p ?o } LIMIT 1"
ASK = "ASK { ?s ?p ?o }"
CONSTRUCT = "CONSTRUCT WHERE { ?s ?p ?o }"
DESCRIBE = "PREFIX pol: <https://w3id.org/policykg/ontology#>\n# a comment first\nDESCRIBE pol:Plan"

# (query, Accept, format=, the form the message names, the formats that fit it)
REFUSED = [
    (SELECT, "text/html", None, "SELECT", SOLUTION_FORMATS),
    (SELECT, "image/png", None, "SELECT", SOLUTION_FORMATS),
    (SELECT, None, "turtle", "SELECT", SOLUTION_FORMATS),
    (ASK, "text/html", None, "ASK", SOLUTION_FORMATS),
    (ASK, None, "jsonld", "ASK", SOLUTION_FORMATS),
    (CONSTRUCT, "text/html", None, "CONSTRUCT", GRAPH_FORMATS),
    (CONSTRUCT, None, "csv", "CONSTRUCT", GRAPH_FORMATS),
    (DESCRIBE, "text/html", None, "DESCRIBE", GRAPH_FORMATS),
    (DESCRIBE, None, "tsv", "DESCRIBE", GRAPH_FORMATS),
]


@pytest.mark.parametrize(("query", "accept", "fmt", "form", "fits"), REFUSED)
def test_a_406_names_the_formats_of_the_query_form(
    client: TestClient, query: str, accept: str | None, fmt: str | None, form: str, fits: tuple
) -> None:
    params = {"query": query, **({"format": fmt} if fmt else {})}
    response = client.get("/sparql", params=params, headers={"Accept": accept} if accept else {})
    assert response.status_code == 406
    body = response.json()
    assert body["formats"] == {f.name: f.media_type for f in fits}
    detail = body["detail"]
    assert form in detail and (accept or fmt) in detail
    other = GRAPH_FORMATS if fits is SOLUTION_FORMATS else SOLUTION_FORMATS
    # Only the fitting kind is listed (csv/tsv are solution formats, n3/trig graph ones).
    assert all(f"({f.media_type})" not in detail for f in other if f not in fits)
    assert all(f"({f.media_type})" in detail for f in fits)


# (text, is it an update, what the message must say) — each as a Fuseki user types it wrong.
MALFORMED = [
    ("SELECT * WHERE { ?s pol:name ?o }", False, "undefined prefix 'pol:' at line 1, column 21"),
    ("PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\nSELECT ?n WHERE {\n  ?d skos:notation ?n ;\n"
     "     pol:implements ?a .\n}", False, "undefined prefix 'pol:' at line 4, column 6"),
    ("SELECT * WHERE { ?s ?p }", False, "at line 1, column 25"),
    ("SELECT * WHERE {\n  ?s ?p ?o .\n  FILTER( }", False, "unexpected '}' at line 3, column 11"),
    ("SELECT * WHERE {\n  ?s ?p ?o\n", False, "'{' opened at line 1, column 16 is never closed"),
    ('SELECT * WHERE { ?s ?p "Quảng Trị }', False, "a string opened at line 1, column 24 is never closed"),
    ("SELECT * WHERE { ?s ?p ?o } LIMIT ten", False, "expected a number, HAVING, OFFSET, OPTIONAL or VALUES at line 1, column 35, found 'ten'"),
    ("SELECT ?x WHERE { ?x ?p ?o } GROUP BY", False, "expected a variable, an IRI"),
    ("SELEC * WHERE { ?s ?p ?o }", False, "at line 1, column"),
    # SERVICE makes the safety check parse the query with rdflib first.
    ("SELECT * WHERE { SERVICE <urn:x> { ?s ?p ?o }", False, "'{' opened at line 1, column 16 is never closed"),
    ("SELECT * WHERE { SERVICE <urn:x> { ?s ?p ?o } ?s ?p }", False, "at line 1, column"),
    # Updates are parsed by rdflib (the safety check) and then by pyoxigraph.
    ("INSERT DATA { GRAPH <urn:g> { <urn:a> pol:b 1 } }", True, "undefined prefix 'pol:' at line 1, column 39"),
    ("DELETE WHERE { ?s ?p }", True, "at line 1, column"),
    ("INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> <urn:c> }", True, "'{' opened at line 1, column 13 is never closed"),
]
TOKEN = "errors-test-token"


@pytest.fixture
def writable(settings: Settings) -> Iterator[TestClient]:
    """An endpoint that takes updates: an update token is set (not the default)."""
    with TestClient(create_app(settings.model_copy(update={"update_token": TOKEN}))) as test_client:
        yield test_client


@pytest.mark.parametrize(("text", "update", "says"), MALFORMED)
def test_a_malformed_request_is_a_short_400_naming_the_problem(
    writable: TestClient, text: str, update: bool, says: str
) -> None:
    if update:
        response = writable.post("/sparql", data={"update": text}, headers={"Authorization": f"Bearer {TOKEN}"})
    else:
        response = writable.get("/sparql", params={"query": text})
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert says in detail
    assert len(detail) < 200 and "\\u{" not in detail and "..=" not in detail, detail
