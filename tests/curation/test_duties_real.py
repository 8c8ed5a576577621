"""Responsibilities read from the real passages (../shared/real-texts), checked against what they say.

The facts below were read off the passages by hand: each table row's lead and coordinating
agencies, result and deadline (03/NQ-CP, Phụ lục II), the Đắk Nông department plan's duties, the
ministries' duties in 773/QĐ-TTg and the organisation section of 57-NQ/TW.
"""

from __future__ import annotations

import pytest

from app.curation.duties import read_responsibilities
from app.curation.gazetteer import Gazetteer
from app.curation.summary import Responsibility
from tests.support.project import ROOT

PASSAGES = ROOT.parent / "shared" / "real-texts"
ID = "https://w3id.org/policykg/id/"

pytestmark = pytest.mark.skipif(not PASSAGES.is_dir(), reason=f"the real passages are not at {PASSAGES}")


def _read(name: str) -> tuple[str, list[Responsibility]]:
    path = next(PASSAGES.glob(f"{name}_*.txt"))
    text = path.read_text(encoding="utf-8")
    return text, list(read_responsibilities(text, Gazetteer()))


def _rows(found: list[Responsibility]) -> list[tuple[str, str, str | None, str | None]]:
    return [(r.agency.label, r.role, r.deliverable, r.deadline) for r in found]


def test_03_nq_cp_task_table_with_its_header_rows_1_to_9() -> None:
    text, found = _read("02")
    assert _rows(found) == [
        ("Bộ Khoa học và Công nghệ", "lead", "Quyết định của Thủ tướng Chính phủ", "2025-06"),
        ("Ban Tuyên giáo Trung ương", "coordinate", "Quyết định của Thủ tướng Chính phủ", "2025-06"),
        ("các bộ, ngành, địa phương", "coordinate", "Quyết định của Thủ tướng Chính phủ", "2025-06"),
        ("VTV", "coordinate", "Quyết định của Thủ tướng Chính phủ", "2025-06"),
        ("VOV", "coordinate", "Quyết định của Thủ tướng Chính phủ", "2025-06"),
        ("TTXVN", "coordinate", "Quyết định của Thủ tướng Chính phủ", "2025-06"),
        ("VTV", "lead", "Chương trình", None),
        ("VOV", "lead", "Chương trình", None),
        ("TTXVN", "lead", "Chương trình", None),
        ("các địa phương", "lead", "Chương trình", None),
        ("Bộ Khoa học và Công nghệ", "coordinate", "Chương trình", None),
        ("Các bộ, ngành, địa phương", "lead", None, None),
        ("Bộ Khoa học và Công nghệ", "coordinate", None, None),
        ("Bộ Giáo dục và Đào tạo", "coordinate", None, None),
        ("Bộ Khoa học và Công nghệ", "lead", "Quyết định của Thủ tướng Chính phủ", "2025-06"),
        ("Các bộ, ngành, địa phương", "coordinate", "Quyết định của Thủ tướng Chính phủ", "2025-06"),
        ("Bộ Nội vụ", "lead", "Đề án", "2025-06"),
        ("Các bộ, ngành, địa phương", "coordinate", "Đề án", "2025-06"),
        ("Các bộ, ngành, địa phương", "lead", "Kế hoạch công tác", None),
        ("Các bộ, ngành, địa phương", "lead", "Kế hoạch của các bộ, ngành, địa phương", "2025-01"),
        ("Bộ Khoa học và Công nghệ", "lead", "Văn bản hướng dẫn", "2025-03"),
        ("Bộ, ngành, địa phương", "lead", "Có tỷ lệ phù hợp cán bộ có chuyên môn về khoa học kỹ thuật trong đội ngũ lãnh đạo", None),
    ]
    assert found[0].task.startswith("Xây dựng, trình Thủ tướng Chính phủ ban hành và tổ chức triển khai chương trình tuyên truyền")
    # The group row "I." names no agency and gives none; each statement spans its own row.
    assert all("Nâng cao nhận thức, đột phá" not in r.task for r in found)
    assert all(text[r.span[0]:r.span[1]].startswith("| ") and r.task in text[r.span[0]:r.span[1]] for r in found)


def test_03_nq_cp_task_table_without_a_header_rows_31_to_37() -> None:
    _, found = _read("03")
    assert [(r.agency.label, r.role, r.deadline) for r in found] == [
        ("Bộ Giáo dục và Đào tạo", "lead", "2027"),
        ("Bộ Nội vụ", "coordinate", "2027"),
        ("Bộ Giáo dục và Đào tạo", "lead", "2026"),
        ("Bộ Khoa học và Công nghệ", "coordinate", "2026"),
        ("Bộ Giáo dục và Đào tạo", "lead", "2025"),
        ("Các bộ, ngành, địa phương", "coordinate", "2025"),
        ("Bộ Tài chính", "lead", "2025"),
        ("Các bộ, ngành, địa phương", "coordinate", "2025"),
        ("Bộ Tài chính", "lead", "2025"),
        ("Bộ Khoa học và Công nghệ", "lead", "2025"),
        ("Bộ Tài chính", "coordinate", "2025"),
        ("các bộ, ngành", "coordinate", "2025"),
        ("Các bộ, ngành", "lead", "2025-06"),
        ("Bộ Tư pháp", "coordinate", "2025-06"),
        ("các bộ, ngành", "coordinate", "2025-06"),
    ]
    assert {r.deliverable for r in found[:12]} == {"Nghị định của Chính phủ", "Quyết định của Thủ tướng Chính phủ"}
    assert found[-1].deliverable is not None and found[-1].deliverable.startswith("Bộ Tư pháp tổng hợp, báo cáo")
    assert found[2].task.startswith("Sửa đổi, bổ sung Nghị định số 109/2022/NĐ-CP")


