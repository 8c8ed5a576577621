"""SPARQL endpoint latency: our /sparql against Oxigraph's server and rdflib-endpoint, same data, same run.

    python bench/sparql_endpoint.py                      # the shipped graph, 200 requests per query
    python bench/sparql_endpoint.py --scale 200          # 200 renamed copies of the data graphs
    python bench/sparql_endpoint.py --servers oxigraph,rdflib --requests 50 --json var/bench.json
    python bench/sparql_endpoint.py --servers ours,ours-disk,oxigraph,oxigraph-mem,embedded,rdflib

Servers: ``ours`` (``policykg serve``, in-memory store), ``oxigraph`` (Oxigraph's server on RocksDB)
and ``rdflib`` (rdflib-endpoint) by default; ``ours-disk`` and ``oxigraph-mem`` pair the storage
(RocksDB / memory) for a like-for-like comparison; ``embedded`` is pyoxigraph queried in this
process with its own JSON serialiser, the engine without any server around it.

Each server runs alone (one at a time: the machine has 2 cores) in its own process on loopback,
loaded with the same dataset: ours loads the project files (one named graph per source) and
materialises their union as the default graph; Oxigraph (``oxigraph load`` + ``oxigraph serve``)
and rdflib-endpoint (an rdflib Dataset) get all of those quads as N-Quads. With
``--peer-data union`` they get the default graph alone (N-Triples): half the quads, which favours
them, since an in-memory Oxigraph store scans the named-graph quads too when it matches a pattern
in the default graph. Every request is a W3C-protocol GET
``?query=…`` with ``Accept: application/sparql-results+json``; each answer is checked (status
200, row count equal across servers). Requests are sequential and bounded: ``--requests`` per
server and query after ``--warmup``, stopped early past ``--budget`` seconds. Every server is
started under ``timeout`` so it stops by itself even if this script dies.

This is a measurement, not a test: it prints a table and never asserts a speed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx
import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

# The repository root must be importable before these imports.
from harness import stop

from app.core.config import Settings
from app.core.namespaces import ONTOLOGY_GRAPH, POLID
from app.store.policy_store import PolicyStore
from tests.support.live import free_port
from tests.support.oxigraph_server import oxigraph_binary

PREFIXES = """PREFIX pol: <https://w3id.org/policykg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
QUERIES: dict[str, str] = {
    # every (document, ancestor) pair along implements/basedOn chains, with numbers
    "lineage": PREFIXES
    + """SELECT ?doc ?notation ?ancestor ?ancestorNotation WHERE {
  ?doc (pol:implements|pol:basedOn)+ ?ancestor .
  OPTIONAL { ?doc skos:notation ?notation }
  OPTIONAL { ?ancestor skos:notation ?ancestorNotation }
}""",
    # task -> role property (named by its role concept) -> agency, with labels: a 2-hop join
    "responsibility": PREFIXES
    + """SELECT ?task ?taskLabel ?roleLabel ?agency ?agencyLabel WHERE {
  ?role pol:roleProperty ?property ; skos:prefLabel ?roleLabel . FILTER(LANG(?roleLabel) = "en")
  ?task ?property ?agency ; rdfs:label ?taskLabel . FILTER(LANG(?taskLabel) = "vi")
  ?agency rdfs:label ?agencyLabel . FILTER(LANG(?agencyLabel) = "vi")
}""",
    # how many tasks each agency has in each role
    "group-by": PREFIXES
    + """SELECT ?agency ?role (COUNT(DISTINCT ?task) AS ?tasks) WHERE {
  ?role pol:roleProperty ?property .
  ?task a pol:Task ; ?property ?agency .
} GROUP BY ?agency ?role ORDER BY DESC(?tasks) ?agency ?role""",
}
#: ours, Oxigraph's server on RocksDB (as the brief sets it up) and rdflib-endpoint run by default;
#: ``ours-disk`` (our store on RocksDB) and ``oxigraph-mem`` (Oxigraph in memory) pair the storage.
#: ``embedded`` is no server: pyoxigraph queried in this process, serialising its own JSON.
SERVERS = ("ours", "ours-disk", "oxigraph", "oxigraph-mem", "embedded", "rdflib")
DEFAULT_SERVERS = ("ours", "oxigraph", "rdflib")
JSON_RESULTS = "application/sparql-results+json"
_MEDIA_TYPES = {".nq": "application/n-quads", ".nt": "application/n-triples"}


@dataclass(frozen=True, slots=True)
class Measurement:
    """Latencies of one query on one server."""

    server: str
    query: str
    requests: int
    rows: int | None
    median_ms: float | None
    p95_ms: float | None
    note: str = ""
    #: when one request outlasted the budget: that many ms is a lower bound of its latency
    over_ms: float | None = None


