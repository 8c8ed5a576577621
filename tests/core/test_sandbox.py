"""app.core.sandbox: a process that denied itself the network opens no internet socket; a memory cap holds."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable

from app.core import sandbox
from tests.support.live import recorder


def in_child(body: Callable[[], int]) -> int:
    """Run ``body`` in a forked child (the filter cannot be lifted, so never in the test process); its exit code."""
    pid = os.fork()
    if pid == 0:
        code = 99
        try:
            code = body()
        finally:
            os._exit(code)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


def test_after_deny_network_no_internet_socket_opens_but_local_pipes_do() -> None:
    with recorder() as (url, hits):
        port = int(url.rsplit(":", 1)[1])

        def body() -> int:
            sandbox.deny_network()
            for family in (socket.AF_INET, socket.AF_INET6):
                try:
                    socket.socket(family, socket.SOCK_STREAM).close()
                    return 1
                except PermissionError:
                    pass
            left, right = socket.socketpair()  # AF_UNIX: the workers' pipes
            left.send(b"x")
            return 0 if right.recv(1) == b"x" and sandbox.network_denied() else 2

        assert in_child(body) == 0

        def control() -> int:  # the same connection without the filter does reach the recorder
            with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
                conn.sendall(b"GET /control HTTP/1.0\r\n\r\n")
                conn.recv(1)
            return 0

        assert in_child(control) == 0
        assert hits == ["/control"]
    assert not sandbox.network_denied()  # the test process itself is untouched


def test_limit_memory_caps_what_the_process_allocates_from_now_on() -> None:
    def body() -> int:
        small = bytearray(64 * 1_048_576)  # mapped before the cap: not counted
        sandbox.limit_memory(100 * 1_048_576)
        try:
            bytearray(50 * 1_048_576)
        except MemoryError:
            return 1
        try:
            bytearray(300 * 1_048_576)
        except MemoryError:
            return 0 if len(small) else 3
        return 2

    assert in_child(body) == 0
