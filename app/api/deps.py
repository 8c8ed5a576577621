"""FastAPI dependencies: the store, the settings and the query catalogue live on ``app.state``."""

from __future__ import annotations

import threading
from typing import Annotated, Any, cast

import anyio
from fastapi import Depends, Request

from app.core.config import Settings
from app.core.errors import ReportPending
from app.endpoint.catalog import NamedQuery
from app.export.graph import ViewCache
from app.quality.report import QualityCache, QualityReport
from app.search.index import SearchIndex, save_later
from app.store.policy_store import PolicyStore

# The dependencies that only read app.state are coroutines: FastAPI runs a plain ``def``
# dependency in its thread pool, a hop that cost more than the rest of a small request.


def store_of(request: Request) -> PolicyStore:
    """The store opened by the app's lifespan."""
    return cast(PolicyStore, request.app.state.store)


def settings_of(request: Request) -> Settings:
    """The settings the app was created with (not re-read from the environment)."""
    return cast(Settings, request.app.state.settings)


async def get_store(request: Request) -> PolicyStore:
    """The store opened by the app's lifespan (dependency)."""
    return store_of(request)


async def get_settings_dep(request: Request) -> Settings:
    """The settings the app was created with (dependency)."""
    return settings_of(request)


async def get_catalog(request: Request) -> dict[str, NamedQuery]:
    """The named queries loaded at startup."""
    return cast(dict[str, NamedQuery], request.app.state.catalog)


_STATE_LOCK = threading.Lock()


def get_search(request: Request) -> SearchIndex:
    """The search index built at startup, brought up to date first if the store changed since.

    After a write that the store logged, only what it touched is read again (milliseconds), then
    the new index is swapped in; requests already holding the old one finish on it.
    """
    store = store_of(request)
    generation = store.current_generation()
    index: SearchIndex | None = getattr(request.app.state, "search", None)
    if index is None or index.generation != generation:
        with _STATE_LOCK:  # one update, however many requests arrive meanwhile
            index = getattr(request.app.state, "search", None)
            if index is None or index.generation != generation:
                if index is None:
                    index = SearchIndex.load_or_build(store)
                else:
                    index = index.refreshed(store)
                    save_later(index, store)
                request.app.state.search = index
    return index


def warm_search(state: Any, store: PolicyStore) -> threading.Thread:
    """Make the search index ready in the background (read back beside an on-disk store, or built):
    a restart answers /health at once, and the first question waits for the index on the lock."""

    def run() -> None:
        with _STATE_LOCK:
            if getattr(state, "search", None) is None:
                state.search = SearchIndex.load_or_build(store)

    thread = threading.Thread(target=run, name="policykg-search-index", daemon=True)
    thread.start()
    return thread


async def get_quality(request: Request) -> QualityReport:
    """The maintained quality report (started with the store; ReportPending until its first result)."""
    cache: QualityCache | None = getattr(request.app.state, "quality", None)
    if cache is None:
        raise ReportPending("the quality report starts once the store is loaded; retry shortly")
    return cache.get()


async def get_export_cache(request: Request) -> ViewCache:
    """The graph views of recent export selections, one cache per app (made on the event loop)."""
    cache: ViewCache | None = getattr(request.app.state, "export_cache", None)
    if cache is None:
        cache = request.app.state.export_cache = ViewCache(settings_of(request).export_cache_triples)
    return cache


async def get_export_limiter(request: Request) -> anyio.CapacityLimiter:
    """How many exports may be computed at once (created on the event loop, on first use)."""
    limiter: anyio.CapacityLimiter | None = getattr(request.app.state, "export_limiter", None)
    if limiter is None:
        limiter = request.app.state.export_limiter = anyio.CapacityLimiter(settings_of(request).export_concurrency)
    return limiter


StoreDep = Annotated[PolicyStore, Depends(get_store)]
SearchDep = Annotated[SearchIndex, Depends(get_search)]
QualityDep = Annotated[QualityReport, Depends(get_quality)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
CatalogDep = Annotated[dict[str, NamedQuery], Depends(get_catalog)]
ExportCacheDep = Annotated[ViewCache, Depends(get_export_cache)]
ExportLimiterDep = Annotated[anyio.CapacityLimiter, Depends(get_export_limiter)]
