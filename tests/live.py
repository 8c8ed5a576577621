"""A real uvicorn server on a free loopback port, for tests that need HTTP over a socket."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import httpx
import uvicorn
from fastapi import FastAPI

from app.api.server import server_config
from app.config import Settings
from tests.project import ROOT


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(app: FastAPI, port: int | None = None) -> Iterator[str]:
    """Run ``app`` with uvicorn in a thread; yield its base URL; stop it afterwards."""
    port = port or free_port()
    # The server as `policykg serve` builds it (h11, the connection limits), so live tests see the shipped one.
    settings = getattr(app.state, "settings", None) or Settings()
    config = server_config(app, settings, "127.0.0.1", port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate ``process``; kill it if it has not gone within 15 s."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def policykg_serve(env: dict[str, str], code: str | None = None) -> Iterator[int]:
    """Run ``policykg serve`` in a process with ``env`` as its only POLICYKG_* settings; yield its port.

    ``code``, Python source with a ``{port}`` field, runs instead of the command (another server).
    """
    port = free_port()
    environ = {key: value for key, value in os.environ.items() if not key.startswith("POLICYKG_")} | env
    command = ["-c", code.format(port=port)] if code else ["-m", "app.cli", "serve", "--port", str(port)]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen([sys.executable, *command], env=environ, cwd=ROOT,
                                   stdout=subprocess.DEVNULL, stderr=log)
        try:
            deadline = time.monotonic() + 120
            while True:
                with suppress(httpx.HTTPError):
                    if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                        break
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError(f"the server did not start: {log.read().decode(errors='replace')[-2000:]}")
                time.sleep(0.1)
            yield port
        finally:
            stop(process)
