"""National-scale benchmark: ours against Oxigraph on the same synthetic quads, in one run.

    python -m bench scale --quads 1e6                       # every row (slow at 1e6: see --skip)
    python -m bench scale --quads 1e5 --only cold-start,health,update
    make bench-scale QUADS=1e6

1. Generates (or reuses, from ``--work``) the deterministic synthetic national graph of
   bench/generate_national.py at about ``--quads`` quads, complete with what the shapes require
   and with a known number of planted defects of each kind (recorded in the results), beside a
   copy of data/; and the same quads as one N-Quads file for the peers (each file's triples in
   the named graph ours gives them). The cache key is the size, the seed and the generator's version.
2. Measures each step below (``--only``/``--skip`` take step names), through public interfaces
   only (``policykg serve`` over HTTP, the ``policykg`` CLI; ``oxigraph load``/``serve`` and
   pyoxigraph in a subprocess for the peers). Every step has a timeout (``--timeout``, or
   ``--step-timeout STEP=S``); past it the row says "timeout after S s" and the run goes on.
3. Writes ``bench/results/scale-<N>-<timestamp>.json`` (``--results`` for another directory):
   the machine, the data (quads, planted defects), and per row ours, peer, ratio (ours ÷ peer),
   unit and notes; and prints the table.

Our servers run with the shipped settings but for POLICYKG_UPDATE_TOKEN (updates need one) and the
data directory. Each simulated client of a throughput step has its own loopback address, so
per-client budgets see 32 clients, not one. This is a measurement: nothing asserts a speed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox

from app.core.config import Settings
from app.store.policy_store import PolicyStore
from bench import generate_national as national
from bench.harness import ROOT, machine, percentile, server_pid, start, stop, tree_memory_kib, wait_until
from bench.latency import questions
from bench.sparql_endpoint import JSON_RESULTS, QUERIES
from tests.support.live import free_port
from tests.support.oxigraph_server import oxigraph_binary

UPDATE_TOKEN = "bench-scale-token"
#: A word no generated label holds, so a search for it finds the updated task only.
MARKER = "zqxbenchmarker"
POL = "https://w3id.org/policykg/ontology#"
AREA = "https://w3id.org/policykg/id/area/"
BENCH_GRAPH = "https://w3id.org/policykg/graph/bench-scale"
FIRST_HOST = 2  # client i of a throughput step speaks from 127.0.0.(2 + i), as bench/load.py's do


@dataclass
class Row:
    """One line of the table: ours and the peer's figure (a number or why there is none)."""

    key: str
    measure: str
    unit: str
    peer_name: str | None = None
    ours: float | str | None = None
    peer: float | str | None = None
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The row as written to the results file, with the ratio ours ÷ peer."""
        ratio = None
        if isinstance(self.ours, int | float) and isinstance(self.peer, int | float) and self.peer:
            ratio = round(self.ours / self.peer, 3)
        return {**asdict(self), "ratio": ratio, "notes": "; ".join(self.notes)}


@dataclass(frozen=True)
class Step:
    """A measurement: its rows (key, measure, unit, peer) and the phase it runs in."""

    name: str
    rows: tuple[tuple[str, str, str, str | None], ...]
    help: str


STEPS: dict[str, Step] = {s.name: s for s in (
    Step("cold-start", (("cold-start", "cold start, in memory, until /health 200", "s", "pyoxigraph load in a subprocess"),),
         "policykg serve (in memory) until GET /health is 200; peer: a Python process loading the quads into pyoxigraph"),
    Step("health", (("health-p50", "GET /health p50", "ms", None), ("health-p99", "GET /health p99", "ms", None)),
         "sequential GET /health"),
    Step("sparql-throughput", (("sparql-throughput", "/sparql throughput, 32 clients, lineage query", "req/s",
                                "oxigraph serve --union-default-graph"),),
         "closed-loop clients sending the lineage query (bench/sparql_endpoint.py) to ours and to Oxigraph's server"),
    Step("responsible-throughput", (("responsible-throughput", "/api/responsible throughput, 32 clients", "req/s", None),
                                    ("responsible-p50", "/api/responsible p50 under that load", "ms", None),
                                    ("responsible-p99", "/api/responsible p99 under that load", "ms", None)),
         "closed-loop clients asking /api/responsible questions built from the generated labels"),
    Step("memory", (("memory-pss", "memory, in-memory store, server + workers, peak PSS", "MB", "oxigraph serve PSS"),
                    ("memory-rss-sum", "memory, same, peak of the sum of RSS", "MB", "oxigraph serve RSS")),
         "sampled each second over the in-memory server's process tree while the other steps run"),
    Step("export-province", (("export-province", "/api/export of one province (GraphML), p50", "s", None),),
         "GET /api/export?format=graphml&province=… for three provinces"),
    Step("export-whole", (("export-whole", "/api/export of the whole graph (GraphML)", "s", None),),
         "GET /api/export?format=graphml"),
    Step("update", (("update", "one-triple INSERT DATA via /sparql, end to end", "ms", "oxigraph serve /update"),
                    ("responsible-after-update", "first /api/responsible after that update", "ms", None),
                    ("search-sees-update", "until /api/responsible finds the inserted label", "s", None),
                    ("lineage-sees-update", "until /api/lineage shows an inserted pol:basedOn", "s", None)),
         "POST /sparql INSERT DATA with the update token, then the first search, then polling"),
    Step("quality", (("quality-first", "first GET /api/quality", "s", None),), "GET /api/quality once"),
    Step("first-load", (("first-load", "first load into an on-disk store, until /health 200", "s", "oxigraph load"),),
         "policykg serve --store EMPTY until /health is 200; peer: oxigraph load --location"),
    Step("restart", (("restart", "restart on that on-disk store, until /health 200", "s", "oxigraph serve answering"),),
         "policykg serve --store LOADED until /health is 200; peer: oxigraph serve until a query answers"),
    Step("update-disk", (("update-disk", "one-triple INSERT DATA on the on-disk store", "ms", "oxigraph serve /update"),),
         "the update step's insert, on the restarted on-disk server"),
    Step("memory-disk", (("memory-disk-load", "memory, on-disk store, first load, peak PSS", "MB", "oxigraph load PSS"),
                         ("memory-disk-serve", "memory, on-disk store after restart, server + workers under 32 clients, peak PSS",
                          "MB", "oxigraph serve PSS"),
                         ("sparql-throughput-disk", "/sparql throughput on the on-disk store, 32 clients, lineage query",
                          "req/s", "oxigraph serve --union-default-graph")),
         "sampled each second over the on-disk server's process tree during its first load, then after a restart "
         "while 32 clients send the lineage query (the size to measure where an in-memory store would not fit)"),
    Step("validate", (("validate", "policykg validate (all shapes and violation queries)", "s", None),
                      ("validate-peak", "policykg validate peak memory (max RSS)", "MB", None)),
         "policykg validate --format json, timed, its findings compared with the planted defects"),
    Step("incremental-validation", (("incremental-validation", "incremental validation of one new document", "s", None),),
         "if the CLI offers it (see INCREMENTAL_VALIDATORS); else 'not available'"),
)}
IN_MEMORY = ("cold-start", "health", "sparql-throughput", "responsible-throughput", "memory", "export-province",
             "export-whole", "update", "quality")
PEER_SERVER = ("first-load", "restart", "sparql-throughput", "memory", "update", "update-disk", "memory-disk")
ON_DISK = ("first-load", "restart", "update-disk", "memory-disk")


class StepTimeout(Exception):
    """A step outlasted its budget."""


# ---------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Data:
    """The generated project, the peers' N-Quads file and what was generated."""

    data_dir: Path
    peer_file: Path
    meta: dict[str, Any]


