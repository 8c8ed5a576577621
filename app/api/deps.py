"""FastAPI dependencies: the store, the settings and the query catalogue live on ``app.state``."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request

from app.catalog import NamedQuery
from app.config import Settings
from app.store import PolicyStore


def get_store(request: Request) -> PolicyStore:
    """The store opened by the app's lifespan."""
    return cast(PolicyStore, request.app.state.store)


def get_settings_dep(request: Request) -> Settings:
    """The settings the app was created with (not re-read from the environment)."""
    return cast(Settings, request.app.state.settings)


def get_catalog(request: Request) -> dict[str, NamedQuery]:
    """The named queries loaded at startup."""
    return cast(dict[str, NamedQuery], request.app.state.catalog)


StoreDep = Annotated[PolicyStore, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
CatalogDep = Annotated[dict[str, NamedQuery], Depends(get_catalog)]
