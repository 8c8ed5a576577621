"""``decode_text``: the one rule for a curator's bytes (UTF-8 or the declared charset; never binary or empty)."""

from __future__ import annotations

import codecs

import pytest

from app.core.errors import InvalidInput
from app.curation.intake import decode_text

TEXT = "Kế hoạch số 47/KH-UBND ngày 09 tháng 01 năm 2025"


@pytest.mark.parametrize(("data", "charset"), [
    (TEXT.encode(), None),
    (codecs.BOM_UTF8 + TEXT.encode(), None),
    (TEXT.encode("utf-16"), None),  # its byte-order mark says what it is
    (TEXT.encode("utf-16-le"), "utf-16-le"),
    (TEXT.encode(), "UTF-8"),
])
def test_text_is_decoded(data: bytes, charset: str | None) -> None:
    assert decode_text(data, charset) == TEXT


def test_a_declared_vietnamese_legacy_charset_is_read() -> None:
    assert decode_text("Kê hoach".encode("cp1258"), "windows-1258") == "Kê hoach"


@pytest.mark.parametrize(("data", "needle"), [
    (b"", "is empty"),
    (b" \r\n ", "only whitespace"),
    (codecs.BOM_UTF8, "is empty"),
    (b"%PDF-1.5\n", "a PDF file"),
    (b"PK\x03\x04rest", "zip archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old Office document"),
    (b"{\\rtf1\\ansi", "RTF"),
    (b"\xff\xd8\xff\xe0", "JPEG"),
    (b"GIF89a", "GIF"),
    (b"\x1f\x8b\x08", "gzip"),
    (b"text\x00with NUL", "binary (it holds NUL bytes)"),
    (b"K\xea hoach", "not valid UTF-8: byte 0xea at offset 1"),
])
def test_what_is_no_text_is_refused_saying_why(data: bytes, needle: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        decode_text(data, what="plan.txt")
    assert str(refused.value).startswith("plan.txt ") and needle in str(refused.value)


def test_an_unknown_charset_is_named() -> None:
    with pytest.raises(InvalidInput, match="charset 'x-unknown'"):
        decode_text(b"abc", "x-unknown")
