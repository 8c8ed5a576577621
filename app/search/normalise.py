"""Free text from users, made ready to search or to look up: NFC, no control characters, bounded.

Everything a person types (a question, an agency, a document number) passes here first, so the
search index and the domain answers see the same text; nothing here needs the index itself.
"""

from __future__ import annotations

import re

from app.core.errors import ParameterError
from app.core.text import nfc

__all__ = ["MAX_QUERY_CHARS", "NOT_BLANK", "clean_query", "optional_query"]

MAX_QUERY_CHARS = 1000
_CONTROL_CHARS = r"\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff"
_CONTROL = re.compile(f"[{_CONTROL_CHARS}]")
#: What ``clean_query`` asks of a text (one character that is neither space nor control), as a
#: regular expression that reads the same in Python and in JSON Schema (ECMA-262), for the API docs.
NOT_BLANK = f"[^\\s{_CONTROL_CHARS}]"


def clean_query(text: str, *, name: str = "q", max_chars: int = MAX_QUERY_CHARS) -> str:
    """The question as NFC text without control characters; ParameterError when empty or too long.

    The limit is checked on the raw text so a megabyte of whitespace is refused, not stripped.
    """
    cleaned = optional_query(text, name=name, max_chars=max_chars)
    if cleaned is None:
        raise ParameterError(f"{name} is empty: give a few words to search for", name=name)
    return cleaned


def optional_query(text: str | None, *, name: str, max_chars: int = MAX_QUERY_CHARS) -> str | None:
    """Like ``clean_query`` for an optional text: None when it is absent or blank."""
    if text is None:
        return None
    if len(text) > max_chars:
        raise ParameterError(f"{name} is {len(text)} characters long; the limit is {max_chars}", name=name)
    return _CONTROL.sub(" ", nfc(text)).strip() or None
