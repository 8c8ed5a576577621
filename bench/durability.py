"""What durability costs on a disk store: the completion check at each start, a first load, a restore.

    python bench/durability.py                 # the shipped graph
    python bench/durability.py --scale 100     # 100 renamed copies of the data graphs (187k triples)

- first load: ``load_project`` on an empty disk store (files, union, rules and the load record);
- start check: what every restart of a loaded store pays to decide whether to trust it
  (``PolicyStore.condition``: the load record, a few triples, plus a sha256 of the project's files),
  and of that the fingerprint of the files alone; then the whole ``load_project`` of the restart;
- restore: ``app.restore.restore`` of a TriG dump of the store, into a new directory and over the
  loaded store (parse, build beside, derive, swap).

This is a measurement, not a test: it prints numbers and never asserts a speed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

# The repository root and bench/ must be importable before these imports.
from sparql_endpoint import build_project

from app.linkeddata.dumps import DumpFormat, write_dump
from app.store.policy_store import PolicyStore
from app.store.restore import restore


def timed_ms(run: Callable[[], object], repeat: int) -> list[float]:
    """Milliseconds of each of ``repeat`` calls of ``run``."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    """Build the data, time each step, print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=1, help="copies of the data graphs (1 = the shipped data)")
    parser.add_argument("--repeat", type=int, default=20, help="timed start checks")
    args = parser.parse_args()
    rows: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="policykg-bench-") as tmp:
        work = Path(tmp)
        project, _, triples, quads = build_project(work / "project", max(1, args.scale), "dataset")
        settings = project.model_copy(update={"store": str(work / "store")})
        print(f"data: {triples} triples in the default graph, {quads} quads (scale {args.scale})", flush=True)
        with PolicyStore.from_settings(settings) as store:
            rows["first load (disk)"] = timed_ms(lambda: store.load_project(settings), 1)
            with (work / "dump.trig").open("wb") as out:
                write_dump(store, DumpFormat.trig, out)
        with PolicyStore.from_settings(settings) as store:
            rows["start check (condition)"] = timed_ms(lambda: store.condition(settings), args.repeat)
            rows["  of which files' sha256"] = timed_ms(lambda: store.project_fingerprint(settings), args.repeat)
            rows["  of which load record"] = timed_ms(store.load_record, args.repeat)
            rows["restart load_project"] = timed_ms(lambda: store.load_project(settings), args.repeat)
        fresh = settings.model_copy(update={"store": str(work / "restored")})
        rows["restore into a new store"] = timed_ms(lambda: restore(fresh, work / "dump.trig"), 3)
        rows["restore over the store"] = timed_ms(lambda: restore(settings, work / "dump.trig"), 3)
    print(f"\n{'':28} {'n':>4} {'median ms':>10} {'max ms':>9}")
    for name, times in rows.items():
        print(f"{name:28} {len(times):>4} {statistics.median(times):>10.2f} {max(times):>9.2f}")


if __name__ == "__main__":
    main()
