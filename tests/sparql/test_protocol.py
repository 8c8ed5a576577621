"""app.sparql.protocol: reading SPARQL protocol requests and negotiating result formats."""

from __future__ import annotations

import pytest

from app.core.errors import NotAcceptable, ProtocolError, UnsupportedMediaType
from app.sparql.engine import Dataset
from app.sparql.protocol import accepts_html, negotiate, parse_request

FORM = "application/x-www-form-urlencoded"
G1, G2 = "http://example.org/g1", "http://example.org/g2"


def test_get_query_with_dataset() -> None:
    request = parse_request(
        "GET", "query=ASK%20%7B%7D&default-graph-uri=http%3A%2F%2Fexample.org%2Fg1&named-graph-uri="
        "http%3A%2F%2Fexample.org%2Fg2&named-graph-uri=http%3A%2F%2Fexample.org%2Fg1", None, b""
    )
    assert request.operation == "query" and request.text == "ASK {}"
    assert request.dataset == Dataset((G1,), (G2, G1))


def test_get_without_query_asks_for_the_description() -> None:
    assert parse_request("GET", "", None, b"").operation == "description"


def test_post_form_merges_url_and_body_parameters() -> None:
    request = parse_request("POST", "default-graph-uri=http%3A%2F%2Fexample.org%2Fg1", FORM, b"query=ASK+%7B%7D")
    assert (request.text, request.dataset.default_graphs) == ("ASK {}", (G1,))


def test_post_direct_query_and_update() -> None:
    query = parse_request("POST", "", "application/sparql-query; charset=utf-8", "ASK { ?s ?p \"Hà Tĩnh\" }".encode())
    assert query.operation == "query" and "Hà Tĩnh" in (query.text or "")
    update = parse_request("POST", "using-graph-uri=http%3A%2F%2Fexample.org%2Fg1", "application/sparql-update",
                           b"CLEAR ALL")
    assert update.operation == "update" and update.using == Dataset((G1,), ())


def test_text_is_normalised_to_nfc() -> None:
    decomposed = "ASK { ?s ?p \"Ha\u0300 Ti\u0303nh\" }"
    request = parse_request("POST", "", "application/sparql-query", decomposed.encode())
    assert request.text == "ASK { ?s ?p \"Hà Tĩnh\" }"


def test_format_parameters_are_kept_in_order() -> None:
    query_string = "query=ASK%7B%7D&format=tsv&format=text%2Ftab-separated-values&output=tsv"
    request = parse_request("GET", query_string, None, b"")
    assert request.formats == ("tsv", "text/tab-separated-values", "tsv")


@pytest.mark.parametrize(
    ("method", "query_string", "content_type", "body", "error", "needle"),
    [
        ("GET", "query=ASK%7B%7D&query=ASK%7B%7D", None, b"", ProtocolError, "'query' parameter is given 2 times"),
        ("GET", "update=CLEAR%20ALL", None, b"", ProtocolError, "POST"),
        ("POST", "", FORM, b"query=A&update=B", ProtocolError, "not both"),
        ("POST", "", FORM, b"update=CLEAR+NAMED&update=CLEAR+DEFAULT", ProtocolError, "'update' parameter"),
        ("POST", "", FORM, b"", ProtocolError, "neither"),
        ("POST", "", None, b"query=ASK%20%7B%7D", UnsupportedMediaType, "no Content-Type"),
        ("POST", "", "text/plain", b"ASK {}", UnsupportedMediaType, "text/plain"),
        ("POST", "", "application/sparql-query; charset=UTF-16", "ASK {}".encode("utf-16"), ProtocolError, "UTF-8"),
        ("POST", "", "application/sparql-query", b"ASK { ?s ?p \"\xff\" }", ProtocolError, "not valid UTF-8"),
        ("POST", "", FORM, b"query=ASK%20%FF", ProtocolError, "not UTF-8"),
        ("POST", "query=ASK%7B%7D", "application/sparql-query", b"ASK {}", ProtocolError, "drop the query"),
        ("POST", "", "application/sparql-query", b"   ", ProtocolError, "empty"),
        ("GET", "query=ASK%7B%7D&default-graph-uri=not%20an%20iri", None, b"", ProtocolError, "absolute IRI"),
        ("GET", "query=ASK%7B%7D&using-graph-uri=http%3A%2F%2Fa%2F", None, b"", ProtocolError, "default-graph-uri"),
        ("POST", "default-graph-uri=http%3A%2F%2Fa%2F", "application/sparql-update", b"CLEAR ALL", ProtocolError,
         "using-graph-uri"),
        ("PUT", "query=ASK%7B%7D", None, b"", ProtocolError, "GET or POST"),
    ],
)
def test_bad_requests_name_the_problem(
    method: str, query_string: str, content_type: str | None, body: bytes, error: type[Exception], needle: str
) -> None:
    with pytest.raises(error) as info:
        parse_request(method, query_string, content_type, body)
    assert needle in str(info.value)


@pytest.mark.parametrize(
    ("kind", "accept", "formats", "expected"),
    [
        ("solutions", None, (), "json"),
        ("solutions", "*/*", (), "json"),
        ("solutions", "application/sparql-results+xml", (), "xml"),
        ("solutions", "text/csv;q=0.5, text/tab-separated-values", (), "tsv"),
        ("solutions", "application/json, text/javascript", (), "json"),
        ("solutions", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", (), "xml"),
        ("solutions", "text/turtle", ("csv",), "csv"),
        ("solutions", None, ("tsv", "text/tab-separated-values"), "tsv"),
        ("graph", None, (), "turtle"),
        ("graph", "application/rdf+xml", (), "rdfxml"),
        ("graph", "application/n-triples, text/turtle;q=0.9", (), "ntriples"),
        ("graph", "text/*", (), "turtle"),
        ("graph", None, ("json",), "jsonld"),
        ("graph", None, ("xml",), "rdfxml"),
        ("graph", None, ("application/trig",), "trig"),
    ],
)
def test_negotiation(kind: str, accept: str | None, formats: tuple[str, ...], expected: str) -> None:
    assert negotiate(kind, accept, formats).name == expected  # type: ignore[arg-type]


def test_unsatisfiable_accept_or_format_is_not_acceptable() -> None:
    with pytest.raises(NotAcceptable, match="image/png"):
        negotiate("solutions", "image/png", ())
    with pytest.raises(NotAcceptable, match="'csv'"):
        negotiate("graph", None, ("csv",))
    with pytest.raises(NotAcceptable):
        negotiate("solutions", "application/sparql-results+json;q=0", ())


def test_an_accept_header_for_the_other_kind_of_result_gets_the_default() -> None:
    # rdflib's SPARQLStore(returnFormat="json") asks for JSON results even for a CONSTRUCT.
    assert negotiate("graph", "application/sparql-results+json", ()).name == "turtle"
    assert negotiate("solutions", "text/turtle", ()).name == "json"


def test_html_is_chosen_only_when_preferred() -> None:
    assert accepts_html("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
    assert not accepts_html("*/*")
    assert not accepts_html(None)
    assert not accepts_html("text/turtle, text/html;q=0.5")
