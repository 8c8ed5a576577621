"""What the cascade comparison and duties by deadline cost on a national-scale graph.

    python bench/cascade.py                 # the synthetic graph at scale 0.25 (50 documents per province)
    python bench/cascade.py --scale 1       # full scale (~2M triples; minutes to load)

Loads data/ plus the synthetic graph of bench/generate_national.py (34 provinces, every Party plan
carrying out a national resolution, one target per plan) into an in-memory store, then times
for 57-NQ/TW and 52-NQ/TW the first comparison (computed) and the second (kept for the store
generation), and duties by deadline for every province. Prints milliseconds and sizes.

This is a measurement, not a test: it prints numbers and never asserts a speed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The repository root must be importable before these imports.
from app.core.config import Settings
from app.domain.cascade import cascade, resolve_national_document
from app.domain.deadlines import deadlines, resolve_scope
from app.search.index import SearchIndex
from app.store.policy_store import PolicyStore
from bench.generate_national import project_data


def _ms(started: float) -> str:
    return f"{(time.perf_counter() - started) * 1000:>9.1f}"


def main() -> None:
    """Print the cost of the cascade comparison and of duties by deadline."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.25, help="share of the 200 documents per province")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        quads = project_data(Path(home) / "data", args.scale, seed=4, complete=True)
        settings = Settings(root=ROOT, data_dir=Path(home) / "data", store=None)
        with PolicyStore.from_settings(settings) as store:
            started = time.perf_counter()
            store.load_project(settings)
            print(f"loaded {quads} synthetic quads plus data/ in {_ms(started).strip()} ms")
            print(f"{'document':<10}{'first ms':>10}{'again ms':>10}{'provinces':>10}{'indicators':>11}{'flagged':>9}")
            for notation in ("57-NQ/TW", "52-NQ/TW"):
                started = time.perf_counter()
                result = cascade(store, resolve_national_document(store, notation))
                first = _ms(started)
                started = time.perf_counter()
                cascade(store, resolve_national_document(store, notation))
                again = _ms(started)
                print(f"{notation:<10}{first:>10}{again:>10}{len(result.provinces):>10}{len(result.indicators):>11}{result.flag_count:>9}")
            index = SearchIndex.build(store)
            areas = [r["a"].value for r in store.select("SELECT ?a WHERE { ?a a pol:AdministrativeArea ; pol:level <https://w3id.org/policykg/id/level/provincial> }") if r["a"] is not None]
            started = time.perf_counter()
            duties = sum(
                len(deadlines(store, index, resolve_scope(store, index, None, area), today=dt.date(2026, 1, 1)).duties) for area in areas
            )
            print(f"deadlines of {len(areas)} provinces: {_ms(started).strip()} ms in all, {duties} dated duties")


if __name__ == "__main__":
    main()
