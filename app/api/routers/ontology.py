"""The ontology document https://w3id.org/policykg/ontology, served at /ontology.

Browsers get documentation generated on each request from the ontology graph of the store
(never a committed HTML file); RDF clients get the graph as Turtle, JSON-LD, RDF/XML or N-Triples.
Term IRIs ``pol:Term`` end in ``#Term``, the id of that term's section on the page.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, Response

from app.api.deps import StoreDep
from app.api.errors import INVALID, NOT_ACCEPTABLE, STORE_ERRORS
from app.api.html import render
from app.api.representations import format_query, media_content, rdf_response
from app.core.media import HTML, OFFERS, RDF_FORMATS, negotiate
from app.linkeddata.ontology import document_ontology, ontology_graph

router = APIRouter(prefix="/ontology", tags=["linked data"])

FormatQuery = Annotated[str, format_query(OFFERS["page"], "Overrides Accept: html, ttl, jsonld, rdf (RDF/XML) or nt.")]


@router.get(
    "",
    summary="The policykg ontology",
    response_class=Response,
    responses={
        200: {
            "description": "Documentation (HTML) or the ontology graph (RDF)",
            "content": media_content(OFFERS["page"]),
        },
        **NOT_ACCEPTABLE,
        **INVALID,
        **STORE_ERRORS,
    },
)
def get_ontology(
    request: Request,
    store: StoreDep,
    fmt: FormatQuery = "",
) -> Response:
    """The OWL ontology with its SKOS schemes: HTML documentation or RDF, by Accept or ``?format=``.

    HTML unless Accept (text/turtle, application/ld+json, application/rdf+xml, …) or ``format`` asks otherwise."""
    rep = negotiate("page", request.headers.get("accept"), fmt)
    if rep is HTML:
        return render(
            request, "linked-data/ontology.html", {"o": document_ontology(store), "formats": RDF_FORMATS}
        )
    return rdf_response(ontology_graph(store), rep)
