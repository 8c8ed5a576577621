"""Numeric targets: decimals, ranges, comparators, units, years, indicators (app.curation.targets)."""

from __future__ import annotations

import pytest

from app.curation.cleaning import clean
from app.curation.gazetteer import Gazetteer, KnownIndicator
from app.curation.summary import TargetRef
from app.curation.targets import read_targets


def only(text: str, gazetteer: Gazetteer | None = None) -> TargetRef:
    [target] = read_targets(clean(text), gazetteer)
    return target


@pytest.mark.parametrize(("text", "value", "high", "unit"), [
    ("năm 2019 đạt 99,5%", 99.5, None, "%"),
    ("tăng trưởng kinh tế bình quân đạt 7,5%/năm", 7.5, None, "%/năm"),
    ("số đơn sáng chế tăng trung bình 16 - 18%/năm", 16.0, 18.0, "%/năm"),
    ("tỉ lệ khai thác thương mại đạt 8 - 10%", 8.0, 10.0, "%"),
    ("có từ 40 - 50 tổ chức khoa học và công nghệ được xếp hạng", 40.0, 50.0, "count"),
    ("Tốc độ tải xuống trung bình tối thiểu 40 Mbit/s", 40.0, None, "Mbit/s"),
    ("Tốc độ tải xuống đạt tối thiểu 5Mbit/s", 5.0, None, "Mbit/s"),
    ("chỉ số phát triển con người (HDI) duy trì trên 0,7.", 0.7, None, ""),
    ("doanh thu đạt khoảng 1.500 tỷ đồng", 1500.0, None, "tỷ đồng"),
])
def test_values_ranges_and_units(text: str, value: float, high: float | None, unit: str) -> None:
    target = only(text)
    assert (target.value, target.value_high, target.unit) == (value, high, unit)


@pytest.mark.parametrize(("text", "comparator"), [
    ("kinh tế số chiếm khoảng 20% GRDP", "about"),
    ("kinh tế số đạt khoảng 20% GRDP", "about"),
    ("quy mô kinh tế số đạt tối thiểu 30% GDP", "at_least"),
    ("bố trí ít nhất 3% tổng chi ngân sách", "at_least"),
    ("tỷ lệ hồ sơ trực tuyến không dưới 80%", "at_least"),
    ("tỷ lệ hồ sơ trực tuyến từ 80% trở lên", "at_least"),
    ("tỉ lệ doanh nghiệp đổi mới sáng tạo đạt trên 40%", "over"),
    ("kinh phí từ xã hội chiếm hơn 60%", "over"),
    ("tỷ lệ hộ nghèo tối đa 2%", "at_most"),
    ("tỷ lệ thất nghiệp không quá 3%", "at_most"),
    ("tỷ lệ hộ nghèo dưới 1,5%", "at_most"),
    ("đảm bảo không để mất sóng quá 1 km liên tục", "at_most"),
    ("giao dịch không dùng tiền mặt đạt 80%", "exactly"),
    ("đơn sáng chế tăng trung bình 16 - 18%/năm", "range"),
])
def test_comparators(text: str, comparator: str) -> None:
    assert only(text).comparator == comparator


@pytest.mark.parametrize(("text", "year"), [
    ("Đến năm 2030, quy mô kinh tế số đạt 30% GDP.", 2030),
    ("quy mô kinh tế số đạt 30% GDP vào năm 2025.", None),  # the year after the number is another clause's
    ("**1. Đến năm 2030**\n\n- Quy mô kinh tế số đạt 30% GDP.", 2030),
    ("## Mục tiêu cụ thể đến 2025\n\n* Phủ sóng băng rộng di động 100% các tuyến quốc lộ.", 2025),
    ("# Mục tiêu đến năm 2030\nKinh tế số chiếm 30% GDP.", 2030),
    ("Quy mô kinh tế số đạt 30% GDP.", None),
])
def test_year_from_clause_sentence_or_heading(text: str, year: int | None) -> None:
    assert only(text).year == year