def prepare_data(work: Path, quads: int, seed: int) -> Data:
    """Generate the project for ``quads`` (or reuse the cached one): data/ + national.nq, and peer.nq."""
    home = work / f"national-q{quads}-s{seed}-v{national.GENERATOR_VERSION}"
    meta_file = home / "meta.json"
    if meta_file.exists():
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        return Data(home / "data", home / "peer.nq", meta | {"cached": True})
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    started = time.perf_counter()
    documents = national.documents_for(quads, seed)
    planted: Counter[str] = Counter()
    generated = national.project_data(home / "data", 0, seed, documents=documents, complete=True, planted=planted)
    settings = Settings(root=ROOT, data_dir=home / "data", store=None)
    files = PolicyStore.project_files(settings)

    def every_quad() -> Iterator[ox.Quad]:
        # Each file's triples in the graph ours puts them in, so a union default graph is the same data.
        for path in files:
            graph = ox.NamedNode(PolicyStore.graph_for_file(path, settings.ontology_dir))
            fmt = {".ttl": ox.RdfFormat.TURTLE, ".trig": ox.RdfFormat.TRIG, ".nq": ox.RdfFormat.N_QUADS}[path.suffix]
            for quad in ox.parse(path=str(path), format=fmt):
                default = isinstance(quad.graph_name, ox.DefaultGraph)
                yield ox.Quad(quad.subject, quad.predicate, quad.object, graph) if default else quad

    peer_quads = 0

    def counted() -> Iterator[ox.Quad]:
        nonlocal peer_quads
        for quad in every_quad():
            peer_quads += 1
            yield quad

    ox.serialize(counted(), output=str(home / "peer.nq"), format=ox.RdfFormat.N_QUADS)
    expected: Counter[str] = Counter()
    for kind, count in planted.items():
        for rule, per_defect in national.DEFECTS[kind].items():
            expected[rule] += count * per_defect
    meta = {
        "quads_target": quads,
        "generated_quads": generated,
        "input_quads": peer_quads,
        "documents_per_province": documents,
        "provinces": len(national.PROVINCES),
        "seed": seed,
        "generator_version": national.GENERATOR_VERSION,
        "planted_defects": dict(sorted(planted.items())),
        "expected_violations_by_rule": dict(sorted(expected.items())),
        "files": len(files),
        "generation_s": round(time.perf_counter() - started, 1),
    }
    meta_file.write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    return Data(home / "data", home / "peer.nq", meta | {"cached": False})


# ---------------------------------------------------------------------------- load


@dataclass(frozen=True)
class LoadResult:
    """What a closed-loop run did."""

    requests: int
    errors: Counter[str]
    per_second: float
    p50_ms: float | None
    p99_ms: float | None


