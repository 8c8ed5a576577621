"""Answers of /sparql kept for the next identical query, as long as the data has not changed.

The Wikidata Query Service keeps each answer for a while; here an answer is kept until the data
changes, since this process knows when it does: the key holds the store's generation (and the
query pool's, which moves when the workers are replaced after an update), so an answer computed
before a write is never found after it, and a write empties the cache. Besides the state the key
holds what the answer depends on: the canonical query text, the dataset of the request, its base
IRI, the formats negotiation would pick for each kind of answer, and the row and byte limits.

Only complete exchanges are kept (an error is never cached), and only for queries whose answer
is a function of the data: a query calling RAND, NOW, UUID, STRUUID or BNODE, or reaching out
with SERVICE, runs every time. The cache is bounded by the bytes of the answers it holds; the
least recently used answers leave first, and an answer larger than a quarter of the bound is not
kept (one huge answer would push out everything else).

The entity tag of an answer names the derivation the data is at (``PolicyStore.stamp``, which a
restart on the same data keeps) and the key without the in-process counters, so a client that
revalidates with If-None-Match after a restart still gets its 304 when nothing changed.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from app.sparql.engine import Dataset
from app.sparql.results import Serialized

__all__ = ["CacheKey", "CachedAnswer", "ResultCache", "cacheable"]

# Functions whose value changes from one evaluation to the next, and federation (another
# service's data, which may change without us knowing). A match in a string or a comment only
# costs a cache miss.
_VOLATILE = re.compile(r"(?i)\b(?:RAND|NOW|UUID|STRUUID|BNODE|SERVICE)\b")
# Bookkeeping of an entry besides its body, counted against the bound.
_OVERHEAD = 512


def cacheable(text: str) -> bool:
    """Whether the answer to the canonical query ``text`` depends only on the data it reads."""
    return _VOLATILE.search(text) is None


@dataclass(frozen=True, slots=True)
class CacheKey:
    """What an answer depends on: the data's state and everything of the request that shapes it."""

    state: tuple[int, int]  # the store's generation, the query pool's generation
    text: str  # canonical
    dataset: Dataset
    base_iri: str
    formats: tuple[str | None, str | None]  # negotiated for solutions, for a graph (None: not acceptable)
    max_results: int
    max_bytes: int

    def etag(self, stamp: str) -> str:
        """A strong entity tag for the answer to this key at derivation ``stamp``."""
        digest = hashlib.sha256()
        for part in (stamp, self.text, *self.dataset.default_graphs, "|", *self.dataset.named_graphs, "|",
                     self.base_iri, str(self.formats), str(self.max_results), str(self.max_bytes)):
            digest.update(part.encode())
            digest.update(b"\0")
        return f'"{digest.hexdigest()[:32]}"'


@dataclass(frozen=True, slots=True)
class CachedAnswer:
    """A kept answer and when it was computed (``time.time()``)."""

    result: Serialized
    created: float

    @property
    def age(self) -> int:
        """Whole seconds since the answer was computed (the Age header)."""
        return max(0, int(time.time() - self.created))


class ResultCache:
    """Answers by :class:`CacheKey`, least recently used out first, at most ``max_bytes`` of them."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[CacheKey, CachedAnswer] = OrderedDict()
        self._bytes = 0
        self._state: tuple[int, int] | None = None
        self._lock = threading.Lock()

    @staticmethod
    def _cost(answer: Serialized) -> int:
        return len(answer.body) + _OVERHEAD

    def get(self, key: CacheKey) -> CachedAnswer | None:
        """The answer kept for ``key``, or None."""
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: CacheKey, result: Serialized) -> CachedAnswer:
        """Keep ``result`` for ``key`` (unless it is too large) and return it as kept."""
        kept = CachedAnswer(result, time.time())
        cost = self._cost(result)
        if cost * 4 > self.max_bytes:
            return kept
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self._bytes -= self._cost(previous.result)
            if key.state != self._state:
                # Answers of another state can never be asked for again (callers keep only
                # answers whose state did not move while they were computed).
                self._entries.clear()
                self._bytes = 0
                self._state = key.state
            while self._entries and self._bytes + cost > self.max_bytes:
                _, evicted = self._entries.popitem(last=False)
                self._bytes -= self._cost(evicted.result)
            self._entries[key] = kept
            self._bytes += cost
        return kept

    def clear(self) -> None:
        """Forget every answer (the data changed)."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    @property
    def size_bytes(self) -> int:
        """Bytes the kept answers count for."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)
