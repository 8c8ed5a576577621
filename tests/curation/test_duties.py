"""Responsibilities read from sentences, agency headings and task tables, with deliverables and deadlines."""

from __future__ import annotations

import pytest

from app.curation.duties import normalise_deadline, read_responsibilities
from app.curation.gazetteer import Gazetteer
from app.curation.summary import Responsibility

NO_GRAPH = Gazetteer()


def _read(text: str, province: str | None = None) -> list[Responsibility]:
    return list(read_responsibilities(text, NO_GRAPH, province))


def _who(found: list[Responsibility]) -> list[tuple[str, str]]:
    return [(r.agency.label, r.role) for r in found]


# --- sentences -------------------------------------------------------------------------

SENTENCES = [
    (
        "Bộ Tài chính chủ trì, phối hợp với Bộ Nội vụ, Bộ Tư pháp và các cơ quan liên quan xây dựng Đề án.",
        [("Bộ Tài chính", "lead"), ("Bộ Nội vụ", "coordinate"), ("Bộ Tư pháp", "coordinate")],
        "xây dựng Đề án",
    ),
    (
        "Ban Tuyên giáo Trung ương chủ trì hướng dẫn việc quán triệt Nghị quyết.",
        [("Ban Tuyên giáo Trung ương", "lead")],
        "hướng dẫn việc quán triệt Nghị quyết",
    ),
    (
        "Giao Sở Tài chính bố trí kinh phí thực hiện.",
        [("Sở Tài chính", "assigned")],
        "bố trí kinh phí thực hiện",
    ),
    (
        "Ngày 22/12/2024, Bộ Chính trị ban hành Nghị quyết, theo đó Bộ Chính trị giao Đảng đoàn Quốc hội lãnh đạo, chỉ đạo rà soát pháp luật.",
        [("Đảng đoàn Quốc hội", "assigned")],
        "lãnh đạo, chỉ đạo rà soát pháp luật",
    ),
    (
        "Sở Nội vụ có trách nhiệm hướng dẫn các huyện thực hiện.",
        [("Sở Nội vụ", "assigned")],
        "hướng dẫn các huyện thực hiện",
    ),
    (
        "Sở Y tế: tổ chức khám sức khỏe định kỳ.",
        [("Sở Y tế", "assigned")],
        "tổ chức khám sức khỏe định kỳ",
    ),
    (
        "Sở Khoa học và Công nghệ tham mưu cho UBND tỉnh ban hành quy chế.",
        [("Sở Khoa học và Công nghệ", "advise")],
        "cho UBND tỉnh ban hành quy chế",
    ),
    (
        "Văn phòng Trung ương Đảng phối hợp với Ban Kinh tế Trung ương theo dõi, kiểm tra việc thực hiện.",
        [("Văn phòng Trung ương Đảng", "coordinate"), ("Ban Kinh tế Trung ương", "coordinate")],
        "theo dõi, kiểm tra việc thực hiện",
    ),
    (
        "Đề nghị Ủy ban Mặt trận Tổ quốc tỉnh vận động Nhân dân tham gia.",
        [("Ủy ban Mặt trận Tổ quốc tỉnh", "assigned")],
        "vận động Nhân dân tham gia",
    ),
    (
        "UBND tỉnh giao Sở Công Thương chủ trì xây dựng chương trình khuyến công.",
        [("Sở Công Thương", "lead")],
        "xây dựng chương trình khuyến công",
    ),
    (
        "Mặt trận Tổ quốc Việt Nam và các tổ chức chính trị - xã hội lãnh đạo, chỉ đạo xây dựng chương trình.",
        [("Mặt trận Tổ quốc Việt Nam", "assigned"), ("các tổ chức chính trị - xã hội", "assigned")],
        "lãnh đạo, chỉ đạo xây dựng chương trình",
    ),
]


@pytest.mark.parametrize(("text", "expected", "task"), SENTENCES, ids=[s[0][:40] for s in SENTENCES])
def test_sentences_name_agencies_roles_and_task(text: str, expected: list[tuple[str, str]], task: str) -> None:
    found = _read(text)
    assert _who(found) == expected
    assert {r.task for r in found} == {task}
    for r in found:
        start, end = r.span
        assert r.task in " ".join(text[start:end].split())


