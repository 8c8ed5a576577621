"""Over an in-memory store, no idle query worker outlives the start of an update.

A worker is a fork of the server: every page the server rewrites while the worker lives is
copied, so a worker alive during the write of a national graph keeps a second copy of it.
"""

from __future__ import annotations

import threading
import time

from fastapi.testclient import TestClient

from app.api import create_app
from app.core.config import Settings
from app.store.policy_store import PolicyStore

TOKEN = "memory-test-token"


def test_idle_workers_are_gone_before_the_store_is_written(settings: Settings) -> None:
    # Non-default: updates enabled.
    with TestClient(create_app(settings.model_copy(update={"update_token": TOKEN}))) as client:
        endpoint = client.app.state.sparql  # type: ignore[attr-defined]
        store: PolicyStore = client.app.state.store  # type: ignore[attr-defined]
        # Both workers started (queries at once), so one is still idle after the update's trial run.
        for _ in range(10):
            if len(endpoint.worker_pids()) == 2:
                break
            both = threading.Barrier(2)

            def query(both: threading.Barrier = both) -> None:
                both.wait()
                client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers={"Cache-Control": "no-cache"})

            threads = [threading.Thread(target=query) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        before = set(endpoint.worker_pids())
        assert len(before) == 2
        alive_during_write: list[set[int]] = []
        write = store.update

        def observed(*args: object, **kwargs: object) -> None:
            alive_during_write.append({pid for pid in before if _alive(pid)})
            write(*args, **kwargs)  # type: ignore[arg-type]

        store.update = observed  # type: ignore[method-assign]
        insert = ("INSERT DATA { GRAPH <https://w3id.org/policykg/graph/source/memory-test> { "
                  "<https://w3id.org/policykg/id/memory-test> <http://www.w3.org/2000/01/rdf-schema#label> \"m\" } }")
        done = client.post("/sparql", data={"update": insert}, headers={"Authorization": f"Bearer {TOKEN}"})
        assert done.status_code == 204, done.text
        assert alive_during_write == [set()]
        # And the service answers with the new data from fresh workers.
        ask = client.get("/sparql", params={"query": "ASK { <https://w3id.org/policykg/id/memory-test> ?p ?o }"})
        assert ask.json()["boolean"] is True
        assert not before & set(endpoint.worker_pids())


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, killed but not yet reaped, counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_spare_worker_is_ready_after_a_write(settings: Settings) -> None:
    # Non-default: updates enabled. After a write every worker is replaced; one is forked at once,
    # so the next query or update does not wait for a fork.
    with TestClient(create_app(settings.model_copy(update={"update_token": TOKEN}))) as client:
        endpoint = client.app.state.sparql  # type: ignore[attr-defined]
        client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers={"Cache-Control": "no-cache"})
        before = set(endpoint.worker_pids())
        insert = ("INSERT DATA { GRAPH <https://w3id.org/policykg/graph/source/memory-test> { "
                  "<https://w3id.org/policykg/id/spare-test> <http://www.w3.org/2000/01/rdf-schema#label> \"s\" } }")
        done = client.post("/sparql", data={"update": insert}, headers={"Authorization": f"Bearer {TOKEN}"})
        assert done.status_code == 204, done.text
        deadline = time.monotonic() + 10
        while not set(endpoint.worker_pids()) - before and time.monotonic() < deadline:
            time.sleep(0.02)
        spare = set(endpoint.worker_pids()) - before
        assert len(spare) == 1  # forked with no query sent
        ask = client.get("/sparql", params={"query": "ASK { <https://w3id.org/policykg/id/spare-test> ?p ?o }"},
                         headers={"Cache-Control": "no-cache"})
        assert ask.json()["boolean"] is True
        assert set(endpoint.worker_pids()) == spare  # the spare answered, with the new data
