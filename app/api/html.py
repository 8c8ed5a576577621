"""Server-rendered HTML pages: the Jinja2 environment of ``app/templates`` and its IRI filters.

Resource IRIs are minted under https://w3id.org/policykg/, which redirects to this server, so a
page links our own IRIs to the server's paths (``/id/…``, ``/ontology#Term``) and any other IRI
to itself. Pages load nothing from another host: styles are inline, no fonts, no scripts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from app.core.namespaces import GRAPH_BASE, ONTOLOGY_GRAPH, POL, POLID, compact

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
W3ID_BASE = "https://w3id.org/policykg/"

templates = Jinja2Templates(directory=TEMPLATES_DIR)


def local_href(iri: str) -> str | None:
    """The server path an IRI of ours dereferences at; the IRI itself for others; None for graph names."""
    if iri.startswith(str(POLID)):
        return "/id/" + iri.removeprefix(str(POLID))
    if iri.startswith(str(POL)):
        return "/ontology#" + iri.removeprefix(str(POL))
    if iri == ONTOLOGY_GRAPH:
        return "/ontology"
    if iri.startswith(GRAPH_BASE):
        return None  # a named graph has no page; its source record does
    return iri


def explorer_href(iri: str) -> str:
    """The explorer page rooted at ``iri``."""
    return "/?root=" + quote(iri, safe="")


templates.env.filters["href"] = local_href
templates.env.filters["compact"] = compact
templates.env.filters["explorer"] = explorer_href


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    """Render ``name`` with ``context``; negotiated pages carry ``Vary: Accept``."""
    return templates.TemplateResponse(
        request, name, context, status_code=status_code, headers={"Vary": "Accept"}, media_type="text/html"
    )
