"""Pasted input → the clean NFC text the extractor's spans index into (app.curation.cleaning)."""

from __future__ import annotations

import unicodedata

import pytest

from app.curation.cleaning import clean


@pytest.mark.parametrize(("noisy", "repaired"), [
    ("Đ ế n năm 2020", "Đến năm 2020"),
    ("đến h ế t năm 2019", "đến hết năm 2019"),
    ("Hoàn thiện cơ ch ế , chính sách", "Hoàn thiện cơ chế, chính sách"),
    ("Ủy ban nhân dân t ỉ nh", "Ủy ban nhân dân tỉnh"),
    ("các Ban của Đ ả ng", "các Ban của Đảng"),
    ("Bộ Y t ế", "Bộ Y tế"),
    ("L ê Minh Chiến", "Lê Minh Chiến"),
])
def test_letter_spaced_syllables_are_joined(noisy: str, repaired: str) -> None:
    assert clean(noisy) == repaired


@pytest.mark.parametrize(("noisy", "repaired"), [
    ("Quyết định số2260/QĐ-UBND", "Quyết định số 2260/QĐ-UBND"),
    ("ngày18/8/2009", "ngày 18/8/2009"),
    ("ngày 18tháng 8 năm 2009", "ngày 18 tháng 8 năm 2009"),
    ("Giám đốcSở Tư pháp", "Giám đốc Sở Tư pháp"),
    ("Chủ tịch Ủy bannhân dân tỉnh", "Chủ tịch Ủy ban nhân dân tỉnh"),
    ("thi hành Quyếtđịnh này", "thi hành Quyết định này"),
])
def test_lost_spaces_are_put_back(noisy: str, repaired: str) -> None:
    assert clean(noisy) == repaired


def test_words_that_merely_look_spread_are_left_alone() -> None:
    # "ở" is a word; "và ở" must not become "vàở"; a real acronym stays as it is.
    assert clean("người dân và ở nước ngoài; VPCP: BTCN, TH") == "người dân và ở nước ngoài; VPCP: BTCN, TH"


def test_pdf_line_breaks_inside_a_sentence_are_joined_but_list_items_stay() -> None:
    text = "Trong quá trình triển khai, nếu có khó khăn, vướng mắc,\nđề nghị các đơn vị phản ánh.\n* Mục một;\n* Mục hai."
    assert clean(text) == ("Trong quá trình triển khai, nếu có khó khăn, vướng mắc, đề nghị các đơn vị phản ánh.\n"
                           "* Mục một;\n* Mục hai.")


def test_page_numbers_and_encoded_residue_alone_on_a_line_are_dropped() -> None:
    text = "mục tiêu thứ nhất.\n1\n- 2 -\nVABWAFAATABfADIAMAAxADgAMAA3ADAANQA=\n### Tiếp theo"
    assert clean(text) == "mục tiêu thứ nhất.\n### Tiếp theo"


def test_a_page_number_stuck_before_a_bullet_is_dropped() -> None:
    assert clean("3       - Chủ trì, phối hợp") == "- Chủ trì, phối hợp"


def test_markdown_table_rows_stay_one_per_line_with_their_pipes() -> None:
    table = ("| TT | Tên nhiệm vụ | Cơ quan chủ trì |\n|---|---|---|\n"
             "| 1. | Xây dựng đề án | Bộ Nội vụ |\n| 2. | Ban hành | Bộ Tài chính |")
    assert clean(table).split("\n") == table.split("\n")


def test_line_breaks_inside_a_markdown_cell_do_not_split_the_row() -> None:
    text = "| 1. | Xây dựng<br>kế hoạch | Bộ Nội vụ<br/>Bộ Tài chính |\nĐoạn một<br>Đoạn hai"
    assert clean(text).split("\n") == ["| 1. | Xây dựng kế hoạch | Bộ Nội vụ Bộ Tài chính |", "Đoạn một", "Đoạn hai"]


def test_markdown_escapes_are_removed_except_escaped_pipes() -> None:
    assert clean(r"\- Kinh phí (R\&D) đạt 2% GDP; cột a \| b") == r"- Kinh phí (R&D) đạt 2% GDP; cột a \| b"


def test_output_is_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "Nghị quyết số 57-NQ/TW")
    assert clean(decomposed) == "Nghị quyết số 57-NQ/TW"


def test_html_page_keeps_the_text_and_tables_and_drops_furniture() -> None:
    page = """<!DOCTYPE html><html><head><title>x</title><style>p{color:red}</style>
    <script>var s = "Nghị quyết số 1-NQ/TW";</script></head><body>
    <header>Cổng thông tin điện tử</header><nav><a>Trang chủ</a> <a>Văn bản</a></nav>
    <div class="main-menu"><ul><li>Tin tức</li></ul></div>
    <!-- Nghị quyết số 2-NQ/TW trong chú thích -->
    <article><h1>KẾ HOẠCH</h1><p>Thực hiện Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ&nbsp;Chính trị.</p>
    <table><tr><th>TT</th><th>Nhiệm vụ</th><th>Chủ trì</th></tr>
    <tr><td>1</td><td>Xây dựng kế hoạch</td><td>Sở Khoa học và Công nghệ</td></tr></table></article>
    <footer>Bản quyền © Sở Thông tin</footer></body></html>"""
    text = clean(page)
    assert "Thực hiện Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị." in text
    assert "| 1 | Xây dựng kế hoạch | Sở Khoa học và Công nghệ |" in text.split("\n")
    for furniture in ("1-NQ/TW", "2-NQ/TW", "Trang chủ", "Tin tức", "Bản quyền", "Cổng thông tin", "color"):
        assert furniture not in text


def test_a_long_run_of_broken_lines_becomes_one_paragraph() -> None:
    # 50 000 PDF lines of one sentence: joined into one line (the join must stay linear to finish).
    text = "Kế hoạch này\n" + "triển khai nhiệm vụ\n" * 50_000 + "đến năm 2030."
    assert clean(text) == "Kế hoạch này " + "triển khai nhiệm vụ " * 50_000 + "đến năm 2030."
