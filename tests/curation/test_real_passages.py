"""The twelve real passages (../shared/real-texts): facts checked by reading them, recorded as the sources state them.

The sources' own errors stay as stated: 02 gives a blank number and 01/01/2025 for the resolution
of 09/01/2025; 07 has a decision dated before the resolution it implements; 12 names two issuers
for one decision.
"""

from __future__ import annotations

import re
from functools import cache

import pytest

from app.curation.extract import ExtractionContext, extract
from app.curation.gazetteer import Gazetteer
from app.curation.summary import Extraction
from app.store.policy_store import PolicyStore
from tests.support.project import ROOT

PASSAGES = ROOT.parent / "shared" / "real-texts"
POLID = "https://w3id.org/policykg/id/"

pytestmark = pytest.mark.skipif(not PASSAGES.is_dir(), reason=f"the real passages are not at {PASSAGES}")


@cache
def passage(prefix: str) -> Extraction:
    [path] = PASSAGES.glob(f"{prefix}_*.txt")
    return extract(path.read_text(encoding="utf-8"))


def docs(prefix: str) -> dict[str, tuple[str | None, str | None, str | None]]:
    """Number → (type, issuer label, date) of every document the passage names."""
    return {d.notation: (d.type, d.issuer.label if d.issuer else None, d.date) for d in passage(prefix).documents}


def relations(prefix: str) -> set[tuple[str, str, str]]:
    return {(r.source, r.kind, r.target) for r in passage(prefix).relations}


def self_of(prefix: str) -> tuple[str | None, str | None, str | None, str | None]:
    me = passage(prefix).self_document
    assert me is not None
    return me.notation, me.type, me.issuer.label if me.issuer else None, me.date


def test_01_header_is_03_nq_cp_based_on_the_government_law_and_57() -> None:
    assert self_of("01") == ("03/NQ-CP", "NQ", "Chính phủ", "2025-01-09")
    law = "Luật Tổ chức Chính phủ"
    amending = "Luật sửa đổi, bổ sung một số điều của Luật Tổ chức Chính phủ và Luật Tổ chức chính quyền địa phương"
    assert docs("01")[law] == ("L", "Quốc hội", "2015-06-19")
    assert docs("01")[amending] == ("L", "Quốc hội", "2019-11-22")
    assert docs("01")["57-NQ/TW"] == ("NQ", "Bộ Chính trị", "2024-12-22")
    assert docs("01")["04/TTr-BKHCN-BTTTT"][::2] == ("TTr", "2025-01-02")
    assert docs("01")["83/BKHCN-BTTTT-VP"][::2] == ("CV", "2025-01-08")
    assert relations("01") == {
        ("self", "basedOn", law), ("self", "basedOn", amending), ("self", "basedOn", "57-NQ/TW"),
        ("self", "implements", "57-NQ/TW"), ("self", "cites", "04/TTr-BKHCN-BTTTT"),
        ("self", "cites", "83/BKHCN-BTTTT-VP"),
    }


def test_02_annex_records_the_blank_number_and_the_date_as_stated() -> None:
    assert self_of("02") == ("/NQ-CP", "NQ", "Chính phủ", "2025-01-01")
    assert relations("02") == {("self", "implements", "57-NQ/TW")}


def test_03_tasks_to_amend_decrees_are_not_amendments() -> None:
    assert docs("03") == dict.fromkeys(("109/2022/NĐ-CP", "80/2020/NĐ-CP", "79/2021/NĐ-CP", "97/2018/NĐ-CP"), ("NĐ", "Chính phủ", None))
    assert {kind for _, kind, _ in relations("03")} == {"cites"}


def test_04_party_plan_implements_57() -> None:
    assert self_of("04") == ("3260-KH/ĐĐQH15", "KH", "Đảng đoàn Quốc hội", "2025-01-10")
    assert docs("04")["57-NQ/TW"] == ("NQ", "Bộ Chính trị", "2024-12-22")
    assert relations("04") == {("self", "implements", "57-NQ/TW")}