@pytest.mark.parametrize(
    "text",
    [
        "Các Bộ trưởng, Thủ trưởng cơ quan ngang bộ và Chủ tịch Ủy ban nhân dân các tỉnh chịu trách nhiệm thi hành Quyết định này.",
        "Sở Thông tin và Truyền thông ban hành Kế hoạch nâng cao chất lượng mạng viễn thông di động.",
        "Ngày 22/12/2024, Bộ Chính trị đã ban hành Nghị quyết số 57-NQ/TW.",
        "Điều 1. Ban hành kèm theo Quyết định này Kế hoạch tổ chức thực hiện Chỉ thị.",
        "Thành lập Ban Chỉ đạo Trung ương về phát triển khoa học, công nghệ.",
        "Nơi nhận:\n- Ban Bí thư Trung ương Đảng;\n- VPCP: BTCN, các PCN, Trợ lý TTCP;\n- Lưu: VT, KGVX.",
        "Các cơ quan, đơn vị có liên quan có trách nhiệm phối hợp thực hiện.",
    ],
    ids=["execution", "act-told", "past", "ban-hanh", "no-agency", "recipients", "generic"],
)
def test_no_responsibility_where_no_agency_is_given_a_duty(text: str) -> None:
    assert _read(text) == []


def test_clauses_after_a_semicolon_continue_the_duty_or_open_a_new_role() -> None:
    text = (
        "Ban cán sự đảng Chính phủ lãnh đạo, chỉ đạo xây dựng chương trình hành động; phối hợp với Đảng đoàn "
        "Quốc hội thể chế hoá các chủ trương, cơ bản hoàn thành trong năm 2025."
    )
    found = _read(text)
    assert _who(found) == [
        ("Ban cán sự đảng Chính phủ", "assigned"),
        ("Ban cán sự đảng Chính phủ", "coordinate"),
        ("Đảng đoàn Quốc hội", "coordinate"),
    ]
    assert [r.deadline for r in found] == [None, "2025", "2025"]
    continued = _read("Bộ Y tế chủ trì xây dựng quy chuẩn; hướng dẫn các địa phương áp dụng.")
    assert _who(continued) == [("Bộ Y tế", "lead")]
    assert continued[0].task == "xây dựng quy chuẩn; hướng dẫn các địa phương áp dụng"


# --- lists -----------------------------------------------------------------------------

LISTS = [
    (
        "Bộ Tài chính, Bộ Kế hoạch và Đầu tư và các bộ, ngành liên quan",
        ["Bộ Tài chính", "Bộ Kế hoạch và Đầu tư", "các bộ, ngành liên quan"],
    ),
    ("Ban Tuyên giáo Trung ương, các bộ, ngành, địa phương, VTV, VOV, TTXVN",
     ["Ban Tuyên giáo Trung ương", "các bộ, ngành, địa phương", "VTV", "VOV", "TTXVN"]),
    ("Bộ Văn hóa, Thể thao và Du lịch, Bộ Lao động - Thương binh và Xã hội",
     ["Bộ Văn hóa, Thể thao và Du lịch", "Bộ Lao động - Thương binh và Xã hội"]),
    ("UBND các huyện, thành phố Gia Nghĩa, các cơ quan, đơn vị liên quan", ["UBND các huyện, thành phố Gia Nghĩa"]),
]


@pytest.mark.parametrize(("names", "expected"), LISTS, ids=[n[:30] for n in (x[0] for x in LISTS)])
def test_lists_split_into_agencies(names: str, expected: list[str]) -> None:
    found = _read(f"Bộ Nội vụ chủ trì, phối hợp với {names} rà soát quy định.")
    assert [r.agency.label for r in found if r.role == "coordinate"] == expected


# --- headings over duty lists ----------------------------------------------------------