# ---------------------------------------------------------------------------- data


def build_project(work: Path, scale: int, peer_data: str) -> tuple[Settings, Path, int, int]:
    """A project in ``work`` with ``scale`` renamed copies of the data graphs.

    Return it, the file the other servers load (``peer_data``: every quad, or the default graph),
    the triples of the default graph and the quads of the dataset.
    """
    settings = Settings(root=ROOT, store=None)
    with PolicyStore.from_settings(settings) as source:
        source.load_project(settings)
        named = [q for q in source.raw if not isinstance(q.graph_name, ox.DefaultGraph)]
    ontology = ox.NamedNode(ONTOLOGY_GRAPH)
    data = [q for q in named if q.graph_name != ontology]
    # Only what the data graphs define is copied; shared vocabulary (roles, units, statuses) is not.
    defined = {q.subject.value for q in data if isinstance(q.subject, ox.NamedNode)}
    shutil.copytree(settings.ontology_dir, work / "ontology")
    (work / "data").mkdir()
    for copy in range(scale):
        quads = [_renamed(q, copy, defined) for q in data]
        ox.serialize(quads, str(work / "data" / f"copy-{copy:04d}.trig"), format=ox.RdfFormat.TRIG)
    project = Settings(root=work, store=None, queries_dir=ROOT / "queries")
    with PolicyStore.from_settings(project) as store:
        store.load_project(project)
        triples, quads = store.triple_count(), len(store.raw)
        if peer_data == "union":
            peer = work / "union.nt"
            defaults = store.raw.quads_for_pattern(None, None, None, ox.DefaultGraph())
            ox.serialize((q.triple for q in defaults), str(peer), format=ox.RdfFormat.N_TRIPLES)
        else:
            peer = work / "dataset.nq"
            store.raw.dump(str(peer), format=ox.RdfFormat.N_QUADS)
    return project, peer, triples, quads


