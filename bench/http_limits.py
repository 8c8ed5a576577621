"""What the HTTP limits cost and what they hold off, on loopback (app/api/server.py, app/api/limits.py).

1. Cost of pinning h11: sequential GET /health against ``policykg serve`` (h11 + our protocol) and
   against the same app under uvicorn's default protocol (httptools), per-client budgets off in both.
2. Cost of the app's middleware (CORS, rate limit, request limits) in-process, around an ASGI app
   that answers at once: microseconds a request.
3. Slowloris: one address opens ``--slow`` connections that send half a request head; meanwhile
   another address asks /health. Prints its success rate and latency, and how many of the slow
   connections are still open past the header timeout.
4. One client as fast as it can go for ``--seconds``: requests answered 200 and 429 (the shipped
   budget), while a second client is still answered.

    python bench/http_limits.py                 # about a minute
    python bench/http_limits.py --slow 200 --requests 500
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.api.cors import CorsMiddleware
from app.api.limits import RateLimitMiddleware, RequestLimitMiddleware
from app.core.config import Settings
from app.core.ratelimit import ClientLimiter
from tests.support.live import serve_process

HEALTH = b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n"
NO_BUDGETS = {"POLICYKG_RATE_REQUESTS": "0", "POLICYKG_RATE_QUERY_SECONDS": "0"}
HTTPTOOLS = "import uvicorn; from app.api import create_app; uvicorn.run(create_app(), port={port}, log_level='warning')"


@contextmanager
def server(env: dict[str, str], code: str | None = None) -> Iterator[int]:
    """``policykg serve`` over the shipped project (or ``code``, formatted with the port) on loopback."""
    with tempfile.TemporaryDirectory() as scratch, serve_process(
        env={"POLICYKG_ROOT": str(ROOT), **env}, log=Path(scratch) / "serve.log", code=code
    ) as process:
        yield int(process.url.rsplit(":", 1)[1])


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"p50 {statistics.median(ordered) * 1000:6.2f} ms  p99 {p99 * 1000:6.2f} ms"


def sequential(port: int, count: int, source: str = "127.0.0.1") -> tuple[list[float], dict[int, int]]:
    """``count`` GET /health on one kept-alive connection: latencies and status counts."""
    latencies, statuses = [], {}
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", transport=transport, timeout=30) as client:
        for _ in range(count):
            started = time.perf_counter()
            status = client.get("/health").status_code
            latencies.append(time.perf_counter() - started)
            statuses[status] = statuses.get(status, 0) + 1
    return latencies, statuses


def protocol_cost(requests: int) -> None:
    print("1. sequential GET /health, budgets off")
    with server(NO_BUDGETS) as port:
        sequential(port, 50)
        latencies, _ = sequential(port, requests)
        print(f"   policykg serve (h11, limits):  {percentiles(latencies)}  {requests / sum(latencies):6.0f} req/s")
    with server(NO_BUDGETS, HTTPTOOLS) as port:
        sequential(port, 50)
        latencies, _ = sequential(port, requests)
        print(f"   uvicorn default (httptools):   {percentiles(latencies)}  {requests / sum(latencies):6.0f} req/s")


def middleware_cost(requests: int) -> None:
    async def answer(scope: object, receive: object, send: object) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})  # type: ignore[operator]
        await send({"type": "http.response.body", "body": b"ok"})  # type: ignore[operator]

    settings = Settings()
    limiter = ClientLimiter(1e9, 1e9, 1e9, 1e9)
    stacked = CorsMiddleware(RateLimitMiddleware(RequestLimitMiddleware(
        answer, settings.http_max_headers, settings.http_max_header_bytes, settings.http_body_timeout), limiter))
    scope = {"type": "http", "method": "GET", "path": "/health", "raw_path": b"/health", "query_string": b"",
             "headers": [(b"host", b"localhost"), (b"accept", b"*/*"), (b"origin", b"https://x.example")],
             "client": ("127.0.0.1", 5000)}

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(_: object) -> None:
        return None

    async def run(app: object) -> float:
        started = time.perf_counter()
        for _ in range(requests):
            await app(scope, receive, send)  # type: ignore[operator]
        return (time.perf_counter() - started) / requests

    bare, full = asyncio.run(run(answer)), asyncio.run(run(stacked))
    print(f"2. middleware in-process: {(full - bare) * 1e6:.1f} µs a request ({requests} requests)")


def slowloris(slow: int, requests: int) -> None:
    settings = Settings()
    print(f"3. slowloris: {slow} connections from 127.0.0.1 send half a head; 127.0.0.2 asks /health "
          f"(shipped limits: head within {settings.http_header_timeout:g} s, {settings.http_max_connections} "
          f"connections, {settings.http_max_client_connections} a client)")
    with server({}) as port:
        attackers: list[socket.socket] = []
        for _ in range(slow):
            with suppress(OSError):
                sock = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=("127.0.0.1", 0))
                sock.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
                attackers.append(sock)
        opened = time.monotonic()
        latencies, statuses = sequential(port, requests, source="127.0.0.2")
        print(f"   the other client during the attack: {statuses}  {percentiles(latencies)}")
        time.sleep(max(0.0, opened + settings.http_header_timeout + 1 - time.monotonic()))
        still_open = 0
        for sock in attackers:
            sock.setblocking(False)
            try:
                sock.recv(4096, socket.MSG_PEEK)  # a 408, or b"" (closed): the server let go either way
            except BlockingIOError:
                still_open += 1  # nothing to read and not closed: held
            except OSError:
                pass
            sock.close()
        print(f"   slow connections opened {len(attackers)}, still open {settings.http_header_timeout + 1:g} s later: "
              f"{still_open}")


def one_fast_client(seconds: float) -> None:
    settings = Settings()
    print(f"4. one client as fast as it can for {seconds:g} s (shipped budget {settings.rate_requests:g}/s, "
          f"burst {settings.rate_burst:g}), another at 5 requests a second")
    with server({}) as port:
        other: dict[int, int] = {}

        def polite() -> None:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}",
                              transport=httpx.HTTPTransport(local_address="127.0.0.2")) as client:
                end = time.monotonic() + seconds
                while time.monotonic() < end:
                    status = client.get("/health").status_code
                    other[status] = other.get(status, 0) + 1
                    time.sleep(0.2)

        thread = threading.Thread(target=polite)
        thread.start()
        statuses: dict[int, int] = {}
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                status = client.get("/health").status_code
                statuses[status] = statuses.get(status, 0) + 1
        thread.join()
        print(f"   fast client: {statuses} ({statuses.get(200, 0) / seconds:.0f} answered a second); "
              f"the other: {other}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000, help="sequential requests per measurement")
    parser.add_argument("--slow", type=int, default=1000, help="slowloris connections")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the one-fast-client run")
    args = parser.parse_args()
    protocol_cost(args.requests)
    middleware_cost(args.requests * 10)
    slowloris(args.slow, 150)  # fewer than the burst: this client is within its budget
    one_fast_client(args.seconds)


if __name__ == "__main__":
    main()
