"""Latency of /api/responsible and /api/lineage over HTTP on a national-scale graph, against peers.

1. Generates the synthetic graph of bench/generate_national.py (``--scale`` shrinks it), next to
   a copy of data/ (the real sources and the abbreviation scheme).
2. In this process: loads it into a store and builds the search index, timing both and reading
   the resident memory they take.
3. Starts ``policykg serve`` on loopback over the same data and sends a bounded number of
   sequential requests, after a warm-up:
   - /api/responsible with questions drawn from the generated labels (accented, unaccented,
     abbreviated, half sentences), and its peer, the named query responsible-for-text (SPARQL
     CONTAINS over every task label) through /api/queries, on a few of the same questions;
   - /api/lineage by IRI and by number + issuer, and its peer, the named query lineage-up
     (a SPARQL property path) through /api/queries.
4. Prints a table of median, p99 and max per endpoint, and the server's peak memory.

    python bench/latency.py --scale 0.05      # quick (~30 s)
    python bench/latency.py                   # national scale (34 x ~200 documents x 30 tasks)
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from generate_national import DOMAINS, OBJECTS, PROVINCES, VERBS, project_data
from harness import percentile

from app.core.config import Settings
from app.core.text import fold
from app.search.index import SearchIndex
from app.store.policy_store import PolicyStore
from tests.support.live import free_port

TARGET_P50_MS, TARGET_P99_MS = 20.0, 100.0


def rss_mb() -> float:
    """Current resident memory of this process, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_mb(pid: int) -> float | None:
    """Peak resident memory (VmHWM) of a process, in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def questions(rng: random.Random, n: int) -> list[str]:
    """Questions as people type them, about the generated tasks."""
    abbreviate = {"đổi mới sáng tạo": "ĐMST", "khoa học và công nghệ": "KH&CN", "doanh nghiệp": "DN",
                  "chuyển đổi số": "CĐS", "công nghệ thông tin": "CNTT"}
    out = []
    for i in range(n):
        (verb, _), (obj, obj_en), (dom, _) = rng.choice(VERBS), rng.choice(OBJECTS), rng.choice(DOMAINS)
        _, province = rng.choice(PROVINCES)
        match i % 5:
            case 0:
                q = f"{obj} {province}"
            case 1:
                q = fold(f"{verb} {obj}")
            case 2:
                q = f"ai chịu trách nhiệm về {obj} {dom}?"
                for full, short in abbreviate.items():
                    q = q.replace(full, short)
            case 3:
                q = obj_en
            case _:
                words = f"{verb} {obj} {dom}".split()
                q = " ".join(words[len(words) // 3 :])
        out.append(q)
    return out


def timed(
    client: httpx.Client, path: str, params_list: list[dict[str, str]], warmup: int
) -> tuple[list[float], int, list[tuple[float, dict[str, str], int]]]:
    """Latencies (ms) of sequential GETs after ``warmup`` untimed ones, how many were not 200,
    and the three slowest requests with the size of their answers."""
    for params in params_list[:warmup]:
        client.get(path, params=params)
    times, errors, slowest = [], 0, []
    for params in params_list[warmup:]:
        started = time.perf_counter()
        response = client.get(path, params=params)
        elapsed = (time.perf_counter() - started) * 1000
        times.append(elapsed)
        errors += response.status_code != 200
        slowest = sorted([*slowest, (elapsed, params, len(response.content))], key=lambda x: -x[0])[:3]
    return times, errors, slowest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="share of 200 documents per province")
    parser.add_argument("--requests", type=int, default=300, help="timed requests per endpoint")
    parser.add_argument("--peer-requests", type=int, default=20, help="timed requests per peer query")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    work = Path(tempfile.mkdtemp(prefix="policykg-bench-"))
    try:
        data = work / "data"
        started = time.perf_counter()
        quads = project_data(data, args.scale, args.seed)
        print(f"generated {quads:,} quads (scale {args.scale}) in {time.perf_counter() - started:.1f} s")

        settings = Settings(root=ROOT, data_dir=data, store=None, query_timeout=120)
        base = rss_mb()
        with PolicyStore.from_settings(settings) as store:
            started = time.perf_counter()
            store.load_project(settings)
            load_s = time.perf_counter() - started
            loaded = rss_mb()
            started = time.perf_counter()
            index = SearchIndex.build(store)
            build_s = time.perf_counter() - started
            indexed = rss_mb()
            tasks = index.task_count
            docs = store.select_python(
                "SELECT ?d ?n ?area WHERE { ?d skos:notation ?n ; pol:issuedBy ?i . ?i pol:jurisdiction ?area }"
            )
            del index
        print(
            f"store: {quads:,} quads loaded in {load_s:.1f} s (+{loaded - base:.0f} MB); "
            f"search index of {tasks:,} tasks built in {build_s:.1f} s (+{indexed - loaded:.0f} MB)"
        )

        port = free_port()
        env = {**os.environ, "POLICYKG_ROOT": str(ROOT), "POLICYKG_DATA_DIR": str(data), "POLICYKG_QUERY_TIMEOUT": "120"}
        env.pop("POLICYKG_STORE", None)
        # One benchmark client measures the server, not its per-client budgets.
        env |= {"POLICYKG_RATE_REQUESTS": "0", "POLICYKG_RATE_QUERY_SECONDS": "0"}
        server = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            started = time.perf_counter()
            with httpx.Client(base_url=url, timeout=300) as client:
                while True:
                    if server.poll() is not None:
                        raise SystemExit("the server exited during startup")
                    try:
                        if client.get("/health").status_code == 200:
                            break
                    except httpx.TransportError:
                        time.sleep(0.5)
                print(f"server ready in {time.perf_counter() - started:.1f} s (load + index) on {url}\n")

                asked = questions(rng, args.requests + 20)
                docs = [d for d in docs if str(d["d"]).startswith("https://w3id.org/policykg/id/doc/")]
                picked = [rng.choice(docs) for _ in range(args.requests + 20)]
                by_iri = [{"document": str(d["d"])} for d in picked[::2]]
                by_number = [{"document": str(d["n"]), "issuer": str(d["area"]).rsplit("/", 1)[-1]} for d in picked[1::2]]
                runs = {
                    "/api/responsible": timed(client, "/api/responsible", [{"q": q} for q in asked], 20),
                    "  peer: SPARQL CONTAINS (responsible-for-text)": timed(
                        client,
                        "/api/queries/responsible-for-text",
                        [{"text": q} for q in asked[: args.peer_requests + 2]],
                        2,
                    ),
                    "/api/lineage (by IRI)": timed(client, "/api/lineage", by_iri, 10),
                    "/api/lineage (by number + issuer)": timed(client, "/api/lineage", by_number, 10),
                    "  peer: SPARQL path (lineage-up)": timed(
                        client, "/api/queries/lineage-up", [{"doc": p["document"]} for p in by_iri[: args.peer_requests + 2]], 2
                    ),
                }
            peak = peak_mb(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)

        width = max(len(name) for name in runs)
        print(f"{'endpoint':<{width}}  requests  p50 ms  p99 ms  max ms  non-200")
        for name, (times, errors, _) in runs.items():
            print(
                f"{name:<{width}}  {len(times):>8}  {statistics.median(times):6.1f}  {percentile(times, 0.99):6.1f}"
                f"  {max(times):6.1f}  {errors:>7}"
            )
        print("\nslowest requests:")
        for name, (_, _, slowest) in runs.items():
            if not name.startswith(" "):
                for elapsed, params, size in slowest:
                    print(f"  {name} {elapsed:7.1f} ms  {size / 1024:7.1f} KiB  {params}")
        print(f"\nserver peak memory (VmHWM): {peak:.0f} MB" if peak else "")
        for name in ("/api/responsible", "/api/lineage (by IRI)", "/api/lineage (by number + issuer)"):
            times = runs[name][0]
            ok = statistics.median(times) <= TARGET_P50_MS and percentile(times, 0.99) <= TARGET_P99_MS
            print(f"{name}: target p50 <= {TARGET_P50_MS:.0f} ms and p99 <= {TARGET_P99_MS:.0f} ms: {'met' if ok else 'NOT met'}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