async def _closed_loop(
    url: str, requests: list[tuple[str, dict[str, str], dict[str, str]]], clients: int, warmup: float, duration: float,
    timeout: float,
) -> LoadResult:
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    record_from = time.monotonic() + warmup
    deadline = record_from + duration
    counted = 0

    async def client(index: int) -> None:
        nonlocal counted
        rng = random.Random(index)
        transport = httpx.AsyncHTTPTransport(local_address=f"127.0.0.{FIRST_HOST + index}")
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        async with httpx.AsyncClient(base_url=url, transport=transport, timeout=timeout, limits=limits) as http:
            while time.monotonic() < deadline:
                path, params, headers = rng.choice(requests)
                started = time.perf_counter()
                recording = time.monotonic() >= record_from
                try:
                    response = await http.get(path, params=params, headers=headers)
                    status = str(response.status_code) if response.status_code >= 300 else None
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                if recording:
                    counted += 1
                    if status:
                        errors[status] += 1
                    else:
                        latencies.append((time.perf_counter() - started) * 1000)

    await asyncio.gather(*(client(i) for i in range(clients)))
    elapsed = time.monotonic() - record_from
    return LoadResult(counted, errors, len(latencies) / elapsed, percentile(latencies, 0.5), percentile(latencies, 0.99))


def closed_loop(
    url: str, requests: list[tuple[str, dict[str, str], dict[str, str]]], clients: int, warmup: float, duration: float,
    timeout: float,
) -> LoadResult:
    """``clients`` closed loops (send, read the whole answer, send again) for ``warmup`` + ``duration`` s;
    the rate counts 2xx answers of the ``duration`` only."""
    return asyncio.run(_closed_loop(url, requests, clients, warmup, duration, timeout))


# ---------------------------------------------------------------------------- memory


