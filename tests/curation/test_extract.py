"""The extractor's entry point with the readers wired in (app.curation.extract)."""

from __future__ import annotations

import json

from app.curation.extract import ExtractionContext, extract
from app.curation.gazetteer import Gazetteer, KnownArea

TEXT = """**TỈNH ỦY HÀ TĨNH**

Số: 12-KH/TU

Hà Tĩnh, ngày 05 tháng 3 năm 2025

**KẾ HOẠCH**

Căn cứ Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị về đột phá phát triển khoa học;
Thực hiện Kế hoạch số 3260-KH/ĐĐQH15 ngày 10/01/2025 của Đảng đoàn Quốc hội.

## Mục tiêu đến năm 2030
- Quy mô kinh tế số đạt tối thiểu 30% GRDP.
"""


def test_extract_fills_the_summary_from_every_reader() -> None:
    extraction = extract(TEXT)
    assert extraction.self_document is not None
    assert (extraction.self_document.notation, extraction.self_document.date) == ("12-KH/TU", "2025-03-05")
    assert {(r.kind, r.target) for r in extraction.relations} == {("basedOn", "57-NQ/TW"),
                                                                   ("implements", "3260-KH/ĐĐQH15")}
    [target] = extraction.targets
    assert (target.value, target.comparator, target.year) == (30.0, "at_least", 2030)
    summary = json.loads(json.dumps(extraction.as_json()))
    assert summary["text"] == extraction.text
    assert {d["notation"] for d in summary["documents"]} == {"12-KH/TU", "57-NQ/TW", "3260-KH/ĐĐQH15"}


def test_the_context_province_names_the_issuer() -> None:
    gazetteer = Gazetteer(areas=(KnownArea("https://w3id.org/policykg/id/area/ha-tinh", ("Tỉnh Hà Tĩnh",)),))
    extraction = extract("Thực hiện Kế hoạch số 47/KH-UBND ngày 01/3/2024 của UBND tỉnh.",
                         ExtractionContext(gazetteer, province="https://w3id.org/policykg/id/area/ha-tinh"))
    [doc] = extraction.documents
    assert doc.issuer is not None and doc.issuer.label == "UBND tỉnh Hà Tĩnh"


def test_spans_index_into_the_cleaned_text() -> None:
    extraction = extract("Căn cứ Quyết định số2260/QĐ-UBND ngày18/8/2009 của UBND t ỉ nh Bạc Liêu;")
    [doc] = extraction.documents
    [(start, end)] = doc.spans
    assert extraction.text[start:end] == "2260/QĐ-UBND" and doc.date == "2009-08-18"
    assert doc.issuer is not None and doc.issuer.label == "UBND tỉnh Bạc Liêu"


def test_a_five_megabyte_text_is_read_to_the_end() -> None:
    # Every pattern is linear: 5 MB of plan text (without a single line break too) finishes; the
    # time it takes is measured by bench, not asserted here.
    block = TEXT.replace("12-KH/TU", "13-KH/TU")
    big = (block * (5_000_000 // len(block) + 1))[:5_000_000]
    extraction = extract(big.replace("\n", " "))
    assert len(extraction.text) >= 4_900_000
    assert {d.notation for d in extraction.documents} >= {"57-NQ/TW", "3260-KH/ĐĐQH15"}
    assert len(extraction.targets) > 10_000
