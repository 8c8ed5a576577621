"""Memory of the /sparql query workers: an in-memory store shared by fork vs an on-disk store opened
read-only in each worker, same synthetic data, same run.

    python bench/query_worker_memory.py                  # 1,000,000 quads, 2 workers
    python bench/query_worker_memory.py --quads 200000

For each store kind it forks the workers (app.worker.WorkerPool, as the endpoint does), reads
/proc/PID/smaps_rollup of the parent and each worker when idle, after a full scan
(COUNT over every quad) and after a small lookup, and prints RSS, PSS and private dirty MB.
Private dirty is what a worker costs on top of the pages it shares with the parent.
This is a measurement, not a test: it prints a table and asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import pyoxigraph as ox

from app.endpoint.service import QueryJob, answer_query
from app.sparql.engine import Dataset
from app.sparql.results import Serialized
from app.sparql.safety import AllowList
from app.sparql.worker import WorkerPool
from app.store.backends import EmbeddedBackend

EX = "http://example.org/"
SCAN = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
LOOKUP = f"SELECT ?s ?o WHERE {{ GRAPH ?g {{ ?s <{EX}p3> ?o }} }} LIMIT 5"


def rollup(pid: int) -> dict[str, int]:
    """RSS, PSS and private dirty memory of a process, in MB."""
    wanted = {"Rss:": "rss", "Pss:": "pss", "Private_Dirty:": "private"}
    out = {}
    with open(f"/proc/{pid}/smaps_rollup") as smaps:
        for line in smaps:
            key, *value = line.split()
            if key in wanted:
                out[wanted[key]] = int(value[0]) // 1024
    return out


def fill(store: ox.Store, quads: int) -> None:
    store.bulk_extend(
        ox.Quad(ox.NamedNode(f"{EX}s{i // 10}"), ox.NamedNode(f"{EX}p{i % 10}"), ox.Literal(f"value {i}"),
                ox.NamedNode(f"{EX}g{i % 50}"))
        for i in range(quads)
    )


def job(text: str) -> QueryJob:
    return QueryJob(text, Dataset(), "http://localhost/sparql", None, (), 10000, AllowList(), 1 << 30)


def measure(kind: str, backend: EmbeddedBackend, workers: int) -> None:
    pool: WorkerPool[QueryJob, Serialized] = WorkerPool(backend.for_worker, answer_query, workers)
    try:
        rows = [("parent, before fork", rollup(os.getpid()))]
        pool.run(job("ASK {}"), 60)
        rows += [(f"worker {pid}, idle", rollup(pid)) for pid in pool.pids()]
        pool.run(job(SCAN), 120)
        rows += [(f"worker {pid}, after a full scan", rollup(pid)) for pid in pool.pids()]
        pool.run(job(LOOKUP), 60)
        rows += [(f"worker {pid}, after a lookup", rollup(pid)) for pid in pool.pids()]
        rows.append(("parent, at the end", rollup(os.getpid())))
    finally:
        pool.close()
    print(f"\n{kind}")
    print(f"{'':36} {'RSS MB':>8} {'PSS MB':>8} {'private MB':>11}")
    for label, mem in rows:
        print(f"{label:36} {mem['rss']:>8} {mem['pss']:>8} {mem['private']:>11}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quads", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    memory = ox.Store()
    fill(memory, args.quads)
    measure(f"in memory, {args.quads:,} quads (workers share it by fork)", EmbeddedBackend(memory), args.workers)
    del memory
    with tempfile.TemporaryDirectory() as directory:
        disk = ox.Store(directory)
        fill(disk, args.quads)
        disk.flush()
        measure(f"on disk, {args.quads:,} quads (workers open it read-only)",
                EmbeddedBackend(disk, Path(directory)), args.workers)


if __name__ == "__main__":
    main()