class MemorySampler:
    """Samples PSS and the sum of RSS over a process tree each second; keeps the peaks (KiB)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_pss = self.peak_rss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(1.0)

    def sample(self) -> None:
        """One reading, folded into the peaks."""
        pss, rss = tree_memory_kib(self.pid)
        self.peak_pss, self.peak_rss = max(self.peak_pss, pss), max(self.peak_rss, rss)

    def close(self) -> None:
        """Stop sampling."""
        self._stop.set()
        self._thread.join(timeout=5)


# ---------------------------------------------------------------------------- the run


class Bench:
    """One run: the rows, the data, the options, and the servers it starts."""

    def __init__(self, args: argparse.Namespace, data: Data, run_dir: Path) -> None:
        self.args = args
        self.data = data
        self.run_dir = run_dir
        self.selected = [s for s in STEPS if s in args.only and s not in args.skip]
        self.rows: dict[str, Row] = {}
        for name in self.selected:
            for key, measure, unit, peer in STEPS[name].rows:
                self.rows[key] = Row(key, measure, unit, peer)
        self.binary = oxigraph_binary()
        self.lifetime = 4 * 3600
        self.rng = random.Random(args.seed)
        self.facts: dict[str, Any] = {}

    # -- helpers -----------------------------------------------------------

    def timeout(self, step: str) -> float:
        """The budget of ``step`` in seconds."""
        return float(self.args.step_timeout.get(step, self.args.timeout))

    def wants(self, *steps: str) -> bool:
        """True when any of ``steps`` is selected."""
        return any(s in self.selected for s in steps)

    @contextlib.contextmanager
    def step(self, name: str, side: str = "ours") -> Iterator[None]:
        """Run a step's part (``ours`` or ``peer``); a timeout or failure is written into its rows, never raised."""
        if name not in self.selected:
            raise RuntimeError(f"step {name} is not selected")
        limit = self.timeout(name)
        started = time.perf_counter()
        print(f"  {name} ({side}) …", flush=True)
        try:
            yield
        except (StepTimeout, TimeoutError, httpx.TimeoutException):
            self._mark(name, side, f"timeout after {limit:.0f} s")
        except (RuntimeError, OSError, httpx.HTTPError, subprocess.SubprocessError, ValueError, KeyError) as exc:
            self._mark(name, side, f"error: {type(exc).__name__}: {str(exc)[:300]}")
        print(f"  {name} ({side}) done in {time.perf_counter() - started:.1f} s", flush=True)

    def _mark(self, name: str, side: str, text: str) -> None:
        for key, *_ in STEPS[name].rows:
            row = self.rows[key]
            if side == "ours" and row.ours is None:
                row.ours = text
            if side == "peer" and row.peer_name and row.peer is None:
                row.peer = text

    def our_env(self, **extra: str) -> dict[str, str]:
        """Our server's environment: the shipped settings but the data directory and the update token."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYKG_")}
        env |= {"POLICYKG_ROOT": str(ROOT), "POLICYKG_DATA_DIR": str(self.data.data_dir),
                "POLICYKG_UPDATE_TOKEN": UPDATE_TOKEN, "PYTHONPATH": str(ROOT), **extra}
        return env

    def start_ours(self, store: Path | None, log: str) -> tuple[subprocess.Popen[bytes], str]:
        """``policykg serve`` (in memory, or on ``store``) on a free port; its process and base URL."""
        port = free_port()
        command = [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
        if store is not None:
            command += ["--store", str(store)]
        process = start(command, env=self.our_env(), log=self.run_dir / log, lifetime=self.lifetime)
        return process, f"http://127.0.0.1:{port}"

    def answers(self, process: subprocess.Popen[bytes], url: str, step: str, depending: tuple[str, ...]) -> bool:
        """Wait until GET /health is 200, the row of ``step`` timing it (when selected); if it never
        is, say why in that row and in the rows of the ``depending`` steps, and return False."""
        limit = self.timeout(step)
        try:
            with httpx.Client(timeout=10) as http:
                seconds = wait_until(lambda: http.get(url + "/health").status_code == 200, process, limit)
        except (TimeoutError, RuntimeError) as exc:
            if step in self.selected:
                self._mark(step, "ours", f"timeout after {limit:.0f} s" if isinstance(exc, TimeoutError) else f"error: {exc}")
            self.fail_rest(depending, f"the server did not answer /health ({exc})")
            return False
        if step in self.selected:
            self.rows[STEPS[step].rows[0][0]].ours = round(seconds, 2)
        return True

    # -- in memory ----------------------------------------------------------

    def in_memory(self) -> None:
        """Cold start (and its peer), then every step on the in-memory server."""
        if "cold-start" in self.selected:
            with self.step("cold-start", "peer"):
                self.rows["cold-start"].peer = self.pyoxigraph_load()
        process, url = self.start_ours(None, "ours-memory.log")
        sampler: MemorySampler | None = None
        try:
            if not self.answers(process, url, "cold-start", IN_MEMORY):
                return
            sampler = MemorySampler(server_pid(process))
            self.describe_served(url)
            measures: list[tuple[str, Callable[[str], None]]] = [
                ("health", self.health), ("sparql-throughput", self.sparql_throughput_ours),
                ("responsible-throughput", self.responsible_throughput), ("export-province", self.export_province),
                ("export-whole", self.export_whole), ("update", self.update),
            ]
            for name, measure in measures:
                if name in self.selected:
                    with self.step(name):
                        measure(url)
            if "memory" in self.selected:
                sampler.sample()
                self.rows["memory-pss"].ours = round(sampler.peak_pss / 1024)
                self.rows["memory-rss-sum"].ours = round(sampler.peak_rss / 1024)
                self.rows["memory-pss"].notes.append(
                    "peak over the in-memory server's run up to here (the steps above), sampled each second")
            # Last: at scale it may not answer, and leave the server busy.
            if "quality" in self.selected:
                with self.step("quality"):
                    self.quality(url)
        finally:
            if sampler is not None:
                sampler.close()
            stop(process)

    def fail_rest(self, steps: tuple[str, ...], why: str) -> None:
        """Mark the unmeasured rows of ``steps`` with ``why``."""
        for name in steps:
            if name in self.selected:
                self._mark(name, "ours", f"error: {why}")

    def pyoxigraph_load(self) -> float:
        """Seconds a fresh Python process takes to load the peers' quads into an in-memory pyoxigraph store."""
        code = (
            "import pyoxigraph as ox, sys\n"
            "s = ox.Store()\n"
            f"s.bulk_load(path={str(self.data.peer_file)!r}, format=ox.RdfFormat.N_QUADS)\n"
            "pss = sum(int(l.split()[1]) for l in open('/proc/self/smaps_rollup') if l.startswith('Pss:'))\n"
            "print(len(s), pss)\n"
        )
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                              timeout=self.timeout("cold-start"))
        seconds = time.perf_counter() - started
        quads, pss = (int(x) for x in done.stdout.split())
        self.rows["cold-start"].notes.append(
            f"peer loads the {quads:,} input quads (the union and the derived graph are ours to build); "
            f"pyoxigraph's PSS then {pss // 1024} MB")
        return round(seconds, 2)

    def describe_served(self, url: str) -> None:
        """Record what the server serves (its /health body) for the results."""
        with contextlib.suppress(httpx.HTTPError, ValueError):
            self.facts["health"] = httpx.get(url + "/health", timeout=60).json()

    def health(self, url: str) -> None:
        times = []
        limit = time.monotonic() + self.timeout("health")
        with httpx.Client(base_url=url, timeout=self.timeout("health")) as http:
            for _ in range(self.args.requests):
                if time.monotonic() > limit:
                    raise StepTimeout
                started = time.perf_counter()
                http.get("/health").raise_for_status()
                times.append((time.perf_counter() - started) * 1000)
        self.rows["health-p50"].ours = round(statistics.median(times), 2)
        self.rows["health-p99"].ours = round(percentile(times, 0.99) or 0, 2)
        self.rows["health-p50"].notes.append(f"{len(times)} sequential requests")

    def sparql_throughput_ours(self, url: str) -> None:
        self.rows["sparql-throughput"].ours = self.sparql_throughput(url + "/sparql", "sparql-throughput")

    def sparql_throughput(self, query_url: str, step: str) -> float:
        """Requests a second the lineage query gets from 32 closed-loop clients at ``query_url``."""
        base, _, path = query_url.rpartition("/")
        request = ("/" + path, {"query": QUERIES["lineage"]}, {"Accept": JSON_RESULTS})
        with httpx.Client(timeout=self.timeout(step)) as http:
            first = http.get(query_url, params=request[1], headers=request[2])
            first.raise_for_status()
            rows = len(first.json()["results"]["bindings"])
        result = self.load(base, [request], step)
        row = "sparql-throughput" if step == "sparql-throughput" else "sparql-throughput-disk"
        self.rows[row].notes.append(
            f"{'ours' if path == 'sparql' else 'peer'}: {rows:,} rows, p50 {result.p50_ms:.0f} ms, "
            f"p99 {result.p99_ms:.0f} ms, {sum(result.errors.values())} errors {dict(result.errors)}"
            if result.p50_ms is not None else f"no answer: {dict(result.errors)}")
        return round(result.per_second, 1)

    def load(self, base: str, requests: list[tuple[str, dict[str, str], dict[str, str]]], step: str) -> LoadResult:
        """A closed-loop run of the configured clients and duration, bounded by the step's budget."""
        total = self.args.warmup + self.args.duration
        if total > self.timeout(step):
            raise StepTimeout
        result = closed_loop(base, requests, self.args.clients, self.args.warmup, self.args.duration,
                             timeout=max(1.0, self.timeout(step) - total))
        if result.requests and result.p50_ms is None:
            raise RuntimeError(f"every request failed: {dict(result.errors)}")
        return result

    def responsible_throughput(self, url: str) -> None:
        asked = questions(self.rng, 200)
        result = self.load(url, [("/api/responsible", {"q": q}, {}) for q in asked], "responsible-throughput")
        self.rows["responsible-throughput"].ours = round(result.per_second, 1)
        self.rows["responsible-p50"].ours = round(result.p50_ms or 0, 1)
        self.rows["responsible-p99"].ours = round(result.p99_ms or 0, 1)
        self.rows["responsible-throughput"].notes.append(
            f"{self.args.clients} clients x {self.args.duration:.0f} s after {self.args.warmup:.0f} s warm-up; "
            f"{result.requests} requests, errors {dict(result.errors)}")

    def export_province(self, url: str) -> None:
        times, sizes = [], []
        with httpx.Client(base_url=url, timeout=self.timeout("export-province")) as http:
            for key in ("ha-noi", "hue", "lai-chau"):
                started = time.perf_counter()
                response = http.get("/api/export", params={"format": "graphml", "province": AREA + key})
                response.raise_for_status()
                times.append(time.perf_counter() - started)
                sizes.append(len(response.content))
        self.rows["export-province"].ours = round(statistics.median(times), 2)
        self.rows["export-province"].notes.append(
            f"three provinces (each exported once): {', '.join(f'{t:.2f}' for t in times)} s, "
            f"{statistics.median(sizes) / 1e6:.1f} MB each")

    def export_whole(self, url: str) -> None:
        started = time.perf_counter()
        response = httpx.get(url + "/api/export", params={"format": "graphml"}, timeout=self.timeout("export-whole"))
        response.raise_for_status()
        self.rows["export-whole"].ours = round(time.perf_counter() - started, 2)
        self.rows["export-whole"].notes.append(f"{len(response.content) / 1e6:.1f} MB")

    def quality(self, url: str) -> None:
        started = time.perf_counter()
        response = httpx.get(url + "/api/quality", timeout=self.timeout("quality"))
        response.raise_for_status()
        self.rows["quality-first"].ours = round(time.perf_counter() - started, 2)
        self.rows["quality-first"].notes.append(f"{len(response.content) / 1e6:.2f} MB answer")

    # -- updates ------------------------------------------------------------

    def pick(self, url: str) -> dict[str, str]:
        """An existing task, a letter of Hà Nội and a plan of An Giang (not in its lineage), from the server."""
        if "picked" in self.facts:
            return dict(self.facts["picked"])
        query = f"""PREFIX pol: <{POL}>
SELECT ?task ?letter ?plan WHERE {{
  {{ SELECT ?task WHERE {{ ?task a pol:Task }} ORDER BY ?task LIMIT 1 }}
  {{ SELECT ?letter WHERE {{ ?letter a pol:OfficialLetter ; pol:jurisdiction <{AREA}ha-noi> }} ORDER BY ?letter LIMIT 1 }}
  {{ SELECT ?plan WHERE {{ ?plan a pol:Plan ; pol:jurisdiction <{AREA}an-giang> }} ORDER BY ?plan LIMIT 1 }}
}}"""
        answer = httpx.get(url + "/sparql", params={"query": query}, headers={"Accept": JSON_RESULTS}, timeout=300)
        answer.raise_for_status()
        row = answer.json()["results"]["bindings"][0]
        picked = {k: row[k]["value"] for k in ("task", "letter", "plan")}
        self.facts["picked"] = picked
        return dict(picked)

    @staticmethod
    def insert(subject: str, predicate: str, obj: str) -> str:
        """A one-triple INSERT DATA into the benchmark's named graph."""
        return f"INSERT DATA {{ GRAPH <{BENCH_GRAPH}> {{ <{subject}> <{predicate}> {obj} }} }}"

    def post_update(self, http: httpx.Client, url: str, text: str, *, ours: bool) -> float:
        """Milliseconds of one update, ours through /sparql with the token, Oxigraph's through /update."""
        headers = {"Content-Type": "application/sparql-update"}
        if ours:
            headers["Authorization"] = f"Bearer {UPDATE_TOKEN}"
        started = time.perf_counter()
        response = http.post(url, content=text.encode(), headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code >= 300:
            raise RuntimeError(f"update answered {response.status_code}: {response.text[:200]}")
        return elapsed

    def repeated_updates(self, http: httpx.Client, url: str, subject: str, first: float | None = None) -> tuple[float, str]:
        """The median of five one-triple updates (``first`` counts as one), and a note with their spread."""
        times = [] if first is None else [first]
        times += [self.post_update(http, url + "/sparql", self.insert(subject, POL + "note", f'"{MARKER} {i}"'), ours=True)
                  for i in range(5 - len(times))]
        spread = ", ".join(f"{t:.0f}" for t in times)
        return round(statistics.median(times), 1), f"median of five updates in a row ({spread} ms)"

    def update(self, url: str) -> None:
        picked = self.pick(url)
        label = self.insert(picked["task"], "http://www.w3.org/2000/01/rdf-schema#label", f'"khảo sát {MARKER}"@vi')
        link = self.insert(picked["letter"], POL + "basedOn", f"<{picked['plan']}>")
        limit = self.timeout("update")
        with httpx.Client(base_url=url, timeout=limit) as http:
            started = time.perf_counter()
            first = self.post_update(http, url + "/sparql", label, ours=True)
            t0 = time.perf_counter()
            http.get("/api/responsible", params={"q": questions(self.rng, 1)[0]}).raise_for_status()
            self.rows["responsible-after-update"].ours = round((time.perf_counter() - t0) * 1000, 1)
            seen = wait_until(lambda: picked["task"] in http.get("/api/responsible", params={"q": MARKER}).text,
                              None, limit)
            self.rows["search-sees-update"].ours = round(time.perf_counter() - started, 2)
            self.rows["search-sees-update"].notes.append(f"from the update's start; polled for {seen:.2f} s after it")
            self.rows["update"].ours, spread = self.repeated_updates(http, url, picked["task"], first)
            started = time.perf_counter()
            self.post_update(http, url + "/sparql", link, ours=True)
            wait_until(lambda: picked["plan"] in http.get("/api/lineage", params={"document": picked["letter"]}).text,
                       None, limit)
            self.rows["lineage-sees-update"].ours = round(time.perf_counter() - started, 2)
            self.rows["lineage-sees-update"].notes.append("a second one-triple update (pol:basedOn), from its start")
        self.rows["update"].notes.append(
            f"ours: {spread} on the in-memory server (POLICYKG_UPDATE_TOKEN set, the only non-default setting)")

    # -- peers --------------------------------------------------------------

    def peers(self) -> None:
        """oxigraph load (first-load peer), oxigraph serve (restart peer), then the peer sides on that server."""
        if self.binary is None:
            for name in PEER_SERVER:
                if name in self.selected:
                    self._mark(name, "peer", "not available: no oxigraph binary (pip install oxigraph)")
            return
        location = self.run_dir / "oxigraph-store"
        limit = self.timeout("first-load")
        started = time.perf_counter()
        loader = subprocess.Popen([self.binary, "load", "--location", str(location), "--file", str(self.data.peer_file)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        load_sampler = MemorySampler(loader.pid)
        try:
            _, errors = loader.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            loader.kill()
            loader.communicate()
            self.fail_peers(f"timeout after {limit:.0f} s")
            return
        finally:
            load_sampler.close()
        if loader.returncode != 0:
            self.fail_peers(f"error: oxigraph load exited with {loader.returncode}: {errors.decode(errors='replace')[-300:]}")
            return
        if "memory-disk" in self.selected:
            self.rows["memory-disk-load"].peer = round(load_sampler.peak_pss / 1024)
        if "first-load" in self.selected:
            self.rows["first-load"].peer = round(time.perf_counter() - started, 2)
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYKG_")}
        command = [self.binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}",
                   "--union-default-graph"]
        process = start(command, env=env, log=self.run_dir / "oxigraph.log", lifetime=self.lifetime)
        base = f"http://127.0.0.1:{port}"
        sampler: MemorySampler | None = None
        try:
            with httpx.Client(timeout=10) as http:
                ask = {"query": "ASK {}"}
                seconds = wait_until(lambda: http.get(base + "/query", params=ask).status_code == 200, process,
                                     self.timeout("restart"))
            if "restart" in self.selected:
                self.rows["restart"].peer = round(seconds, 3)
            sampler = MemorySampler(server_pid(process))
            if "sparql-throughput" in self.selected:
                with self.step("sparql-throughput", "peer"):
                    self.rows["sparql-throughput"].peer = self.sparql_throughput(base + "/query", "sparql-throughput")
            if self.wants("update", "update-disk"):
                with self.step("update" if "update" in self.selected else "update-disk", "peer"):
                    self.peer_update(base)
            if "memory" in self.selected:
                sampler.sample()
                self.rows["memory-pss"].peer = round(sampler.peak_pss / 1024)
                self.rows["memory-rss-sum"].peer = round(sampler.peak_rss / 1024)
            if "memory-disk" in self.selected:
                with self.step("memory-disk", "peer"):
                    self.rows["sparql-throughput-disk"].peer = self.sparql_throughput(base + "/query", "memory-disk")
                    sampler.sample()
                    self.rows["memory-disk-serve"].peer = round(sampler.peak_pss / 1024)
        except (TimeoutError, RuntimeError) as exc:
            self.fail_peers(f"error: oxigraph serve did not answer ({exc})")
        finally:
            if sampler is not None:
                sampler.close()
            stop(process)

    def fail_peers(self, why: str) -> None:
        """Mark every unmeasured peer figure that needs the Oxigraph server."""
        for name in PEER_SERVER:
            if name in self.selected:
                self._mark(name, "peer", why)

    def peer_update(self, base: str) -> None:
        """The same kind of one-triple INSERT DATA through Oxigraph's /update: the median of five."""
        subject = "https://w3id.org/policykg/id/bench-scale/peer"
        with httpx.Client(timeout=60) as http:
            times = [
                self.post_update(http, base + "/update", self.insert(f"{subject}/{i}", POL + "note", f'"{i}"'), ours=False)
                for i in range(5)
            ]
        for key in ("update", "update-disk"):
            if key in self.rows:
                self.rows[key].peer = round(statistics.median(times), 2)
        if "update" in self.rows:
            self.rows["update"].notes.append("peer: median of five updates on oxigraph serve --location")

    # -- on disk --------------------------------------------------------------

    def on_disk(self) -> None:
        """First load into an empty on-disk store, restart on it, one update on it."""
        store = self.run_dir / "ours-store"
        process, url = self.start_ours(store, "ours-disk-first.log")
        sampler = MemorySampler(process.pid)
        try:
            if not self.answers(process, url, "first-load", ON_DISK):
                return
        finally:
            sampler.close()
            stop(process)
        if "memory-disk" in self.selected:
            self.rows["memory-disk-load"].ours = round(sampler.peak_pss / 1024)
            self.rows["memory-disk-load"].notes.append("peak over the first load until /health 200")
        if not self.wants("restart", "update-disk", "memory-disk"):
            return
        process, url = self.start_ours(store, "ours-disk-restart.log")
        sampler = MemorySampler(process.pid)
        try:
            if not self.answers(process, url, "restart", ("restart", "update-disk", "memory-disk")):
                return
            if "update-disk" in self.selected:
                with self.step("update-disk"):
                    picked = self.pick(url)
                    with httpx.Client(timeout=self.timeout("update-disk")) as http:
                        self.rows["update-disk"].ours, spread = self.repeated_updates(http, url, picked["task"])
                    self.rows["update-disk"].notes.append(f"ours: {spread}")
            if "memory-disk" in self.selected:
                with self.step("memory-disk"):
                    self.rows["sparql-throughput-disk"].ours = self.sparql_throughput(url + "/sparql", "memory-disk")
                    sampler.sample()
                    self.rows["memory-disk-serve"].ours = round(sampler.peak_pss / 1024)
                    self.rows["memory-disk-serve"].notes.append(
                        "peak from the restart through the update and 32 clients of the lineage query")
        finally:
            sampler.close()
            stop(process)

    # -- the CLI --------------------------------------------------------------

    def validate(self) -> None:
        """``policykg validate --format json``: time, peak memory, findings against the planted defects."""
        out = self.run_dir / "validate.json"
        limit = self.timeout("validate")
        command = [sys.executable, "-m", "app.cli", "validate", "--format", "json"]
        with out.open("wb") as stdout:
            process = subprocess.Popen(command, env=self.our_env(), cwd=ROOT, stdout=stdout,
                                       stderr=subprocess.DEVNULL, start_new_session=True)
        started = time.perf_counter()
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - started > limit:
                stop(process)
                raise StepTimeout
            time.sleep(0.1)
        seconds = time.perf_counter() - started
        code = os.waitstatus_to_exitcode(status)
        process.returncode = code
        if code not in (0, 1):
            raise RuntimeError(f"policykg validate exited with {code}")
        report = json.loads(out.read_text(encoding="utf-8"))
        self.rows["validate"].ours = round(seconds, 1)
        self.rows["validate-peak"].ours = round(usage.ru_maxrss / 1024)
        found = {rule: n for rule, n in report["rules"].items()
                 if any(f["rule"] == rule and f["severity"] == "Violation" for f in report["findings"])}
        expected = self.data.meta["expected_violations_by_rule"]
        self.facts["validation"] = {"counts": report["counts"], "violations_by_rule": found, "expected": expected}
        verdict = "match the planted defects" if found == expected else f"differ from the planted {expected}"
        self.rows["validate"].notes.append(f"violations by rule {found} {verdict}; counts {report['counts']}")

    def incremental_validation(self) -> None:
        """The first of INCREMENTAL_VALIDATORS that the installed CLI offers, else 'not available'."""
        for offered, run in INCREMENTAL_VALIDATORS:
            if offered(self):
                self.rows["incremental-validation"].ours = round(run(self), 3)
                return
        self.rows["incremental-validation"].ours = "not available: the CLI and API offer no incremental validation yet"

    # -- the whole run --------------------------------------------------------

    def run(self) -> None:
        """Every selected step, phase by phase; one server at a time (the machine may have 2 cores)."""
        if self.wants(*IN_MEMORY):
            print("in memory:", flush=True)
            self.in_memory()
        if self.wants(*PEER_SERVER):
            print("peers (oxigraph load / serve):", flush=True)
            self.peers()
        if self.wants(*ON_DISK):
            print("on disk:", flush=True)
            self.on_disk()
        if "validate" in self.selected:
            with self.step("validate"):
                self.validate()
        if "incremental-validation" in self.selected:
            with self.step("incremental-validation"):
                self.incremental_validation()


def _validate_help_mentions(option: str) -> Callable[[Bench], bool]:
    def offered(bench: Bench) -> bool:
        done = subprocess.run([sys.executable, "-m", "app.cli", "validate", "--help"], check=False,
                              env=bench.our_env(), cwd=ROOT,
                              capture_output=True, text=True, timeout=60)
        return option in done.stdout

    return offered


def _validate_one_document(bench: Bench) -> float:
    """``policykg validate --document FILE`` on one new plan (5 task groups of 6 tasks): seconds."""
    from bench.quality import new_plan_file

    plan = new_plan_file(Path(tempfile.mkdtemp(prefix="policykg-bench-plan-")) / "new-plan.ttl")
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "app.cli", "validate", "--document", str(plan), "--format", "json"],
                          check=False, env=bench.our_env(), cwd=ROOT, capture_output=True,
                          timeout=bench.timeout("incremental-validation"))
    if done.returncode not in (0, 1):
        raise RuntimeError(f"policykg validate --document exited with {done.returncode}: {done.stderr[-300:]!r}")
    return time.perf_counter() - started


