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

At national scale (``--scale``: the synthetic graph of bench/generate_national.py next to a copy
of data/; 0.62 makes 1.0 M quads), against Oxigraph's own server on the same quads
(``--peer oxigraph``: our dump of the named graphs plus the union default graph, loaded by
``oxigraph load`` and served by ``oxigraph serve``; only the ``sparql`` route is sent to it), and
with the memory of the server and its workers (``--memory``: PSS, the sum of Pss of
/proc/PID/smaps_rollup over the process tree, after start, after the run, after ``--updates``
one-triple updates and after a query on the fresh workers):

    python bench/load.py --scale 0.62 --clients 32 --mix sparql=1 --sparql lineage --peer oxigraph
    python bench/load.py --scale 0.62 --clients 32 --mix search=1
    python bench/load.py --scale 0.62 --clients 8 --duration 5 --memory --updates 2
    python bench/load.py --scale 0.62 --store /tmp/s --clients 8 --duration 5 --memory --updates 2

The measuring functions (``run_load``, ``process_tree_pss``, ``national_project``,
``oxigraph_peer``) are importable by other benches.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import functools
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

# Both need the repository root and bench/ on the path.
from generate_national import project_data
from harness import percentile
from sparql_endpoint import JSON_RESULTS, PREFIXES, QUERIES, running

from tests.support.live import free_port, serve_process
from tests.support.oxigraph_server import require_oxigraph

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
    # One document's ancestors, as the named query lineage-up asks (a shipped document: present at every scale).
    "lineage-doc": (ROOT / "queries" / "lineage-up.rq").read_text(encoding="utf-8").replace(
        "?doc (", "<https://w3id.org/policykg/id/doc/ubnd-quang-tri/2024/47-kh-ubnd> ("
    ),
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
    target: str = "policykg"


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
    plan: dict[str, list[Request]] | None = None,
) -> LoadReport:
    """Run ``clients`` closed-loop clients against ``base_url`` for ``warmup`` + ``duration`` seconds;
    summarise the requests sent during ``duration``. ``plan``: the requests per route (default:
    :func:`requests_for` the server)."""
    if not 1 <= clients <= MAX_CLIENTS:
        raise ValueError(f"clients must be between 1 and {MAX_CLIENTS} (one loopback address each)")
    if plan is None:
        plan = await asyncio.to_thread(requests_for, base_url)
    weights = weights or dict.fromkeys(ROUTES, 1.0)
    stats = {name: RouteStats() for name in ROUTES}
    started = time.monotonic() + warmup
    deadline = started + duration
    await asyncio.gather(
        *(_client(i, base_url, plan, weights, started, deadline, stats, seed, timeout) for i in range(clients))
    )
    return summarise(stats, clients, time.monotonic() - started)


def sparql_plan(path: str, names: list[str] | None = None) -> dict[str, list[Request]]:
    """Only the SPARQL route: the queries ``names`` (default: all of SPARQL_QUERIES) sent to ``path``."""
    chosen = [SPARQL_QUERIES[n] for n in (names or list(SPARQL_QUERIES))]
    sparql = [Request("sparql", path, {"query": text}, {"Accept": JSON_RESULTS}) for text in chosen]
    return {route: (sparql if route == "sparql" else []) for route in ROUTES}


def national_project(work: Path, scale: float, seed: int = 4) -> tuple[dict[str, str], int]:
    """The synthetic national graph next to a copy of data/ in ``work``: server environment, quads generated."""
    data = work / "data"
    quads = project_data(data, scale, seed)
    return {"POLICYKG_DATA_DIR": str(data)}, quads


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def process_tree_pss(pid: int) -> dict[str, int]:
    """PSS in KiB of ``pid`` and every descendant (``total``, ``server``, ``workers``, ``processes``).

    PSS counts a page shared by n processes as 1/n in each, so the sum is what the tree costs
    the machine (the sum of RSS counts shared pages once per process).
    """
    def pss(p: int) -> int:
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    return int(line.split()[1])
        except OSError:
            pass
        return 0

    seen, todo = [], [pid]
    while todo:
        current = todo.pop()
        seen.append(current)
        todo += _children(current)
    values = {p: pss(p) for p in seen}
    return {"total": sum(values.values()), "server": values[pid], "workers": sum(values.values()) - values[pid],
            "processes": len(seen)}