def test_05_the_2030_targets_of_57() -> None:
    got = {(t.value, t.value_high, t.unit, t.comparator) for t in passage("05").targets}
    assert {t.year for t in passage("05").targets} == {2030}
    for expected in [
        (55.0, None, "%", "over"),        # TFP contribution to growth
        (50.0, None, "%", "at_least"),    # high-tech exports
        (30.0, None, "%", "at_least"),    # digital economy, of GDP
        (80.0, None, "%", "over"),        # online public services
        (80.0, None, "%", "exactly"),     # cashless payments
        (40.0, None, "%", "over"),        # innovating firms
        (0.7, None, "", "over"),          # HDI
        (2.0, None, "%", "exactly"),      # R&D spending, of GDP
        (60.0, None, "%", "over"),        # of it from society
        (3.0, None, "%", "at_least"),     # of the budget
        (10.0, None, "%/năm", "exactly"),  # publications
        (16.0, 18.0, "%/năm", "range"),   # patents
        (8.0, 10.0, "%", "range"),        # commercialisation
        (40.0, 50.0, "count", "range"),   # ranked organisations
        (5.0, None, "count", "at_least"),  # digital firms
    ]:
        assert expected in got, expected
    digital = [t for t in passage("05").targets if t.value == 30.0]
    assert digital and digital[0].indicator == "Quy mô kinh tế số"


def test_06_kl69_implements_nq20() -> None:
    assert docs("06")["69-KL/TW"] == ("KL", "Bộ Chính trị", "2024-01-11")
    assert docs("06")["20-NQ/TW"][::2] == ("NQ", "2012-11-01")
    assert relations("06") == {("69-KL/TW", "implements", "20-NQ/TW")}


def test_07_the_decision_dated_before_what_it_implements_is_recorded_as_stated() -> None:
    assert self_of("07") == (None, "KH", "Sở Thông tin và Truyền thông", None)  # unnumbered, undated here
    assert docs("07")["570/QĐ-UBND"] == ("QĐ", "UBND tỉnh Đắk Nông", "2021-03-21")
    assert docs("07")["09/NQ-TU"] == ("NQ", "Tỉnh ủy Đắk Nông", "2021-11-01")
    assert ("570/QĐ-UBND", "implements", "09/NQ-TU") in relations("07")
    assert ("self", "basedOn", "1110/QĐ-BTTTT") in relations("07")
    speeds = {(t.value, t.unit, t.comparator, t.year) for t in passage("07").targets if t.unit == "Mbit/s"}
    assert speeds == {(40.0, "Mbit/s", "at_least", 2025), (5.0, "Mbit/s", "at_least", 2025),
                      (25.0, "Mbit/s", "at_least", 2025), (100.0, "Mbit/s", "at_least", 2025)}


def test_09_decision_773_implements_and_is_based_on_directive_14() -> None:
    assert self_of("09") == ("773/QĐ-TTg", "QĐ", "Thủ tướng Chính phủ", "2018-06-26")
    assert docs("09")["14-CT/TW"][::2] == ("CT", "2017-07-19")
    assert docs("09")["26/2005/PL-UBTVQH11"] == ("PL", "Ủy ban Thường vụ Quốc hội", "2005-06-29")
    assert docs("09")["04/2012/PL-UBTVQH13"] == ("PL", "Ủy ban Thường vụ Quốc hội", "2012-07-16")
    assert {("self", "implements", "14-CT/TW"), ("self", "basedOn", "14-CT/TW"),
            ("self", "basedOn", "26/2005/PL-UBTVQH11"), ("self", "basedOn", "04/2012/PL-UBTVQH13"),
            ("self", "basedOn", "Luật Tổ chức Chính phủ")} == relations("09")