#: (is it offered by the installed CLI?, measure it in seconds): the first offered one is measured.
#: Add an entry when an incremental validation lands (another engineer is building it).
INCREMENTAL_VALIDATORS: list[tuple[Callable[[Bench], bool], Callable[[Bench], float]]] = [
    (_validate_help_mentions("--document"), _validate_one_document),
]


# ---------------------------------------------------------------------------- output


def _cell(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.3f}" if value < 10 else f"{value:,.1f}"
    return str(value)


def render(rows: list[dict[str, Any]]) -> str:
    """The rows as a table."""
    lines = [f"{'measure':<58} {'ours':>22} {'peer':>22} {'ours÷peer':>10}  unit   notes"]
    for r in rows:
        ratio = f"{r['ratio']:.2f}×" if r["ratio"] is not None else ""
        lines.append(f"{r['measure'][:58]:<58} {_cell(r['ours'])[:22]:>22} {_cell(r['peer'])[:22]:>22} {ratio:>10}  "
                     f"{r['unit']:<6} {r['notes']}")
    return "\n".join(lines)


def _quads(text: str) -> int:
    value = int(float(text))
    if not 1_000 <= value <= 100_000_000:
        raise argparse.ArgumentTypeError("--quads takes a count such as 1e5 … 1e7")
    return value