def test_a_heading_names_the_agency_of_each_duty_below_it() -> None:
    text = (
        "IV. TỔ CHỨC THỰC HIỆN\n"
        "1. Bộ Khoa học và Công nghệ:\n"
        "- Chủ trì, phối hợp với Bộ Tài chính xây dựng cơ chế tài chính;\n"
        "- Phối hợp với Bộ Nội vụ đánh giá kết quả;\n"
        "- Tham mưu Thủ tướng Chính phủ sơ kết việc thực hiện.\n"
        "- Tổng hợp, báo cáo định kỳ\n"
        "hằng năm.\n"
        "2. Bộ Tài chính\n"
        "Bảo đảm kinh phí thực hiện.\n"
    )
    found = _read(text)
    assert _who(found) == [
        ("Bộ Khoa học và Công nghệ", "lead"),
        ("Bộ Tài chính", "coordinate"),
        ("Bộ Khoa học và Công nghệ", "coordinate"),
        ("Bộ Nội vụ", "coordinate"),
        ("Bộ Khoa học và Công nghệ", "advise"),
        ("Bộ Khoa học và Công nghệ", "assigned"),
        ("Bộ Tài chính", "assigned"),
    ]
    assert found[5].task == "Tổng hợp, báo cáo định kỳ hằng năm"
    assert text[found[-1].span[0]:found[-1].span[1]] == "Bảo đảm kinh phí thực hiện"


def test_numbered_duties_under_a_markdown_heading_and_a_section_ends_it() -> None:
    text = (
        "## Sở Thông tin và Truyền thông (Giao Phòng Bưu chính Viễn thông)\n"
        "1. Chủ trì tổ chức thực hiện kế hoạch.\n"
        "2. Hướng dẫn doanh nghiệp triển khai.\n"
        "## Kinh phí thực hiện\n"
        "Kinh phí từ ngân sách tỉnh.\n"
    )
    assert _who(_read(text)) == [
        ("Sở Thông tin và Truyền thông", "lead"),
        ("Sở Thông tin và Truyền thông", "assigned"),
    ]


def test_a_heading_of_several_departments_and_a_heading_broken_over_two_lines() -> None:
    text = (
        "## Đề nghị các Sở: Giao thông Vận tải, Xây dựng; Công ty\n\n### Điện lực Miền Trung\n\n"
        "Chủ trì, phối hợp với Sở Tài chính hỗ trợ doanh nghiệp.\n"
    )
    assert _who(_read(text)) == [
        ("Sở Giao thông Vận tải", "lead"),
        ("Sở Xây dựng", "lead"),
        ("Công ty Điện lực Miền Trung", "lead"),
        ("Sở Tài chính", "coordinate"),
    ]


def test_a_paragraph_under_a_heading_that_is_no_duty_is_not_the_agency_s() -> None:
    text = "## Các doanh nghiệp viễn thông\n\nChủ động xây dựng kế hoạch.\nTrong quá trình thực hiện nếu có vướng mắc, phản ánh về Sở.\n"
    found = _read(text)
    assert _who(found) == [("Các doanh nghiệp viễn thông", "assigned")]


def test_a_plain_line_heading_and_a_heading_of_whose_duties_follow() -> None:
    text = (
        "Sở Thông tin và Truyền thông\n"
        "1. Chủ trì xây dựng kế hoạch.\n"
        "2. Phối hợp với Sở Tài chính bố trí kinh phí.\n"
        "\n"
        "Trách nhiệm của Sở Nội vụ:\n"
        "- Hướng dẫn các đơn vị đánh giá cán bộ.\n"
    )
    assert _who(_read(text)) == [
        ("Sở Thông tin và Truyền thông", "lead"),
        ("Sở Thông tin và Truyền thông", "coordinate"),
        ("Sở Tài chính", "coordinate"),
        ("Sở Nội vụ", "assigned"),
    ]


