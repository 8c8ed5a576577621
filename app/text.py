"""Unicode helpers for Vietnamese text: NFC, accent-folding and slugs as CONVENTIONS.md defines them."""

from __future__ import annotations

import re
import unicodedata

_WHITESPACE = re.compile(r"\s+")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
# đ/Đ are letters of their own, not d + a combining mark, so NFD leaves them alone.
_D_MAP = str.maketrans({"đ": "d", "Đ": "D"})


def nfc(s: str) -> str:
    """Return ``s`` in Unicode NFC, the form all project text is stored in."""
    return unicodedata.normalize("NFC", s)


def fold(s: str) -> str:
    """Fold ``s`` for comparison: drop accents and tone marks, đ→d, casefold, collapse whitespace."""
    decomposed = unicodedata.normalize("NFD", s)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = stripped.translate(_D_MAP)
    return _WHITESPACE.sub(" ", stripped.casefold()).strip()


def slug(s: str) -> str:
    """Fold ``s`` and join its ASCII letters and digits with ``-`` (``52-NQ/TW`` → ``52-nq-tw``)."""
    return _NON_ALNUM.sub("-", fold(s)).strip("-")