def _steps(text: str) -> list[str]:
    names = [s.strip() for s in text.split(",") if s.strip()]
    unknown = [n for n in names if n not in STEPS]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown step(s) {', '.join(unknown)}; steps: {', '.join(STEPS)}")
    return names


def _budgets(text: str) -> dict[str, float]:
    budgets = {}
    for part in text.split(","):
        name, _, seconds = part.partition("=")
        if name.strip() not in STEPS or not seconds:
            raise argparse.ArgumentTypeError(f"expected STEP=SECONDS with a step of {', '.join(STEPS)}")
        budgets[name.strip()] = float(seconds)
    return budgets


def parse(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    steps = "\n".join(f"  {s.name:<24} {s.help}" for s in STEPS.values())
    parser = argparse.ArgumentParser(prog="python -m bench scale", description=__doc__ + "\nsteps:\n" + steps,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quads", type=_quads, required=True, help="about this many generated quads (1e5 … 1e7)")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "policykg-bench",
                        help="cache of generated data and scratch stores (default /tmp/policykg-bench)")
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "results", help="where the JSON goes")
    parser.add_argument("--only", type=_steps, default=list(STEPS), help="comma-separated steps to run (default all)")
    parser.add_argument("--skip", type=_steps, default=[], help="comma-separated steps to leave out")
    parser.add_argument("--timeout", type=float, default=600, help="seconds each step may take (default 600)")
    parser.add_argument("--step-timeout", type=_budgets, default={}, help="per-step budgets, e.g. quality=180,validate=900")
    parser.add_argument("--clients", type=int, default=32, help="clients of the throughput steps (default 32)")
    parser.add_argument("--duration", type=float, default=30, help="seconds of each throughput run (default 30)")
    parser.add_argument("--warmup", type=float, default=5, help="seconds of load before counting (default 5)")
    parser.add_argument("--requests", type=int, default=200, help="sequential GET /health requests (default 200)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the run's stores and logs under --work")
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= 253:
        parser.error("--clients must be between 1 and 253 (one loopback address each)")
    return args


