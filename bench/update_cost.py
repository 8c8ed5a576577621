"""What one SPARQL update costs: ours (the update with the union and the rules kept for what it touched)
against the engine alone, and against the full rebuild that updates used to run.

    python bench/update_cost.py                 # the shipped graph
    python bench/update_cost.py --scale 100     # 100 renamed copies of the data graphs (187k triples)

An update through ``PolicyStore.update`` (what ``POST /sparql`` runs, before it recycles the query
workers) writes a named graph and keeps the union default graph and the rules' graph for the
triples it touched (``app/store/upkeep.py``); ``PolicyStore.derive`` is the full rebuild. The peer is pyoxigraph's
``Store.update`` of the same ``INSERT DATA`` on a store holding the same quads, with no derivation:
the floor any endpoint over this engine pays. Both in this process, in memory, one after the other.

This is a measurement, not a test: it prints numbers and never asserts a speed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

# The repository root and bench/ must be importable before these imports.
from sparql_endpoint import build_project

from app.store.policy_store import PolicyStore


def timed(run: Callable[[int], None], requests: int) -> list[float]:
    """Milliseconds of each call ``run(i)``, i = 0 … requests - 1."""
    times = []
    for i in range(requests):
        started = time.perf_counter()
        run(i)
        times.append((time.perf_counter() - started) * 1000)
    return times


def insert(i: int) -> str:
    """A one-triple INSERT DATA into a named graph, different each time."""
    return (
        "INSERT DATA { GRAPH <https://w3id.org/policykg/graph/bench> "
        f"{{ <https://w3id.org/policykg/id/bench/{i}> <http://www.w3.org/2000/01/rdf-schema#label> \"{i}\" }} }}"
    )


def main() -> None:
    """Build the data, time both, print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=1, help="copies of the data graphs (1 = the shipped data)")
    parser.add_argument("--requests", type=int, default=20, help="timed updates for each")
    parser.add_argument("--json", type=Path, help="also write the measurements here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="policykg-bench-") as tmp:
        project, peer_file, triples, quads = build_project(Path(tmp), max(1, args.scale), "dataset")
        print(f"data: {triples} triples in the default graph, {quads} quads (scale {args.scale})", flush=True)
        with PolicyStore.from_settings(project) as ours:
            started = time.perf_counter()
            ours.load_project(project)
            load_s = time.perf_counter() - started
            ours_ms = timed(lambda i: ours.update(insert(i)), args.requests)
            derive_ms = timed(lambda i: ours.derive(), max(1, args.requests // 4))
            after = ours.triple_count()
        engine = ox.Store()
        engine.bulk_load(path=str(peer_file), format=ox.RdfFormat.N_QUADS)
        engine_ms = timed(lambda i: engine.update(insert(i)), args.requests)
    rows = {
        "ours: update, kept incrementally": ours_ms,
        "a full rebuild (derive)": derive_ms,
        "pyoxigraph update alone": engine_ms,
    }
    print(f"our project load (files, union, rules): {load_s:.2f} s; default graph after: {after} triples\n")
    print(f"{'':32} {'n':>4} {'median ms':>10} {'p95 ms':>9}")
    for name, times in rows.items():
        p95 = statistics.quantiles(times, n=20)[-1] if len(times) > 1 else times[0]
        print(f"{name:32} {len(times):>4} {statistics.median(times):>10.2f} {p95:>9.2f}")
    ratio = statistics.median(ours_ms) / statistics.median(engine_ms)
    print(f"\nours ÷ engine alone: {ratio:.0f}×")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {"scale": args.scale, "triples": triples, "quads": quads, "load_s": load_s, "ms": rows}
        args.json.write_text(json.dumps(payload, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