def test_a_deadline_or_result_line_under_a_duty_completes_it() -> None:
    text = (
        "1. Sở Tài chính:\n"
        "- Chủ trì, phối hợp với Sở Nội vụ xây dựng quy chế chi tiêu nội bộ.\n"
        "- Thời gian hoàn thành: Quý III/2025.\n"
        "- Sản phẩm: Quyết định của UBND tỉnh.\n"
        "- Hướng dẫn các đơn vị lập dự toán.\n"
    )
    found = _read(text)
    assert [(r.agency.label, r.role, r.deliverable, r.deadline) for r in found] == [
        ("Sở Tài chính", "lead", "Quyết định của UBND tỉnh", "2025-09"),
        ("Sở Nội vụ", "coordinate", "Quyết định của UBND tỉnh", "2025-09"),
        ("Sở Tài chính", "assigned", None, None),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Các sở, ban, ngành, UBND các huyện căn cứ chức năng, nhiệm vụ tổ chức triển khai kế hoạch.",
            [("Các sở, ban, ngành", "assigned"), ("UBND các huyện", "assigned")],
        ),
        ("Sở Nội vụ được giao chủ trì tổ chức tập huấn.", [("Sở Nội vụ", "lead")]),
    ],
    ids=["can-cu", "duoc-giao"],
)
def test_names_end_where_the_duty_begins(text: str, expected: list[tuple[str, str]]) -> None:
    assert _who(_read(text)) == expected


# --- task tables -----------------------------------------------------------------------

HEADER = "| TT | Tên nhiệm vụ | Cơ quan chủ trì | Cơ quan phối hợp | Kết quả | Thời gian hoàn thành |\n|---|---|---|---|---|---|\n"
ROWS = (
    "| **I.** | Nhóm nhiệm vụ về thể chế |  |  |  |  |\n"
    "| 1. | Xây dựng Nghị định về quỹ | Bộ Tài chính | Bộ Tư pháp; các bộ, ngành | Nghị định của Chính phủ | quý II/2025 |\n"
    "| 2. | Ban hành kế hoạch hằng năm | Các bộ, ngành, địa phương |  | Kế hoạch | Thường xuyên |\n"
    "| 3. | Xây dựng Đề án đào tạo | Bộ Giáo dục và Đào tạo | Bộ Nội vụ, Bộ Khoa học và Công nghệ | Đề án | 2026 |\n"
)
EXPECTED_ROWS = [
    ("Bộ Tài chính", "lead", "Xây dựng Nghị định về quỹ", "Nghị định của Chính phủ", "2025-06"),
    ("Bộ Tư pháp", "coordinate", "Xây dựng Nghị định về quỹ", "Nghị định của Chính phủ", "2025-06"),
    ("các bộ, ngành", "coordinate", "Xây dựng Nghị định về quỹ", "Nghị định của Chính phủ", "2025-06"),
    ("Các bộ, ngành, địa phương", "lead", "Ban hành kế hoạch hằng năm", "Kế hoạch", None),
    ("Bộ Giáo dục và Đào tạo", "lead", "Xây dựng Đề án đào tạo", "Đề án", "2026"),
    ("Bộ Nội vụ", "coordinate", "Xây dựng Đề án đào tạo", "Đề án", "2026"),
    ("Bộ Khoa học và Công nghệ", "coordinate", "Xây dựng Đề án đào tạo", "Đề án", "2026"),
]


@pytest.mark.parametrize("header", [HEADER, ""], ids=["with-header", "without-header"])
def test_task_tables_with_and_without_a_header_row(header: str) -> None:
    text = "Phụ lục\n\n" + header + ROWS
    found = _read(text)
    assert [(r.agency.label, r.role, r.task, r.deliverable, r.deadline) for r in found] == EXPECTED_ROWS
    for r in found:
        row = text[r.span[0]:r.span[1]]
        assert row.startswith("|") and r.task in row and "\n" not in row


def test_a_header_row_in_another_column_order_is_followed() -> None:
    text = (
        "| STT | Nội dung | Thời hạn | Đơn vị chủ trì | Đơn vị phối hợp | Sản phẩm |\n|---|---|---|---|---|---|\n"
        "| 1 | Khảo sát hiện trạng | tháng 9/2025 | Sở Nội vụ | Sở Tài chính | Báo cáo |\n"
    )
    found = _read(text)
    assert [(r.agency.label, r.role, r.deliverable, r.deadline) for r in found] == [
        ("Sở Nội vụ", "lead", "Báo cáo", "2025-09"),
        ("Sở Tài chính", "coordinate", "Báo cáo", "2025-09"),
    ]


