"""Limits a process puts on itself: no outbound network, bounded memory.

The SPARQL engine can reach outside the store (``SERVICE`` calls another endpoint, ``LOAD``
fetches a document). ``app.safety`` refuses such queries by reading them, but a limit that holds
whatever a query says is stronger: a process that has called ``deny_network()`` cannot create an
internet socket at all, so no parser differential can make it call out.

``deny_network`` installs a seccomp filter (Linux, x86-64 and aarch64) that makes ``socket()``
fail with EACCES for every address family but ``AF_UNIX`` (the workers' pipes, the event loop's
self-pipe) and refuses ``io_uring_setup`` (io_uring can create sockets without ``socket()``).
Sockets the process already holds (a server's listening socket) keep working, and the filter is
inherited by every process forked afterwards and cannot be removed. No privilege is needed:
``PR_SET_NO_NEW_PRIVS`` is set first, as the kernel requires for an unprivileged filter.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import resource
import struct

__all__ = ["NetworkSandboxError", "deny_network", "limit_memory", "network_denied"]

_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2
_SECCOMP_RET_ALLOW = 0x7FFF0000
_SECCOMP_RET_ERRNO = 0x00050000
_AF_UNIX = 1
# (audit arch, socket, io_uring_setup, x32 syscall bit or 0)
_ARCHES = {
    "x86_64": (0xC000003E, 41, 425, 0x40000000),
    "aarch64": (0xC00000B7, 198, 425, 0),
}
# BPF opcodes
_LD_W_ABS = 0x20
_JEQ_K = 0x15
_JGE_K = 0x35
_RET_K = 0x06
# struct seccomp_data: int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6];
_NR, _ARCH, _ARG0_LOW = 0, 4, 16

_denied = False


class NetworkSandboxError(OSError):
    """The network could not be denied on this platform."""


def _filter(arch: int, socket_nr: int, uring_nr: int, x32: int) -> bytes:
    deny = _SECCOMP_RET_ERRNO | errno.EACCES

    def op(code: int, jt: int, jf: int, k: int) -> bytes:
        return struct.pack("HBBI", code, jt, jf, k)

    program = [
        op(_LD_W_ABS, 0, 0, _ARCH),
        op(_JEQ_K, 1, 0, arch),  # another ABI (e.g. 32-bit calls): refuse it outright
        op(_RET_K, 0, 0, deny),
        op(_LD_W_ABS, 0, 0, _NR),
    ]
    if x32:
        program += [op(_JGE_K, 0, 1, x32), op(_RET_K, 0, 0, deny)]
    program += [
        op(_JEQ_K, 0, 1, uring_nr),
        op(_RET_K, 0, 0, deny),
        op(_JEQ_K, 0, 3, socket_nr),
        op(_LD_W_ABS, 0, 0, _ARG0_LOW),
        op(_JEQ_K, 1, 0, _AF_UNIX),
        op(_RET_K, 0, 0, deny),
        op(_RET_K, 0, 0, _SECCOMP_RET_ALLOW),
    ]
    return b"".join(program)


def deny_network() -> None:
    """From now on this process and its children cannot open internet sockets (irreversible).

    Raises NetworkSandboxError where seccomp is unavailable, so a caller that relies on it can refuse
    to start rather than run unprotected.
    """
    global _denied  # noqa: PLW0603 - one flag per process, as irreversible as the filter it records
    if _denied:
        return
    arch = _ARCHES.get(platform.machine())
    if arch is None or not hasattr(os, "fork"):
        raise NetworkSandboxError(f"no seccomp filter for {platform.system()} {platform.machine()}")
    program = _filter(*arch)
    count = len(program) // 8
    buffer = ctypes.create_string_buffer(program, len(program))

    class _Prog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    prog = _Prog(count, ctypes.cast(buffer, ctypes.c_void_p))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong]
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, None, 0, 0) != 0:
        raise NetworkSandboxError(f"prctl(PR_SET_NO_NEW_PRIVS) failed: {os.strerror(ctypes.get_errno())}")
    if libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) != 0:
        raise NetworkSandboxError(f"prctl(PR_SET_SECCOMP) failed: {os.strerror(ctypes.get_errno())}")
    _denied = True


def network_denied() -> bool:
    """True once ``deny_network`` has run in this process (or in the parent it was forked from)."""
    return _denied


def limit_memory(extra_bytes: int) -> None:
    """Let this process map at most ``extra_bytes`` more address space than it has now.

    A forked worker already maps its parent's heap (shared copy-on-write, not new memory), so the
    limit is set relative to the current size: it bounds what a query allocates. Past it, Python
    raises MemoryError and Rust code aborts the process, which its parent reports.
    """
    with open("/proc/self/statm", encoding="ascii") as statm:
        mapped = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    limit = mapped + extra_bytes
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
