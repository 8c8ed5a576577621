"""Linked data: every IRI under https://w3id.org/policykg/id/ dereferences here, at /id/….

A browser gets an HTML page, an RDF client the resource's concise bounded description in the
format it asks for. An unknown IRI is a 404 (HTML or JSON, as asked) with close matches.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.convertors import PathConvertor, register_url_convertor

from app.api.deps import StoreDep
from app.api.errors import INVALID, NOT_ACCEPTABLE, STORE_ERRORS
from app.api.html import local_href, render
from app.api.representations import VARY, format_query, media_content, rdf_response
from app.core.errors import UnknownResource
from app.core.media import HTML, OFFERS, RDF_FORMATS, negotiate
from app.core.namespaces import POLID
from app.core.text import nfc
from app.linkeddata.describe import concise_description, describe, suggestions


class _AnyPath(PathConvertor):
    """Starlette's ``path`` stops at a line break (``.*``); this one takes every character, so that
    whatever follows /id/ gets this route's 404 (with its ``iri`` and suggestions), not a bare one."""

    regex = r"(?s:.*)"


register_url_convertor("anypath", _AnyPath())
router = APIRouter(prefix="/id", tags=["linked data"])

# A hub (a unit, a status) can have thousands of incoming links; the page shows this many, the RDF all.
INCOMING_ON_PAGE = 500


class SuggestedResource(BaseModel):
    """A resource close to the one asked for."""

    iri: str
    href: str
    label: str | None
    notation: str | None


class ResourceNotFound(BaseModel):
    """No triple has the IRI as subject or object; close matches follow."""

    detail: str
    iri: str
    suggestions: list[SuggestedResource]


FormatQuery = Annotated[str, format_query(OFFERS["page"], "Overrides Accept: html, ttl, jsonld, rdf (RDF/XML) or nt.")]


@router.get(
    "/{path:anypath}",
    summary="Dereference a resource IRI",
    response_class=Response,
    responses={
        200: {"description": "The resource as HTML or RDF", "content": media_content(OFFERS["page"])},
        404: {
            "model": ResourceNotFound,
            "description": "Unknown IRI, with close matches (a page when HTML was negotiated)",
            "content": {"text/html": {}},
        },
        **NOT_ACCEPTABLE,
        **INVALID,
        **STORE_ERRORS,
    },
)
def get_resource(
    path: Annotated[
        str,
        Path(description="The IRI after https://w3id.org/policykg/id/", examples=["doc/bo-chinh-tri/2019/52-nq-tw"]),
    ],
    request: Request,
    store: StoreDep,
    fmt: FormatQuery = "",
) -> Response:
    """The resource ``https://w3id.org/policykg/id/{path}``: HTML, Turtle, JSON-LD, RDF/XML or N-Triples.

    HTML unless Accept (text/turtle, application/ld+json, …) or ``format`` asks otherwise."""
    rep = negotiate("page", request.headers.get("accept"), fmt)
    iri = str(POLID) + nfc(path)
    try:
        if rep is HTML:
            return render(
                request,
                "linked-data/resource.html",
                {"d": describe(store, iri), "formats": RDF_FORMATS, "incoming_limit": INCOMING_ON_PAGE},
            )
        return rdf_response(concise_description(store, iri), rep)
    except UnknownResource as exc:
        found = suggestions(store, exc.suggestions)
        if rep is HTML:
            return render(request, "linked-data/not-found.html", {"iri": iri, "suggestions": found}, 404)
        body = ResourceNotFound(
            detail=str(exc),
            iri=iri,
            suggestions=[
                SuggestedResource(iri=s.iri, href=local_href(s.iri) or s.iri, label=s.label, notation=s.notation)
                for s in found
            ],
        )
        return JSONResponse(body.model_dump(), status_code=404, headers=VARY)
