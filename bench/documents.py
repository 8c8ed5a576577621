"""What the document browser costs: reading its table once per generation, then answering views.

    python bench/documents.py                 # the shipped data and the synthetic national graph (scale 1)
    python bench/documents.py --scale 0.25    # a smaller national graph

Prints, for each graph: its documents, the seconds to read the table (once per generation of the
store's data), and the median milliseconds of a view from the kept table (a page of JSON rows with
facets; the whole view for CSV), over ten runs each. This is a measurement, not a test: it prints
numbers and never asserts a speed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The repository root must be importable before these imports.
from app.core.config import Settings
from app.core.errors import ParameterError
from app.domain.documents import DocumentQuery, browse, document_table, filtered_rows
from app.store.policy_store import PolicyStore
from bench.generate_national import project_data

VIEWS = {
    "all, page 1": DocumentQuery(),
    "one province": DocumentQuery(province=("quang-tri",)),
    "province+type, by number": DocumentQuery(province=("quang-tri",), type=("kh",), sort="notation", desc=False),
    "free text": DocumentQuery(q="chuyen doi so"),
}


def _median_ms(run: object, times: int = 10) -> float:
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        run()  # type: ignore[operator]
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def measure(name: str, settings: Settings) -> None:
    """Load the project of ``settings`` and print the browser's costs over it."""
    with PolicyStore.from_settings(settings) as store:
        store.load_project(settings)
        started = time.perf_counter()
        table = document_table(store)
        read = time.perf_counter() - started
        print(f"\n{name}: {len(table.rows)} documents, table read in {read:.2f} s (once per generation)")
        print(f"{'view':<28}{'rows':>8}{'page ms':>10}{'csv ms':>10}")
        for label, query in VIEWS.items():
            try:
                total = browse(store, query).total
            except ParameterError as exc:  # a view naming a value this graph lacks
                print(f"{label:<28}  ({exc})")
                continue
            page = _median_ms(lambda q=query: browse(store, q))
            whole = _median_ms(lambda q=query: filtered_rows(store, q))
            print(f"{label:<28}{total:>8}{page:>10.1f}{whole:>10.1f}")


def main() -> None:
    """Print the browser's costs on the shipped data and on a synthetic national graph."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="share of the national graph's documents per province")
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args()
    measure("shipped data", Settings(root=ROOT, store=None))
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        quads = project_data(root / "data", args.scale, args.seed, complete=True)
        settings = Settings(root=root, store=None, ontology_dir=ROOT / "ontology", shapes_dir=ROOT / "shapes",
                            queries_dir=ROOT / "queries")
        measure(f"national graph, scale {args.scale} (+{quads} quads)", settings)


if __name__ == "__main__":
    main()
