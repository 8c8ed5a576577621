"""The VoID description of the dataset, at /.well-known/void (RFC 5785 style) and /void."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, Response

from app.api.deps import StoreDep
from app.api.errors import INVALID, NOT_ACCEPTABLE, STORE_ERRORS
from app.api.representations import format_query, media_content, rdf_response
from app.core.media import OFFERS, negotiate
from app.linkeddata.dumps import void_description

well_known_router = APIRouter(prefix="/.well-known/void", tags=["dataset"])
void_router = APIRouter(prefix="/void", tags=["dataset"])
router = APIRouter()

_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"description": "The VoID description", "content": media_content(OFFERS["rdf"])},
    **NOT_ACCEPTABLE,
    **INVALID,
    **STORE_ERRORS,
}
FormatQuery = Annotated[str, format_query(OFFERS["rdf"], "Overrides Accept: ttl, jsonld, rdf (RDF/XML) or nt.")]


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
    rep = negotiate("rdf", request.headers.get("accept"), fmt)
    return rdf_response(void_description(store, str(request.base_url)), rep)


router.include_router(well_known_router)
router.include_router(void_router)
