"""Query workers of an on-disk store read a checkpoint of it, never the directory the server writes.

A read-only RocksDB open of a directory another process goes on writing is undefined: the
writer's flushes and compactions delete files under the reader ("Corruption: IO error: No such
file or directory" in a worker, seen at 1 M quads right after a restart). The shipped settings,
but for the update token where a test writes.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from fastapi.testclient import TestClient

from app.api import create_app
from app.core.config import Settings
from tests.support.project import PROJECT

TOKEN = "disk-test-token"
ASK = "ASK { <https://w3id.org/policykg/id/disk-test> ?p ?o }"
INSERT = ("INSERT DATA { GRAPH <https://w3id.org/policykg/graph/source/disk-test> { "
          "<https://w3id.org/policykg/id/disk-test> <http://www.w3.org/2000/01/rdf-schema#label> \"d\" } }")


def opened_dirs(pid: int) -> set[Path]:
    """The directories of the files process ``pid`` holds open."""
    found = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = Path(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except OSError:
            continue
        if target.suffix == ".sst":
            found.add(target.parent)
    return found


def ask(client: TestClient) -> bool:
    answer = client.get("/sparql", params={"query": ASK}, headers={"Cache-Control": "no-cache"})
    assert answer.status_code == 200, answer.text
    return bool(answer.json()["boolean"])


def test_workers_read_a_checkpoint_that_follows_each_write(tmp_path: Path) -> None:
    store = tmp_path / "store"
    # Non-default: updates enabled, and a short query timeout so a replaced checkpoint goes soon.
    settings = Settings(root=PROJECT, store=str(store), update_token=TOKEN, query_timeout=3.0)
    with TestClient(create_app(settings)) as client:
        endpoint = client.app.state.sparql  # type: ignore[attr-defined]
        views = store.with_name("store.derived") / "worker-views"
        assert ask(client) is False
        [pid] = endpoint.worker_pids()
        first = opened_dirs(pid)
        assert first and all(d.parent == views for d in first), first  # not the store's own directory
        done = client.post("/sparql", data={"update": INSERT}, headers={"Authorization": f"Bearer {TOKEN}"})
        assert done.status_code == 204, done.text
        # Compact the store under any reader: a checkpoint keeps the files it links.
        client.app.state.store.backend.store.optimize()  # type: ignore[attr-defined]
        assert ask(client) is True
        later = {d for p in endpoint.worker_pids() for d in opened_dirs(p)}
        assert later and not later & first
        # The checkpoint before the write is removed once no worker can still be reading it.
        deadline = time.monotonic() + 60
        while any(d.exists() for d in first) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(d.exists() for d in first)
        assert {p.name for p in views.iterdir()} == {d.name for d in later}
    assert not views.exists()  # and every checkpoint at close
