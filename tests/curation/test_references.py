"""Document numbers, types, issuers, dates, titles, the text's own header and relations (app.curation.references)."""

from __future__ import annotations

import pytest

from app.curation.cleaning import clean
from app.curation.gazetteer import Gazetteer, KnownAgency, KnownDocument
from app.curation.references import References, read_references
from app.curation.summary import DocumentRef, IssuerRef

POLID = "https://w3id.org/policykg/id/"


def read(text: str, gazetteer: Gazetteer | None = None, province: str | None = None) -> References:
    return read_references(clean(text), gazetteer, province)


def only(text: str) -> DocumentRef:
    [doc] = read(text).documents
    return doc


@pytest.mark.parametrize(("text", "notation", "type_", "issuer"), [
    ("Thực hiện Nghị quyết số 52-NQ/TW của Bộ Chính trị.", "52-NQ/TW", "NQ", "Bộ Chính trị"),
    ("theo Kế hoạch 3260-KH/ĐĐQH15 đã ban hành", "3260-KH/ĐĐQH15", "KH", "Đảng đoàn Quốc hội"),
    ("tiếp tục thực hiện Kết luận số 69-KL/TW", "69-KL/TW", "KL", "Bộ Chính trị"),
    ("quán triệt Chỉ thị số 14-CT/TW", "14-CT/TW", "CT", "Ban Bí thư"),
    ("căn cứ Kế hoạch số 47/KH-UBND", "47/KH-UBND", "KH", "Ủy ban nhân dân"),
    ("tại Tờ trình số 04/TTr-BKHCN-BTTTT", "04/TTr-BKHCN-BTTTT", "TTr", "Bộ Khoa học và Công nghệ"),
    ("ban hành kèm Quyết định số 773/QĐ-TTg", "773/QĐ-TTg", "QĐ", "Thủ tướng Chính phủ"),
    ("theo Công văn số 3917/UBND", "3917/UBND", "CV", "Ủy ban nhân dân"),
    ("và văn bản 83/BKHCN-BTTTT-VP", "83/BKHCN-BTTTT-VP", "CV", "Bộ Khoa học và Công nghệ"),
    ("Sửa đổi Nghị định số 109/2022/NĐ-CP", "109/2022/NĐ-CP", "NĐ", "Chính phủ"),
    ("Pháp lệnh Ưu đãi người có công số 26/2005/PL-UBTVQH11", "26/2005/PL-UBTVQH11", "PL", "Ủy ban Thường vụ Quốc hội"),
    ("Luật An ninh mạng số 24/2018/QH14", "24/2018/QH14", "L", "Quốc hội"),
    ("theo Thông tư số 03/2024/TT-BTTTT", "03/2024/TT-BTTTT", "TT", "Bộ Thông tin và Truyền thông"),
    ("theo Chương trình số 41-CTr/TU", "41-CTr/TU", "CTr", "Tỉnh ủy"),
    ("theo Thông báo số 12/TB-VPCP", "12/TB-VPCP", "TB", "Văn phòng Chính phủ"),
])
def test_every_numbering_form_gives_number_type_and_issuer(text: str, notation: str, type_: str, issuer: str) -> None:
    doc = only(text)
    assert doc.notation == notation
    assert doc.type == type_
    assert doc.issuer is not None and doc.issuer.label == issuer
    assert clean(text)[doc.spans[0][0]:doc.spans[0][1]] == notation


def test_the_issuers_province_comes_from_the_text() -> None:
    doc = only("Kế hoạch số 47/KH-UBND ngày 05/3/2024 triển khai chuyển đổi số tỉnh Hà Tĩnh")
    assert doc.issuer is not None and doc.issuer.label == "Ủy ban nhân dân tỉnh Hà Tĩnh"
    assert doc.iri == POLID + "doc/ubnd-ha-tinh/2024/47-kh-ubnd"


def test_a_blank_number_is_a_document_of_its_own_with_a_draft_iri() -> None:
    refs = read("(Kèm theo Chương trình hành động tại Nghị quyết số  /NQ-CP ngày 01 tháng 01 năm 2025 của Chính phủ)")
    [doc] = refs.documents
    assert (doc.notation, doc.type, doc.date) == ("/NQ-CP", "NQ", "2025-01-01")
    assert doc.iri == POLID + "doc/chinh-phu/draft/nq-cp"
    assert refs.self_document is not None and refs.self_document.notation == "/NQ-CP"


def test_a_slash_without_a_number_or_so_is_no_document() -> None:
    assert read("tốc độ 40 Mbit/s tại xã/phường/thị trấn; ngày 6/2025; KH,CN; TP/HCM").documents == ()


