"""Per-client budgets: a token bucket of requests and one of query seconds (no HTTP here).

A client is whatever key the caller names (the HTTP layer uses the peer address). Each has two
buckets. *Requests*: ``rate`` tokens a second up to ``burst``; a request takes one token or is
refused until one is back. *Query seconds*: refilled at ``query_rate`` seconds a second up to
``query_burst``; the time a query took is charged after it ran (its cost is unknown before), so
the bucket can go into debt, and while it is empty the client's next queries are refused until
the debt is repaid. ``charge`` is also the hook to penalise a client whose queries crash workers.

Memory is bounded: at most ``max_clients`` clients are remembered, the least recently seen
forgotten first. A forgotten client starts again with full buckets, which is what an idle client
has anyway; only a client in debt gains, and only after ``max_clients`` others came after it.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Literal

__all__ = ["ClientLimiter", "Decision", "TokenBucket"]

Limit = Literal["requests", "query-seconds"]


class TokenBucket:
    """``rate`` tokens a second, at most ``burst`` held; full when created."""

    __slots__ = ("burst", "rate", "stamp", "tokens")

    def __init__(self, rate: float, burst: float, now: float) -> None:
        if rate <= 0 or burst <= 0:
            raise ValueError("a token bucket needs a positive rate and burst")
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.stamp = now

    def level(self, now: float) -> float:
        """Tokens held at ``now`` (negative while in debt)."""
        # A clock that goes back (another thread's older `now`) must not mint tokens.
        if now > self.stamp:
            self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
        return self.tokens

    def take(self, cost: float, now: float) -> float:
        """Take ``cost`` tokens if held and return 0; else take none and return the seconds to wait."""
        held = self.level(now)
        if held >= cost:
            self.tokens = held - cost
            return 0.0
        return (cost - held) / self.rate

    def charge(self, cost: float, now: float) -> None:
        """Take ``cost`` tokens whatever is held: a debt repaid by the refill."""
        self.tokens = self.level(now) - cost

    def wait_until_positive(self, now: float) -> float:
        """Seconds until the bucket holds something again (0 if it does now)."""
        held = self.level(now)
        return 0.0 if held > 0 else (-held) / self.rate + 1e-6


@dataclass(frozen=True)
class Decision:
    """Whether a request may go on; when refused, which limit and how long to wait."""

    allowed: bool
    limit: Limit | None = None
    retry_after: float = 0.0
    detail: str = ""

    @property
    def retry_after_seconds(self) -> int:
        """``retry_after`` as the whole seconds of a Retry-After header (at least 1)."""
        return max(1, math.ceil(self.retry_after))


_ALLOWED = Decision(True)


class _Client:
    __slots__ = ("queries", "requests")

    def __init__(self, requests: TokenBucket | None, queries: TokenBucket | None) -> None:
        self.requests = requests
        self.queries = queries


class ClientLimiter:
    """The request and query-second budgets of every client seen recently (thread-safe)."""

    def __init__(
        self,
        rate: float,
        burst: float,
        query_rate: float,
        query_burst: float,
        max_clients: int = 10_000,
    ) -> None:
        """A rate (or query_rate) of 0 turns that budget off."""
        if max_clients < 1:
            raise ValueError("max_clients must be at least 1")
        self.rate = rate
        self.burst = burst
        self.query_rate = query_rate
        self.query_burst = query_burst
        self.max_clients = max_clients
        self._clients: OrderedDict[str, _Client] = OrderedDict()
        # charge() comes from route threads, allow() from the event loop.
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._clients)

    def _client(self, key: str, now: float) -> _Client:
        client = self._clients.get(key)
        if client is None:
            client = _Client(
                TokenBucket(self.rate, self.burst, now) if self.rate > 0 else None,
                TokenBucket(self.query_rate, self.query_burst, now) if self.query_rate > 0 else None,
            )
            self._clients[key] = client
            if len(self._clients) > self.max_clients:
                self._clients.popitem(last=False)
        else:
            self._clients.move_to_end(key)
        return client

    def allow(self, client: str, cost: float = 1.0, now: float | None = None, *, queries: bool = False) -> Decision:
        """Take ``cost`` request tokens for ``client``; with ``queries``, also need query seconds left.

        A refused request takes nothing from either budget.
        """
        now = time.monotonic() if now is None else now
        with self._lock:
            state = self._client(client, now)
            if queries and state.queries is not None:
                wait = state.queries.wait_until_positive(now)
                if wait > 0:
                    return Decision(
                        False, "query-seconds", wait,
                        f"query-time limit reached: each client may use {self.query_rate:g} s of query time per "
                        f"second (up to {self.query_burst:g} s at once), and {client} has used it up; "
                        f"retry in {math.ceil(wait)} s",
                    )
            if state.requests is not None:
                wait = state.requests.take(cost, now)
                if wait > 0:
                    return Decision(
                        False, "requests", wait,
                        f"request-rate limit reached: each client may send {self.rate:g} requests per second "
                        f"(bursts of {self.burst:g}); retry in {math.ceil(wait)} s",
                    )
        return _ALLOWED

    def charge(self, client: str, seconds: float, now: float | None = None) -> None:
        """Count ``seconds`` of query time against ``client`` (a no-op while that budget is off)."""
        if seconds <= 0 or self.query_rate <= 0:
            return
        now = time.monotonic() if now is None else now
        with self._lock:
            queries = self._client(client, now).queries
            if queries is not None:
                queries.charge(seconds, now)