def _renamed(quad: ox.Quad, copy: int, defined: set[str]) -> ox.Quad:
    if copy == 0:
        return quad

    def term(t: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> ox.NamedNode | ox.BlankNode | ox.Literal:
        if isinstance(t, ox.NamedNode) and t.value in defined:
            return ox.NamedNode(f"{POLID}copy-{copy}/{t.value.removeprefix(str(POLID))}")
        if isinstance(t, ox.BlankNode):
            return ox.BlankNode(f"{t.value}c{copy}")
        return t  # type: ignore[return-value]

    graph = ox.NamedNode(f"{quad.graph_name.value}/copy-{copy}")  # type: ignore[union-attr]
    return ox.Quad(term(quad.subject), quad.predicate, term(quad.object), graph)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- servers


@contextmanager
def running(command: list[str], env: dict[str, str], url: str, lifetime: int, startup: float) -> Iterator[None]:
    """Start ``command`` (killed by ``timeout`` after ``lifetime`` s); wait until ``url`` answers an ASK."""
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below, after the process
    # Its own process group, so stopping it reaches the server even when `timeout` is gone first.
    process = subprocess.Popen(
        ["timeout", "--signal=TERM", "--kill-after=10", str(lifetime), *command],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + startup
        while True:
            if process.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"{command[0]} exited: {log.read().decode(errors='replace')[-2000:]}")
            try:
                answer = httpx.get(url, params={"query": "ASK {}"}, headers={"Accept": JSON_RESULTS}, timeout=5)
                if answer.status_code < 500:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{command[0]} did not answer at {url} within {startup:.0f} s")
            time.sleep(0.2)
        yield
    finally:
        stop(process)
        log.close()


@contextmanager
def server(name: str, project: Settings, peer: Path, work: Path, lifetime: int, startup: float) -> Iterator[str]:
    """Run server ``name`` on the benchmark data; yield its query URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYKG_")}
    if name in ("ours", "ours-disk"):
        env |= {"POLICYKG_ROOT": str(project.root), "POLICYKG_QUERIES_DIR": str(project.queries_dir)}
        # One benchmark client measures the server, not its per-client budgets (the peers have none).
        env |= {"POLICYKG_RATE_REQUESTS": "0", "POLICYKG_RATE_QUERY_SECONDS": "0"}
        if name == "ours-disk":
            env["POLICYKG_STORE"] = str(work / "ours-store")  # RocksDB, like the Oxigraph server's --location
        env["PYTHONPATH"] = str(ROOT)
        command = [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
        url = f"{base}/sparql"
    elif name in ("oxigraph", "oxigraph-mem") and oxigraph_binary() is None:
        raise RuntimeError("the oxigraph server binary is missing (pip install -e '.[test]')")
    elif name == "oxigraph":
        location = work / "oxigraph"
        if not location.exists():
            load = [str(oxigraph_binary()), "load", "--location", str(location), "--file", str(peer)]
            subprocess.run(load, check=True, capture_output=True, timeout=lifetime)
        command = [str(oxigraph_binary()), "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"]
        url = f"{base}/query"
    elif name == "oxigraph-mem":
        # No --location: an in-memory store, like ours by default; the data goes in over /store.
        command = [str(oxigraph_binary()), "serve", "--bind", f"127.0.0.1:{port}"]
        url = f"{base}/query"
    elif name == "rdflib":
        command = [sys.executable, str(Path(__file__).resolve()), "--serve-rdflib", str(peer), str(port)]
        url = f"{base}/sparql"
    else:
        raise ValueError(f"unknown server {name!r}; choose from {', '.join(SERVERS)}")
    with running(command, env, url, lifetime, startup):
        if name == "oxigraph-mem":
            loaded = httpx.post(
                f"{base}/store" + ("?default" if peer.suffix == ".nt" else ""),
                content=peer.read_bytes(),
                headers={"Content-Type": _MEDIA_TYPES[peer.suffix]},
                timeout=lifetime,
            )
            loaded.raise_for_status()
        yield url


def serve_rdflib(peer: Path, port: int) -> None:
    """Serve ``peer`` with rdflib-endpoint (run in the child process); its default graph is the file's."""
    import rdflib
    import uvicorn
    from rdflib_endpoint import SparqlEndpoint

    graph = rdflib.Dataset()
    graph.parse(str(peer), format="nquads" if peer.suffix == ".nq" else "nt")
    app = SparqlEndpoint(graph=graph, path="/sparql", public_url=f"http://127.0.0.1:{port}/sparql", cors_enabled=False)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


# ---------------------------------------------------------------------------- measuring


#: Sends one query, returns the HTTP status and body; raises TimeoutError past the budget.
Call = Callable[[str], tuple[int, bytes]]


@contextmanager
def http_calls(url: str, budget: float) -> Iterator[Call]:
    """W3C-protocol GETs to ``url``; one request may not outlast the whole budget."""
    with httpx.Client(timeout=budget) as client:

        def call(text: str) -> tuple[int, bytes]:
            try:
                response = client.get(url, params={"query": text}, headers={"Accept": JSON_RESULTS})
            except httpx.TimeoutException as exc:
                raise TimeoutError from exc
            return response.status_code, response.content

        yield call


@contextmanager
def embedded_calls(peer: Path) -> Iterator[Call]:
    """pyoxigraph in this process with its own JSON serialiser: the engine with no server around it."""
    store = ox.Store()
    store.load(path=str(peer), format=ox.RdfFormat.N_QUADS if peer.suffix == ".nq" else ox.RdfFormat.N_TRIPLES)

    def call(text: str) -> tuple[int, bytes]:
        results = store.query(text)
        assert isinstance(results, ox.QuerySolutions)
        return 200, results.serialize(format=ox.QueryResultsFormat.JSON) or b""

    yield call


def measure(name: str, call: Call, query: str, text: str, requests: int, warmup: int, budget: float) -> Measurement:
    """Time ``requests`` sequential calls of ``text`` after ``warmup`` untimed ones, within ``budget`` seconds."""
    timings: list[float] = []
    rows: int | None = None
    started = time.monotonic()
    i = 0
    while len(timings) < requests:
        t0 = time.perf_counter()
        try:
            status, body = call(text)
        except TimeoutError:
            note = f"one request took over {budget:.0f} s"
            return Measurement(name, query, len(timings), rows, None, None, note, over_ms=budget * 1000)
        elapsed = time.perf_counter() - t0
        if status != 200:
            detail = body[:200].decode(errors="replace").replace("\n", " ")
            return Measurement(name, query, 0, None, None, None, f"HTTP {status}: {detail}")
        if rows is None:
            rows = len(json.loads(body)["results"]["bindings"])
            # A slow server gets one warm-up request, so the budget goes to timed ones.
            if elapsed * (warmup + 5) > budget:
                warmup = 1
        i += 1
        if i > warmup:
            timings.append(elapsed * 1000)
        if time.monotonic() - started > budget and len(timings) >= 5:
            break
    if not timings:
        return Measurement(name, query, 0, rows, None, None, f"no timed request within {budget:.0f} s")
    timings.sort()
    p95 = timings[max(0, math.ceil(0.95 * len(timings)) - 1)]
    note = "" if len(timings) == requests else f"stopped after {budget:.0f} s"
    return Measurement(name, query, len(timings), rows, statistics.median(timings), p95, note)


def table(results: list[Measurement]) -> str:
    """Median and p95 per server and query; medians divided by each Oxigraph server's and into rdflib's."""
    by = {(m.server, m.query): m for m in results}
    references = [r for r in ("oxigraph", "oxigraph-mem") if any(m.server == r for m in results)]
    header = f"{'query':<15} {'server':<13} {'n':>4} {'rows':>6} {'median ms':>10} {'p95 ms':>9}"
    header += "".join(f" {'÷ ' + r:>14}" for r in references) + f" {'rdflib ÷ this':>14}  note"
    lines = [header]
    for query in QUERIES:
        for m in (by[(s, query)] for s in SERVERS if (s, query) in by):
            line = (
                f"{query:<15} {m.server:<13} {m.requests:>4} {m.rows if m.rows is not None else '-':>6} "
                f"{_ms(m.median_ms):>10} {_ms(m.p95_ms):>9}"
            )
            for reference in references:
                line += f" {_ratio(_divide(m, by.get((reference, query)))):>14}"
            rdflib = by.get(("rdflib", query))
            if rdflib is not None and rdflib.over_ms and m.median_ms:
                slower = f">{rdflib.over_ms / m.median_ms:.0f}×"  # rdflib never answered: a lower bound
            else:
                slower = _ratio(_divide(rdflib, m))
            line += f" {slower:>14}  {m.note}"
            lines.append(line)
    return "\n".join(lines)


def _divide(a: Measurement | None, b: Measurement | None) -> float | None:
    if a is None or b is None or not a.median_ms or not b.median_ms:
        return None
    return a.median_ms / b.median_ms


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}×"


