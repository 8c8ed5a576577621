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
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.api import create_app
from app.core.config import Settings
from app.store.backends import RemoteBackend
from app.store.policy_store import PolicyStore
from tests.support.oxigraph_server import oxigraph_server
from tests.support.virtuoso_server import virtuoso_server

BACKENDS = ("memory", "disk", "oxigraph", "virtuoso")
#: The remote engines every remote-backend test runs on.
ENGINES = ("oxigraph", "virtuoso")


def load_project_into(url: str, root: Path) -> None:
    """Load the project at ``root`` into the (empty) engine at ``url``, as a first start does."""
    settings = Settings(root=root, store=url)
    with PolicyStore.from_settings(settings) as store:
        store.load_project(settings)


@pytest.fixture(scope="session")
def remote_oxigraph_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The query URL of a session-wide Oxigraph server holding the fixture project (tests only read it)."""
    from tests.support.project import PROJECT

    with oxigraph_server(tmp_path_factory.mktemp("oxigraph")) as base:
        load_project_into(f"{base}/query", PROJECT)
        yield f"{base}/query"


@pytest.fixture(scope="session")
def remote_virtuoso_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The SPARQL URL of a session-wide Virtuoso holding the fixture project (tests only read it)."""
    from tests.support.project import PROJECT

    with virtuoso_server(tmp_path_factory.mktemp("virtuoso")) as url:
        load_project_into(url, PROJECT)
        yield url


@pytest.fixture(scope="session", params=ENGINES)
def remote_store_url(request: pytest.FixtureRequest) -> str:
    """The URL of an engine holding the fixture project, once per engine (tests only read it)."""
    url: str = request.getfixturevalue(f"remote_{request.param}_url")
    return url


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


@pytest.fixture
def fresh_oxigraph_url(tmp_path: Path) -> Iterator[str]:
    """The query URL of an empty Oxigraph server of this test alone (for tests that write)."""
    with oxigraph_server(tmp_path / "oxigraph") as base:
        yield f"{base}/query"


@pytest.fixture
def fresh_virtuoso_url(virtuoso_scratch: ScratchEngine) -> str:
    """The SPARQL URL of the scratch Virtuoso, emptied for this test (for tests that write)."""
    virtuoso_scratch.claim("fresh")
    return virtuoso_scratch.url


@pytest.fixture(params=ENGINES)
def fresh_remote_url(request: pytest.FixtureRequest) -> str:
    """The URL of an empty engine of this test alone, once per engine (for tests that write)."""
    url: str = request.getfixturevalue(f"fresh_{request.param}_url")
    return url


def engine_of(request: pytest.FixtureRequest) -> str | None:
    """The engine (or backend) a parametrised test runs on, if any."""
    params = request.node.callspec.params if hasattr(request.node, "callspec") else {}
    for name in ("remote_store_url", "fresh_remote_url", "backend_client", "backend_settings", "writable"):
        if name in params:
            return str(params[name])
    return None


@contextmanager
def fails_on_virtuoso(request: pytest.FixtureRequest, reason: str) -> Iterator[None]:
    """Run the block; on Virtuoso it must fail (xfail with ``reason``), so a fix shows up as a failure
    that asks for the mark to go (docs-fragments/virtuoso.md lists these)."""
    if engine_of(request) != "virtuoso":
        yield
        return
    try:
        yield
    except Exception:  # noqa: BLE001 - an assertion or the engine's error: both are the known failure
        pytest.xfail(reason)
    pytest.fail(f"this now works on Virtuoso: remove fails_on_virtuoso ({reason})")


#: Virtuoso 7.2 refuses a transitive property path (p*, p+) unless one end is a constant.
TRANSITIVE_PATHS = "Virtuoso refuses a transitive path whose ends are both variables ('transitive start not given')"
#: The HTML page's query of the graphs stating a resource: EXISTS inside BIND over a BIND-made
#: variable is an internal error of Virtuoso's SPARQL compiler (sparp_check_field_mapping_spo).
VIRTUOSO_PAGE = "Virtuoso's SPARQL compiler fails on the page's graphs query (EXISTS inside BIND)"


def settings_for(kind: str, settings: Settings, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    """``settings`` pointed at a store of ``kind``."""
    if kind == "memory":
        return settings
    if kind == "disk":
        return settings.model_copy(update={"store": str(tmp_path / "store")})
    return settings.model_copy(update={"store": request.getfixturevalue(f"remote_{kind}_url")})


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
