"""A real Oxigraph SPARQL server (the ``oxigraph`` PyPI package's binary) on a free loopback port.

The remote-backend tests run the same API tests against it. Off CI a missing binary skips them
with a message; on CI (env CI set) it is an error. The server is killed when the test ends, and
also if pytest itself dies (PR_SET_PDEATHSIG), so it never outlives the run.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.live import free_port, stop_process

_PR_SET_PDEATHSIG = 1


def oxigraph_binary() -> str | None:
    """The oxigraph server binary: next to this Python's scripts, else on PATH."""
    beside = Path(sysconfig.get_path("scripts")) / "oxigraph"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("oxigraph")


def require_oxigraph() -> str:
    """The binary, or skip (locally) / fail (on CI) with a message saying how to get it."""
    binary = oxigraph_binary()
    if binary is None:
        message = "remote-backend tests need the oxigraph server binary (pip install oxigraph)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return binary


def die_with_parent() -> None:
    """Have the kernel kill this (forked) process when its parent, pytest, dies."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


@contextmanager
def oxigraph_server(location: Path) -> Iterator[str]:
    """Serve an Oxigraph store in ``location``; yield its base URL (``/query``, ``/update``, ``/store``)."""
    binary = require_oxigraph()
    port = free_port()
    process = subprocess.Popen(
        [binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=die_with_parent,  # noqa: PLW1509 - no threads start between fork and exec here
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                error = process.stderr.read().decode(errors="replace") if process.stderr else ""
                raise RuntimeError(f"oxigraph serve exited with {process.returncode}: {error}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("oxigraph serve did not start listening within 30 s") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_process(process, 10)
        if process.stderr:
            process.stderr.close()
