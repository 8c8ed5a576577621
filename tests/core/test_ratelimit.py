"""Token buckets and per-client budgets (app.core.ratelimit), on an injected clock."""

from __future__ import annotations

import pytest

from app.core.ratelimit import ClientLimiter, Decision, TokenBucket


def test_a_bucket_starts_full_and_refuses_past_its_burst() -> None:
    bucket = TokenBucket(rate=2.0, burst=3.0, now=100.0)
    assert [bucket.take(1, 100.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.take(1, 100.0) == pytest.approx(0.5)  # one token back at 2 a second
    assert bucket.level(100.0) == pytest.approx(0.0)  # a refusal takes nothing


def test_a_bucket_refills_at_its_rate_up_to_its_burst() -> None:
    bucket = TokenBucket(rate=2.0, burst=3.0, now=0.0)
    bucket.take(3, 0.0)
    assert bucket.level(1.0) == pytest.approx(2.0)
    assert bucket.level(60.0) == pytest.approx(3.0)  # never more than the burst


def test_a_clock_that_goes_back_mints_nothing() -> None:
    bucket = TokenBucket(rate=1.0, burst=10.0, now=10.0)
    bucket.take(5, 10.0)
    assert bucket.level(9.0) == pytest.approx(5.0)
    assert bucket.level(10.0) == pytest.approx(5.0)


def test_a_charge_is_a_debt_repaid_over_time() -> None:
    bucket = TokenBucket(rate=1.0, burst=60.0, now=0.0)
    bucket.charge(90.0, 0.0)
    assert bucket.level(0.0) == pytest.approx(-30.0)
    assert bucket.wait_until_positive(0.0) == pytest.approx(30.0, abs=1e-3)
    assert bucket.wait_until_positive(31.0) == 0.0


def test_a_bucket_needs_a_positive_rate_and_burst() -> None:
    with pytest.raises(ValueError, match="positive"):
        TokenBucket(rate=0, burst=1, now=0)


def limiter(**overrides: float) -> ClientLimiter:
    options = {"rate": 10.0, "burst": 2.0, "query_rate": 1.0, "query_burst": 5.0, **overrides}
    return ClientLimiter(**options)  # type: ignore[arg-type]


def test_each_client_has_its_own_budget() -> None:
    limits = limiter()
    assert limits.allow("a", now=0).allowed and limits.allow("a", now=0).allowed
    refused = limits.allow("a", now=0)
    assert not refused.allowed and refused.limit == "requests"
    assert refused.retry_after == pytest.approx(0.1)
    assert refused.retry_after_seconds == 1  # Retry-After is whole seconds, at least one
    assert "10 requests per second" in refused.detail and "bursts of 2" in refused.detail
    assert limits.allow("b", now=0).allowed
    assert limits.allow("a", now=0.1).allowed  # a token came back


def test_query_time_refuses_queries_until_the_debt_is_repaid() -> None:
    limits = limiter(burst=100.0)
    limits.charge("a", 8.0, now=0)  # 5 s held, 3 s in debt
    refused = limits.allow("a", now=0, queries=True)
    assert not refused.allowed and refused.limit == "query-seconds"
    assert refused.retry_after == pytest.approx(3.0, abs=1e-3)
    assert "1 s of query time per second" in refused.detail
    assert limits.allow("a", now=0).allowed  # requests that run no query go on
    assert limits.allow("a", now=3.1, queries=True).allowed


def test_a_refusal_for_query_time_takes_no_request_token() -> None:
    limits = limiter(burst=1.0, rate=0.001)
    limits.charge("a", 10.0, now=0)
    assert not limits.allow("a", now=0, queries=True).allowed
    assert limits.allow("a", now=0).allowed  # the one request token is still there


def test_a_zero_rate_turns_a_budget_off() -> None:
    limits = limiter(rate=0.0, query_rate=0.0)
    limits.charge("a", 1e9, now=0)
    assert all(limits.allow("a", now=0, queries=True).allowed for _ in range(1000))


def test_memory_is_bounded_by_forgetting_the_least_recent_client() -> None:
    limits = limiter(max_clients=3)
    limits.charge("old", 100.0, now=0)
    for name in ("b", "c", "d"):
        limits.allow(name, now=0)
    assert len(limits) == 3
    # "old" was forgotten: it starts again with full buckets.
    assert limits.allow("old", now=0, queries=True).allowed
    limits.charge("c", 100.0, now=0)  # seen recently: kept, still in debt
    limits.allow("e", now=0)
    assert not limits.allow("c", now=0, queries=True).allowed


def test_an_allowed_decision_says_so() -> None:
    assert limiter().allow("a", now=0) == Decision(True)
