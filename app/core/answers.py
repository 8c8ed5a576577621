"""Finished answers (their bytes) kept for the next identical request while the data stays as it was.

Every entry is filed under the state of the data it was computed from (a generation, or a tuple
of them); an entry of a new state drops every entry of the others, since they can never be asked
for again, so callers must keep only answers whose state did not move while they were computed.
The cache is bounded by the bytes of the answers it holds; the least recently used leave first,
and an answer larger than a quarter of the bound is not kept (it would push out everything else).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

__all__ = ["AnswerCache", "Kept"]

# Bookkeeping of an entry besides its body, counted against the bound.
_OVERHEAD = 512


class _Answer(Protocol):
    @property
    def body(self) -> bytes: ...


A = TypeVar("A", bound=_Answer)
K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True, slots=True)
class Kept(Generic[A]):
    """A kept answer and when it was computed (``time.time()``)."""

    answer: A
    created: float

    @property
    def age(self) -> int:
        """Whole seconds since the answer was computed (an Age header)."""
        return max(0, int(time.time() - self.created))


class AnswerCache(Generic[K, A]):
    """Answers by key within one state of the data, least recently used out first, at most ``max_bytes``."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[K, Kept[A]] = OrderedDict()
        self._bytes = 0
        self._state: Hashable = None
        self._lock = threading.Lock()

    @staticmethod
    def _cost(kept: Kept[A]) -> int:
        return len(kept.answer.body) + _OVERHEAD

    def get(self, state: Hashable, key: K) -> Kept[A] | None:
        """The answer kept for ``key`` in ``state``, or None."""
        with self._lock:
            if state != self._state:
                return None
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, state: Hashable, key: K, answer: A) -> Kept[A]:
        """Keep ``answer`` for ``key`` in ``state`` (unless it is too large); return it as kept."""
        kept = Kept(answer, time.time())
        cost = self._cost(kept)
        if cost * 4 > self.max_bytes:
            return kept
        with self._lock:
            if state != self._state:
                self._entries.clear()
                self._bytes = 0
                self._state = state
            previous = self._entries.pop(key, None)
            if previous is not None:
                self._bytes -= self._cost(previous)
            while self._entries and self._bytes + cost > self.max_bytes:
                _, evicted = self._entries.popitem(last=False)
                self._bytes -= self._cost(evicted)
            self._entries[key] = kept
            self._bytes += cost
        return kept

    def clear(self) -> None:
        """Forget every answer (the data changed)."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0
            self._state = None

    @property
    def size_bytes(self) -> int:
        """Bytes the kept answers count for."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)
