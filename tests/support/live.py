"""A real uvicorn server on a free loopback port, for tests that need HTTP over a socket."""

from __future__ import annotations

import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import httpx
import uvicorn
from fastapi import FastAPI

from app.api.server import server_config
from app.core.config import Settings
from tests.support.project import ROOT


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(app: FastAPI, port: int | None = None, start_timeout: float = 30) -> Iterator[str]:
    """Run ``app`` with uvicorn in a thread; yield its base URL; stop it afterwards.

    ``start_timeout`` bounds the start, loading the store included (raise it for a large graph).
    """
    port = port or free_port()
    # The server as `policykg serve` builds it (h11, the connection limits), so live tests see the shipped one.
    settings = getattr(app.state, "settings", None) or Settings()
    config = server_config(app, settings, "127.0.0.1", port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def stop_process(process: subprocess.Popen[bytes], grace: float) -> None:
    """Terminate ``process``; kill it if it is still there after ``grace`` seconds."""
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass(frozen=True, slots=True)
class ServerProcess:
    """A ``policykg serve`` process: its base URL, its pid and the file its stdout and stderr go to."""

    url: str
    pid: int
    log: Path

    def rss_kib(self) -> int:
        """The server process's resident memory (VmRSS), in KiB."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError(f"no VmRSS for process {self.pid}")


@contextmanager
def serve_process(
    args: Sequence[str] = (),
    *,
    log: Path,
    env: dict[str, str] | None = None,
    lifetime: float = 900,
    code: str | None = None,
    start_timeout: float = 300,
) -> Iterator[ServerProcess]:
    """Run ``policykg serve ARGS`` (the shipped project) on a free port; stop it afterwards.

    The server runs under timeout(1) for at most ``lifetime`` seconds, so it never outlives a
    killed caller; POLICYKG_* variables of the caller's environment are left out unless given.
    ``code``, Python source with a ``{port}`` field, runs instead of the command (a peer server).
    ``start_timeout``: seconds to wait for ``/health`` (a national graph takes minutes on a busy machine).
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("POLICYKG_")} | (env or {})
    command = [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port), *args]
    if code is not None:
        command = [sys.executable, "-c", code.format(port=port)]
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["timeout", str(int(lifetime)), *command], env=environment, cwd=ROOT, stdout=out, stderr=out
        )
    try:
        deadline = time.monotonic() + start_timeout
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"policykg serve did not start: {log.read_text(errors='replace')[-2000:]}")
            try:
                if httpx.get(url + "/health", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        # timeout(1) is the parent: the server is its only child.
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
        yield ServerProcess(url, int(children[0]), log)
    finally:
        stop_process(process, 30)


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Answers any request with an empty SPARQL result and remembers that it was asked."""

    hits: ClassVar[list[str]] = []

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        type(self).hits.append(self.path)
        hit = {"x": {"type": "literal", "value": "hit"}}
        body = json.dumps({"head": {"vars": ["x"]}, "results": {"bindings": [hit]}})
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:
        """Quiet."""


@contextmanager
def recorder() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server that records every request it gets; yields its URL and the record."""
    handler = type("Recorder", (_Recorder,), {"hits": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler.hits
    finally:
        server.shutdown()
        server.server_close()
