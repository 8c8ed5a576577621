"""Loopback load test: many concurrent clients mixing search, lineage, SPARQL and export.

Starts ``policykg serve`` on a free loopback port (as shipped: in-memory store, default settings,
but for the POLICYKG_* variables of this script's environment; ``--store DIR`` for an on-disk
store), then runs ``--clients`` clients (64) for ``--warmup`` seconds (5, not counted) and then
``--duration`` seconds (60). Each client is one closed loop (send, wait for the whole answer, send the next, no
think time) with its own connection pool and its OWN loopback source address (127.0.0.2,
127.0.0.3, …), so per-client limits of the server (a token bucket per client IP) see 64 clients,
not one. Each request picks a route at random (seeded), equally weighted by default:

- ``search``  ``GET /api/responsible?q=…`` with the questions of eval/questions.json;
- ``lineage`` ``GET /api/lineage?document=…`` with every document of the store (IRI or number);
- ``sparql``  ``GET /sparql?query=…`` with a few realistic queries (lineage path, responsibility
  join, GROUP BY, targets), SPARQL JSON results;
- ``export``  ``GET /api/export?format=…&root=…`` (lineages in every format, some agencies and
  provinces).

It prints, per route: requests, errors (any non-2xx answer or transport error, by status),
p50/p95/p99/max latency in ms and requests per second; ``--json FILE`` writes the same. The run
is bounded (no request starts after the deadline, each has a timeout) and stops by itself; the
server runs under ``timeout`` as well. This is a measurement: nothing asserts a speed.

    python bench/load.py                                   # 64 clients x 60 s
    python bench/load.py --clients 8 --duration 10 --json var/load.json
    python bench/load.py --store /tmp/policykg-load-store  # on-disk store
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

# Both need the repository root and bench/ on the path.
from harness import percentile
from sparql_endpoint import JSON_RESULTS, PREFIXES, QUERIES

from tests.support.live import serve_process

ROUTES = ("search", "lineage", "sparql", "export")
EXPORT_FORMATS = ("graphml", "gexf", "cytoscape", "nodelink", "dot", "mermaid", "jsonld", "turtle", "trig", "csv")
#: The first simulated client's source address; client i uses 127.0.0.(2 + i).
FIRST_HOST = 2
MAX_CLIENTS = 253

# The endpoint benchmark's three queries (lineage path, responsibility join, GROUP BY), and targets.
SPARQL_QUERIES: dict[str, str] = {
    **QUERIES,
    "targets": PREFIXES
    + """SELECT ?indicator ?value ?year ?doc WHERE {
  ?doc pol:hasObjective/pol:hasTarget|pol:hasTarget ?target .
  ?target pol:measures ?indicator ; pol:targetValue ?value .
  OPTIONAL { ?target pol:targetYear ?year }
} ORDER BY ?indicator ?year LIMIT 100""",
}
_DOCUMENTS = PREFIXES + """SELECT ?d ?n WHERE {
  ?d a/rdfs:subClassOf* pol:PolicyDocument . OPTIONAL { ?d skos:notation ?n }
} ORDER BY ?d"""
_AGENCIES = PREFIXES + """SELECT DISTINCT ?a WHERE {
  ?role pol:roleProperty ?property . ?task ?property ?a .
} ORDER BY ?a LIMIT 20"""
_AREAS = PREFIXES + "SELECT ?a WHERE { ?a a pol:AdministrativeArea } ORDER BY ?a LIMIT 10"


@dataclass(frozen=True, slots=True)
class Request:
    """One request a client may send: the route it counts under, a path and its parameters."""

    route: str
    path: str
    params: dict[str, str]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class RouteStats:
    """What one route did during the run."""

    requests: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class RouteSummary:
    """One route's line of the report."""

    route: str
    requests: int
    errors: int
    errors_by_status: dict[str, int]
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    max_ms: float | None
    per_second: float


@dataclass(frozen=True, slots=True)
class LoadReport:
    """The whole run: settings, per-route summaries, totals."""

    clients: int
    duration_s: float
    routes: list[RouteSummary]
    requests: int
    errors: int
    per_second: float
    server_log_errors: int | None = None


def questions() -> list[str]:
    """The Vietnamese (and English, unaccented, abbreviated) questions of eval/questions.json."""
    data = json.loads((ROOT / "eval" / "questions.json").read_text(encoding="utf-8"))
    return [q["q"] for q in data["questions"]]


