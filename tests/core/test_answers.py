"""The answer cache: bounded by bytes, least recently used out first, one state of the data at a time."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.answers import AnswerCache

STATE = (1, 0)


@dataclass(frozen=True)
class Answer:
    body: bytes


def answer(size: int) -> Answer:
    return Answer(b"x" * size)


def key(name: str) -> str:
    return name


def test_the_least_recently_used_answer_leaves_first_when_bytes_run_out() -> None:
    cache: AnswerCache[str, Answer] = AnswerCache(max_bytes=10_000)
    for name in "abcd":
        cache.put(STATE, key(name), answer(1_800))
    assert cache.get(STATE, key("a")) is not None  # a is now the most recently used
    cache.put(STATE, key("e"), answer(1_800))  # five answers of ~2.3 KB do not fit in 10 KB
    assert cache.get(STATE, key("b")) is None
    assert all(cache.get(STATE, key(n)) is not None for n in "acde")
    assert cache.size_bytes <= 10_000


def test_an_answer_larger_than_a_quarter_of_the_bound_is_not_kept() -> None:
    cache: AnswerCache[str, Answer] = AnswerCache(max_bytes=10_000)
    cache.put(STATE, key("small"), answer(100))
    cache.put(STATE, key("huge"), answer(3_000))
    assert cache.get(STATE, key("huge")) is None and cache.get(STATE, key("small")) is not None


def test_an_answer_of_a_new_state_drops_those_of_the_old() -> None:
    cache: AnswerCache[str, Answer] = AnswerCache(max_bytes=10_000)
    cache.put((1, 0), key("a"), answer(100))
    cache.put((2, 1), key("a"), answer(200))
    assert cache.get((1, 0), key("a")) is None and len(cache) == 1
    assert cache.get((2, 1), key("a")) is not None


