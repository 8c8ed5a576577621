"""Fixtures that run API tests over each store backend: embedded in memory, embedded on disk, and a
real Oxigraph server reached over HTTP (``POLICYKG_STORE=http://…/query``).

tests/conftest.py imports these fixtures, so every test can use them by name.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.api import create_app
from app.core.config import Settings
from app.store.policy_store import PolicyStore
from tests.support.oxigraph_server import oxigraph_server

BACKENDS = ("memory", "disk", "remote")


@pytest.fixture(scope="session")
def remote_store_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The query URL of a session-wide Oxigraph server holding the fixture project (tests only read it)."""
    from tests.support.project import PROJECT

    with oxigraph_server(tmp_path_factory.mktemp("oxigraph")) as base:
        settings = Settings(root=PROJECT, store=f"{base}/query")
        with PolicyStore.from_settings(settings) as store:
            store.load_project(settings)
        yield f"{base}/query"


@pytest.fixture
def fresh_remote_url(tmp_path: Path) -> Iterator[str]:
    """The query URL of an empty Oxigraph server of this test alone (for tests that write)."""
    with oxigraph_server(tmp_path / "oxigraph") as base:
        yield f"{base}/query"


def settings_for(kind: str, settings: Settings, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    """``settings`` pointed at a store of ``kind``."""
    if kind == "memory":
        return settings
    if kind == "disk":
        return settings.model_copy(update={"store": str(tmp_path / "store")})
    return settings.model_copy(update={"store": request.getfixturevalue("remote_store_url")})


@pytest.fixture(params=BACKENDS)
def backend_settings(request: pytest.FixtureRequest, settings: Settings, tmp_path: Path) -> Settings:
    """The fixture project's settings, once per backend."""
    return settings_for(request.param, settings, tmp_path, request)


@pytest.fixture(scope="module", params=BACKENDS)
def backend_client(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """A TestClient over the fixture project on each backend in turn, shared by a module's tests
    (which must only read: a test that writes makes its own store)."""
    from tests.support.project import PROJECT

    settings = settings_for(request.param, Settings(root=PROJECT), tmp_path_factory.mktemp("store"), request)
    with TestClient(create_app(settings)) as client:
        yield client
