"""The VoID description of the dataset, at /.well-known/void (RFC 5785 style) and /void."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from app.api.deps import StoreDep
from app.api.errors import INVALID, NOT_ACCEPTABLE, STORE_ERRORS
from app.api.representations import RDF_GRAPH_FORMATS, format_query, negotiate, rdf_response
from app.linkeddata.dumps import void_description

well_known_router = APIRouter(prefix="/.well-known/void", tags=["dataset"])
void_router = APIRouter(prefix="/void", tags=["dataset"])
router = APIRouter()

_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"description": "The VoID description", "content": {rep.media_type: {} for rep in RDF_GRAPH_FORMATS}},
    **NOT_ACCEPTABLE,
    **INVALID,
    **STORE_ERRORS,
}
FormatQuery = format_query(RDF_GRAPH_FORMATS, "Overrides Accept: ttl, jsonld, rdf (RDF/XML) or nt.")


# The same description at both paths: /.well-known/void for crawlers, /void for the dataset IRI.
@well_known_router.get("", summary="VoID description of the dataset", response_class=Response, responses=_RESPONSES)
@void_router.get("", summary="VoID description of the dataset", response_class=Response, responses=_RESPONSES)
def void(
    request: Request,
    store: StoreDep,
    fmt: FormatQuery = "",
) -> Response:
    """Counts (triples, subjects, class and property partitions, one subset per named graph), the
    SPARQL endpoint, the dumps and the licence, in VoID; the dataset is …/void#dataset.

    Turtle unless Accept (text/turtle, application/ld+json, application/rdf+xml,
    application/n-triples) or ``format`` asks otherwise."""
    rep = negotiate(RDF_GRAPH_FORMATS, request.headers.get("accept"), fmt)
    return rdf_response(void_description(store, str(request.base_url)), rep)


router.include_router(well_known_router)
router.include_router(void_router)
