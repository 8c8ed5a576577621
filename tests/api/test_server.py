"""`policykg serve` over real sockets: the connection-level limits of app.api.server.

Each test starts the shipped command on a free loopback port, over the fixture project. Two of
the limits are lowered through the environment, as a deployment would, so that a test does not
wait the shipped 10 s / 15 s: the time to send request headers (POLICYKG_HTTP_HEADER_TIMEOUT) and a
body (POLICYKG_HTTP_BODY_TIMEOUT); the connection cap (POLICYKG_HTTP_MAX_CONNECTIONS) is lowered so
a test can reach it. The header size limit is the shipped one.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import httpx
import pytest

from tests.live import free_port
from tests.project import PROJECT

HEADER_TIMEOUT = 1.0
BODY_TIMEOUT = 1.0
MAX_CONNECTIONS = 4
# How long a test waits for the server before calling it stuck: well past every lowered limit.
PATIENCE = 15.0
HEALTH = b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n"


@contextmanager
def policykg_serve(**env: str) -> Iterator[int]:
    """Run ``policykg serve`` with ``env`` added to the POLICYKG_* settings; yield its port."""
    port = free_port()
    environ = {key: value for key, value in os.environ.items() if not key.startswith("POLICYKG_")}
    environ.update({"POLICYKG_ROOT": str(PROJECT), **env})
    command = [sys.executable, "-c", "from app.cli import main; main()", "serve", "--port", str(port)]
    process = subprocess.Popen(command, env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            with suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"policykg serve did not start: {process.stderr.read() if process.stderr else ''}")
            time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def timed_port() -> Iterator[int]:
    """A server whose header and body timeouts are lowered (see the module docstring)."""
    with policykg_serve(POLICYKG_HTTP_HEADER_TIMEOUT=str(HEADER_TIMEOUT),
                        POLICYKG_HTTP_BODY_TIMEOUT=str(BODY_TIMEOUT)) as port:
        yield port


def connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=PATIENCE)
    return sock


def read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes; a reset counts as closed. Times out if it never does."""
    received = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return received
        if not chunk:
            return received
        received += chunk


def read_response(sock: socket.socket) -> bytes:
    """One whole response (head and Content-Length body) from a connection that stays open."""
    received = b""
    while b"\r\n\r\n" not in received:
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection"
        received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    length = next(int(line.split(b":")[1]) for line in head.lower().split(b"\r\n") if line.startswith(b"content-length:"))
    while len(body) < length:
        body += sock.recv(65536)
    return head + b"\r\n\r\n" + body


def status_of(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])


def test_an_oversized_request_head_is_refused(timed_port: int) -> None:
    # 1 MB of headers against the shipped limit of 64 KiB.
    with connect(timed_port) as sock:
        head = b"GET /health HTTP/1.1\r\nHost: localhost\r\n"
        filler = b"".join(b"X-Filler-%d: %s\r\n" % (n, b"a" * 1000) for n in range(1000))
        with suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(head + filler + b"\r\n")
        answer = read_until_closed(sock)
    assert answer == b"" or status_of(answer) == 431
    assert b"limit of 65536 bytes" in answer or answer == b""


def test_a_connection_that_sends_half_its_headers_is_closed(timed_port: int) -> None:
    with connect(timed_port) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
        answer = read_until_closed(sock)  # socket.timeout (a failure) if the server holds it
    assert status_of(answer) == 408 and b"did not arrive within 1 s" in answer


def test_a_connection_that_sends_nothing_is_closed(timed_port: int) -> None:
    with connect(timed_port) as sock:
        assert read_until_closed(sock) == b""


def test_a_stalled_body_gets_408(timed_port: int) -> None:
    with connect(timed_port) as sock:
        sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/sparql-query\r\n"
                     b"Content-Length: 100\r\n\r\nSELECT * ")
        answer = read_until_closed(sock)
    assert status_of(answer) == 408
    assert b"request body did not arrive within 1 s" in answer


def test_a_kept_alive_connection_still_answers_within_the_limits(timed_port: int) -> None:
    with connect(timed_port) as sock:
        for _ in range(3):
            sock.sendall(HEALTH)
            assert status_of(read_response(sock)) == 200


def test_connections_past_the_cap_get_503_and_the_server_recovers() -> None:
    with policykg_serve(POLICYKG_HTTP_MAX_CONNECTIONS=str(MAX_CONNECTIONS)) as port:
        held = [connect(port) for _ in range(MAX_CONNECTIONS)]
        try:
            for sock in held:  # each kept alive after one answer (the shipped 5 s keep-alive)
                sock.sendall(HEALTH)
                assert status_of(read_response(sock)) == 200
            with connect(port) as extra:
                extra.sendall(HEALTH)
                refused = read_until_closed(extra)
            assert status_of(refused) == 503
            assert b"retry-after: " in refused.lower() and b"connections" in refused
        finally:
            for sock in held:
                sock.close()
        # Once they are gone the server takes new clients again (it may take a moment to see them go).
        deadline = time.monotonic() + PATIENCE
        while True:
            with connect(port) as sock:
                sock.sendall(HEALTH)
                if status_of(read_response(sock)) == 200:
                    break
            assert time.monotonic() < deadline, "the server kept refusing after the held connections closed"
            time.sleep(0.1)