def test_10_targets_by_year_and_cited_documents() -> None:
    got = {(t.value, t.year) for t in passage("10").targets}
    assert {(100.0, 2020), (99.0, 2018), (99.5, 2019), (98.0, 2020), (90.0, 2020)} <= got
    assert docs("10")["63-KL/TW"][::2] == ("KL", "2013-05-27")
    assert docs("10")["22/2013/QĐ-TTg"] == ("QĐ", "Thủ tướng Chính phủ", "2013-04-26")


def test_11_reviewing_the_implementation_of_a_directive_only_cites_it() -> None:
    assert docs("11")["31/CT-TTg"] == ("CT", "Thủ tướng Chính phủ", "2012-11-28")
    assert docs("11")["63/NQ-CP"] == ("NQ", "Chính phủ", "2017-07-25")
    assert {kind for _, kind, _ in relations("11")} == {"cites"}


def test_12_noisy_decision_replaces_two_and_its_two_issuers_are_reported() -> None:
    assert self_of("12") == ("2083/QĐ-UBND", "QĐ", "Chủ tịch Ủy ban nhân dân tỉnh Bạc Liêu", "2016-12-08")
    assert docs("12")["18/QĐ-UBND"][::2] == ("QĐ", "2009-08-18")
    assert docs("12")["1209/QĐ-UBND"][::2] == ("QĐ", "2015-07-27")
    assert relations("12") == {("self", "replaces", "18/QĐ-UBND"), ("self", "replaces", "1209/QĐ-UBND")}
    assert any(w.startswith("18/QĐ-UBND") for w in passage("12").warnings)


NAIVE = re.compile(r"\d+-[A-ZĐ][A-Za-zĐ0-9]*/[A-ZĐ][A-Za-zĐ0-9]*|\d+/(?:\d{4}/)?[A-ZĐ][A-Za-zĐ0-9]*(?:-[A-ZĐ][A-Za-zĐ0-9]*)*")


def test_every_number_in_the_passages_is_found_nothing_else_is_and_every_span_is_its_words() -> None:
    for prefix in [f"{n:02d}" for n in range(1, 13)]:
        extraction = passage(prefix)
        naive = set(NAIVE.findall(extraction.text))
        found = {d.notation for d in extraction.documents}
        assert naive <= found, prefix
        # besides what a naive pattern sees: blank numbers ("số /NQ-CP") and laws named with a date
        assert all(n.startswith("/") or n[0].isalpha() for n in found - naive), (prefix, found - naive)
        for d in extraction.documents:
            for start, end in d.spans:
                assert extraction.text[start:end] == d.notation or d.notation[0].isalpha(), prefix
        for r in extraction.relations:
            assert extraction.text[r.span[0]:r.span[1]].endswith(r.target) or r.target[0].isalpha(), prefix
    assert sum(len(passage(f"{n:02d}").documents) for n in range(1, 13)) >= 30


def test_documents_the_graph_holds_are_resolved_by_issuer_and_number(shipped_store: PolicyStore) -> None:
    gazetteer = Gazetteer.from_store(shipped_store)
    [path] = PASSAGES.glob("01_*.txt")
    extraction = extract(path.read_text(encoding="utf-8"), ExtractionContext(gazetteer))
    by_number = {d.notation: d for d in extraction.documents}
    assert by_number["03/NQ-CP"].known and by_number["03/NQ-CP"].iri == POLID + "doc/chinh-phu/2025/03-nq-cp"
    assert by_number["57-NQ/TW"].known and by_number["57-NQ/TW"].iri == POLID + "doc/bo-chinh-tri/2024/57-nq-tw"
    # The shipped passages hold the submission too (data/sources/real_01_*), under its issuer and number.
    assert by_number["04/TTr-BKHCN-BTTTT"].known and by_number["04/TTr-BKHCN-BTTTT"].iri == POLID + "doc/bkhcn/2025/04-ttr-bkhcn-btttt"
    assert extraction.self_document is not None and extraction.self_document.issuer is not None
    assert extraction.self_document.issuer.iri == POLID + "agency/vn/chinh-phu"
