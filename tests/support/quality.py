"""Waiting for the quality report that a server computes in the background after it starts."""

from __future__ import annotations

import time

import httpx
from fastapi.testclient import TestClient


def quality_report(client: TestClient, timeout: float = 120.0) -> httpx.Response:
    """GET /api/quality until it is no longer 503 (the report is being computed), or ``timeout``.

    A start does not wait for the first report (at 1 M quads it takes minutes): until it is ready
    the route answers 503 with Retry-After, which is what a client is told to do here.
    """
    deadline = time.monotonic() + timeout
    while True:
        response = client.get("/api/quality")
        if response.status_code != 503 or time.monotonic() > deadline:
            return response
        assert response.headers.get("retry-after"), "a 503 of /api/quality says when to retry"
        time.sleep(0.1)
