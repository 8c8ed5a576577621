"""Which /sparql answers may be kept, and under what key (the cache itself: ``app.core.answers``).

The Wikidata Query Service keeps each answer for a while; here an answer is kept until the data
changes, since this process knows when it does: answers are filed under the state of the data
(the store's generation, and the query pool's, which moves when the workers are replaced after an
update), so an answer computed before a write is never found after it, and a write empties the
cache. The key holds what else the answer depends on: the canonical query text, the dataset of
the request, its base IRI, the formats negotiation would pick for each kind of answer, and the
row and byte limits.

Only complete exchanges are kept (an error is never cached), and only for queries whose answer
is a function of the data: a query calling RAND, NOW, UUID, STRUUID or BNODE, or reaching out
with SERVICE, runs every time.

The entity tag of an answer names the derivation the data is at (``PolicyStore.stamp``, which a
restart on the same data keeps) and the key, so a client that revalidates with If-None-Match after
a restart still gets its 304 when nothing changed.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from app.core.answers import AnswerCache
from app.sparql.engine import Dataset
from app.sparql.results import Serialized

__all__ = ["CacheKey", "ResultCache", "cacheable"]

# Functions whose value changes from one evaluation to the next, and federation (another
# service's data, which may change without us knowing). A match in a string or a comment only
# costs a cache miss.
_VOLATILE = re.compile(r"(?i)\b(?:RAND|NOW|UUID|STRUUID|BNODE|SERVICE)\b")


def cacheable(text: str) -> bool:
    """Whether the answer to the canonical query ``text`` depends only on the data it reads."""
    return _VOLATILE.search(text) is None


@dataclass(frozen=True, slots=True)
class CacheKey:
    """Everything of a request that shapes its answer, besides the state of the data."""

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


#: /sparql answers by key, filed under (store generation, query pool generation).
ResultCache = AnswerCache[CacheKey, Serialized]