def test_dak_nong_department_plan_duties() -> None:
    _, found = _read("08")
    assert [(r.agency.label, r.role, r.task[:30]) for r in found] == [
        ("Sở Thông tin và Truyền thông tỉnh Đắk Nông", "lead", "thực hiện kế hoạch này; báo cá"),
        ("Sở Thông tin và Truyền thông tỉnh Đắk Nông", "coordinate", "tháo gỡ khó khăn cho doanh ngh"),
        ("UBND các huyện, thành phố Gia Nghĩa tỉnh Đắk Nông", "coordinate", "tháo gỡ khó khăn cho doanh ngh"),
        ("Sở Thông tin và Truyền thông tỉnh Đắk Nông", "advise", "cho UBND tỉnh ban hành quy hoạ"),
        ("Sở Giao thông Vận tải tỉnh Đắk Nông", "lead", "thực hiện chỉ đạo, hướng dẫn c"),
        ("Sở Xây dựng tỉnh Đắk Nông", "lead", "thực hiện chỉ đạo, hướng dẫn c"),
        ("Sở Công thương tỉnh Đắk Nông", "lead", "thực hiện chỉ đạo, hướng dẫn c"),
        ("Công ty Điện lực Đắk Nông", "lead", "thực hiện chỉ đạo, hướng dẫn c"),
        ("Sở Thông tin và Truyền thông tỉnh Đắk Nông", "coordinate", "thực hiện chỉ đạo, hướng dẫn c"),
        ("Ủy ban nhân dân các huyện, thành phố tỉnh Đắk Nông", "assigned", "Hỗ trợ các doanh nghiệp viễn t"),
        ("Ủy ban nhân dân các huyện, thành phố tỉnh Đắk Nông", "coordinate", "quản lý việc xây dựng phát tri"),
        ("Ủy ban nhân dân các huyện, thành phố tỉnh Đắk Nông", "assigned", "Chỉ đạo UBND xã/phường/thị trấ"),
        ("Các doanh nghiệp viễn thông tỉnh Đắk Nông", "assigned", "Chủ động xây dựng và ban hành "),
    ]
    # The province is read from the text: every agency is proposed under Đắk Nông.
    assert all(r.agency.new and (r.agency.iri or "").startswith(ID + "agency/dak-nong/") for r in found)
    # The department's duties wrap over two lines; the closing request is no duty of the enterprises.
    assert "tổng hợp, đề xuất sửa đổi" in found[0].task
    assert all("phản ánh bằng văn bản" not in r.task for r in found)


def test_773_qd_ttg_duties_of_each_ministry() -> None:
    _, found = _read("11")
    by_ministry: dict[str, list[str]] = {}
    for r in found:
        by_ministry.setdefault(r.agency.label, []).append(r.role)
    assert by_ministry == {
        "Bộ Quốc phòng": ["lead", "assigned", "lead", "assigned", "assigned", "assigned"],
        "các bộ, ngành liên quan": ["coordinate"],
        "Bộ Công an": ["lead", "lead", "coordinate"],
        "Bộ Tài chính": ["assigned", "coordinate"],
        "Bộ Kế hoạch và Đầu tư": ["assigned"],
        "Bộ Xây dựng": ["lead"],
        "Bộ Y t ế": ["lead", "lead", "coordinate"],
        "Bộ Lao động - Thương binh và Xã hội": ["coordinate"],
    }
    assert found[0].deliverable == "Nghị định của Chính phủ"
    assert found[0].task.startswith("nghiên cứu, trình Chính phủ ban hành Nghị định")
    # "Chỉ thị số 31/CT-TTg ngày 28 tháng 11 năm 2012" is a document's date, not a deadline.
    assert all(r.deadline is None for r in found)


def test_57_nq_tw_organisation_section() -> None:
    _, found = _read("06")
    assert [(r.agency.label, r.role) for r in found] == [
        ("Đảng đoàn Quốc hội", "assigned"),
        ("Ban cán sự đảng Chính phủ", "assigned"),
        ("Ban cán sự đảng Chính phủ", "coordinate"),
        ("Đảng đoàn Quốc hội", "coordinate"),
        ("Mặt trận Tổ quốc Việt Nam", "assigned"),
        ("các tổ chức chính trị - xã hội", "assigned"),
        ("Ban Tuyên giáo Trung ương", "lead"),
        ("Văn phòng Trung ương Đảng", "coordinate"),
        ("Ban Kinh tế Trung ương", "coordinate"),
    ]
    assert found[2].task.startswith("thể chế hoá đầy đủ các chủ trương") and found[2].deadline == "2025"
    assert all(r.agency.iri is not None and r.agency.iri.startswith(ID + "agency/vn/") for r in found)


@pytest.mark.parametrize("name", ["01", "05", "07", "09", "10", "12"])
def test_passages_without_duties_give_none(name: str) -> None:
    # Headers, objectives and execution clauses ("… chịu trách nhiệm thi hành Quyết định này") assign no task.
    assert _read(name)[1] == []


def test_the_3260_plan_reads_the_politburo_s_assignment() -> None:
    _, found = _read("04")
    assert [(r.agency.label, r.role) for r in found] == [("Đảng đoàn Quốc hội", "assigned")]
    assert found[0].task.startswith("lãnh đạo, chỉ đạo rà soát, hoàn thiện pháp luật")
