"""Latency of GET /health and GET /api/stats on a national-scale graph, in process (TestClient).

Generates the synthetic graph of bench/generate_national.py (``--scale`` shrinks it) next to a
copy of data/, starts the app on it in memory, and times ``--requests`` sequential calls of each
route after one warm-up call (which, since the counts are kept per store generation, is the
one that counts). Prints the median and max per route.

    python bench/health.py --scale 0.05     # quick (~1 min)
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from fastapi.testclient import TestClient
from generate_national import project_data

from app.api import create_app
from app.core.config import Settings


def timed(client: TestClient, path: str, requests: int) -> tuple[float, float, float]:
    """The first call's time, then the median and max of ``requests`` more, in ms."""
    times = []
    for _ in range(requests + 1):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    return times[0], statistics.median(times[1:]), max(times[1:])


def main() -> None:
    """Generate, start the app, time the routes, print a table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=0.05, help="share of 200 documents per province")
    parser.add_argument("--requests", type=int, default=50, help="timed requests per route after the first")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="policykg-bench-health-"))
    try:
        data = work / "data"
        quads = project_data(data, args.scale, args.seed)
        settings = Settings(root=ROOT, data_dir=data, store=None, query_timeout=300, rate_requests=0,
                            rate_query_seconds=0)
        started = time.perf_counter()
        with TestClient(create_app(settings)) as client:
            print(f"{quads:,} generated quads (scale {args.scale}); app started in {time.perf_counter() - started:.1f} s")
            print(f"{'route':<12} {'first ms':>10} {'p50 ms':>10} {'max ms':>10}   ({args.requests} calls after the first)")
            for path in ("/health", "/api/stats"):
                first, p50, worst = timed(client, path, args.requests)
                print(f"{path:<12} {first:>10.1f} {p50:>10.2f} {worst:>10.1f}")
            print(f"{client.get('/health').json()['triples']:,} triples in the union default graph")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
