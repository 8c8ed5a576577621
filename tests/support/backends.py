"""Fixtures that run API tests over each store backend: embedded in memory, embedded on disk, and a
remote engine reached over HTTP — a real Oxigraph server (``POLICYKG_STORE=http://…/query``) and a
real Virtuoso (``POLICYKG_STORE=http://…/sparql``), each remote test once per engine.

tests/conftest.py imports these fixtures, so every test can use them by name.

Virtuoso takes seconds to create a database, so the session runs two: one holding the fixture
project for the tests that only read, and a scratch one that ``fresh_remote_url`` empties before
each test that writes (``ScratchEngine`` knows what it holds, so a module's shared data is
reloaded only when a writing test came in between).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.api import create_app
from app.core.config import Settings
from app.store.policy_store import PolicyStore
from app.store.backends import RemoteBackend
from tests.support.oxigraph_server import oxigraph_server
from tests.support.virtuoso_server import virtuoso_server

BACKENDS = ("memory", "disk", "remote")
#: The remote engines every remote-backend test runs on.
ENGINES = ("oxigraph", "virtuoso")


def load_project_into(url: str, root: Path) -> None:
    """Load the project at ``root`` into the (empty) engine at ``url``, as a first start does."""
    settings = Settings(root=root, store=url)
    with PolicyStore.from_settings(settings) as store:
        store.load_project(settings)


@pytest.fixture(scope="session", params=ENGINES)
def remote_store_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The query URL of a session-wide engine holding the fixture project (tests only read it)."""
    from tests.support.project import PROJECT

    if request.param == "virtuoso":
        with virtuoso_server(tmp_path_factory.mktemp("virtuoso")) as url:
            load_project_into(url, PROJECT)
            yield url
        return
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph")) as base:
        load_project_into(f"{base}/query", PROJECT)
        yield f"{base}/query"


class ScratchEngine:
    """A session's scratch Virtuoso, emptied or filled on demand; remembers what it holds."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.holds: str | None = None

    def claim(self, name: str, fill: Callable[[str], None] | None = None) -> bool:
        """Make the engine hold ``name`` (empty, then ``fill(url)``); True when it had to be rebuilt."""
        if name == self.holds and name != "fresh":
            return False
        self.holds = None
        backend = RemoteBackend(self.url)
        try:
            backend.clear()
        finally:
            backend.close()
        if fill is not None:
            fill(self.url)
        self.holds = name
        return True


@pytest.fixture(scope="session")
def virtuoso_scratch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScratchEngine]:
    """The session's scratch Virtuoso (started on first use)."""
    with virtuoso_server(tmp_path_factory.mktemp("virtuoso-scratch")) as url:
        yield ScratchEngine(url)


@pytest.fixture(params=ENGINES)
def fresh_remote_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The query URL of an empty engine of this test alone (for tests that write)."""
    if request.param == "virtuoso":
        scratch: ScratchEngine = request.getfixturevalue("virtuoso_scratch")
        scratch.claim("fresh")
        yield scratch.url
        return
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
