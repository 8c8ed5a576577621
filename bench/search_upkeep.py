"""Cost of the read side's derived state at national scale: build vs read back vs incremental update.

Generates the synthetic graph of bench/generate_national.py (``--scale``; 0.5 is ~1 M quads) next
to a copy of data/, loads it into an in-memory store and measures:

- the search index: full build, save (``app.store.derived``), read back at start (unpickling plus
  the tantivy indexes made from the records), and incremental updates after a one-triple write
  (a task's label; an agency's label, which re-indexes every task that carries the agency's name);
- the document-number table: full read, read back, incremental update;
- the counts of /health (``store.sizes()``): counted vs read back.

    python bench/search_upkeep.py --scale 0.05    # quick (~1 min)
    python bench/search_upkeep.py --scale 0.5     # ~1 M quads (~10 min on 2 cores)
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from generate_national import project_data

from app.core.config import Settings
from app.domain.lineage import refreshed_numbers
from app.search.index import SearchIndex
from app.store.policy_store import PolicyStore

_T = TypeVar("_T")


def timed(label: str, run: Callable[[], _T]) -> _T:
    """Run, print how long it took."""
    started = time.perf_counter()
    value = run()
    print(f"{label:<58} {time.perf_counter() - started:>9.3f} s")
    return value


def main() -> None:
    """Generate, load, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=0.05, help="share of 200 documents per province")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="policykg-bench-upkeep-"))
    try:
        data = work / "data"
        quads = project_data(data, args.scale, args.seed)
        settings = Settings(root=ROOT, data_dir=data, store=None, query_timeout=600)
        with PolicyStore.from_settings(settings) as store:
            timed(f"load {quads:,} generated quads (in memory)", lambda: store.load_project(settings))
            # Derived state beside the store as for an on-disk store; loading 1 M quads into RocksDB
            # first would cost minutes and measure nothing more about the derived state.
            store.__class__ = type("BenchStore", (PolicyStore,), {"derived_dir": property(lambda _: work / "store.derived")})
            index = timed("search index: full build (then saved)", lambda: SearchIndex.load_or_build(store))
            print(f"  {index.task_count:,} tasks, {len(index.documents):,} documents, {len(index.agencies):,} agencies")
            pickle_mb = (work / "store.derived" / "search-index.pickle").stat().st_size / 1e6
            print(f"  records {pickle_mb:,.1f} MB, tantivy {sum(f.stat().st_size for f in (work / 'store.derived').rglob('*') if f.is_file()) / 1e6 - pickle_mb:,.1f} MB")
            index = timed("search index: read back at the same stamp (a restart)", lambda: SearchIndex.load_or_build(store))
            task = next(iter(index.task_records))
            store.update(
                f'INSERT DATA {{ GRAPH <https://w3id.org/policykg/graph/source/bench> {{ <{task}> '
                f'<http://www.w3.org/2000/01/rdf-schema#label> "Nhiệm vụ thêm về kinh tế biển"@vi }} }}'
            )
            index = timed("search index: update after a task's new label", lambda: index.refreshed(store, {task}))
            agency = max(index.agencies, key=lambda a: len(index.tasks.lookup(a)))
            carried = len(index.tasks.lookup(agency))
            store.update(
                f'INSERT DATA {{ GRAPH <https://w3id.org/policykg/graph/source/bench> {{ <{agency}> '
                f'<http://www.w3.org/2004/02/skos/core#altLabel> "Cơ quan thử" }} }}'
            )
            index = timed(f"search index: update after an agency's new name ({carried:,} tasks)", lambda: index.refreshed(store, {agency}))
            timed("search index: save after the updates", lambda: index.save(store))
            table = timed("number table: full read (then saved)", lambda: refreshed_numbers(store, None))
            timed("number table: read back at the same stamp", lambda: refreshed_numbers(store, None))
            document = next(iter(table.by_document))
            store.update(
                f'INSERT DATA {{ GRAPH <https://w3id.org/policykg/graph/source/bench> {{ <{document}> '
                f'<http://www.w3.org/2004/02/skos/core#notation> "9999/KH-BENCH" }} }}'
            )
            timed("number table: update after a new notation", lambda: refreshed_numbers(store, table, [document]))
            timed("/health counts: counted (then saved)", store.sizes)
            store._memo.clear()  # as after a restart
            timed("/health counts: read back at the same stamp", store.sizes)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
