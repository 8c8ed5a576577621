"""Loads and updates either happen or do not: a process killed (SIGKILL) at a random point of a disk
store's first load or of a stream of updates leaves a store that the next start serves complete.

Each round starts a real Python process on a disk store in tmp_path, kills it after a random delay,
then restarts the way the service does (``load_project``) and checks the store: the named graphs
are the project's, the default graph is exactly the set-union of the named graphs, and the derived
graph is what a fresh derivation of them gives. The delays come from a seeded generator; the seed
is in every failure message (set POLICYKG_TEST_SEED to replay another).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib.compare import isomorphic

from app.core.config import Settings
from app.core.namespaces import DERIVED_GRAPH, POL, STATE_GRAPH
from app.domain.lineage import lineage
from app.domain.names import resolve_document
from app.domain.responsibility import find_responsible
from app.search.index import SearchIndex
from app.store.policy_store import PolicyStore
from tests.support.project import ROOT

SEED = int(os.environ.get("POLICYKG_TEST_SEED", "20261201"))
ROUNDS = 4
_STATE = ox.NamedNode(STATE_GRAPH)
_DERIVED = ox.NamedNode(DERIVED_GRAPH)

# The child processes: the first load of a disk store, and a stream of updates on a loaded one.
_LOAD = """
import sys
from app.core.config import Settings
from app.store.policy_store import PolicyStore
settings = Settings(root=sys.argv[1], store=sys.argv[2])
with PolicyStore.from_settings(settings) as store:
    print("loading", flush=True)
    store.load_project(settings)
    print("done", flush=True)
"""
_UPDATES = """
import sys
from app.core.config import Settings
from app.store.policy_store import PolicyStore
settings = Settings(root=sys.argv[1], store=sys.argv[2])
agency = sys.argv[3]
with PolicyStore.from_settings(settings) as store:
    store.load_project(settings)
    print("ready", flush=True)
    i = 0
    while True:
        graph = f"https://example.org/graph/{i % 5}"
        store.update(
            "PREFIX pol: <https://w3id.org/policykg/ontology#>\\n"
            f"INSERT DATA {{ GRAPH <{graph}> {{ <https://example.org/task/{i}> a pol:Task ; "
            f"pol:leadAgency <{agency}> ; pol:source <https://example.org/source/{i}> }} }}"
        )
        if i % 3 == 2:  # and some deletions, so the union must lose triples too
            store.update(f"DELETE WHERE {{ GRAPH ?g {{ <https://example.org/task/{i - 1}> ?p ?o }} }}")
        i += 1
"""


def _project(tmp_path: Path, fillers: int = 0) -> Settings:
    """A copy of the shipped ontology (with its rules) and data, plus ``fillers`` small data files."""
    root = tmp_path / "project"
    shutil.copytree(ROOT / "ontology", root / "ontology")
    shutil.copytree(ROOT / "data", root / "data")
    if fillers:
        (root / "data" / "filler").mkdir()
        for n in range(fillers):
            triples = "\n".join(
                f"  <https://example.org/filler/{n}/{k}> <https://example.org/p> {k} ." for k in range(25)
            )
            (root / "data" / "filler" / f"f{n:04d}.trig").write_text(
                f"<https://example.org/graph/filler/{n}> {{\n{triples}\n}}\n", encoding="utf-8"
            )
    return Settings(root=root, store=str(tmp_path / "store"))


def _start(script: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
    )


def _wait_for(process: subprocess.Popen[str], line: str) -> float:
    """Read the child's output until ``line``; return when it came (monotonic)."""
    assert process.stdout is not None
    for got in process.stdout:
        if got.strip() == line:
            return time.monotonic()
    raise AssertionError(f"the child ended before {line!r}: {process.stderr.read() if process.stderr else ''}")