def test_a_table_with_an_implementing_agency_column_assigns_it() -> None:
    text = (
        "| STT | Nội dung công việc | Đơn vị thực hiện | Thời gian thực hiện |\n|---|---|---|---|\n"
        "| 1 | Tập huấn chuyển đổi số | Sở Thông tin và Truyền thông | Năm 2025 |\n"
    )
    found = _read(text)
    assert [(r.agency.label, r.role, r.task, r.deadline) for r in found] == [
        ("Sở Thông tin và Truyền thông", "assigned", "Tập huấn chuyển đổi số", "2025"),
    ]


# --- deadlines and deliverables --------------------------------------------------------

DEADLINES = [
    ("năm 2025", "2025"),
    ("2027", "2027"),
    ("tháng 6/2025", "2025-06"),
    ("6/2025", "2025-06"),
    ("tháng 6 năm 2025", "2025-06"),
    ("trong quý II/2025", "2025-06"),
    ("Quý IV năm 2026", "2026-12"),
    ("quý 1/2025", "2025-03"),
    ("trước ngày 30/6/2025", "2025-06-30"),
    ("ngày 09 tháng 01 năm 2025", "2025-01-09"),
    ("2025-2030", "2030"),
    ("giai đoạn 2021 – 2025", "2025"),
    ("Thường xuyên", None),
    ("Nhiệm vụ thường xuyên", None),
    ("31/2/2025", "2025-02"),  # no such day: the month is what the text does say
]


@pytest.mark.parametrize(("text", "expected"), DEADLINES, ids=[d[0] for d in DEADLINES])
def test_deadlines_are_normalised(text: str, expected: str | None) -> None:
    assert normalise_deadline(text) == expected


def test_a_sentence_s_deadline_is_the_date_it_is_due_not_a_document_s_date() -> None:
    due = _read("Bộ Nội vụ chủ trì xây dựng quy chế, hoàn thành trước ngày 30/6/2025.")
    assert [r.deadline for r in due] == ["2025-06-30"]
    quarter = _read("Sở Tài chính có trách nhiệm trình UBND tỉnh đề án trong quý II/2025.")
    assert [r.deadline for r in quarter] == ["2025-06"]
    cited = _read("Bộ Quốc phòng tham gia sơ kết việc thực hiện Chỉ thị số 31/CT-TTg ngày 28 tháng 11 năm 2012.")
    assert [r.deadline for r in cited] == [None]


def test_a_sentence_s_deliverable_is_the_document_it_submits() -> None:
    found = _read(
        "Bộ Quốc phòng chủ trì, phối hợp với các bộ, ngành liên quan nghiên cứu, trình Chính phủ ban hành Nghị định về chế độ."
    )
    assert [(r.agency.label, r.deliverable) for r in found] == [
        ("Bộ Quốc phòng", "Nghị định của Chính phủ"),
        ("các bộ, ngành liên quan", "Nghị định của Chính phủ"),
    ]
    assert _read("Bộ Y tế chủ trì tổ chức hội thảo.")[0].deliverable is None


def test_a_five_megabyte_text_is_read() -> None:
    # Bounded work per line and clause: a text of 5 MB finishes (the time is measured by bench/duties.py).
    duties = (
        "1. Bộ Khoa học và Công nghệ:\n- Chủ trì, phối hợp với Bộ Tài chính, các bộ, ngành xây dựng đề án trong quý II/2025;\n"
        "| 1. | Xây dựng Nghị định | Bộ Tư pháp | Bộ Nội vụ | Nghị định | 2026 |\n"
    )
    prose = "Kế hoạch được triển khai trên địa bàn, bảo đảm tiến độ và chất lượng theo quy định hiện hành.\n" * 40
    unit = duties + prose
    copies = 5_000_000 // len(unit)
    text = unit * copies + "Bộ Y tế chủ trì " + "phối hợp với " * 20_000
    found = read_responsibilities(text, NO_GRAPH)
    assert len(found) == 5 * copies + 1
