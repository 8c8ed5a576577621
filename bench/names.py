"""Time of resolving names (app.domain.names) on a national-scale synthetic graph (bench/generate_national.py).

Prints, in milliseconds: the first resolution after a load (it reads the name table of agencies,
areas and indicators, and the number table of documents), then the median of repeated
resolutions of each kind of naming, a 409 and a 404 included, and the first resolution after an
update (the tables are read again for the new generation).

    python bench/names.py --scale 0.05     # quick
    python bench/names.py --scale 1        # full scale (~2M triples)
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
sys.path.insert(0, str(ROOT / "bench"))

from generate_national import project_data

from app.core.config import Settings
from app.core.errors import PolicyKGError
from app.domain.names import Kind, resolve
from app.store.policy_store import PolicyStore

NAMINGS: list[tuple[Kind, str]] = [
    ("agency", "Sở Y tế Lào Cai"),
    ("agency", "so khcn quang tri"),
    ("agency", "quang-tri/so-khcn"),
    ("agency", "Sở KH&CN"),  # 409: every province has one
    ("agency", "Sở Không Có Thật"),  # 404 with suggestions
    ("document", "57-NQ/TW"),
    ("document", "Nghị quyết 52"),
    ("document", "190-KH/TU"),  # 409: every province has one
    ("document", "190-KH/TU Lào Cai"),
    ("indicator", "kinh te so"),
]


def _time(store: PolicyStore, kind: Kind, text: str) -> tuple[float, str]:
    start = time.perf_counter()
    try:
        outcome = resolve(store, kind, text).rsplit("/", 2)[-2:]
        shown = "/".join(outcome)
    except PolicyKGError as exc:
        shown = type(exc).__name__
    return (time.perf_counter() - start) * 1000, shown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=0.05, help="share of the 200 documents per province")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        quads = project_data(data, args.scale, args.seed)
        settings = Settings(root=ROOT, data_dir=data, store=None)
        with PolicyStore.from_settings(settings) as store:
            start = time.perf_counter()
            store.load_project(settings)
            print(f"scale {args.scale}: {quads} synthetic quads, {store.triple_count()} triples, "
                  f"loaded in {time.perf_counter() - start:.1f} s")
            for kind in ("agency", "document"):
                first, _ = _time(store, kind, "Sở Y tế Lào Cai" if kind == "agency" else "57-NQ/TW")
                print(f"first {kind} resolution after the load: {first:.0f} ms")
            print(f"{'naming':<34} {'outcome':<28} median ms")
            for kind, text in NAMINGS:
                runs = [_time(store, kind, text) for _ in range(args.repeat)]
                print(f"{kind + ': ' + text:<34} {runs[0][1]:<28} {statistics.median(r[0] for r in runs):.2f}")
            store.update('INSERT DATA { GRAPH <https://w3id.org/policykg/graph/bench> { '
                         '<https://w3id.org/policykg/id/bench/x> <http://www.w3.org/2000/01/rdf-schema#label> "x" } }')
            after, _ = _time(store, "agency", "Sở Y tế Lào Cai")
            print(f"first agency resolution after an update: {after:.0f} ms")


if __name__ == "__main__":
    main()
