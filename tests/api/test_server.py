"""`policykg serve` over real sockets: the connection-level limits of app.api.server.

Each test starts the shipped command on a free loopback port, over the fixture project. Two of
the limits are lowered through the environment, as a deployment would, so that a test does not
wait the shipped 10 s / 15 s: the time to send request headers (POLICYKG_HTTP_HEADER_TIMEOUT) and a
body (POLICYKG_HTTP_BODY_TIMEOUT); the connection caps (POLICYKG_HTTP_MAX_CONNECTIONS and
POLICYKG_HTTP_MAX_CLIENT_CONNECTIONS) are lowered so a test reaches them with a few sockets. The
header size limit is the shipped one.
"""

from __future__ import annotations

import socket
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

from tests.support import live
from tests.support.project import PROJECT

HEADER_TIMEOUT = 1.0
BODY_TIMEOUT = 1.0
MAX_CONNECTIONS = 4
MAX_CLIENT_CONNECTIONS = 2
# How long a test waits for the server before calling it stuck: well past every lowered limit.
PATIENCE = 15.0
HEALTH = b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n"


@contextmanager
def policykg_serve(**env: str) -> Iterator[int]:
    """``policykg serve`` over the fixture project, with ``env`` added to its settings; yield its port."""
    with tempfile.TemporaryDirectory() as scratch, live.serve_process(
        env={"POLICYKG_ROOT": str(PROJECT), **env}, log=Path(scratch) / "serve.log"
    ) as server:
        yield int(server.url.rsplit(":", 1)[1])


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
    fields = dict(line.split(b":", 1) for line in head.lower().split(b"\r\n")[1:])
    length = int(fields[b"content-length"])
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


def test_a_body_dripped_after_the_answer_is_not_waited_for(timed_port: int) -> None:
    # /health reads no body; the client keeps sending one byte at a time of a 1 MB body it announced.
    with connect(timed_port) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000000\r\n\r\nxx")
        assert status_of(read_response(sock)) == 200
        sock.settimeout(0.2)
        deadline = time.monotonic() + PATIENCE
        closed = False
        while not closed and time.monotonic() < deadline:
            try:
                sock.sendall(b"x")
                closed = sock.recv(1) == b""
            except TimeoutError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                closed = True
    assert closed, "the server kept reading a dripped body"


def test_a_kept_alive_connection_still_answers_within_the_limits(timed_port: int) -> None:
    with connect(timed_port) as sock:
        for _ in range(3):
            sock.sendall(HEALTH)
            assert status_of(read_response(sock)) == 200


@pytest.fixture(scope="module")
def capped_port() -> Iterator[int]:
    """A server that takes 4 connections, 2 from any one address (lowered: see the module docstring)."""
    with policykg_serve(POLICYKG_HTTP_MAX_CONNECTIONS=str(MAX_CONNECTIONS),
                        POLICYKG_HTTP_MAX_CLIENT_CONNECTIONS=str(MAX_CLIENT_CONNECTIONS)) as port:
        yield port


def connect_from(source: str, port: int) -> socket.socket:
    """A connection from another loopback address (all of 127/8 is this machine): another client."""
    return socket.create_connection(("127.0.0.1", port), timeout=PATIENCE, source_address=(source, 0))


@contextmanager
def held_open(port: int, sources: list[str]) -> Iterator[None]:
    """Connections that each got one answer and stay open (kept alive, the shipped 5 s) until the block ends."""
    held = [connect_from(source, port) for source in sources]
    try:
        for sock in held:
            sock.sendall(HEALTH)
            assert status_of(read_response(sock)) == 200
        yield
    finally:
        for sock in held:
            sock.close()


def refusal(sock: socket.socket) -> bytes:
    with sock:
        sock.sendall(HEALTH)
        answer = read_until_closed(sock)
    assert status_of(answer) == 503 and b"retry-after: " in answer.lower()
    return answer


def answers_again(port: int, source: str) -> None:
    """The server takes a new connection from ``source`` again (it may take a moment to see others go)."""
    deadline = time.monotonic() + PATIENCE
    while True:
        with connect_from(source, port) as sock:
            sock.sendall(HEALTH)
            if status_of(read_response(sock)) == 200:
                return
        assert time.monotonic() < deadline, "the server kept refusing after the held connections closed"
        time.sleep(0.1)


def test_connections_past_the_cap_get_503_and_the_server_recovers(capped_port: int) -> None:
    with held_open(capped_port, ["127.0.0.1", "127.0.0.1", "127.0.0.2", "127.0.0.2"]):
        assert b"limit of 4 connections" in refusal(connect_from("127.0.0.3", capped_port))
    answers_again(capped_port, "127.0.0.3")


def test_one_client_cannot_hold_every_connection(capped_port: int) -> None:
    with held_open(capped_port, ["127.0.0.1", "127.0.0.1"]):
        assert b"this client holds its limit of 2" in refusal(connect_from("127.0.0.1", capped_port))
        with connect_from("127.0.0.2", capped_port) as other:  # another client is still served
            other.sendall(HEALTH)
            assert status_of(read_response(other)) == 200
    answers_again(capped_port, "127.0.0.1")