def test_each_year_of_a_series_goes_to_its_own_value() -> None:
    text = clean("e) Đến năm 2020, phấn đấu đạt 100% gia đình người có công có mức sống bằng mức trung bình, "
                 "năm 2018 đạt 99%, năm 2019 đạt 99,5%; 98% xã phường làm tốt công tác thương binh, liệt sĩ.")
    got = [(t.value, t.year) for t in read_targets(text)]
    assert got == [(100.0, 2020), (99.0, 2018), (99.5, 2019), (98.0, 2020)]
    series = read_targets(text)[:3]
    assert {t.indicator for t in series} == {series[0].indicator} and "gia đình người có công" in series[0].indicator


def test_the_indicator_is_the_words_before_the_number() -> None:
    target = only("- Tỉ lệ sử dụng dịch vụ công trực tuyến của người dân và doanh nghiệp đạt trên 80%;")
    assert target.indicator == "Tỉ lệ sử dụng dịch vụ công trực tuyến của người dân và doanh nghiệp"


def test_the_indicator_is_the_words_after_when_nothing_comes_before() -> None:
    target = only("* 100% các huyện, thành phố có sóng dịch vụ 5G.")
    assert target.indicator == "các huyện, thành phố có sóng dịch vụ 5G"


def test_a_comma_after_a_target_starts_the_next_indicator() -> None:
    second = read_targets(clean("Kinh phí chi cho R&D đạt 2% GDP, trong đó kinh phí từ xã hội chiếm hơn 60%."))[1]
    assert second.indicator == "trong đó kinh phí từ xã hội" or second.indicator == "kinh phí từ xã hội"


def test_the_indicator_is_matched_to_the_gazetteer_by_its_folded_words() -> None:
    gazetteer = Gazetteer(indicators=(
        KnownIndicator("https://w3id.org/policykg/id/indicator/online-public-service-use",
                       ("Tỷ lệ người dân và doanh nghiệp sử dụng dịch vụ công trực tuyến",)),
        KnownIndicator("https://w3id.org/policykg/id/indicator/digital-economy-share-grdp",
                       ("Tỷ trọng kinh tế số trong GRDP", "quy mô kinh tế số")),
    ))
    assert only("Tỉ lệ sử dụng dịch vụ công trực tuyến của người dân và doanh nghiệp đạt trên 80%",
                gazetteer).indicator_iri == "https://w3id.org/policykg/id/indicator/online-public-service-use"
    assert only("Quy mô kinh tế số đạt tối thiểu 30% GDP",
                gazetteer).indicator_iri == "https://w3id.org/policykg/id/indicator/digital-economy-share-grdp"
    assert only("Tỷ lệ hộ nghèo dưới 1,5%", gazetteer).indicator_iri is None


@pytest.mark.parametrize("text", [
    "Nghị quyết số 57-NQ/TW ngày 22/12/2024",
    "giai đoạn 2021 - 2025",
    "định kỳ 6 tháng báo cáo",
    "Phủ sóng 5G toàn quốc, thông tin di động 6G",
    "video Full HD (độ phân giải 1080p)",
    "(95% truy nhập có tốc độ tải xuống đạt yêu cầu)",
    "Việt Nam thuộc nhóm 3 nước dẫn đầu Đông Nam Á",
    "| 1. | Xây dựng chương trình đạt 100% | Bộ Nội vụ | | | 6/2025 |",
    "Điều 1. Ban hành kèm theo 2 phụ lục",
])
def test_numbers_that_are_not_targets(text: str) -> None:
    assert read_targets(clean(text)) == ()


def test_span_ends_at_the_unit() -> None:
    text = clean("- Quy mô kinh tế số đạt tối thiểu 30% GDP.")
    [target] = read_targets(text)
    assert text[target.span[0]:target.span[1]] == "Quy mô kinh tế số đạt tối thiểu 30%"
