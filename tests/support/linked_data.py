"""Helpers of the linked-data API tests: the RDF formats on offer, and parsing responses back."""

from __future__ import annotations

import httpx
import pytest
import rdflib

# rdflib's own JSON-LD and TriG parsers still build a ConjunctiveGraph inside; not our code.
RDFLIB_PARSER_WARNINGS = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")

#: media type → rdflib parser name, for every RDF graph format the linked-data routes offer.
RDF_GRAPH_FORMATS: dict[str, str] = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
    "application/n-triples": "nt",
}
#: ``?format=`` names of the same formats.
FORMAT_NAMES: dict[str, str] = {
    "ttl": "text/turtle",
    "jsonld": "application/ld+json",
    "rdf": "application/rdf+xml",
    "nt": "application/n-triples",
}


def media_type(response: httpx.Response) -> str:
    """The media type of a response, without parameters."""
    return response.headers["content-type"].split(";")[0].strip()


def parse_graph(response: httpx.Response) -> rdflib.Graph:
    """Parse an RDF graph response with the parser its Content-Type names."""
    return rdflib.Graph().parse(data=response.content, format=RDF_GRAPH_FORMATS[media_type(response)])
