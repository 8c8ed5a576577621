"""Whole-dataset dumps: /dump (negotiated) and /download/policykg.{trig,nq,ttl}, streamed.

TriG and N-Quads keep the named graph of every source article; Turtle is the union default graph.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import StreamingResponse

from app.api.deps import StoreDep
from app.api.errors import INVALID, NOT_ACCEPTABLE, STORE_ERRORS, ErrorBody
from app.api.representations import VARY, format_query, media_content
from app.core.errors import shown
from app.core.media import OFFERS, negotiate
from app.linkeddata.dumps import DUMPS, DumpFormat, dump_chunks, on_own_thread
from app.store.policy_store import PolicyStore

_CONTENT = media_content(OFFERS["dataset"])
FormatQuery = Annotated[str, format_query(OFFERS["dataset"], "Overrides Accept: trig, nq or ttl.")]
FILENAMES = [spec.filename for spec in DUMPS.values()]

dump_router = APIRouter(prefix="/dump", tags=["dumps"])
download_router = APIRouter(prefix="/download", tags=["dumps"])
router = APIRouter()


def _stream(store: PolicyStore, fmt: DumpFormat, vary: bool) -> StreamingResponse:
    spec = DUMPS[fmt]
    headers = {"Content-Disposition": f'attachment; filename="{spec.filename}"', **(VARY if vary else {})}
    media_type = spec.media_type if fmt is DumpFormat.nq else f"{spec.media_type}; charset=utf-8"
    # The graphs are listed here, so an unreachable store is still a 503; the quads are read on
    # one thread of their own (pyoxigraph's iterators must stay on the thread that made them).
    return StreamingResponse(on_own_thread(dump_chunks(store, fmt)), media_type=media_type, headers=headers)


@dump_router.get(
    "",
    summary="Dump the whole dataset",
    response_class=StreamingResponse,
    responses={200: {"description": "The dump", "content": _CONTENT}, **NOT_ACCEPTABLE, **INVALID, **STORE_ERRORS},
)
def dump(request: Request, store: StoreDep, fmt: FormatQuery = "") -> StreamingResponse:
    """The dataset as TriG (default) or N-Quads with its named graphs, or Turtle of the union graph.

    TriG unless Accept (application/trig, application/n-quads, text/turtle) or ``format`` asks otherwise."""
    rep = negotiate("dataset", request.headers.get("accept"), fmt)
    return _stream(store, DumpFormat(rep.extension), vary=True)


@download_router.get(
    "/{filename}",
    summary="Download a dump file",
    response_class=StreamingResponse,
    responses={
        200: {"description": "The dump file", "content": _CONTENT},
        404: {"model": ErrorBody, "description": "No dump has this name"},
        **INVALID,
        **STORE_ERRORS,
    },
)
def download(
    filename: Annotated[str, Path(json_schema_extra={"enum": FILENAMES})], store: StoreDep
) -> StreamingResponse:
    """``policykg.trig``, ``policykg.nq`` (named graphs kept) or ``policykg.ttl`` (union default graph)."""
    for fmt, spec in DUMPS.items():
        if spec.filename == filename:
            return _stream(store, fmt, vary=False)
    raise HTTPException(404, detail=f"no dump named {shown(filename)}; available: {', '.join(FILENAMES)}")


router.include_router(dump_router)
router.include_router(download_router)
