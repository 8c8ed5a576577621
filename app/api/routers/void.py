"""The VoID description of the dataset, at /.well-known/void (RFC 5785 style) and /void."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response

from app.api.deps import StoreDep
from app.api.representations import RDF_GRAPH_FORMATS, ErrorBody, negotiate, rdf_response
from app.dataset import void_description

well_known_router = APIRouter(prefix="/.well-known/void", tags=["dataset"])
void_router = APIRouter(prefix="/void", tags=["dataset"])
router = APIRouter()

_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"content": {rep.media_type: {} for rep in RDF_GRAPH_FORMATS}},
    406: {"model": ErrorBody, "description": "None of the accepted types can be served"},
}


# The same description at both paths: /.well-known/void for crawlers, /void for the dataset IRI.
@well_known_router.get("", summary="VoID description of the dataset", response_class=Response, responses=_RESPONSES)
@void_router.get("", summary="VoID description of the dataset", response_class=Response, responses=_RESPONSES)
def void(
    request: Request,
    store: StoreDep,
    fmt: Annotated[
        str | None, Query(alias="format", description="Overrides Accept: ttl, jsonld, rdf (RDF/XML) or nt.")
    ] = None,
    accept: Annotated[str | None, Header(description="text/turtle (default), application/ld+json, …")] = None,
) -> Response:
    """Counts (triples, subjects, class and property partitions, one subset per named graph), the
    SPARQL endpoint, the dumps and the licence, in VoID; the dataset is …/void#dataset."""
    rep = negotiate(RDF_GRAPH_FORMATS, accept, fmt)
    return rdf_response(void_description(store, str(request.base_url)), rep)


router.include_router(well_known_router)
router.include_router(void_router)