def served_dataset(base_url: str, work: Path, timeout: float = 3600) -> list[Path]:
    """The quads ``base_url`` serves, as files: the named graphs (N-Quads) and the union default graph (Turtle)."""
    files = []
    with httpx.Client(base_url=base_url, timeout=timeout) as client:
        for name in ("policykg.nq", "policykg.ttl"):
            path = work / name
            with client.stream("GET", f"/download/{name}") as response, path.open("wb") as out:
                response.raise_for_status()
                for chunk in response.iter_bytes(1 << 20):
                    out.write(chunk)
            files.append(path)
    return files


@contextmanager
def oxigraph_peer(files: list[Path], location: Path, lifetime: float) -> Iterator[str]:
    """Oxigraph's server (``oxigraph load`` then ``oxigraph serve`` on RocksDB) on ``files``; yield its query URL.

    Given :func:`served_dataset`, its default graph is ours, materialised as ours is (no union at query time).
    """
    binary = require_oxigraph()
    subprocess.run([binary, "load", "--location", str(location), "--file", *map(str, files)], check=True,
                   capture_output=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}/query"
    command = [binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"]
    with running(command, dict(os.environ), url, int(lifetime), startup=120):
        yield url


def _ms(value: float | None) -> str:
    return f"{value:8.1f}" if value is not None else f"{'-':>8}"


def render(report: LoadReport) -> str:
    """The report as a table."""
    lines = [
        f"{report.target}: {report.clients} clients x {report.duration_s:.1f} s: {report.requests} requests, "
        f"{report.errors} errors, {report.per_second:.1f} req/s",
        f"{'route':<8} {'requests':>8} {'errors':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} "
        f"{'req/s':>7}  errors by status",
    ]
    for r in report.routes:
        if not r.requests:
            continue
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


def _update(base_url: str, token: str, n: int) -> float:
    """Send one one-triple INSERT DATA into a named graph; its seconds."""
    text = (f"INSERT DATA {{ GRAPH <https://w3id.org/policykg/graph/source/bench-load> {{ "
            f"<https://w3id.org/policykg/id/bench/{n}> <http://www.w3.org/2000/01/rdf-schema#label> \"bench {n}\" }} }}")
    started = time.perf_counter()
    response = httpx.post(f"{base_url}/sparql", data={"update": text}, headers={"Authorization": f"Bearer {token}"},
                          timeout=900)
    response.raise_for_status()
    return time.perf_counter() - started


def _sampled(work: Callable[[], float], pid: int, every: float = 0.25) -> tuple[float, int]:
    """Run ``work`` in a thread while sampling the PSS of ``pid``'s tree; its result and the peak PSS (KiB)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        running = pool.submit(work)
        peak = process_tree_pss(pid)["total"]
        while not running.done():
            time.sleep(every)
            peak = max(peak, process_tree_pss(pid)["total"])
        return running.result(), peak


def _report_memory(label: str, pid: int, memory: list[dict[str, object]]) -> None:
    pss = process_tree_pss(pid)
    memory.append({"when": label, **pss})
    print(f"PSS {label:<28} total {pss['total'] / 1024:8.0f} MiB  server {pss['server'] / 1024:8.0f} MiB  "
          f"workers {pss['workers'] / 1024:8.0f} MiB  ({pss['processes']} processes)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=64, help="concurrent clients (one loopback address each)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of load before counting starts")
    parser.add_argument("--store", help="serve an on-disk store in this directory (default: in memory)")
    parser.add_argument("--mix", type=_weights, default=None, help="route weights, e.g. search=2,export=1")
    parser.add_argument("--sparql", help="comma-separated names of the SPARQL queries to send (default: all)")
    parser.add_argument("--scale", type=float, help="serve the synthetic national graph at this scale (0.62: 1 M quads)")
    parser.add_argument("--peer", choices=("oxigraph",), help="then run the sparql route against this peer too")
    parser.add_argument("--memory", action="store_true", help="report PSS of the server and its workers")
    parser.add_argument("--updates", type=int, default=0, help="one-triple updates after the run (memory after each)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--timeout", type=float, default=60.0, help="per-request timeout, seconds")
    parser.add_argument("--json", type=Path, help="also write the report as JSON to this file")
    args = parser.parse_args()

    args_serve = ["--store", args.store] if args.store else []
    # The server's settings are the shipped defaults, but for POLICYKG_* variables set here.
    env = {k: v for k, v in os.environ.items() if k.startswith("POLICYKG_")}
    token = env.setdefault("POLICYKG_UPDATE_TOKEN", "bench-load") if args.updates else None
    if args.updates:
        # One update of a national graph takes longer than a client's query-time budget holds.
        env.setdefault("POLICYKG_RATE_QUERY_SECONDS", "0")
    names = args.sparql.split(",") if args.sparql else None
    lifetime = args.warmup + args.duration + 3600
    reports: list[LoadReport] = []
    memory: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="policykg-load-") as work_dir:
        work = Path(work_dir)
        if args.scale:
            extra, quads = national_project(work, args.scale)
            env |= extra
            print(f"{quads:,} synthetic quads (scale {args.scale}) besides data/", flush=True)
        plan = sparql_plan("/sparql", names) if names else None
        started = time.perf_counter()
        with serve_process(args_serve, log=work / "server.log", env=env, lifetime=lifetime,
                           start_timeout=lifetime) as server:
            print(f"policykg up in {time.perf_counter() - started:.1f} s", flush=True)
            if args.memory:
                _report_memory("after start", server.pid, memory)
            report = asyncio.run(
                run_load(
                    server.url, clients=args.clients, duration=args.duration, warmup=args.warmup, weights=args.mix,
                    seed=args.seed, timeout=args.timeout, plan=plan,
                )
            )
            if args.memory:
                _report_memory("after the run", server.pid, memory)
            for n in range(args.updates):
                assert token is not None
                seconds, peak = _sampled(functools.partial(_update, server.url, token, n), server.pid)
                print(f"PSS peak during update {n + 1}: {peak / 1024:.0f} MiB", flush=True)
                memory.append({"when": f"peak during update {n + 1}", "total": peak})
                _report_memory(f"after update {n + 1} ({seconds:.1f} s)", server.pid, memory)
                httpx.get(f"{server.url}/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=60)
                _report_memory("after a query on new workers", server.pid, memory)
            # The peer gets what ours served; it runs once ours has stopped (2 cores).
            files = served_dataset(server.url, work) if args.peer else []
        tracebacks = server.log.read_text(errors="replace").count("Traceback (most recent call last)")
        reports.append(replace(report, server_log_errors=tracebacks))
        print(render(reports[-1]), flush=True)
        if files:
            with oxigraph_peer(files, work / "oxigraph", lifetime) as peer_url:
                peer_report = asyncio.run(
                    run_load(peer_url.removesuffix("/query"), clients=args.clients, duration=args.duration,
                             warmup=args.warmup, weights={"sparql": 1.0}, seed=args.seed, timeout=args.timeout,
                             plan=sparql_plan("/query", names))
                )
            reports.append(replace(peer_report, target="oxigraph serve"))
            print(render(reports[-1]))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {"reports": [asdict(r) for r in reports], "memory_kib": memory}
        args.json.write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
