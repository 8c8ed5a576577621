"""app.sparql.worker: queries in forked processes that are killed at their deadline and replaced."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterator

import pyoxigraph as ox
import pytest
import uvloop

from app.core.errors import QueryError, QueryOutOfMemory, QuerySyntaxError, QueryTimeout, ServiceBusy, WorkerCrashed
from app.sparql.engine import Backend
from app.sparql.worker import Limits, WorkerPool
from app.store.backends import EmbeddedBackend
from tests.support.live import recorder

EX = "http://example.org/"


def handle(backend: Backend, job: tuple[str, object]) -> object:
    """A worker handler driven by the test: each job names what the worker does."""
    action, argument = job
    if action == "pid":
        return os.getpid()
    if action == "count":
        return len(list(backend.query("SELECT * WHERE { ?s ?p ?o }")))  # type: ignore[arg-type]
    if action == "spin":  # CPU-bound, holds the GIL: only a kill stops it
        while True:
            pass
    if action == "syntax":
        backend.query("SELECT * WHERE {")
    if action == "crash":
        os._exit(3)
    if action == "bytes":  # a reply far larger than a socket buffer: it crosses in many reads
        return b"x" * int(argument)  # type: ignore[call-overload]
    if action == "late":
        time.sleep(float(argument))  # type: ignore[arg-type]
        return "late"
    if action == "connect":  # an HTTP request to the URL given, from inside the worker
        import urllib.request

        try:
            with urllib.request.urlopen(str(argument), timeout=5) as answer:
                return answer.status
        except OSError as exc:
            return f"refused: {exc}"
    if action == "allocate":  # Python memory
        return len(bytearray(int(argument)))  # type: ignore[call-overload]
    if action == "query":  # Rust memory or stack, through the engine
        return len(list(backend.query(str(argument))))  # type: ignore[arg-type]
    raise ValueError(f"unexpected job {argument}")


@pytest.fixture
def store() -> ox.Store:
    return ox.Store()


@pytest.fixture
def pool(store: ox.Store) -> Iterator[WorkerPool[tuple[str, object], object]]:
    backend = EmbeddedBackend(store)
    workers: WorkerPool[tuple[str, object], object] = WorkerPool(backend.for_worker, handle, 2)
    yield workers
    workers.close()


Job = tuple[str, object]
Run = Callable[[WorkerPool[Job, object], Job, float], object]


def _in_loop(start: Callable[..., object]) -> Run:
    def run(pool: WorkerPool[Job, object], job: Job, timeout: float) -> object:
        return start(pool.run_async(job, timeout))

    return run


# The API waits on the event loop (run_async), uvicorn's loop being uvloop when installed;
# the CLI and threads call run. Every behaviour below must hold for each way.
RUNNERS: dict[str, Run] = {
    "thread": lambda pool, job, timeout: pool.run(job, timeout),
    "asyncio": _in_loop(asyncio.run),
    "uvloop": _in_loop(uvloop.run),
}


@pytest.fixture(params=list(RUNNERS))
def run(request: pytest.FixtureRequest) -> Run:
    return RUNNERS[request.param]


def gone(pid: int) -> bool:
    """Whether ``pid`` has died, given up to 5 s (the pool kills at once and reaps in the background)."""
    deadline = time.monotonic() + 5
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    return not alive(pid)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A killed child stays a zombie until reaped; the pool reaps it with join() in a thread.
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split()[2] != "Z"


def test_jobs_run_in_another_process(run: Run, pool: WorkerPool[Job, object]) -> None:
    pid = run(pool, ("pid", None), 10)
    assert pid != os.getpid() and pool.pids() == [pid]
    assert run(pool, ("pid", None), 10) == pid  # the worker is reused


def test_a_runaway_job_is_killed_and_the_worker_replaced(run: Run, pool: WorkerPool[Job, object]) -> None:
    first = run(pool, ("pid", None), 10)
    with pytest.raises(QueryTimeout, match=r"0\.5 s"):
        run(pool, ("spin", None), 0.5)
    assert gone(first)
    second = run(pool, ("pid", None), 10)
    assert second != first and alive(second)


def test_errors_cross_the_process_boundary(run: Run, pool: WorkerPool[Job, object]) -> None:
    with pytest.raises(QuerySyntaxError):
        run(pool, ("syntax", None), 10)
    with pytest.raises(QueryError, match=r"internal error in the query worker \(ValueError\): unexpected job x"):
        run(pool, ("other", "x"), 10)
    assert run(pool, ("count", None), 10) == 0  # the same worker still answers


def test_a_crashed_worker_is_replaced(run: Run, pool: WorkerPool[Job, object]) -> None:
    first = run(pool, ("pid", None), 10)
    with pytest.raises(WorkerCrashed, match=r"crashed \(exit code 3\)"):
        run(pool, ("crash", None), 10)
    assert run(pool, ("pid", None), 10) != first


def test_workers_have_no_network_unless_told(store: ox.Store) -> None:
    backend = EmbeddedBackend(store)
    with recorder() as (url, hits):
        denied: WorkerPool[Job, object] = WorkerPool(backend.for_worker, handle, 1)
        try:
            assert str(denied.run(("connect", url), 10)).startswith("refused: ")
        finally:
            denied.close()
        assert hits == []
        # The control: told the engine needs the network, the same worker reaches the recorder.
        allowed: WorkerPool[Job, object] = WorkerPool(backend.for_worker, handle, 1, limits=Limits(deny_network=False))
        try:
            assert allowed.run(("connect", url), 10) == 200
        finally:
            allowed.close()
        assert hits


def test_memory_past_the_cap_is_a_clear_error_and_a_fresh_worker(run: Run, store: ox.Store) -> None:
    backend = EmbeddedBackend(store)
    capped: WorkerPool[Job, object] = WorkerPool(
        backend.for_worker, handle, 1, limits=Limits(memory_bytes=200 * 1_048_576)
    )
    try:
        assert run(capped, ("allocate", 50 * 1_048_576), 10) == 50 * 1_048_576
        with pytest.raises(QueryOutOfMemory, match="200 MB"):
            run(capped, ("allocate", 400 * 1_048_576), 10)
        first = run(capped, ("pid", None), 10)
        # In Rust, an allocation that fails aborts the worker: still reported as memory, then replaced.
        blowup = 'SELECT * { BIND(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(STR(REPLACE("' + "a" * 1000 + \
            '", "a", "aaaaaaaaaa")), "a", "aaaaaaaaaa"), "a", "aaaaaaaaaa"), "a", "aaaaaaaaaa"), "a", "aaaaaaaaaa"), ' \
            '"a", "aaaaaaaaaa"), "a", "aaaaaaaaaa") AS ?x) }'
        with pytest.raises(QueryOutOfMemory, match="POLICYKG_WORKER_MEMORY_MB"):
            run(capped, ("query", blowup), 30)
        assert gone(first) and run(capped, ("pid", None), 10) != first
    finally:
        capped.close()


def test_a_stack_overflow_in_the_engine_is_named(run: Run, pool: WorkerPool[Job, object]) -> None:
    chain = "SELECT * { ?s ?p ?o FILTER(" + "+".join(["?o"] * 20000) + " > 0) }"
    with pytest.raises(WorkerCrashed, match="stack overflowed"):
        run(pool, ("query", chain), 30)
    assert run(pool, ("count", None), 10) == 0


def test_workers_see_writes_after_recycle(run: Run, pool: WorkerPool[Job, object], store: ox.Store) -> None:
    assert run(pool, ("count", None), 10) == 0
    with pool.paused():
        store.add(ox.Quad(ox.NamedNode(EX + "s"), ox.NamedNode(EX + "p"), ox.Literal("o")))
    assert run(pool, ("count", None), 10) == 0  # forked before the write
    pool.recycle()
    assert run(pool, ("count", None), 10) == 1


def test_a_full_pool_answers_busy(run: Run, store: ox.Store) -> None:
    single: WorkerPool[tuple[str, object], object] = WorkerPool(EmbeddedBackend(store).for_worker, handle, 1)
    outcome: list[BaseException] = []

    def spin() -> None:
        try:
            single.run(("spin", None), timeout=1)
        except QueryTimeout as exc:
            outcome.append(exc)

    try:
        single.run(("pid", None), timeout=10)
        spinner = threading.Thread(target=spin)
        spinner.start()
        time.sleep(0.3)  # the spinner takes the only worker within milliseconds
        with pytest.raises(ServiceBusy, match="busy"):
            run(single, ("pid", None), 0.3)
        spinner.join()
        assert len(outcome) == 1
    finally:
        single.close()


def test_close_kills_the_workers(store: ox.Store) -> None:
    workers: WorkerPool[tuple[str, object], object] = WorkerPool(EmbeddedBackend(store).for_worker, handle, 1)
    pid = workers.run(("pid", None), timeout=10)
    workers.close()
    assert gone(pid)


def test_a_worker_keeps_no_descriptor_of_the_parent(pool: WorkerPool[tuple[str, object], object]) -> None:
    # A copy of a parent's pipe end in a worker would keep that pipe from ever reaching EOF.
    read_end, write_end = os.pipe()
    try:
        pid = pool.run(("pid", None), timeout=10)
        pipe = os.readlink(f"/proc/self/fd/{write_end}")
        held = {os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")}
        assert pipe.startswith("pipe:") and pipe not in held
    finally:
        os.close(read_end)
        os.close(write_end)


@pytest.fixture
def busy_cpus() -> Iterator[None]:
    """Every core kept busy, so a worker is descheduled in the middle of writing, as under load."""
    spinners = [multiprocessing.get_context("fork").Process(target=_spin, daemon=True) for _ in range(os.cpu_count() or 2)]
    for spinner in spinners:
        spinner.start()
    yield
    for spinner in spinners:
        spinner.kill()
        spinner.join()


def _spin() -> None:
    while True:
        pass


def test_a_reply_sent_in_parts_arrives_whole(run: Run, pool: WorkerPool[Job, object], busy_cpus: None) -> None:
    # Past 16 KiB a Connection writes the length header and the body separately, so the reader
    # wakes on the header and may have to wait for the body: on a descriptor the event loop
    # left non-blocking, that wait was an EAGAIN error (seen in the server under load).
    for size in [20_000] * 200 + [3_000_000, 10]:
        assert run(pool, ("bytes", size), 10) == b"x" * size


@pytest.mark.parametrize("start", [asyncio.run, uvloop.run], ids=["asyncio", "uvloop"])
def test_a_cancelled_wait_never_hands_its_late_answer_to_the_next_job(
    start: Callable[..., object], pool: WorkerPool[Job, object]
) -> None:
    async def cancel_then_ask() -> tuple[int, int]:
        first = await pool.run_async(("pid", None), 10)
        waiting = asyncio.create_task(pool.run_async(("late", 0.5), 10))
        await asyncio.sleep(0.1)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        return first, await pool.run_async(("pid", None), 10)  # type: ignore[return-value]

    first, second = start(cancel_then_ask())  # type: ignore[misc]
    assert isinstance(second, int) and second != first and gone(first)
