"""A real Virtuoso (Debian's ``virtuoso-opensource``) on free loopback ports, in a temporary directory.

The remote-backend tests run against it as they do against the Oxigraph server. Off CI a missing
``virtuoso-t`` skips them with a message naming the package; on CI (env CI set) it is an error.
The database is created fresh from a generated ini (HTTP and ISQL bound to 127.0.0.1), the
anonymous SPARQL user is granted SPARQL_UPDATE through ``isql-vt`` (as the README tells an
operator to), and the server is stopped when the context ends, or killed if pytest dies.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.support.live import free_port, stop_process
from tests.support.oxigraph_server import die_with_parent

PACKAGE = "virtuoso-opensource"

_INI = """\
[Database]
DatabaseFile       = {dir}/virtuoso.db
ErrorLogFile       = {dir}/virtuoso.log
LockFile           = {dir}/virtuoso.lck
TransactionFile    = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile    = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
Striping        = 0

[Parameters]
ServerPort         = 127.0.0.1:{isql_port}
DisableUnixSocket  = 1
CheckpointInterval = 60
CaseMode           = 2
DirsAllowed        = .
NumberOfBuffers    = 10000
MaxDirtyBuffers    = 6000
ThreadsPerQuery    = 2

[HTTPServer]
ServerPort       = 127.0.0.1:{http_port}
ServerRoot       = {dir}
ServerThreads    = 10
MaxKeepAlives    = 10
KeepAliveTimeout = 10
Charset          = UTF-8

[SPARQL]
; policykg reads whole graphs with one SELECT and bounds answers itself: no silent cut here.
ResultSetMaxRows      = 1000000
MaxQueryExecutionTime = 60
"""


def virtuoso_binaries() -> tuple[str, str] | None:
    """``virtuoso-t`` and Debian's ``isql-vt`` on PATH, or None."""
    server, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt") or shutil.which("isql")
    return (server, isql) if server and isql else None


def require_virtuoso() -> tuple[str, str]:
    """The binaries, or skip (locally) / fail (on CI) with a message naming the package."""
    found = virtuoso_binaries()
    if found is None:
        message = f"Virtuoso-backed tests need virtuoso-t and isql-vt (apt-get install {PACKAGE})"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def _wait_until_serving(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"virtuoso-t exited with {process.returncode}: {tail}")
        try:
            if httpx.post(url, data={"query": "ASK {}"}, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("virtuoso-t did not serve /sparql within 60 s")
        time.sleep(0.2)


@contextmanager
def virtuoso_server(location: Path) -> Iterator[str]:
    """Run a fresh Virtuoso database in ``location``; yield its SPARQL endpoint URL (``…/sparql``)."""
    server, isql = require_virtuoso()
    location.mkdir(parents=True, exist_ok=True)
    isql_port, http_port = free_port(), free_port()
    ini = location / "virtuoso.ini"
    ini.write_text(_INI.format(dir=location, isql_port=isql_port, http_port=http_port))
    process = subprocess.Popen(
        [server, "+foreground", "+configfile", str(ini)],
        cwd=location,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=die_with_parent,  # noqa: PLW1509 - no threads start between fork and exec here
    )
    url = f"http://127.0.0.1:{http_port}/sparql"
    try:
        _wait_until_serving(process, url, location / "virtuoso.log")
        # A new database's DBA password is "dba"; the anonymous endpoint user may then write.
        subprocess.run(
            [isql, f"127.0.0.1:{isql_port}", "dba", "dba", 'exec=GRANT SPARQL_UPDATE TO "SPARQL";'],
            check=True, capture_output=True, timeout=30,
        )
        yield url
    finally:
        stop_process(process, 20)
