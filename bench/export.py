"""Time of graph exports and analytics on a national-scale synthetic graph (bench/generate_national.py).

For a few selections — a national resolution's lineage (down, depth 1 and 2, and the whole
lineage down in the documents-only view the explorer's cascade draws), one province, one
agency's duties, and (with --whole) the whole graph — it times the selection + CONSTRUCT + mapping
(build_graph) once, then every serialisation, and prints nodes, edges and milliseconds. It also
reports how many nodes plus edges each selection has against the explorer's limit (1,500), and
the time of ``analyse`` (networkx over the whole graph).

    python bench/export.py --scale 0.05            # quick (~1 min)
    python bench/export.py --scale 0.2 --whole     # larger, with the whole graph in every format
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from generate_national import project_data

from app.core.config import Settings
from app.export.analytics import analyse
from app.export.graph import ExportFormat, Selection, build_graph, serialise
from app.store.policy_store import PolicyStore

EXPLORER_LIMIT = 1500


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=0.05, help="share of the 200 documents per province")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--whole", action="store_true", help="also export the whole graph in every format")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="policykg-bench-export-"))
    try:
        data = work / "data"
        quads = project_data(data, args.scale, args.seed)
        settings = Settings(root=ROOT, data_dir=data, store=None, query_timeout=600)
        with PolicyStore.from_settings(settings) as store:
            started = time.perf_counter()
            store.load_project(settings)
            print(f"{quads:,} generated quads loaded in {time.perf_counter() - started:.1f} s")
            agency = store.select_python(
                "SELECT ?a WHERE { ?t pol:leadAgency ?a } GROUP BY ?a ORDER BY DESC(COUNT(?t)) LIMIT 1"
            )[0]["a"]
            selections = {
                "52-NQ/TW down, depth 1": Selection(root="52-NQ/TW", direction="down", depth=1),
                "52-NQ/TW down, depth 2": Selection(root="52-NQ/TW", direction="down", depth=2),
                # The explorer's cascade view: the whole lineage down, documents and issuers only.
                "52-NQ/TW down, documents": Selection(root="52-NQ/TW", direction="down", view="documents"),
                "57-NQ/TW down, documents": Selection(root="57-NQ/TW", direction="down", view="documents"),
                "province Quảng Trị": Selection(province="Quảng Trị"),
                "busiest lead agency": Selection(agency=str(agency)),
            }
            if args.whole:
                selections["whole graph"] = Selection()
            header = f"{'selection':<26} {'nodes':>7} {'edges':>7} {'explorer':>9} {'build ms':>9}  " + " ".join(
                f"{f.value:>9}" for f in ExportFormat
            )
            print(header)
            for name, selection in selections.items():
                started = time.perf_counter()
                view = build_graph(store, selection)
                built = (time.perf_counter() - started) * 1000
                fits = "fits" if view.elements <= EXPLORER_LIMIT else "refused"
                timings = []
                for fmt in ExportFormat:
                    started = time.perf_counter()
                    serialise(view, fmt, store)
                    timings.append((time.perf_counter() - started) * 1000)
                print(
                    f"{name:<26} {view.graph.number_of_nodes():>7,} {view.graph.number_of_edges():>7,} "
                    f"{fits:>9} {built:>9.0f}  " + " ".join(f"{ms:>9.0f}" for ms in timings)
                )
            started = time.perf_counter()
            result = analyse(store)
            print(
                f"analytics over {result.nodes:,} nodes and {result.edges:,} edges: "
                f"{(time.perf_counter() - started) * 1000:.0f} ms ({result.component_count} components)"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