@pytest.mark.parametrize(("text", "date"), [
    ("Nghị quyết số 52-NQ/TW ngày 27/9/2019 của Bộ Chính trị", "2019-09-27"),
    ("Nghị quyết số 03/NQ-CP ngày 09 tháng 01 năm 2025 của Chính phủ", "2025-01-09"),
    ("Quyết định 18/QĐ-UBND ngày18/8/2009 của Chủ tịch UBND tỉnh", "2009-08-18"),
    ("Nghị quyết số 52-NQ/TW ngày 27-9-2019", "2019-09-27"),
    ("Nghị quyết số 20-NQ/TW, ngày 01/11/2012 của Ban Chấp hành Trung ương", "2012-11-01"),
    ("CHỈ THỊ SỐ 14-CT/TW NGÀY 19 THÁNG 7 NĂM 2017 CỦA BAN BÍ THƯ", "2017-07-19"),
    ("Quyết định số 18/QĐ-UBND ngày 18tháng 8 năm 2009", "2009-08-18"),
])
def test_date_forms(text: str, date: str) -> None:
    assert only(text).date == date


def test_the_date_right_after_a_number_belongs_to_it() -> None:
    refs = read("Quyết định số 570/QĐ-UBND ngày 21/3/2021 của UBND tỉnh Đắk Nông về việc ban hành kế hoạch "
                "triển khai thực hiện Nghị quyết số 09/NQ-TU ngày 01/11/2021 của Tỉnh ủy")
    dates = {d.notation: d.date for d in refs.documents}
    assert dates == {"570/QĐ-UBND": "2021-03-21", "09/NQ-TU": "2021-11-01"}
    issuers = {d.notation: d.issuer.label for d in refs.documents if d.issuer}
    assert issuers == {"570/QĐ-UBND": "UBND tỉnh Đắk Nông", "09/NQ-TU": "Tỉnh ủy Đắk Nông"}


def test_a_date_that_is_no_date_is_not_read() -> None:
    assert only("Nghị quyết số 52-NQ/TW ngày 45/13/2019").date is None


def test_title_is_the_ve_clause_after_the_number() -> None:
    doc = only("Căn cứ Nghị quyết số 57-NQ/TW ngày 22 tháng 12 năm 2024 của Bộ Chính trị về đột phá phát triển "
               "khoa học, công nghệ; Căn cứ khác")
    assert doc.title == "đột phá phát triển khoa học, công nghệ"


def test_one_document_per_number_with_every_span() -> None:
    text = clean("Căn cứ Nghị quyết số 57-NQ/TW; thực hiện Nghị quyết 57-NQ/TW; nêu tại Nghị quyết số 57-NQ/TW.")
    [doc] = read_references(text).documents
    assert len(doc.spans) == 3 and all(text[a:b] == "57-NQ/TW" for a, b in doc.spans)


def test_a_law_named_without_a_number_is_read_with_its_date() -> None:
    refs = read("Căn cứ Luật Tổ chức Chính phủ ngày 19 tháng 6 năm 2015;")
    [doc] = refs.documents
    assert (doc.notation, doc.type, doc.date) == ("Luật Tổ chức Chính phủ", "L", "2015-06-19")
    assert doc.issuer is not None and doc.issuer.label == "Quốc hội"
    assert [(r.source, r.kind, r.target) for r in refs.relations] == [("self", "basedOn", "Luật Tổ chức Chính phủ")]


def test_law_in_general_is_no_named_law() -> None:
    assert read("hoàn thiện pháp luật về khoa học ngày 5 tháng 3 năm 2025").documents == ()


HEADER = """# CHÍNH PHỦ CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc

Số: 03/NQ-CP
Hà Nội, ngày 09 tháng 01 năm 2025

# NGHỊ QUYẾT
"""


def test_the_header_is_the_texts_own_document() -> None:
    refs = read(HEADER + "Căn cứ Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị;")
    me = refs.self_document
    assert me is not None
    assert (me.notation, me.type, me.date) == ("03/NQ-CP", "NQ", "2025-01-09")
    assert me.issuer is not None and me.issuer.label == "Chính phủ"
    assert [(r.source, r.kind, r.target) for r in refs.relations] == [("self", "basedOn", "57-NQ/TW")]


