"""Unicode helpers for Vietnamese text: NFC, accent-folding and slugs as CONVENTIONS.md defines them."""

from __future__ import annotations

import re
import unicodedata

_WHITESPACE = re.compile(r"\s+")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
# đ/Đ are letters of their own, not d + a combining mark, so NFD leaves them alone.
_D_MAP = str.maketrans({"đ": "d", "Đ": "D"})
_COMMON_MARKS = re.compile("[\u0300-\u034e\u0350-\u036f]+")  # U+034F joins, it is no mark


def nfc(s: str) -> str:
    """Return ``s`` in Unicode NFC, the form all project text is stored in."""
    return unicodedata.normalize("NFC", s)


def fold(s: str) -> str:
    """Fold ``s`` for comparison: drop accents and tone marks, đ→d, casefold, collapse whitespace."""
    decomposed = unicodedata.normalize("NFD", s)
    # Vietnamese marks all sit in U+0300-U+036F: one regex pass removes them, and text that is
    # ASCII afterwards has no combining mark left. Other scripts take the general (slower) test.
    stripped = _COMMON_MARKS.sub("", decomposed).translate(_D_MAP)
    if not stripped.isascii():
        stripped = "".join(ch for ch in stripped if not unicodedata.combining(ch))
    return _WHITESPACE.sub(" ", stripped.casefold()).strip()


def slug(s: str) -> str:
    """Fold ``s`` and join its ASCII letters and digits with ``-`` (``52-NQ/TW`` → ``52-nq-tw``)."""
    return _NON_ALNUM.sub("-", fold(s)).strip("-")
