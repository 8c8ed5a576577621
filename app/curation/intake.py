"""The text a curator hands in, as bytes from a file, a request body or an upload: decoded and checked.

One rule for the CLI and the HTTP API: UTF-8 unless a charset is declared (a byte-order mark is
dropped), never a binary file (a PDF, a Word document, an image: they are named so the curator
knows to paste their text instead), never empty. Each refusal is an ``InvalidInput`` whose
message says which, and where the first undecodable byte is.
"""

from __future__ import annotations

import codecs

from app.core.errors import InvalidInput, shown

__all__ = ["decode_text", "require_text"]

# How much of the start is sniffed for a binary file (magic numbers, NUL bytes).
_SNIFF_BYTES = 8192
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF file"),
    (b"PK\x03\x04", "a zip archive (a .docx, .xlsx or .odt document?)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office document (.doc, .xls)"),
    (b"{\\rtf", "an RTF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def decode_text(data: bytes, charset: str | None = None, *, what: str = "the text") -> str:
    """``data`` as text (UTF-8, or the declared ``charset``), refused when binary, undecodable or empty."""
    encoding = (charset or "utf-8").strip().lower()
    for bom, name in _BOMS:
        if data.startswith(bom):
            data, encoding = data[len(bom):], name
            # A BOM says what the bytes are, whatever was declared; utf-16 reads its own BOM.
            if name == "utf-16":
                data = bom + data
            break
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            raise InvalidInput(f"{what} is {kind}, not text: paste or upload the document's text (.txt, .md, .html)")
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise InvalidInput(f"{what} declares the charset {shown(charset)}, which is not known; send UTF-8") from None
    if not encoding.startswith("utf-16") and b"\x00" in data[:_SNIFF_BYTES]:
        raise InvalidInput(f"{what} is binary (it holds NUL bytes), not text: paste or upload the document's text")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"{what} is not valid {encoding.upper()}: byte 0x{data[exc.start]:02x} at offset {exc.start} "
            "cannot be read; save the text as UTF-8"
        ) from None
    return require_text(text, what=what)


def require_text(text: str, *, what: str = "the text") -> str:
    """``text`` itself, refused when empty or only whitespace, or when it holds NUL characters."""
    if not text.strip():
        raise InvalidInput(f"{what} is empty" if not text else f"{what} holds only whitespace")
    if "\x00" in text:
        raise InvalidInput(f"{what} holds NUL characters: it is binary, not text")
    return text
