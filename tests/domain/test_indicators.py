"""Indicators and their targets (app.domain.indicators)."""

from __future__ import annotations

from typing import Any

import pytest

from app.core.errors import ParameterError
from app.domain.indicators import find_indicators
from app.search.index import SearchIndex
from app.store.policy_store import PolicyStore

IND = "https://w3id.org/policykg/id/indicator/"


def by_national(targets: list[Any]) -> list[tuple[object, ...]]:
    return [(t.year, t.value, t.comparator) for t in targets if t.document and t.document.notation == "57-NQ/TW"]


def test_digital_economy_targets(shipped_index: SearchIndex, shipped_store: PolicyStore) -> None:
    found = find_indicators(shipped_index, shipped_store, "kinh te so chiem bao nhieu % GRDP")
    assert found[0].iri == IND + "digital-economy-share-grdp"
    targets = found[0].targets
    assert len(targets) == 8  # seven provincial targets, and 57-NQ/TW's national 30% of GDP by 2030
    assert by_national(targets) == [(2030, 30.0, "at-least")]
    by = {(t.year, t.jurisdiction.label if t.jurisdiction else None, t.document.notation if t.document else None): t for t in targets}
    t47 = by[(2030, "Tỉnh Quảng Trị", "47/KH-UBND")]
    assert (t47.value, t47.unit, t47.comparator) == (20.0, "%", "at-least")
    assert by[(2030, "Tỉnh Quảng Trị", "190-KH/TU")].value == 30.0
    assert [t.year for t in targets] == sorted(t.year or 0 for t in targets)


def test_a_target_for_several_places_is_listed_per_place(shipped_index: SearchIndex, shipped_store: PolicyStore) -> None:
    found = find_indicators(shipped_index, shipped_store, "dịch vụ thông minh đô thị thông minh")
    smart = next(i for i in found if i.iri == IND + "smart-city-basic-services")
    assert {t.jurisdiction.label for t in smart.targets if t.jurisdiction} == {
        "Thành phố Thanh Hóa",
        "Thành phố Sầm Sơn",
        "Thị xã Bỉm Sơn",
    }
    assert {t.iri for t in smart.targets} == {smart.targets[0].iri}


@pytest.mark.parametrize(
    ("text", "indicator"),
    [
        ("DVC trực tuyến", "online-public-service-use"),
        ("share of cashless transactions", "cashless-transaction-share"),
        ("năng suất lao động", "labour-productivity-growth"),
        ("truong hoc thong minh", "smart-school-pilot-share"),
        ("Internet băng rộng các xã", "broadband-commune-coverage"),
    ],
)
def test_indicators_are_found_in_any_form(shipped_index: SearchIndex, shipped_store: PolicyStore, text: str, indicator: str) -> None:
    assert find_indicators(shipped_index, shipped_store, text)[0].iri == IND + indicator


def test_weak_matches_are_dropped_and_blank_is_refused(shipped_index: SearchIndex, shipped_store: PolicyStore) -> None:
    found = find_indicators(shipped_index, shipped_store, "kinh tế số")
    assert found and all(i.score >= found[0].score * 0.3 for i in found)
    assert len(found) < len(shipped_index.indicators)
    assert find_indicators(shipped_index, shipped_store, "Привет") == []
    with pytest.raises(ParameterError):
        find_indicators(shipped_index, shipped_store, "  ")