def test_a_party_header_names_the_lower_body() -> None:
    refs = read("**BAN CHẤP HÀNH TRUNG ƯƠNG**\n**ĐẢNG ĐOÀN QUỐC HỘI**\n\nSố 3260-KH/ĐĐQH15\n\n"
                "Hà Nội, ngày 10 tháng 01 năm 2025\n\n**KẾ HOẠCH**\n")
    me = refs.self_document
    assert me is not None and me.notation == "3260-KH/ĐĐQH15" and me.date == "2025-01-10"
    assert me.issuer is not None and me.issuer.label == "Đảng đoàn Quốc hội"


def test_an_annex_names_the_document_it_is_issued_with() -> None:
    refs = read("KẾ HOẠCH\n(Ban hành kèm theo Quyết định số 773/QĐ-TTg ngày 26 tháng 6 năm 2018 của Thủ tướng "
                "Chính phủ)\nTriển khai Chỉ thị số 14-CT/TW ngày 19 tháng 7 năm 2017 của Ban Bí thư")
    me = refs.self_document
    assert me is not None and (me.notation, me.type, me.date) == ("773/QĐ-TTg", "QĐ", "2018-06-26")
    assert [(r.source, r.kind, r.target) for r in refs.relations] == [("self", "implements", "14-CT/TW")]


def test_an_unnumbered_text_that_says_who_issues_it_has_a_self_without_number() -> None:
    gazetteer = Gazetteer(agencies=(
        KnownAgency(POLID + "agency/dak-nong/so-tttt", ("Sở Thông tin và Truyền thông tỉnh Đắk Nông",),
                    POLID + "area/dak-nong"),
    ))
    refs = read("Căn cứ Quyết định số 1110/QĐ-BTTTT ngày 02/7/2024 của Bộ Thông tin và Truyền thông. Để nâng cao "
                "chất lượng mạng di động tỉnh Đắk Nông; Sở Thông tin và Truyền thông ban hành Kế hoạch nâng cao "
                "chất lượng mạng viễn thông di động", gazetteer)
    me = refs.self_document
    assert me is not None and (me.notation, me.type, me.date) == (None, "KH", None)
    assert me.issuer == IssuerRef("Sở Thông tin và Truyền thông", POLID + "agency/dak-nong/so-tttt")


@pytest.mark.parametrize(("sentence", "kind"), [
    ("Căn cứ Nghị quyết số 52-NQ/TW;", "basedOn"),
    ("Thực hiện Nghị quyết số 52-NQ/TW, Tỉnh ủy ban hành kế hoạch.", "implements"),
    ("Kế hoạch triển khai Nghị quyết số 52-NQ/TW.", "implements"),
    ("nhằm cụ thể hóa Nghị quyết số 52-NQ/TW.", "implements"),
    ("Quán triệt Nghị quyết số 52-NQ/TW.", "implements"),
    ("Quyết định này thay thế Quyết định số 18/QĐ-UBND.", "replaces"),
    ("Quyết định này sửa đổi, bổ sung Quyết định số 18/QĐ-UBND.", "amends"),
    ("Bãi bỏ Quyết định số 18/QĐ-UBND.", "repeals"),
    ("Thông tư này hướng dẫn Nghị định số 109/2022/NĐ-CP.", "guides"),
    ("theo Quyết định số 22/2013/QĐ-TTg của Thủ tướng Chính phủ.", "cites"),
    ("Tham gia sơ kết việc thực hiện Chỉ thị số 31/CT-TTg.", "cites"),
    ("| 32. | Sửa đổi, bổ sung Nghị định số 109/2022/NĐ-CP | Bộ Giáo dục và Đào tạo | | | 2026 |", "cites"),
])
def test_relation_cues(sentence: str, kind: str) -> None:
    [relation] = read(sentence).relations
    assert relation.kind == kind and relation.source == "self"


def test_a_sentence_can_make_another_document_the_subject() -> None:
    refs = read("Quyết định số 1209/QĐ-UBND thay thế Quyết định số 18/QĐ-UBND.")
    assert [(r.source, r.kind, r.target) for r in refs.relations] == [("1209/QĐ-UBND", "replaces", "18/QĐ-UBND")]


def test_a_title_that_implements_makes_its_document_the_subject() -> None:
    refs = read("Kết luận số 69-KL/TW ngày 11/01/2024 của Bộ Chính trị về tiếp tục thực hiện Nghị quyết số 20-NQ/TW, "
                "ngày 01/11/2012 của Ban Chấp hành Trung ương Đảng khoá XI về phát triển khoa học")
    assert [(r.source, r.kind, r.target) for r in refs.relations] == [("69-KL/TW", "implements", "20-NQ/TW")]
    issuers = {d.notation: d.issuer.label for d in refs.documents if d.issuer}
    assert issuers["20-NQ/TW"] == "Ban Chấp hành Trung ương Đảng"  # the term ("khoá XI") is not the body


