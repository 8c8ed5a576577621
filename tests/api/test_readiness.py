"""A persistent store that must be (re)built at start is built in the background: ``/health`` answers
503 degraded (with Retry-After) meanwhile, other routes wait a little then answer 503, and both
recover when the build ends. A store updated after files changed is served, and reported stale."""

from __future__ import annotations

import gc
import shutil
import threading
import time
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox
from fastapi.testclient import TestClient

from app.api import create_app
from app.core.config import Settings
from app.store.backends import EmbeddedBackend
from app.store.policy_store import PolicyStore
from tests.support.project import FIXTURE_TRIPLES, PROJECT


class _HeldLoad(EmbeddedBackend):
    """A disk store whose file loads (bulk, as a first load writes) wait until the test lets them go."""

    def __init__(self, path: Path) -> None:
        super().__init__(ox.Store(str(path)), path)
        self.go = threading.Event()

    def load(self, data: bytes, fmt: ox.RdfFormat, graph: str | None) -> None:
        self.go.wait(30)
        super().load(data, fmt, graph)

    def bulk_extend(self, quads: Iterable[ox.Quad]) -> None:
        self.go.wait(30)
        super().bulk_extend(quads)


def _until(condition, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_health_is_degraded_while_the_store_is_built_and_ok_after(tmp_path: Path) -> None:
    # Non-default settings: the start serves at once (not after 5 s), and requests wait 0.2 s (not
    # 10 s) for the build before their 503.
    settings = Settings(root=PROJECT, store=str(tmp_path / "store"), start_wait=0, rebuild_wait=0.2)
    backend = _HeldLoad(tmp_path / "store")
    store = PolicyStore(backend, tmp_path / "store")
    try:
        with TestClient(create_app(settings, store=store)) as client:
            health = client.get("/health")
            assert health.status_code == 503
            assert health.headers["retry-after"].isdigit()
            assert health.json()["status"] == "degraded" and "empty" in health.json()["reason"]
            stats = client.get("/api/stats")
            assert stats.status_code == 503 and stats.headers["retry-after"].isdigit()
            assert "not ready" in stats.json()["detail"]
            backend.go.set()
            _until(lambda: client.get("/health").status_code == 200)
            assert client.get("/health").json()["triples"] == FIXTURE_TRIPLES
            assert client.get("/api/stats").json()["triples"] == FIXTURE_TRIPLES
    finally:
        store.close()


def test_a_request_during_a_short_build_waits_for_it(tmp_path: Path) -> None:
    # A non-default setting: the start serves at once; requests wait the shipped 10 s.
    settings = Settings(root=PROJECT, store=str(tmp_path / "store"), start_wait=0)
    backend = _HeldLoad(tmp_path / "store")
    store = PolicyStore(backend, tmp_path / "store")
    try:
        with TestClient(create_app(settings, store=store)) as client:
            threading.Timer(0.3, backend.go.set).start()
            response = client.get("/api/stats")
            assert response.status_code == 200 and response.json()["triples"] == FIXTURE_TRIPLES
    finally:
        store.close()


def test_a_store_updated_since_its_files_changed_is_served_and_reported_stale(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(PROJECT, project)
    settings = Settings(root=project, store=str(tmp_path / "store"))
    with PolicyStore.from_settings(settings) as store:
        store.load_project(settings)
        store.update("INSERT DATA { GRAPH <https://example.org/g> { <https://example.org/a> <https://example.org/p> 1 } }")
    extra = project / "data" / "sources" / "extra.trig"
    extra.write_text("<https://example.org/g2> { <https://example.org/b> <https://example.org/p> 2 . }\n", "utf-8")
    status, body = _health(settings)
    assert status == 200
    assert body["status"] == "stale" and "--reload-data" in body["reason"]
    assert body["triples"] == FIXTURE_TRIPLES + 1  # the update is kept; the new file is not loaded
    extra.unlink()
    assert _health(settings)[1]["status"] == "ok"  # the files are those loaded again


def _health(settings: Settings) -> tuple[int, dict[str, object]]:
    """``/health`` of an app started on ``settings``, its store released afterwards."""
    with TestClient(create_app(settings)) as client:
        response = client.get("/health")
    del client
    gc.collect()  # the query workers' factory holds the store: free it, and its lock, now
    return response.status_code, response.json()