def _column(client: httpx.Client, query: str, var: str) -> list[tuple[str, ...]]:
    response = client.get("/sparql", params={"query": query}, headers={"Accept": JSON_RESULTS})
    response.raise_for_status()
    rows = response.json()["results"]["bindings"]
    return [tuple(row[v]["value"] if v in row else "" for v in var.split()) for row in rows]


def requests_for(base_url: str) -> dict[str, list[Request]]:
    """The requests of each route, built from what the server holds (read before the run, untimed)."""
    with httpx.Client(base_url=base_url, timeout=60) as client:
        documents = _column(client, _DOCUMENTS, "d n")
        agencies = [a for (a,) in _column(client, _AGENCIES, "a")]
        areas = [a for (a,) in _column(client, _AREAS, "a")]
    if not documents:
        raise SystemExit("the server holds no document: nothing to ask for")
    notations = Counter(n for _, n in documents if n)
    # A number shared by two documents would be a 409: those are asked for by IRI.
    refs = [iri for iri, _ in documents] + [n for n, count in notations.items() if count == 1]
    search = [Request("search", "/api/responsible", {"q": q}) for q in questions()]
    lineage = [Request("lineage", "/api/lineage", {"document": ref}) for ref in refs]
    sparql = [
        Request("sparql", "/sparql", {"query": text}, {"Accept": JSON_RESULTS}) for text in SPARQL_QUERIES.values()
    ]
    # Every document's lineage in each direction, one level and all levels: as the explorer draws
    # it (cytoscape, capped as the explorer caps it) and downloaded in one other format.
    lineages = [
        {"root": ref, "direction": direction, "depth": depth}
        for ref in refs
        for direction in ("both", "up", "down")
        for depth in ("1", "10")
    ]
    export = [Request("export", "/api/export", {"format": "cytoscape", "max_elements": "1500", **s}) for s in lineages]
    export += [
        Request("export", "/api/export", {"format": EXPORT_FORMATS[i % len(EXPORT_FORMATS)], **s})
        for i, s in enumerate(lineages)
    ]
    export += [
        Request("export", "/api/export", {"format": EXPORT_FORMATS[i % len(EXPORT_FORMATS)], "agency": a})
        for i, a in enumerate(agencies)
    ]
    export += [Request("export", "/api/export", {"format": "cytoscape", "province": a}) for a in areas]
    return {"search": search, "lineage": lineage, "sparql": sparql, "export": export}


async def _client(
    index: int,
    base_url: str,
    plan: dict[str, list[Request]],
    weights: dict[str, float],
    record_from: float,
    deadline: float,
    stats: dict[str, RouteStats],
    seed: int,
    timeout: float,
) -> None:
    rng = random.Random(seed * 1000 + index)
    routes = [r for r in ROUTES if weights.get(r, 0) > 0]
    route_weights = [weights[r] for r in routes]
    # Each simulated client speaks from its own loopback address, as 64 machines would.
    transport = httpx.AsyncHTTPTransport(local_address=f"127.0.0.{FIRST_HOST + index}")
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with httpx.AsyncClient(base_url=base_url, transport=transport, timeout=timeout, limits=limits) as client:
        while time.monotonic() < deadline:
            request = rng.choice(plan[rng.choices(routes, route_weights)[0]])
            started = time.perf_counter()
            # Requests of the warm-up are sent, not counted.
            route = stats[request.route] if time.monotonic() >= record_from else RouteStats()
            try:
                response = await client.get(request.path, params=request.params, headers=request.headers)
                status = response.status_code
            except httpx.HTTPError as exc:
                route.requests += 1
                route.errors[type(exc).__name__] += 1
                continue
            route.requests += 1
            route.latencies_ms.append((time.perf_counter() - started) * 1000)
            if not 200 <= status < 300:
                route.errors[str(status)] += 1


