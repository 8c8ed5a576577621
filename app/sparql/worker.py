"""Run SPARQL queries in worker processes that can be killed at a deadline.

Neither pyoxigraph nor rdflib can interrupt a running query from Python, so a CPU-bound query
would hold its thread until it ends. Each query of the public endpoint runs instead in a forked
process holding the store: an in-memory store is shared copy-on-write by ``fork``; an on-disk
store is opened read-only in the worker; a remote engine gets its own HTTP connections. At the
deadline the parent kills the worker (SIGKILL) and answers with ``QueryTimeout``; a fresh worker is
forked for the next query. The worker also arms ``SIGALRM`` with its default action (terminate) a
little after the deadline, so it dies even if the parent has gone.

A worker also limits itself before it takes a job (``app.sandbox``): it cannot open an internet
socket (unless the pool is told the engine or an allow-listed remote needs the network), and it
may map at most ``memory_limit`` bytes more than when it started. Its standard error goes to a
file the parent reads when the worker dies, so a crash is reported for what it was: out of
memory, a stack overflow, or another signal (``WorkerCrashed``, ``QueryOutOfMemory``).

Workers see the data as it was when they were forked, so ``recycle()`` replaces them after an
update, and ``paused()`` keeps forks from happening while the parent writes the store.
``run_async`` lets the HTTP API wait for a free worker's answer on its event loop rather than
in a thread: the thread hand-off was a fifth of the fixed cost of a small query.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import queue
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import IO, Generic, TypeVar

from app.core import sandbox
from app.core.errors import (
    PolicyKGError,
    QueryError,
    QueryOutOfMemory,
    QueryTimeout,
    ServiceBusy,
    StoreError,
    WorkerCrashed,
)
from app.sparql.engine import Backend

_log = logging.getLogger(__name__)

__all__ = ["WorkerPool"]

Job = TypeVar("Job")
Result = TypeVar("Result")

# Seconds past the deadline after which a worker's own alarm kills it (the parent normally has).
_GRACE = 5.0
_CONTEXT = multiprocessing.get_context("fork")


@dataclass(frozen=True, slots=True)
class Limits:
    """What a worker denies itself: the network, and memory past ``memory_bytes`` (None: no cap)."""

    deny_network: bool = True
    memory_bytes: int | None = None


def _serve(
    conn: Connection,
    parent_pid: int,
    make_backend: Callable[[], Backend],
    handler: Callable[[Backend, Job], Result],
    limits: Limits,
    stderr_fd: int,
) -> None:
    """The worker's loop: open the backend, say ready, then answer jobs until the parent goes."""
    # The parent's handlers (uvicorn's) would make SIGTERM a no-op here; Ctrl-C is the parent's to handle.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    # Rust writes why it aborts (allocation failure, stack overflow) to fd 2: the parent reads it.
    # Without a backtrace the reason is its first line and the worker dies at once.
    os.dup2(stderr_fd, 2)
    os.environ["RUST_BACKTRACE"] = "0"
    # Drop every descriptor inherited from the parent but our pipe (and stdio): a copy held here
    # would keep the parent's pipes open after it closes them (another worker's pipe would never
    # see EOF; a browser driver waiting for EOF on its stdin would never exit).
    keep = conn.fileno()
    os.closerange(3, keep)
    os.closerange(keep + 1, os.sysconf("SC_OPEN_MAX"))
    try:
        if limits.deny_network:
            sandbox.deny_network()
        backend = make_backend()
        # Touch the store now: a lock inherited from a thread that was writing when we forked
        # shows up here, within the start timeout, instead of under a user's query.
        backend.is_empty()
        if limits.memory_bytes is not None:
            sandbox.limit_memory(limits.memory_bytes)
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which raises it
        conn.send(("failed", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", os.getpid()))
    while True:
        try:
            while not conn.poll(1.0):
                if os.getppid() != parent_pid:
                    return  # the parent died without closing our pipe
            job, budget = conn.recv()
        except (EOFError, OSError):
            return  # the parent closed the pipe
        signal.setitimer(signal.ITIMER_REAL, budget + _GRACE)
        try:
            reply: tuple[str, object] = ("ok", handler(backend, job))
        except PolicyKGError as exc:
            reply = ("error", exc)
        except MemoryError:
            reply = ("error", QueryOutOfMemory(_OUT_OF_MEMORY.format(limit=_megabytes(limits.memory_bytes))))
        except Exception as exc:  # noqa: BLE001 - any failure becomes one clear error for the client
            reply = ("error", QueryError(f"internal error in the query worker ({type(exc).__name__}): {exc}"))
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        try:
            conn.send(reply)
        except Exception as exc:  # noqa: BLE001 - e.g. an exception that does not pickle
            conn.send(("error", QueryError(f"the query worker could not send its answer: {exc}")))


_OUT_OF_MEMORY = (
    "the query needed more memory than a query worker may use ({limit}, POLICYKG_WORKER_MEMORY_MB) "
    "and was stopped; the worker has been replaced"
)


def _megabytes(limit: int | None) -> str:
    return "no limit" if limit is None else f"{limit // 1_048_576} MB"


@dataclass(eq=False, slots=True)
class _Worker:
    process: multiprocessing.process.BaseProcess
    conn: Connection
    generation: int
    pid: int
    stderr: IO[bytes]


class WorkerPool(Generic[Job, Result]):
    """Up to ``size`` forked processes, each running ``handler(backend, job)`` one job at a time."""

    def __init__(
        self,
        make_backend: Callable[[], Backend],
        handler: Callable[[Backend, Job], Result],
        size: int,
        *,
        limits: Limits | None = None,
        start_timeout: float = 10.0,
        prepare: Callable[[int], None] | None = None,
    ) -> None:
        self._limits = limits or Limits()
        self._prepare = prepare  # called with the generation before each fork (in this process)
        self._make_backend = make_backend
        self._handler = handler
        self._size = size
        self._start_timeout = start_timeout
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._live: set[_Worker] = set()
        self._slots = 0  # live workers plus those being forked
        self._lock = threading.Lock()
        self._fork_lock = threading.Lock()
        self._generation = 0
        self._closed = False
        self._warming = 0  # spare workers being forked in the background (``prespawn``)
        self._reaping: set[threading.Thread] = set()  # discarded workers being reaped

    # ------------------------------------------------------------------ lifecycle

    def _spawn(self) -> _Worker:
        """Fork a worker and wait for it to say it is ready."""
        stderr = tempfile.TemporaryFile(prefix="policykg-worker-")  # noqa: SIM115 - lives as long as the worker; closed in _stop
        with self._fork_lock:
            # The generation of the data the child will see: read at the fork, not once it is ready,
            # or a write between the two would label a worker holding the old data as current.
            generation = self._generation
            if self._prepare is not None:
                try:
                    self._prepare(generation)
                except BaseException:
                    stderr.close()
                    raise
            parent, child = _CONTEXT.Pipe()
            process = _CONTEXT.Process(
                target=_serve,
                args=(child, os.getpid(), self._make_backend, self._handler, self._limits, stderr.fileno()),
                daemon=True,
                name="policykg-query",
            )
            process.start()
        child.close()
        try:
            if not parent.poll(self._start_timeout):
                raise StoreError(f"a query worker did not start within {self._start_timeout:g} s")
            status, info = parent.recv()
        except (EOFError, OSError) as exc:
            self._stop(process, parent, stderr)
            raise StoreError("a query worker exited while starting") from exc
        except StoreError:
            self._stop(process, parent, stderr)
            raise
        if status != "ready":
            self._stop(process, parent, stderr)
            raise StoreError(f"a query worker could not open the store: {info}")
        return _Worker(process, parent, generation, int(info), stderr)

    def _stop(
        self, process: multiprocessing.process.BaseProcess, conn: Connection, stderr: object = None, *, wait: bool = True
    ) -> None:
        if process.is_alive():
            process.kill()

        def reap() -> None:
            process.join(timeout=5)
            conn.close()
            if stderr is not None:
                stderr.close()  # type: ignore[attr-defined]
            with self._lock:
                self._reaping.discard(threading.current_thread())

        if wait:
            reap()
        else:
            # Tearing down a fork of a large store takes tens of milliseconds; the request goes on.
            thread = threading.Thread(target=reap, name="policykg-reap", daemon=True)
            with self._lock:
                self._reaping.add(thread)
            thread.start()

    def _crash(self, worker: _Worker) -> WorkerCrashed:
        """What killed a worker that died mid-job, read from its exit status and standard error."""
        worker.process.join(timeout=5)
        code = worker.process.exitcode
        # The reason is the first line Rust writes; a backtrace may follow it.
        worker.stderr.seek(0)
        head = worker.stderr.read(8192)
        worker.stderr.seek(max(0, worker.stderr.seek(0, os.SEEK_END) - 8192))
        tail = (head + worker.stderr.read()).decode("utf-8", "replace")
        how = signal.Signals(-code).name if code is not None and code < 0 else f"exit code {code}"
        if "memory allocation of" in tail or "MemoryError" in tail:
            return QueryOutOfMemory(_OUT_OF_MEMORY.format(limit=_megabytes(self._limits.memory_bytes)))
        if "overflowed its stack" in tail or how == "SIGSEGV":
            # pyoxigraph's threads have no Rust overflow handler: an overflow is a bare SIGSEGV.
            return WorkerCrashed(
                f"the engine crashed ({how}), most likely its stack overflowed on a too deeply nested query "
                "or too long an expression; the worker has been replaced — simplify the query", signal=how,
            )
        return WorkerCrashed(f"the query worker crashed ({how}) while answering; it has been replaced", signal=how)

    def _discard(self, worker: _Worker) -> None:
        """Kill a worker and forget it (reaped in the background); the next query forks a replacement."""
        with self._lock:
            if worker in self._live:
                self._live.discard(worker)
                self._slots -= 1
        self._stop(worker.process, worker.conn, worker.stderr, wait=False)

    def _idle_worker(self) -> _Worker | None:
        """A started worker of the current generation that is free now, or None."""
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                return None
            if worker.generation == self._generation and worker.process.is_alive():
                return worker
            self._discard(worker)

    def _acquire(self, deadline: float) -> _Worker:
        while True:
            if self._closed:
                raise StoreError("the query service is shutting down")
            worker = self._idle_worker()
            if worker is not None:
                return worker
            with self._lock:
                warming = self._warming > 0
                can_spawn = not warming and self._slots < self._size
                self._slots += can_spawn
            if can_spawn:
                try:
                    worker = self._spawn()
                except BaseException:
                    with self._lock:
                        self._slots -= 1
                    raise
                with self._lock:
                    self._live.add(worker)
                return worker
            remaining = max(0.0, deadline - time.monotonic())
            try:
                # A spare being forked is ready sooner than a second fork would be; if it fails to
                # start, the short wait lets this loop fork its own.
                worker = self._idle.get(timeout=min(0.05, remaining) if warming else remaining)
            except queue.Empty:
                if warming and remaining > 0:
                    continue
                raise ServiceBusy(f"all {self._size} query workers stayed busy; try again in a moment") from None
            # Put back, so the loop checks its generation like any idle worker.
            self._idle.put(worker)

    def _release(self, worker: _Worker) -> None:
        if self._closed or worker.generation != self._generation:
            self._discard(worker)
        else:
            self._idle.put(worker)

    @property
    def generation(self) -> int:
        """How many times the workers were replaced (``recycle``): a worker's answers reflect its generation's data."""
        return self._generation

    def recycle(self, *, wait: bool = False) -> None:
        """Replace every worker, so the next queries see the store as it is now.

        ``wait``: return only once every discarded worker has exited (their pages are free), not
        merely been killed.
        """
        with self._lock:
            self._generation += 1
        while True:
            try:
                self._discard(self._idle.get_nowait())
            except queue.Empty:
                break
        if wait:
            with self._lock:
                reaping = list(self._reaping)
            for thread in reaping:
                thread.join()

    def prespawn(self) -> None:
        """Fork one worker in the background unless one is idle, so the next job after a write finds it ready."""
        with self._lock:
            if self._closed or self._warming or self._slots >= self._size or not self._idle.empty():
                return
            self._slots += 1
            self._warming += 1

        def warm() -> None:
            try:
                worker = self._spawn()
            except Exception as exc:  # noqa: BLE001 - a spare is an optimisation; the next job forks its own
                _log.warning("a spare query worker did not start: %s", exc)
                with self._lock:
                    self._slots -= 1
                    self._warming -= 1
                return
            with self._lock:
                self._live.add(worker)
                self._warming -= 1
            self._release(worker)

        threading.Thread(target=warm, name="policykg-prespawn", daemon=True).start()

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Hold back forks while the caller writes the store (a fork mid-write could copy a held lock)."""
        with self._fork_lock:
            yield

    def close(self) -> None:
        """Kill every worker."""
        self._closed = True
        with self._lock:
            workers = list(self._live)
            self._live.clear()
            self._slots = 0
        for worker in workers:
            self._stop(worker.process, worker.conn, worker.stderr)

    def pids(self) -> list[int]:
        """Process ids of the live workers."""
        with self._lock:
            return sorted(w.pid for w in self._live)

    # ------------------------------------------------------------------ running

    @contextmanager
    def _using(self, worker: _Worker, *, retire: bool = False) -> Iterator[None]:
        """Return the worker to the pool after a complete exchange; otherwise kill it.

        A worker left mid-job (timed out, pipe broken, or the caller cancelled) would hand its
        late answer to the next job, so it never goes back to the pool.
        """
        try:
            yield
        except (EOFError, OSError) as exc:
            crash = self._crash(worker)
            self._discard(worker)
            raise crash from exc
        except BaseException:
            self._discard(worker)
            raise
        if retire:
            self._discard(worker)
        else:
            self._release(worker)

    @staticmethod
    def _send(worker: _Worker, job: Job, deadline: float) -> float:
        remaining = max(0.0, deadline - time.monotonic())
        worker.conn.send((job, remaining))
        return remaining

    @staticmethod
    def _result(reply: tuple[str, object]) -> Result:
        status, payload = reply
        if status == "error":
            raise payload  # type: ignore[misc]  # a PolicyKGError sent by the worker
        return payload  # type: ignore[return-value]

    @staticmethod
    def _timeout(timeout: float) -> QueryTimeout:
        return QueryTimeout(f"the query ran longer than the {timeout:g} s limit and was stopped")

    def run(self, job: Job, timeout: float, *, retire: bool = False) -> Result:
        """Run ``job`` in a worker; kill it and raise QueryTimeout if it is not done in ``timeout`` s.

        ``retire``: the job changes what the worker holds (a trial update), so it serves no other job.
        """
        return self._run_until(job, time.monotonic() + timeout, timeout, retire)

    def _run_until(self, job: Job, deadline: float, timeout: float, retire: bool = False) -> Result:
        worker = self._acquire(deadline)
        with self._using(worker, retire=retire):
            if not worker.conn.poll(self._send(worker, job, deadline)):
                raise self._timeout(timeout)
            reply = worker.conn.recv()
        return self._result(reply)

    async def run_async(self, job: Job, timeout: float) -> Result:
        """``run`` for an event loop: wait for the answer on the loop instead of in a thread.

        Only forking a worker or waiting for a busy one blocks; those go to a thread. Receiving
        reads a reply the worker has finished serialising, so it does not wait on the query.
        """
        deadline = time.monotonic() + timeout
        worker = None if self._closed else self._idle_worker()
        if worker is None:
            # Time spent waiting for a thread counts against the query's budget too.
            return await asyncio.to_thread(self._run_until, job, deadline, timeout)
        loop = asyncio.get_running_loop()
        readable: asyncio.Future[None] = loop.create_future()
        fd = worker.conn.fileno()

        def wake() -> None:
            if not readable.done():
                readable.set_result(None)

        with self._using(worker):
            loop.add_reader(fd, wake)
            # uvloop makes a watched descriptor non-blocking; Connection.recv needs it blocking
            # (a reply longer than the socket buffer arrives in parts).
            os.set_blocking(fd, True)
            try:
                remaining = self._send(worker, job, deadline)
                try:
                    await asyncio.wait_for(readable, remaining)
                except TimeoutError:
                    raise self._timeout(timeout) from None
            finally:
                loop.remove_reader(fd)
            reply = worker.conn.recv()
        return self._result(reply)
