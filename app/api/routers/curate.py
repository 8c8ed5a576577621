"""The review page ``/curate``: a text in, its extracted items highlighted, reviewed, drafted, ingested.

Plain HTML/CSS/JS (app/static/curate) over ``POST /api/extract``, ``GET /api/extract/agencies``,
``POST /api/extract/draft`` and ``POST /api/ingest``; everything it loads comes from this server.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

PAGE = Path(__file__).resolve().parent.parent.parent / "static" / "curate" / "index.html"

router = APIRouter(tags=["curation"])


@router.get("/curate", include_in_schema=False)
def curate() -> FileResponse:
    """The review page; ``lang``, ``province`` and ``source`` in the query string are read by the page itself."""
    return FileResponse(PAGE, media_type="text/html; charset=utf-8")