def main(argv: list[str] | None = None) -> None:
    """Generate or reuse the data, run the selected steps, write the JSON, print the table."""
    args = parse(argv)
    started_at = datetime.now(UTC)
    # Read before the run: the commit measured, and the machine's load (other work shows there).
    described = machine()
    args.work.mkdir(parents=True, exist_ok=True)
    print(f"data for {args.quads:,} quads under {args.work} …", flush=True)
    data = prepare_data(args.work, args.quads, args.seed)
    print(f"  {data.meta['generated_quads']:,} generated quads, {data.meta['input_quads']:,} input quads in all "
          f"({'cached' if data.meta['cached'] else 'generated'}); planted {data.meta['planted_defects']}", flush=True)
    run_dir = Path(tempfile.mkdtemp(prefix="run-", dir=args.work))
    bench = Bench(args, data, run_dir)
    try:
        bench.run()
    finally:
        if not args.keep:
            shutil.rmtree(run_dir, ignore_errors=True)
    rows = [row.as_json() for row in bench.rows.values()]
    result = {
        "benchmark": "scale",
        "started": started_at.isoformat(timespec="seconds"),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python -m bench scale " + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": described | {"load_average_at_end": machine()["load_average"]},
        "data": {k: v for k, v in data.meta.items() if k != "cached"},
        "served": bench.facts.get("health"),
        "validation": bench.facts.get("validation"),
        "steps": bench.selected,
        "settings": {"clients": args.clients, "duration_s": args.duration, "warmup_s": args.warmup,
                     "health_requests": args.requests, "timeout_s": args.timeout, "step_timeouts_s": args.step_timeout,
                     "ours": "shipped defaults but POLICYKG_UPDATE_TOKEN and POLICYKG_DATA_DIR"},
        "rows": rows,
    }
    args.results.mkdir(parents=True, exist_ok=True)
    out = args.results / f"scale-{args.quads:.0e}-{started_at.strftime('%Y%m%dT%H%M%SZ')}.json".replace("+0", "")
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print()
    print(render(rows))
    print(f"\nwrote {out}")
