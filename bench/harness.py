"""What the benchmarks share: percentiles, memory of a process tree, the machine's description,
processes that stop by themselves, waiting for a server to answer.

Imported by the scripts of bench/ (``from harness import …``, bench/ on the path) and by the
package (``from bench.harness import …``).
"""

from __future__ import annotations

import contextlib
import os
import platform
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q`` quantile (nearest rank) of ``values``; None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (those alive now)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(child) for child in (task / "children").read_text().split()]
    return found


def tree_memory_kib(pid: int) -> tuple[int, int]:
    """PSS and RSS (KiB, from /proc/PID/smaps_rollup) summed over ``pid`` and its descendants.

    PSS shares each page among the processes that map it, so the sum is what the tree costs;
    the sum of RSS counts a page shared by a server and its forked workers once per process.
    """
    pss = rss = 0
    for member in process_tree(pid):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{member}/smaps_rollup").read_text().splitlines():
                key, _, rest = line.partition(":")
                if key == "Pss":
                    pss += int(rest.split()[0])
                elif key == "Rss":
                    rss += int(rest.split()[0])
    return pss, rss


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def machine() -> dict[str, object]:
    """What the numbers were measured on: CPU, cores, memory, OS, Python, engine versions, commit."""
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor() or None,
    )
    memory_kib = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal:")
    )
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True, timeout=10
        ).stdout.strip()
        dirty = bool(subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True, text=True,
            check=True, timeout=10,
        ).stdout.strip())
    except (OSError, subprocess.SubprocessError):
        commit, dirty = None, None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(memory_kib / 1024 / 1024, 1),
        "os": f"{platform.system()} {platform.release()} ({platform.freedesktop_os_release().get('PRETTY_NAME', '?')})",
        "python": sys.version.split()[0],
        "pyoxigraph": _version("pyoxigraph"),
        "oxigraph": _version("oxigraph"),
        "policykg": _version("policykg"),
        "git_commit": commit,
        "git_dirty": dirty,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def start(command: Sequence[str], *, env: dict[str, str], log: Path, lifetime: float) -> subprocess.Popen[bytes]:
    """Start ``command`` in its own process group under timeout(1), so it never outlives ``lifetime`` s."""
    with log.open("ab") as out:
        return subprocess.Popen(
            ["timeout", "--signal=TERM", "--kill-after=10", str(int(lifetime)), *command],
            env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the process group of ``process``: TERM, then KILL whatever is left.

    A server busy with a long request finishes it before honouring TERM, so the KILL is not optional.
    """
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
    process.wait()


def server_pid(process: subprocess.Popen[bytes]) -> int:
    """The server under a process started by ``start``: timeout(1)'s only child."""
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
    return int(children[0]) if children else process.pid


def wait_until(ready: Callable[[], bool], process: subprocess.Popen[bytes] | None, timeout: float) -> float:
    """Seconds until ``ready()`` is true; TimeoutError past ``timeout``, RuntimeError if ``process`` exits."""
    started = time.perf_counter()
    while True:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the process exited with {process.returncode} before it answered")
        with contextlib.suppress(httpx.TransportError):
            if ready():
                return time.perf_counter() - started
        if time.perf_counter() - started > timeout:
            raise TimeoutError(f"no answer within {timeout:.0f} s")
        time.sleep(0.05)
