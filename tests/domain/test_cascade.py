"""Cascade comparison (app.domain.cascade): each province's targets next to the national ones, and the flags."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest

from app.core.errors import UnknownDocument
from app.domain.cascade import Cascade, Cell, cascade, cascade_csv, resolve_national_document
from app.store.policy_store import PolicyStore
from tests.support.cascade import AREA, DOC_9, IND, cascade_settings


@pytest.fixture(scope="module")
def cascade_store() -> Iterator[PolicyStore]:
    settings = cascade_settings()
    with PolicyStore.from_settings(settings) as opened:
        opened.load_project(settings)
        yield opened


@pytest.fixture(scope="module")
def result(cascade_store: PolicyStore) -> Cascade:
    return cascade(cascade_store, resolve_national_document(cascade_store, "9-NQ/TW"))


def cell(result: Cascade, province: str, indicator: str) -> Cell:
    row = next(r for r in result.provinces if r.area.iri == AREA + province)
    return next(c for c in row.cells if c.indicator == IND + indicator)


def test_every_province_that_carries_it_out_has_a_row_with_its_documents(result: Cascade) -> None:
    assert [r.area.label for r in result.provinces] == ["Tỉnh A", "Tỉnh B", "Tỉnh C", "Tỉnh D"]
    docs = {r.area.label: sorted(d.notation or "" for d in r.documents) for r in result.provinces}
    # The district plan (basedOn the province's plan, two steps down) belongs to its province.
    assert docs == {"Tỉnh A": ["10/KH-UBND", "3/KH-UBND"], "Tỉnh B": ["20-KH/TU"], "Tỉnh C": ["30-KH/TU", "31/KH-UBND"], "Tỉnh D": ["40-KH/TU"]}
    assert result.document.iri == DOC_9


def test_national_targets_head_each_column(result: Cascade) -> None:
    national = {c.iri.rsplit("/", 1)[-1]: [(t.value, t.comparator, t.unit, t.year) for t in c.national] for c in result.indicators}
    assert national == {
        "share-x": [(30.0, "at-least", "%", 2030)],
        "share-y": [(50.0, "over", "%", 2030)],
        "poverty-rate": [(2.0, "at-most", "%", 2030)],
    }
    assert {c.iri.rsplit("/", 1)[-1]: c.direction for c in result.indicators}["poverty-rate"] == "down"


def test_a_lower_target_is_flagged_under_a_floor_and_under_a_ceiling(result: Cascade) -> None:
    share = cell(result, "tinh-a", "share-x")
    assert [(t.value, t.versus_national) for t in share.targets] == [(20.0, "weaker")]
    assert share.flags == ["lower"]
    # At most 3% where the nation allows at most 2%: a weaker ceiling, though the number is higher.
    poverty = cell(result, "tinh-a", "poverty-rate")
    assert [(t.value, t.versus_national) for t in poverty.targets] == [(3.0, "weaker")]
    assert poverty.flags == ["lower"]
    # A lower ceiling is the stronger one, and "over 30" beats "at least 30".
    assert [t.versus_national for t in cell(result, "tinh-d", "poverty-rate").targets] == ["stronger"]
    assert [t.versus_national for t in cell(result, "tinh-d", "share-x").targets] == ["stronger"]
    assert cell(result, "tinh-d", "share-x").flags == []


def test_a_district_target_counts_for_its_province(result: Cascade) -> None:
    share_y = cell(result, "tinh-a", "share-y")
    assert [(t.place.label if t.place else None, t.versus_national) for t in share_y.targets] == [("Huyện X", "same")]
    assert share_y.flags == []


def test_a_province_without_targets_is_flagged_none_for_every_national_indicator(result: Cascade) -> None:
    row = next(r for r in result.provinces if r.area.iri == AREA + "tinh-b")
    # Its other plan sets share X for 2030, but that plan does not carry out 9-NQ/TW.
    assert [c.flags for c in row.cells] == [["none"]] * 3
    assert row.flags == ["none"]


def test_a_target_for_another_year_is_neither_none_nor_compared(result: Cascade) -> None:
    share_y = cell(result, "tinh-d", "share-y")
    assert [(t.year, t.versus_national) for t in share_y.targets] == [(2025, "other_year")]
    assert share_y.flags == []


def test_two_different_targets_for_one_year_are_a_contradiction(result: Cascade) -> None:
    share = cell(result, "tinh-c", "share-x")
    assert sorted((t.value, t.document_notation) for t in share.targets) == [(35.0, "30-KH/TU"), (40.0, "31/KH-UBND")]
    assert share.flags == ["contradiction"]
    # Province C sets nothing for share Y and the poverty rate.
    assert sorted(f for r in result.provinces if r.area.iri == AREA + "tinh-c" for c in r.cells for f in c.flags) == [
        "contradiction", "none", "none"
    ]
    # A: 2 lower; B: 3 none; C: 1 contradiction, 2 none; D: nothing.
    assert result.flag_count == 8


def test_the_csv_holds_a_row_per_target_and_per_flagged_empty_cell(result: Cascade) -> None:
    rows = list(csv.DictReader(io.StringIO(cascade_csv(result))))
    lower = [r for r in rows if r["province"] == "Tỉnh A" and r["indicator_iri"] == IND + "share-x"]
    assert [(r["national_value"], r["national_comparator"], r["value"], r["comparator"], r["year"], r["flags"]) for r in lower] == [
        ("30", "at-least", "20", "at-least", "2030", "lower")
    ]
    none = [r for r in rows if r["province"] == "Tỉnh B"]
    assert len(none) == 3 and {r["flags"] for r in none} == {"none"} and {r["value"] for r in none} == {""}
    assert len([r for r in rows if r["flags"] == "contradiction"]) == 2


def test_the_answer_is_kept_per_generation(cascade_store: PolicyStore, result: Cascade) -> None:
    assert cascade(cascade_store, DOC_9) is cascade(cascade_store, DOC_9)


def test_names_resolve_as_lineage_resolves_them(cascade_store: PolicyStore) -> None:
    assert resolve_national_document(cascade_store, DOC_9) == DOC_9
    with pytest.raises(UnknownDocument):
        resolve_national_document(cascade_store, "99-NQ/TW")

