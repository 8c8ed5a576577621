"""app.worker: queries in forked processes that are killed at their deadline and replaced."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator

import pyoxigraph as ox
import pytest

from app.backends import Backend, EmbeddedBackend
from app.errors import QueryError, QuerySyntaxError, QueryTimeout, ServiceBusy
from app.worker import WorkerPool

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


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A killed child stays a zombie until reaped; the pool reaps it with join().
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split()[2] != "Z"


def test_jobs_run_in_another_process(pool: WorkerPool[tuple[str, object], object]) -> None:
    pid = pool.run(("pid", None), timeout=10)
    assert pid != os.getpid() and pool.pids() == [pid]
    assert pool.run(("pid", None), timeout=10) == pid  # the worker is reused


def test_a_runaway_job_is_killed_and_the_worker_replaced(pool: WorkerPool[tuple[str, object], object]) -> None:
    first = pool.run(("pid", None), timeout=10)
    with pytest.raises(QueryTimeout, match="0.5 s"):
        pool.run(("spin", None), timeout=0.5)
    assert not alive(first)
    second = pool.run(("pid", None), timeout=10)
    assert second != first and alive(second)


def test_errors_cross_the_process_boundary(pool: WorkerPool[tuple[str, object], object]) -> None:
    with pytest.raises(QuerySyntaxError):
        pool.run(("syntax", None), timeout=10)
    with pytest.raises(QueryError, match="internal error in the query worker .ValueError.: unexpected job x"):
        pool.run(("other", "x"), timeout=10)
    assert pool.run(("count", None), timeout=10) == 0  # the same worker still answers


def test_a_crashed_worker_is_replaced(pool: WorkerPool[tuple[str, object], object]) -> None:
    first = pool.run(("pid", None), timeout=10)
    with pytest.raises(QueryError, match="died"):
        pool.run(("crash", None), timeout=10)
    assert pool.run(("pid", None), timeout=10) != first


def test_workers_see_writes_after_recycle(pool: WorkerPool[tuple[str, object], object], store: ox.Store) -> None:
    assert pool.run(("count", None), timeout=10) == 0
    with pool.paused():
        store.add(ox.Quad(ox.NamedNode(EX + "s"), ox.NamedNode(EX + "p"), ox.Literal("o")))
    assert pool.run(("count", None), timeout=10) == 0  # forked before the write
    pool.recycle()
    assert pool.run(("count", None), timeout=10) == 1


def test_a_full_pool_answers_busy(store: ox.Store) -> None:
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
            single.run(("pid", None), timeout=0.3)
        spinner.join()
        assert len(outcome) == 1
    finally:
        single.close()


def test_close_kills_the_workers(store: ox.Store) -> None:
    workers: WorkerPool[tuple[str, object], object] = WorkerPool(EmbeddedBackend(store).for_worker, handle, 1)
    pid = workers.run(("pid", None), timeout=10)
    workers.close()
    assert not alive(pid)


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