def main() -> None:
    """Parse arguments, build the data, run each server in turn, print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per server and query (max 2000)")
    parser.add_argument("--warmup", type=int, default=10, help="untimed requests first")
    parser.add_argument("--scale", type=int, default=1, help="copies of the data graphs (1 = the shipped data)")
    parser.add_argument(
        "--servers", default=",".join(DEFAULT_SERVERS), help=f"comma-separated, from: {', '.join(SERVERS)}"
    )
    parser.add_argument("--budget", type=float, default=120, help="seconds per server and query at most")
    parser.add_argument("--json", type=Path, help="also write the measurements here")
    parser.add_argument(
        "--peer-data",
        choices=("dataset", "union"),
        default="dataset",
        help="what the other servers load: every quad of ours (default) or the default graph alone",
    )
    parser.add_argument("--serve-rdflib", nargs=2, metavar=("FILE", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_rdflib:
        serve_rdflib(Path(args.serve_rdflib[0]), int(args.serve_rdflib[1]))
        return
    requests = max(1, min(args.requests, 2000))
    names = [s.strip() for s in args.servers.split(",") if s.strip()]
    # A server lives at most as long as its measurements could take, plus loading time.
    lifetime = int(600 + len(QUERIES) * (args.budget + 60))
    results: list[Measurement] = []
    with tempfile.TemporaryDirectory(prefix="policykg-bench-") as tmp:
        work = Path(tmp)
        t0 = time.perf_counter()
        project, peer, triples, quads = build_project(work, max(1, args.scale), args.peer_data)
        print(
            f"data: {triples} triples in the default graph, {quads} quads in all (scale {args.scale}); "
            f"the other servers load {peer.name}; built in "
            f"{time.perf_counter() - t0:.1f} s; {requests} requests per query, {args.warmup} warm-up",
            flush=True,
        )
        for name in names:
            t0 = time.perf_counter()
            try:
                with ExitStack() as stack:
                    if name == "embedded":
                        call = stack.enter_context(embedded_calls(peer))
                        where = "in this process"
                    else:
                        where = stack.enter_context(server(name, project, peer, work, lifetime, startup=300))
                        call = stack.enter_context(http_calls(where, args.budget))
                    print(f"{name}: up in {time.perf_counter() - t0:.1f} s, {where}", flush=True)
                    for query, text in QUERIES.items():
                        results.append(measure(name, call, query, text, requests, args.warmup, args.budget))
            except (RuntimeError, subprocess.SubprocessError, OSError) as exc:
                results += [Measurement(name, q, 0, None, None, None, f"not run: {exc}"[:300]) for q in QUERIES]
    print()
    print(table(results))
    counts = {q: {m.rows for m in results if m.query == q and m.rows is not None} for q in QUERIES}
    mismatched = [q for q, rows in counts.items() if len(rows) > 1]
    print("\nrow counts agree across servers" if not mismatched else f"\nROW COUNTS DIFFER for: {mismatched}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "triples": triples,
            "quads": quads,
            "peer_data": args.peer_data,
            "scale": args.scale,
            "requests": requests,
            "results": [asdict(m) for m in results],
        }
        args.json.write_text(json.dumps(payload, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