def _kill(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


def _shape(quads: list[ox.Quad]) -> tuple[set[ox.Quad], Counter[str]]:
    """Quads without blank nodes as a set, and the count of the others per graph: equal between two
    stores loaded from the same files (blank-node labels differ from one load to the next)."""
    plain = {q for q in quads if not any(isinstance(t, ox.BlankNode) for t in (q.subject, q.object))}
    others = Counter(str(q.graph_name) for q in quads if q not in plain)
    return plain, others


def _named(store: PolicyStore) -> list[ox.Quad]:
    return [q for q in store.backend.quads() if isinstance(q.graph_name, ox.NamedNode) and q.graph_name != _STATE]


def assert_union(store: PolicyStore, message: str) -> list[ox.Quad]:
    """The default graph is exactly the set-union of the named graphs; return their quads."""
    named = _named(store)
    union = {q.triple for q in store.backend.graph_quads(None)}
    assert union == {q.triple for q in named}, f"{message}: the default graph is not the union of the named graphs"
    return named


def assert_consistent(store: PolicyStore, settings: Settings, message: str) -> None:
    """The default graph is the set-union of the named graphs; the derived graph a fresh derivation's."""
    named = assert_union(store, message)
    fresh = PolicyStore.open()
    fresh.raw.extend(ox.Quad(q.subject, q.predicate, q.object, q.graph_name) for q in named if q.graph_name != _DERIVED)
    fresh.rules_dir = settings.ontology_dir / "rules"
    fresh.derive()
    expected = {q.triple for q in fresh.backend.graph_quads(DERIVED_GRAPH)}
    assert expected, "the rules derive something from this data (else the check proves nothing)"
    assert {q.triple for q in store.backend.graph_quads(DERIVED_GRAPH)} == expected, (
        f"{message}: the derived graph is not what the rules derive from the named graphs"
    )


def test_a_first_load_killed_at_any_point_is_completed_by_the_next_start(tmp_path: Path) -> None:
    settings = _project(tmp_path, fillers=300)
    with PolicyStore.open() as reference:
        reference.load_project(settings.model_copy(update={"store": None}))
        expected = _shape(_named(reference))
    # One load to the end first: how long the load takes, to spread the kills over it.
    child = _start(_LOAD, str(settings.root), str(settings.store))
    began = _wait_for(child, "loading")
    duration = _wait_for(child, "done") - began
    child.wait(timeout=30)
    rng = random.Random(SEED)
    for round_ in range(ROUNDS):
        shutil.rmtree(settings.store_path)  # type: ignore[arg-type]
        delay = rng.uniform(0.05, 0.9) * duration
        message = f"seed {SEED}, round {round_}, killed {delay:.3f} s into a {duration:.3f} s load"
        child = _start(_LOAD, str(settings.root), str(settings.store))
        _wait_for(child, "loading")
        time.sleep(delay)
        _kill(child)
        with PolicyStore.from_settings(settings) as store:
            store.load_project(settings)  # the restart
            assert _shape(_named(store)) == expected, f"{message}: the named graphs are not the project's"
            assert_consistent(store, settings, message)
            document = resolve_document(store, "52-NQ/TW")
            assert lineage(store, document).descendants, f"{message}: lineage finds nothing"
            assert find_responsible(SearchIndex.build(store), store, "khoa học công nghệ", 5).results, f"{message}: search finds nothing"


def test_a_stream_of_updates_killed_at_any_point_leaves_a_consistent_store(tmp_path: Path) -> None:
    settings = _project(tmp_path)
    with PolicyStore.open() as reference:
        reference.load_project(settings.model_copy(update={"store": None}))
        agency = next(iter(reference.select_python("SELECT ?a { ?a a pol:Agency ; pol:level ?l } ORDER BY ?a")))
    rng = random.Random(SEED)
    for round_ in range(ROUNDS):
        delay = rng.uniform(0.2, 1.5)
        message = f"seed {SEED}, round {round_}, killed {delay:.3f} s into the updates"
        child = _start(_UPDATES, str(settings.root), str(settings.store), str(agency["a"]))
        _wait_for(child, "ready")
        time.sleep(delay)
        _kill(child)
        with PolicyStore.from_settings(settings) as store:
            store.load_project(settings)  # the restart
            assert_consistent(store, settings, message)
            tasks = store.select_python(
                f"SELECT (COUNT(*) AS ?n) {{ GRAPH ?g {{ ?t a <{POL.Task}> }} FILTER(STRSTARTS(STR(?t), 'https://example.org/')) }}"
            )
            # The updates are kept by the restart: data the files do not hold is never dropped.
            assert round_ == 0 or tasks[0]["n"], f"{message}: the updates were lost"


@pytest.mark.parametrize("text", [
    "INSERT DATA { GRAPH <https://example.org/g> { <https://example.org/a> <https://example.org/p> 1 } } ;",
    "INSERT DATA { GRAPH <https://example.org/g> { <https://example.org/a> <https://example.org/p> 1 } } # done",
    "PREFIX pol: <https://example.org/not-pol#> BASE <https://example.org/>\n"
    "INSERT DATA { GRAPH <g> { <a> <p> 1 . <a> a pol:Task } }",
])
def test_an_update_and_its_rebuild_are_one_request_whatever_its_ending_or_prologue(
    tmp_path: Path, text: str
) -> None:
    """A trailing ';' or comment, and a prologue that gives the rules' prefixes other meanings, leave
    the rebuild that follows the update in the same request intact."""
    settings = _project(tmp_path)
    with PolicyStore.from_settings(settings) as store:
        store.load_project(settings)
        derived = {q.triple for q in store.backend.graph_quads(DERIVED_GRAPH)}
        store.update(text)
        assert store.ask("ASK { <https://example.org/a> <https://example.org/p> 1 }")  # in the union
        assert {q.triple for q in store.backend.graph_quads(DERIVED_GRAPH)} == derived
        assert_consistent(store, settings, text)
        assert store.load_record().last_update is not None


_RESTORE = """
import sys
from pathlib import Path
from app.core.config import Settings
from app.store.restore import restore
settings = Settings(root=sys.argv[1], store=sys.argv[2])
print("restoring", flush=True)
restore(settings, Path(sys.argv[3]))
print("done", flush=True)
"""


def test_a_restore_killed_at_any_point_leaves_the_old_store_or_the_new_one(tmp_path: Path) -> None:
    from app.store.restore import restore  # here, so the other tests run on a version without restore
    from tests.store.test_restore import as_graph, dump, shipped_with_an_update

    shipped = dump(str(tmp_path / "shipped"), tmp_path / "shipped.trig")
    # The old content: the shipped data and an update (with a blank node) that the dump lacks.
    settings = shipped_with_an_update(str(tmp_path / "store"))
    old = as_graph(dump(str(settings.store), tmp_path / "old.trig"))
    new = as_graph(shipped)
    assert not isomorphic(old, new)
    rng = random.Random(SEED)
    duration = 0.0
    for round_ in range(ROUNDS + 1):
        child = _start(_RESTORE, str(ROOT), str(settings.store), str(shipped))
        began = _wait_for(child, "restoring")
        if round_ == 0:  # the first restore runs to the end: how long one takes
            duration = _wait_for(child, "done") - began
            child.wait(timeout=30)
            # Back to the old content for the rounds that kill.
            restore(settings, tmp_path / "old.trig")
            continue
        delay = rng.uniform(0.0, 1.0) * duration
        message = f"seed {SEED}, round {round_}, killed {delay:.3f} s into a {duration:.3f} s restore"
        time.sleep(delay)
        _kill(child)
        after = as_graph(dump(str(settings.store), tmp_path / f"after-{round_}.trig"))
        assert isomorphic(after, old) or isomorphic(after, new), f"{message}: neither the old store nor the new one"
        with PolicyStore.from_settings(settings) as store:
            store.load_project(settings)
            assert_consistent(store, settings, message)
        if isomorphic(after, new):
            restore(settings, tmp_path / "old.trig")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("store")) == ["store"]


