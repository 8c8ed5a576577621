"""What a search index answers, as plain comparable data (incremental upkeep and persistence tests)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from app.search.index import SearchIndex

QUESTIONS = ("chuyển đổi số", "kinh te so", "đổi mới sáng tạo", "Sở KH&CN", "190-KH/TU", "digital task", "hội nghị")


def canonical(value: Any) -> Any:
    """A record as plain data with its lists sorted: the order facts come back in is not meaning."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple | set | frozenset):
        return sorted((canonical(v) for v in value), key=repr)
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items()}
    return value


def answers(index: SearchIndex, keys: Sequence[str] = (), questions: Sequence[str] = QUESTIONS) -> dict[str, Any]:
    """The index's records, every match (with its payload) of each question per kind, and the tasks under each key."""
    out: dict[str, Any] = {"records": canonical(index.records()), "tasks": index.task_count}
    for name, text_index in (("t", index.tasks), ("a", index.agency_index), ("i", index.indicator_index)):
        out[f"{name}-size"] = text_index.size
        for text in questions:
            hits = text_index.search(index.prepare(text), limit=1000)
            out[f"{name}:{text}"] = sorted((hit.iri, repr(hit.payload)) for hit in hits)
    for key in keys:
        out[f"key:{key}"] = sorted((hit.iri, repr(hit.payload)) for hit in index.tasks.lookup(key))
    return out
