"""The lineage explorer: a plain HTML/CSS/JS page at ``/`` (files in app/static/explorer).

The page asks "who is responsible for X" (GET /api/responsible) and draws a document's lineage
with the vendored cytoscape.js from /api/export?format=cytoscape; ``/?root=<notation or IRI>``
opens a lineage directly, ``&view=documents`` its cascade view (documents only, rows by level,
tasks and agencies as counts: /api/export?view=documents). Everything it loads comes from this server, so it works offline.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

STATIC_DIR = Path(__file__).resolve().parent.parent.parent / "static"
PAGE = STATIC_DIR / "explorer" / "index.html"

router = APIRouter(tags=["explorer"])


@router.get("/", include_in_schema=False)
def explorer() -> FileResponse:
    """The explorer page; ``root`` in the query string is read by the page itself."""
    return FileResponse(PAGE, media_type="text/html; charset=utf-8")
