"""A few seconds of bench/load.py's load against a live server (the shipped project, as shipped).

No time is asserted: the run must end by itself with every request answered 2xx, on every route,
and each simulated client must reach the server from its own loopback address.
"""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from app.api import create_app
from app.core.config import Settings
from tests.support.live import serve
from tests.support.project import ROOT


def load_module() -> Any:
    spec = importlib.util.spec_from_file_location("bench_load", ROOT / "bench" / "load.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


class RecordClients:
    """ASGI middleware noting the address of every HTTP client."""

    def __init__(self, app: ASGIApp, seen: set[str]) -> None:
        self.app = app
        self.seen = seen

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("client"):
            self.seen.add(scope["client"][0])
        await self.app(scope, receive, send)


def test_short_load_has_no_errors_and_one_address_per_client() -> None:
    bench = load_module()
    app = create_app(Settings(root=ROOT, store=None))
    seen: set[str] = set()
    app.add_middleware(RecordClients, seen=seen)
    clients = 4
    with serve(app) as url:
        report = asyncio.run(bench.run_load(url, clients=clients, duration=3.0, timeout=30.0))
    print(bench.render(report))
    assert report.errors == 0, bench.render(report)
    assert all(route.requests > 0 for route in report.routes), bench.render(report)
    assert {f"127.0.0.{bench.FIRST_HOST + i}" for i in range(clients)} <= seen
