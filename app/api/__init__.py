"""The policykg HTTP API: an app factory whose lifespan opens the store and loads the project."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from app import __version__
from app.api.errors import install as install_error_bodies
from app.api.errors import refuse_repeated
from app.api.readiness import ReadinessGate
from app.core.config import Settings, get_settings
from app.endpoint.catalog import load_catalog
from app.quality.report import QualityCache
from app.search.index import SearchIndex
from app.store.policy_store import PolicyStore
from app.store.readiness import Readiness

__all__ = ["create_app"]

# How long stopping the app waits for the search index being read or built before leaving it.
_WARM_WAIT_SECONDS = 10.0


def create_app(
    settings: Settings | None = None, *, store: PolicyStore | None = None, reload: bool = False
) -> FastAPI:
    """Build the FastAPI application; the store is opened and loaded when the app starts.

    A caller that already opened a store (the CLI, to report errors before the server starts)
    passes it as ``store``; it then stays the caller's to close. If it is not loaded yet, the app
    loads it (``reload``: from the files, whatever it holds), in the background when that is work
    on a persistent store (``app.readiness``): ``/health`` answers degraded meanwhile.
    """
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = store is None
        active = PolicyStore.from_settings(settings) if store is None else store
        try:
            app.state.store = active
            app.state.catalog = load_catalog(settings.queries_dir)

            def build_index() -> None:
                # Ready with the store so the first question is fast; kept up to date after (deps).
                if active.derived_dir is None:
                    app.state.search = SearchIndex.build(active)
                else:
                    from app.api.deps import warm_search

                    # Read back from beside the on-disk store when saved at its stamp, else built
                    # and saved: in the background, so /health does not wait for it.
                    app.state.search_warming = warm_search(app.state, active)
                # The quality findings are computed in the background, never inside a request.
                quality = QualityCache(active, settings)
                quality.start()
                app.state.quality = quality

            app.state.readiness = Readiness.start(active, settings, reload=reload, then=build_index)
            yield
        finally:
            # A rebuild still running keeps the store: the process ends it, and the next start finishes it.
            quality: QualityCache | None = getattr(app.state, "quality", None)
            if quality is not None:
                quality.close()
            readiness: Readiness | None = getattr(app.state, "readiness", None)
            # So does a search index still being read or built, after a short wait: it reads the store.
            warming: threading.Thread | None = getattr(app.state, "search_warming", None)
            if warming is not None:
                warming.join(_WARM_WAIT_SECONDS)
            busy = (readiness is not None and readiness.working) or (warming is not None and warming.is_alive())
            if owned and not busy:
                active.close()

    app = FastAPI(
        title="policykg",
        version=__version__,
        summary="An open knowledge graph of Vietnamese public policy.",
        lifespan=lifespan,
        dependencies=[Depends(refuse_repeated)],
        # /docs and /redoc are served from the vendored files (app/api/routers/apidocs.py), not a CDN.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    install_error_bodies(app)
    # Added first, so it sits inside the limits: a 503 while the store builds carries CORS, and
    # rate limits apply to it too.
    app.add_middleware(ReadinessGate)
    from app.api.limits import install_limits

    install_limits(app, settings)

    # Imported here so importing app.api stays cheap for code that only needs the factory's name.
    # The SPARQL endpoint is the hot path: routes are matched in order, so it goes first.
    from app.api.routers import sparql

    app.include_router(sparql.router)
    from app.api.routers import health, lineage, queries, stats

    for module in (health, queries, lineage, stats):
        app.include_router(module.router)
    from app.api.routers import dumps, ontology, resources, void

    for module in (resources, ontology, dumps, void):
        app.include_router(module.router)
    from fastapi.staticfiles import StaticFiles

    from app.api.routers import analytics, apidocs, explorer, export

    for module in (export, analytics, explorer, apidocs):
        app.include_router(module.router)
    # The explorer's files and the vendored libraries (cytoscape.js …), served locally: no CDN.
    app.mount("/static", StaticFiles(directory=explorer.STATIC_DIR), name="static")
    from app.api.routers import curate, duties, extract, indicators, quality, responsible

    for module in (responsible, duties, indicators, quality, extract, curate):
        app.include_router(module.router)
    from app.api.routers import curation, documents

    app.include_router(curation.router)
    app.include_router(documents.router)
    from app.api.routers import cascade, deadlines

    for module in (cascade, deadlines):
        app.include_router(module.router)
    return app
