"""Duties by deadline (app.domain.deadlines): due days of each datatype, periods, overdue vs reported done."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from app.core.errors import AmbiguousAgency, ParameterError, UnknownEntity
from app.domain.deadlines import Deadlines, deadlines, due_day, period_bound, resolve_scope
from app.search.index import SearchIndex
from app.store.policy_store import PolicyStore
from tests.support.cascade import AREA, BO_X, SO_A, TASK, cascade_settings


@pytest.fixture(scope="module")
def opened() -> Iterator[tuple[PolicyStore, SearchIndex]]:
    settings = cascade_settings()
    with PolicyStore.from_settings(settings) as store:
        store.load_project(settings)
        yield store, SearchIndex.build(store)


def run(opened: tuple[PolicyStore, SearchIndex], today: str, *, agency: str | None = None, province: str | None = None, **period: object) -> Deadlines:
    store, index = opened
    scope = resolve_scope(store, index, agency, province)
    return deadlines(store, index, scope, today=dt.date.fromisoformat(today), **period)  # type: ignore[arg-type]


def statuses(result: Deadlines) -> list[tuple[str, str, str, str]]:
    return [(d.task.iri.removeprefix(TASK), d.deadline, d.due, d.status) for d in result.duties if d.agency.iri == SO_A]


@pytest.mark.parametrize(
    ("text", "due", "precision"),
    [("2025", "2025-12-31", "year"), ("2024-02", "2024-02-29", "month"), ("2025-06", "2025-06-30", "month"), ("2025-03-15", "2025-03-15", "day")],
)
def test_a_deadline_is_due_on_the_last_day_it_allows(text: str, due: str, precision: str) -> None:
    assert due_day(text) == (dt.date.fromisoformat(due), precision)


@pytest.mark.parametrize("text", ["2025-13", "25", "2025-02-30", "quý II/2025", ""])
def test_an_unreadable_deadline_has_no_due_day(text: str) -> None:
    assert due_day(text) is None


def test_each_datatype_is_read_and_status_follows_today_and_reports(opened: tuple[PolicyStore, SearchIndex]) -> None:
    result = run(opened, "2025-07-01", agency="Sở A tỉnh A")
    # By due day; the task with no deadline is counted, not listed.
    assert statuses(result) == [
        ("3", "2025-03-15", "2025-03-15", "done"),  # reported done by 5/BC-SA on 1 May 2025
        ("2", "2025-06", "2025-06-30", "overdue"),
        ("1", "2025", "2025-12-31", "due"),
    ]
    assert result.without_deadline == 1
    assert result.overdue_count == 1
    assert [r.notation for r in result.duties[0].reports] == ["5/BC-SA"]


def test_a_report_issued_after_today_does_not_count_yet(opened: tuple[PolicyStore, SearchIndex]) -> None:
    result = run(opened, "2025-04-01", agency=SO_A)
    assert statuses(result)[0] == ("3", "2025-03-15", "2025-03-15", "overdue")
    assert result.duties[0].reports == []


def test_a_period_holds_the_duties_due_in_it(opened: tuple[PolicyStore, SearchIndex]) -> None:
    june = run(opened, "2025-07-01", agency=SO_A, start=period_bound("2025-06", name="from", end=False), end=period_bound("2025-06", name="to", end=True))
    assert [t for t, *_ in statuses(june)] == ["2"]
    year = run(opened, "2025-07-01", agency=SO_A, start=period_bound("2025", name="from", end=False), end=period_bound("2025", name="to", end=True))
    assert [t for t, *_ in statuses(year)] == ["3", "2", "1"]
    overdue = run(opened, "2026-01-02", agency=SO_A, overdue_only=True)
    assert [(t, s) for t, _, _, s in statuses(overdue)] == [("2", "overdue"), ("1", "overdue")]


def test_a_province_holds_the_duties_of_its_agencies_only(opened: tuple[PolicyStore, SearchIndex]) -> None:
    province = run(opened, "2025-07-01", province="Tỉnh A")
    assert {d.agency.iri for d in province.duties} == {SO_A}
    assert province.scope.iri == AREA + "tinh-a"
    # The ministry coordinates task 3: its duty is the nation's, not the province's.
    nation = run(opened, "2025-07-01", province="vn")
    assert {(d.agency.iri, d.role) for d in nation.duties} >= {(BO_X, "coordinate")}
    assert run(opened, "2025-07-01", province="tinh-b").duties == []


def test_a_bad_period_or_scope_is_a_parameter_error(opened: tuple[PolicyStore, SearchIndex]) -> None:
    store, index = opened
    with pytest.raises(ParameterError, match="from"):
        period_bound("2025-13", name="from", end=False)
    with pytest.raises(ParameterError, match="after it ends"):
        run(opened, "2025-07-01", agency=SO_A, start=dt.date(2025, 12, 1), end=dt.date(2025, 1, 1))
    with pytest.raises(ParameterError, match="one of the two"):
        resolve_scope(store, index, "Sở A tỉnh A", "Tỉnh A")
    with pytest.raises(ParameterError, match="one of the two"):
        resolve_scope(store, index, None, "  ")
    with pytest.raises(AmbiguousAgency):
        resolve_scope(store, index, "Sở A", None)
    with pytest.raises(UnknownEntity, match="Tỉnh Z"):
        resolve_scope(store, index, None, "Tỉnh Z")


def test_a_province_name_prefers_the_province_over_a_town_of_the_same_name(shipped_store: PolicyStore, shipped_index: SearchIndex) -> None:
    # "Quảng Trị" is the province and the town "Thị xã Quảng Trị": the IRI key and the full name decide.
    assert resolve_scope(shipped_store, shipped_index, None, "quang-tri").iri == AREA + "quang-tri"
    assert resolve_scope(shipped_store, shipped_index, None, "Thị xã Quảng Trị").iri == AREA + "quang-tri/thi-xa-quang-tri"
    assert resolve_scope(shipped_store, shipped_index, None, "Quảng Trị").iri == AREA + "quang-tri"
    assert resolve_scope(shipped_store, shipped_index, None, "Thanh Hoa").iri == AREA + "thanh-hoa"
    assert resolve_scope(shipped_store, shipped_index, None, "Thành phố Thanh Hóa").iri == AREA + "thanh-hoa/tp-thanh-hoa"
