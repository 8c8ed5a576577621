"""Unicode folding and slugs (app.core.text)."""

from __future__ import annotations

import unicodedata

import pytest

from app.core.text import fold, nfc, slug


def nfd(s: str) -> str:
    return unicodedata.normalize("NFD", s)


def test_nfc_composes_decomposed_input() -> None:
    decomposed = nfd("Quảng Trị")
    assert decomposed != "Quảng Trị"
    assert nfc(decomposed) == "Quảng Trị"
    assert unicodedata.is_normalized("NFC", nfc(decomposed))


@pytest.mark.parametrize("text", ["Quảng Trị", nfd("Quảng Trị"), "QUẢNG   TRỊ", " quang\ttri "])
def test_fold_ignores_accents_case_form_and_spacing(text: str) -> None:
    assert fold(text) == "quang tri"


def test_fold_old_and_new_tone_placement_are_equal() -> None:
    # "hoà" (tone on a, old style) vs "hòa" (tone on o, new style)
    old, new = "ho\u00e0", "h\u00f2a"
    assert old != new
    assert fold(old) == fold(new) == "hoa"
    assert fold("Thanh Hoá") == fold("Thanh Hóa") == "thanh hoa"
    assert slug("Khánh Hoà") == slug("Khánh Hòa") == "khanh-hoa"


def test_fold_maps_d_with_stroke() -> None:
    assert fold("Đà Nẵng") == "da nang"
    assert fold("đề án") == "de an"
    assert fold(nfd("ĐỀ ÁN")) == "de an"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("52-NQ/TW", "52-nq-tw"),
        ("190-KH/TU", "190-kh-tu"),
        ("45/KH-UBND", "45-kh-ubnd"),
        ("Sở KH&CN Quảng Trị", "so-kh-cn-quang-tri"),
        ("  Tỉnh ủy -- Hà Tĩnh  ", "tinh-uy-ha-tinh"),
        (nfd("Điện Biên"), "dien-bien"),
        ("", ""),
    ],
)
def test_slug(text: str, expected: str) -> None:
    assert slug(text) == expected


def test_slug_is_idempotent_and_ascii() -> None:
    once = slug("Chương trình hành động số 12-CTr/TU")
    assert slug(once) == once
    assert once.isascii()
