"""The gazetteer's helpers for extraction and review: the province of a text, agency candidates, one read per generation."""

from __future__ import annotations

import pytest

from app.core.errors import InvalidInput
from app.curation.gazetteer import Gazetteer, KnownAgency, KnownArea
from app.store.policy_store import PolicyStore
from tests.support.project import POLID

AREA = POLID + "area/"
GAZETTEER = Gazetteer(
    areas=(KnownArea(AREA + "quang-tri", ("Tỉnh Quảng Trị",)), KnownArea(AREA + "thanh-hoa", ("Tỉnh Thanh Hóa",)),
           KnownArea(AREA + "thanh-hoa/tp-thanh-hoa", ("Thành phố Thanh Hóa",))),
    agencies=(
        KnownAgency(POLID + "agency/quang-tri/so-khcn", ("Sở Khoa học và Công nghệ tỉnh Quảng Trị", "Sở KH&CN Quảng Trị"),
                    AREA + "quang-tri"),
        KnownAgency(POLID + "agency/thanh-hoa/so-khcn", ("Sở Khoa học và Công nghệ tỉnh Thanh Hóa",), AREA + "thanh-hoa"),
        KnownAgency(POLID + "agency/vn/bo-chinh-tri", ("Bộ Chính trị",), AREA + "vn"),
    ),
)


@pytest.mark.parametrize(("value", "key"), [
    ("quang-tri", "quang-tri"), ("Quảng Trị", "quang-tri"), ("Tỉnh Quảng Trị", "quang-tri"),
    ("Tỉnh Thanh Hóa", "thanh-hoa"), ("Thành phố Thanh Hóa", "thanh-hoa/tp-thanh-hoa"),
    (AREA + "quang-tri", "quang-tri"), (AREA + "ha-tinh", "ha-tinh"),
    ("Hà Tĩnh", "ha-tinh"), ("tỉnh Hà Tĩnh", "ha-tinh"), ("Thành phố Hà Nội", "ha-noi"),
])
def test_province_names_an_area_known_or_new(value: str, key: str) -> None:
    assert GAZETTEER.province(value) == AREA + key


@pytest.mark.parametrize("value", ["", "  ", "!!", "https://example.org/area/x", AREA])
def test_a_province_that_names_nothing_is_refused(value: str) -> None:
    with pytest.raises(InvalidInput, match="province"):
        GAZETTEER.province(value)


def test_candidates_by_words_abbreviation_and_province() -> None:
    name = "Sở Khoa học và Công nghệ"
    assert [a.iri for a in GAZETTEER.agency_candidates(name, AREA + "thanh-hoa")] == [
        POLID + "agency/thanh-hoa/so-khcn", POLID + "agency/quang-tri/so-khcn"]
    assert GAZETTEER.agency_candidates(name, AREA + "quang-tri")[0].iri == POLID + "agency/quang-tri/so-khcn"
    assert GAZETTEER.agency_candidates("Sở KH&CN Quảng Trị")[0].iri == POLID + "agency/quang-tri/so-khcn"
    assert GAZETTEER.agency_candidates("Ban Tuyên giáo") == [] and GAZETTEER.agency_candidates("  ") == []


def test_cached_is_read_once_per_generation(store: PolicyStore) -> None:
    first = Gazetteer.cached(store)
    assert Gazetteer.cached(store) is first and first == Gazetteer.from_store(store)
    store.update("""INSERT DATA { GRAPH <https://w3id.org/policykg/graph/source/t> {
        <https://w3id.org/policykg/id/area/ha-tinh> a <https://w3id.org/policykg/ontology#AdministrativeArea> ;
          <http://www.w3.org/2000/01/rdf-schema#label> "Tỉnh Hà Tĩnh"@vi } }""")
    again = Gazetteer.cached(store)
    assert again is not first and AREA + "ha-tinh" in {a.iri for a in again.areas}
