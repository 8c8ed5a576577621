"""POST /api/extract over HTTP: time per text size, the gazetteer's first read, /health while extractions run.

Starts ``policykg serve`` on a free loopback port (in memory, shipped data, default settings but
the per-client rate limits, off so the measuring client is not throttled: POLICYKG_RATE_REQUESTS=0),
and measures, over real sockets, with the extractor as it is in this checkout:

- per text size (the real passages of ../shared/real-texts repeated, else a small text of our
  own, up to just under POLICYKG_EXTRACT_MAX_BYTES): the median of ``--requests`` POSTs, in ms
  and ms per KB, after one warm-up request;
- the first request after an update (it reads the gazetteer again) against the next ones;
- GET /health latency (p50, p95, max) idle, and while ``--parallel`` clients POST the largest text
  in a loop: extractions run on worker threads, a few at a time (POLICYKG_EXTRACT_CONCURRENCY),
  so /health should barely move.

    python bench/extract_api.py                 # ~1 min on 2 cores
    python bench/extract_api.py --requests 3 --parallel 2

This is a measurement: nothing asserts a speed.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import httpx
from harness import percentile, start, stop, wait_until

from app.core.config import Settings

REAL_TEXTS = ROOT.parent / "shared" / "real-texts"
OWN_TEXT = (
    "Căn cứ Nghị quyết số 52-NQ/TW ngày 27/9/2019 của Bộ Chính trị; UBND tỉnh ban hành Kế hoạch. "
    "Sở Khoa học và Công nghệ chủ trì, phối hợp với Sở Tài chính xây dựng đề án trước ngày 30/6/2025. "
    "Phấn đấu đến năm 2030 kinh tế số đạt khoảng 30% GRDP.\n"
)


def corpus() -> str:
    """The real passages one after another, or our own text when they are not beside the repository."""
    if REAL_TEXTS.is_dir():
        passages = sorted(p for p in REAL_TEXTS.glob("*.txt"))
        if passages:
            return "\n\n".join(p.read_text(encoding="utf-8") for p in passages)
    return OWN_TEXT


def text_of(size: int, base: str) -> bytes:
    """``base`` repeated and cut to at most ``size`` bytes of UTF-8, on a character boundary."""
    data = (base * (size // max(1, len(base.encode())) + 1)).encode()[:size]
    return data.decode("utf-8", errors="ignore").encode()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def post(client: httpx.Client, body: bytes) -> float:
    started = time.perf_counter()
    response = client.post("/api/extract", content=body, headers={"content-type": "text/plain"})
    elapsed = (time.perf_counter() - started) * 1000
    response.raise_for_status()
    return elapsed


def health(client: httpx.Client, count: int) -> list[float]:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        client.get("/health").raise_for_status()
        times.append((time.perf_counter() - started) * 1000)
        time.sleep(0.01)
    return times


def show(name: str, times: list[float]) -> None:
    print(f"  {name:<28} p50 {percentile(times, 0.5):8.1f}  p95 {percentile(times, 0.95):8.1f}  max {max(times):8.1f} ms")


def main() -> None:
    """Start the app, run the three measurements, print them."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=5, help="timed POSTs per size after a warm-up")
    parser.add_argument("--parallel", type=int, default=4, help="clients extracting the largest text at once")
    parser.add_argument("--health", type=int, default=100, help="/health calls per phase")
    args = parser.parse_args()
    settings = Settings()
    base = corpus()
    limit = settings.extract_max_bytes
    sizes = [1_024, 16_384, 262_144, 1_048_576, limit - 1024]
    port = free_port()
    token = "bench-extract"
    env = {**os.environ, "POLICYKG_RATE_REQUESTS": "0", "POLICYKG_UPDATE_TOKEN": token}
    log = Path(tempfile.mkstemp(prefix="policykg-bench-extract-", suffix=".log")[1])
    server = start([sys.executable, "-m", "app.cli", "serve", "--port", str(port)], env=env, log=log, lifetime=900)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: httpx.get(url + "/health").status_code == 200, server, 120)
        run(url, token, args, settings, base, sizes)
    finally:
        stop(server)


def run(url: str, token: str, args: argparse.Namespace, settings: Settings, base: str, sizes: list[int]) -> None:
    """The three measurements against the server at ``url``."""
    limit = settings.extract_max_bytes
    with httpx.Client(base_url=url, timeout=120) as client:
        source = "the real passages" if base != OWN_TEXT else "our own text"
        print(f"POST /api/extract, text/plain of {source}; limit {limit:,} bytes; "
              f"{settings.extract_concurrency} extractions at once; {os.cpu_count()} CPUs, load average "
              + " ".join(f"{x:.1f}" for x in os.getloadavg()))
        print(f"  {'bytes':>10} {'median ms':>10} {'ms/KB':>8}")
        for size in sizes:
            body = text_of(size, base)
            post(client, body)
            times = [post(client, body) for _ in range(args.requests)]
            median = statistics.median(times)
            print(f"  {len(body):>10,} {median:>10.1f} {median / (len(body) / 1024):>8.3f}")

        small = text_of(16_384, base)
        firsts, nexts = [], []
        for n in range(args.requests):
            update = (f"INSERT DATA {{ GRAPH <https://w3id.org/policykg/graph/source/bench-extract> {{ "
                      f"<https://w3id.org/policykg/id/bench/{n}> <http://www.w3.org/2000/01/rdf-schema#label> \"{n}\" }} }}")
            client.post("/sparql", content=update, headers={"content-type": "application/sparql-update",
                                                            "authorization": f"Bearer {token}"}).raise_for_status()
            firsts.append(post(client, small))
            nexts.append(post(client, small))
        print(f"16 KB after an update (gazetteer read again): median {statistics.median(firsts):.1f} ms; "
              f"the next request: {statistics.median(nexts):.1f} ms")

        print("GET /health:")
        show("idle", health(client, args.health))
        largest = text_of(sizes[-1], base)
        # The loaders are processes of their own: threads here would take this process's GIL from the
        # /health client, and the latency measured would be the client's.
        context = multiprocessing.get_context("spawn")
        halt = context.Event()
        done = context.Value("i", 0)
        loaders = [context.Process(target=extracting, args=(url, largest, halt, done)) for _ in range(args.parallel)]
        for loader in loaders:
            loader.start()
        time.sleep(2.0)
        busy = health(client, args.health)
        halt.set()
        for loader in loaders:
            loader.join()
        show(f"while {args.parallel} extract {len(largest) // 1024:,} KB", busy)
        print(f"  ({done.value} extractions of the largest text finished meanwhile)")


def extracting(url: str, body: bytes, halt: Any, done: Any) -> None:
    """A loader: POST ``body`` until told to stop, counting the answers."""
    with httpx.Client(base_url=url, timeout=120) as client:
        while not halt.is_set():
            post(client, body)
            with done.get_lock():
                done.value += 1


if __name__ == "__main__":
    main()