def summarise(stats: dict[str, RouteStats], clients: int, elapsed: float) -> LoadReport:
    """Per-route percentiles and rates of a finished run."""
    routes = []
    for name in ROUTES:
        s = stats[name]
        routes.append(
            RouteSummary(
                route=name,
                requests=s.requests,
                errors=sum(s.errors.values()),
                errors_by_status=dict(sorted(s.errors.items())),
                p50_ms=percentile(s.latencies_ms, 0.50),
                p95_ms=percentile(s.latencies_ms, 0.95),
                p99_ms=percentile(s.latencies_ms, 0.99),
                max_ms=max(s.latencies_ms, default=None),
                per_second=s.requests / elapsed if elapsed > 0 else 0.0,
            )
        )
    total = sum(r.requests for r in routes)
    return LoadReport(
        clients=clients,
        duration_s=round(elapsed, 2),
        routes=routes,
        requests=total,
        errors=sum(r.errors for r in routes),
        per_second=total / elapsed if elapsed > 0 else 0.0,
    )


async def run_load(
    base_url: str,
    *,
    clients: int = 64,
    duration: float = 60.0,
    warmup: float = 0.0,
    weights: dict[str, float] | None = None,
    seed: int = 7,
    timeout: float = 60.0,
) -> LoadReport:
    """Run ``clients`` closed-loop clients against ``base_url`` for ``warmup`` + ``duration`` seconds;
    summarise the requests sent during ``duration``."""
    if not 1 <= clients <= MAX_CLIENTS:
        raise ValueError(f"clients must be between 1 and {MAX_CLIENTS} (one loopback address each)")
    plan = await asyncio.to_thread(requests_for, base_url)
    weights = weights or dict.fromkeys(ROUTES, 1.0)
    stats = {name: RouteStats() for name in ROUTES}
    started = time.monotonic() + warmup
    deadline = started + duration
    await asyncio.gather(
        *(_client(i, base_url, plan, weights, started, deadline, stats, seed, timeout) for i in range(clients))
    )
    return summarise(stats, clients, time.monotonic() - started)


def _ms(value: float | None) -> str:
    return f"{value:8.1f}" if value is not None else f"{'-':>8}"


def render(report: LoadReport) -> str:
    """The report as a table."""
    lines = [
        f"{report.clients} clients x {report.duration_s:.1f} s: {report.requests} requests, "
        f"{report.errors} errors, {report.per_second:.1f} req/s",
        f"{'route':<8} {'requests':>8} {'errors':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} "
        f"{'req/s':>7}  errors by status",
    ]
    for r in report.routes:
        by_status = ", ".join(f"{k}: {v}" for k, v in r.errors_by_status.items())
        lines.append(
            f"{r.route:<8} {r.requests:>8} {r.errors:>7} {_ms(r.p50_ms)} {_ms(r.p95_ms)} {_ms(r.p99_ms)} "
            f"{_ms(r.max_ms)} {r.per_second:7.1f}  {by_status}"
        )
    if report.server_log_errors is not None:
        lines.append(f"tracebacks in the server's log: {report.server_log_errors}")
    return "\n".join(lines)


def _weights(text: str) -> dict[str, float]:
    weights: dict[str, float] = {}
    for part in text.split(","):
        name, _, value = part.partition("=")
        if name.strip() not in ROUTES:
            raise argparse.ArgumentTypeError(f"unknown route {name!r}; routes: {', '.join(ROUTES)}")
        weights[name.strip()] = float(value or 1)
    return weights


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=64, help="concurrent clients (one loopback address each)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of load before counting starts")
    parser.add_argument("--store", help="serve an on-disk store in this directory (default: in memory)")
    parser.add_argument("--mix", type=_weights, default=None, help="route weights, e.g. search=2,export=1")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--timeout", type=float, default=60.0, help="per-request timeout, seconds")
    parser.add_argument("--json", type=Path, help="also write the report as JSON to this file")
    args = parser.parse_args()

    args_serve = ["--store", args.store] if args.store else []
    # The server's settings are the shipped defaults, but for POLICYKG_* variables set here.
    env = {k: v for k, v in os.environ.items() if k.startswith("POLICYKG_")}
    lifetime = args.warmup + args.duration + 900
    with tempfile.TemporaryDirectory(prefix="policykg-load-") as work:
        with serve_process(args_serve, log=Path(work) / "server.log", env=env, lifetime=lifetime) as server:
            report = asyncio.run(
                run_load(
                    server.url, clients=args.clients, duration=args.duration, warmup=args.warmup, weights=args.mix,
                    seed=args.seed, timeout=args.timeout,
                )
            )
        tracebacks = server.log.read_text(errors="replace").count("Traceback (most recent call last)")
    report = replace(report, server_log_errors=tracebacks)
    print(render(report))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(asdict(report), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