def test_a_list_inherits_the_cue_of_its_lead_in() -> None:
    refs = read("Quyết định này thay thế các Quyết định sau:- Quyết định số 18/QĐ-UBND ngày 18/8/2009;"
                "- Quyết định số 1209/QĐ-UBND ngày 27/7/2015./.")
    assert sorted((r.kind, r.target) for r in refs.relations) == [("replaces", "1209/QĐ-UBND"),
                                                                   ("replaces", "18/QĐ-UBND")]


def test_a_weaker_cites_gives_way_to_a_typed_relation_and_relations_are_not_repeated() -> None:
    refs = read("Căn cứ Nghị quyết số 57-NQ/TW;\nThực hiện Nghị quyết số 57-NQ/TW;\nnêu tại Nghị quyết số 57-NQ/TW;\n"
                "Thực hiện Nghị quyết số 57-NQ/TW.")
    assert sorted(r.kind for r in refs.relations) == ["basedOn", "implements"]


def test_relation_span_covers_cue_and_number() -> None:
    text = clean("Căn cứ Nghị quyết số 52-NQ/TW;")
    [relation] = read_references(text).relations
    assert text[relation.span[0]:relation.span[1]] == "Căn cứ Nghị quyết số 52-NQ/TW"


GAZETTEER = Gazetteer(
    documents=(
        KnownDocument(POLID + "doc/bo-chinh-tri/2024/57-nq-tw", "57-NQ/TW", POLID + "agency/vn/bo-chinh-tri",
                      "2024-12-22", "NQ"),
        KnownDocument(POLID + "doc/ubnd-quang-tri/2024/47-kh-ubnd", "47/KH-UBND", POLID + "agency/quang-tri/ubnd",
                      "2024-03-01", "KH"),
    ),
    agencies=(
        KnownAgency(POLID + "agency/vn/bo-chinh-tri", ("Bộ Chính trị", "BCT"), POLID + "area/vn"),
        KnownAgency(POLID + "agency/quang-tri/ubnd", ("Ủy ban nhân dân tỉnh Quảng Trị", "UBND tỉnh Quảng Trị"),
                    POLID + "area/quang-tri"),
        KnownAgency(POLID + "agency/ha-tinh/ubnd", ("Ủy ban nhân dân tỉnh Hà Tĩnh",), POLID + "area/ha-tinh"),
    ),
)


def test_a_known_document_is_matched_by_issuer_and_number() -> None:
    [doc] = read("Thực hiện Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị", GAZETTEER).documents
    assert doc.known and doc.iri == POLID + "doc/bo-chinh-tri/2024/57-nq-tw"
    assert doc.issuer is not None and doc.issuer.iri == POLID + "agency/vn/bo-chinh-tri"


def test_the_same_number_from_another_issuer_is_not_the_known_document() -> None:
    [doc] = read("Thực hiện Kế hoạch số 47/KH-UBND ngày 01/3/2024 của UBND tỉnh Hà Tĩnh", GAZETTEER).documents
    assert not doc.known
    assert doc.issuer is not None and doc.issuer.iri == POLID + "agency/ha-tinh/ubnd"
    assert doc.iri == POLID + "doc/ubnd-ha-tinh/2024/47-kh-ubnd"


def test_an_unknown_document_gets_the_iri_a_draft_would_mint() -> None:
    [doc] = read("Căn cứ Quyết định số 1110/QĐ-BTTTT ngày 02/7/2024 của Bộ Thông tin và Truyền thông",
                 GAZETTEER).documents
    assert not doc.known
    assert doc.iri == POLID + "doc/bo-thong-tin-va-truyen-thong/2024/1110-qd-btttt"


def test_two_issuers_for_one_number_are_both_reported() -> None:
    refs = read("Quyết định số 18/QĐ-UBND ngày 18/8/2009 của Ủy ban nhân dân tỉnh Bạc Liêu; "
                "Quyết định 18/QĐ-UBND ngày 18/8/2009 của Chủ tịch UBND tỉnh Bạc Liêu")
    [doc] = refs.documents
    assert doc.issuer is not None and doc.issuer.label == "Ủy ban nhân dân tỉnh Bạc Liêu"  # the first, as stated
    assert any("18/QĐ-UBND" in w and "Chủ tịch UBND tỉnh Bạc Liêu" in w for w in refs.warnings)
