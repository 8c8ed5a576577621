"""An ingest is all or nothing: ``policykg serve`` on a disk store, killed (SIGKILL) while it ingests, restarted,
holds the whole source or none of it, and its log says so.

Each round sends a large draft to a real server process and kills it after a delay spread over how long an
ingest takes (seeded, like tests/store/test_durability.py: set POLICYKG_TEST_SEED to replay another), then
restarts the way the service does (``load_project`` on the store) and checks the store. Updates need a token,
so the server runs with ``POLICYKG_UPDATE_TOKEN`` set (a non-default setting).
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from pathlib import Path

import httpx
import pyoxigraph as ox

from app.core.config import Settings
from app.curation.ingest import curation_log
from app.store.policy_store import PolicyStore
from tests.support.curation import PLAN, plan_draft
from tests.support.live import serve_process
from tests.support.project import ROOT

SEED = int(os.environ.get("POLICYKG_TEST_SEED", "20261201"))
ROUNDS = 4
TOKEN = "kill-test-token"
TASKS = 150
_VOLATILE = {"http://www.w3.org/ns/prov#generatedAtTime", "http://purl.org/dc/terms/creator"}


def _stable(store: PolicyStore, graph: str) -> set[ox.Triple]:
    """The graph's triples but the ingest's time (it differs from one ingest to the next)."""
    return {q.triple for q in store.backend.graph_quads(graph) if q.predicate.value not in _VOLATILE}


def _post(url: str, name: str, outcome: dict[str, object]) -> None:
    try:
        answer = httpx.post(
            f"{url}/api/ingest", params={"source": name}, content=plan_draft(name, tasks=TASKS).encode(),
            headers={"Content-Type": "application/trig", "Authorization": f"Bearer {TOKEN}"}, timeout=120,
        )
        outcome["status"] = answer.status_code
    except httpx.HTTPError as exc:
        outcome["error"] = type(exc).__name__


def test_a_server_killed_during_an_ingest_holds_all_or_none_of_the_source(tmp_path: Path) -> None:
    settings = Settings(root=ROOT, store=str(tmp_path / "store"))
    env = {"POLICYKG_ROOT": str(ROOT), "POLICYKG_STORE": str(settings.store), "POLICYKG_UPDATE_TOKEN": TOKEN}
    with PolicyStore.open() as reference:
        reference.load_project(settings.model_copy(update={"store": None}))
        from app.curation.ingest import ingest

        expected = {}
        for n in range(ROUNDS + 1):
            name = f"kill-{n}"
            assert ingest(reference, plan_draft(name, tasks=TASKS), name, settings=settings).committed
            expected[name] = _stable(reference, f"https://w3id.org/policykg/graph/source/{name}")
    # One ingest to the end first: how long it takes, to spread the kills over it.
    with serve_process(log=tmp_path / "server-0.log", env=env) as server:
        started = time.monotonic()
        outcome: dict[str, object] = {}
        _post(server.url, "kill-0", outcome)
        duration = time.monotonic() - started
        assert outcome == {"status": 201}, outcome
    rng = random.Random(SEED)
    seen = []
    for round_ in range(1, ROUNDS + 1):
        name = f"kill-{round_}"
        graph = f"https://w3id.org/policykg/graph/source/{name}"
        delay = rng.uniform(0.05, 1.0) * duration
        message = f"seed {SEED}, round {round_}, killed {delay:.3f} s into a {duration:.3f} s ingest"
        with serve_process(log=tmp_path / f"server-{round_}.log", env=env) as server:
            outcome = {}
            sender = threading.Thread(target=_post, args=(server.url, name, outcome))
            sender.start()
            time.sleep(delay)
            os.kill(server.pid, signal.SIGKILL)
            sender.join(timeout=60)
        with PolicyStore.from_settings(settings) as store:
            store.load_project(settings)  # what a restart does
            held = _stable(store, graph)
            assert held in (set(), expected[name]), f"{message}: {len(held)} of {len(expected[name])} triples"
            logged = [e for e in curation_log(store) if e.source == name]
            assert len(logged) == (1 if held else 0), f"{message}: the log disagrees with the data"
            union = {q.triple for q in store.backend.graph_quads(None)}
            assert bool(held) == (ox.Triple(ox.NamedNode(PLAN), ox.NamedNode(
                "https://w3id.org/policykg/ontology#source"), ox.NamedNode(f"https://w3id.org/policykg/id/source/{name}"))
                in union), f"{message}: the union disagrees with the source's graph"
            # The first source, committed before any kill, is whole.
            assert _stable(store, "https://w3id.org/policykg/graph/source/kill-0") == expected["kill-0"], message
            seen.append("all" if held else "none")
    # And the restarted server answers with what the store holds.
    with serve_process(log=tmp_path / "server-last.log", env=env) as server:
        sources = httpx.get(f"{server.url}/api/sources", timeout=30).json()["sources"]
        assert "kill-0" in sources
        assert [n for n in sources if n.startswith("kill-")] == ["kill-0"] + [
            f"kill-{r}" for r, s in enumerate(seen, 1) if s == "all"
        ], f"seed {SEED}: outcomes {seen}"