def test_the_server_restarted_on_a_half_loaded_store_is_never_healthy_before_it_is_complete(tmp_path: Path) -> None:
    """The finding as reported: kill -9 during the first load, restart ``policykg serve``: /health
    must not say ok until the store is complete (and then lineage answers)."""
    import httpx

    from tests.support.live import free_port

    settings = _project(tmp_path, fillers=300)
    with PolicyStore.open() as reference:
        reference.load_project(settings.model_copy(update={"store": None}))
        expected = reference.triple_count()
    child = _start(_LOAD, str(settings.root), str(settings.store))
    began = _wait_for(child, "loading")
    duration = _wait_for(child, "done") - began
    child.wait(timeout=30)
    rng = random.Random(SEED)
    for attempt in range(10):  # noqa: B007 - read after the loop; until a kill lands inside the load, nearly always the first
        shutil.rmtree(settings.store_path)  # type: ignore[arg-type]
        child = _start(_LOAD, str(settings.root), str(settings.store))
        _wait_for(child, "loading")
        time.sleep(rng.uniform(0.3, 0.7) * duration)
        _kill(child)
        with PolicyStore.from_settings(settings) as store:
            # Data, but no record of a load or derivation: the load was cut in the middle.
            half_loaded = not store.is_empty() and not store.ask(f"ASK {{ GRAPH <{STATE_GRAPH}> {{ ?s ?p ?o }} }}")
        if half_loaded:
            break
    assert half_loaded, f"seed {SEED}: no kill landed inside the load in {attempt + 1} attempts"
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "--store", str(settings.store), "serve", "--port", str(port)],
        env={**os.environ, "POLICYKG_ROOT": str(settings.root)}, cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert time.monotonic() < deadline, "the server never became healthy"
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=5)
            except httpx.TransportError:
                time.sleep(0.1)
                continue
            if health.status_code == 200:
                body = health.json()
                assert body["status"] == "ok" and body["triples"] == expected, f"seed {SEED}: healthy but {body}"
                break
            assert health.status_code == 503 and health.headers["retry-after"], health.text
            time.sleep(0.1)
        lineage = httpx.get(f"http://127.0.0.1:{port}/api/lineage", params={"document": "52-NQ/TW"}, timeout=10)
        assert lineage.status_code == 200 and lineage.json()["descendants"]
    finally:
        server.terminate()
        server.wait(timeout=30)
