"""Pasted input (plain text, markdown, an HTML page, text copied out of a PDF) → clean NFC text.

Every reader of the extractor works on ``clean(text)`` and its spans index into it. What is
dropped: HTML scripts, styles, navigation, headers, footers, menus and comments; page numbers alone
on a line; base64 residue of scanned PDFs; markdown backslash escapes. What is repaired: line
breaks inside a sentence, letter-spaced syllables ("Đ ế n" → "Đến"), spaces lost before numbers
("số2260/QĐ-UBND", "ngày18/8/2009") and between glued words ("đốcSở"). Markdown table rows are
kept one per line with their ``|`` separators, so the task-table reader can split them.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from app.core.text import nfc

__all__ = ["clean", "html_to_text", "looks_like_html"]

_HTML_HINT = re.compile(r"<(?:!doctype|html|body|head|div|p|table|script|article|section)\b", re.I)
# Markdown copied from GitHub keeps a cell's line breaks as <br>: inside a table row it is a space.
_BR = re.compile(r"<br\s*/?>", re.I)
# Elements whose content is never the document: page furniture and code.
_SKIP_TAGS = frozenset({"script", "style", "title", "nav", "header", "footer", "noscript", "template", "aside",
                        "form", "button", "select", "iframe", "svg", "menu"})
_SKIP_HINT = re.compile(r"(?:^|[\s_-])(?:menu|nav|navbar|footer|header|breadcrumbs?|sidebar|banner|share|social|"
                        r"cookie|advert|ads)(?:$|[\s_-])", re.I)
_BLOCK_TAGS = frozenset({"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "table",
                         "tbody", "thead", "section", "article", "blockquote", "pre", "hr", "dd", "dt", "main"})
_VOID_TAGS = frozenset({"br", "hr", "img", "input", "meta", "link", "area", "base", "col", "embed", "source",
                        "track", "wbr"})

_LOWER = "a-zàáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
_UPPER = "A-ZÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴĐ"
# A lone accented vowel between an onset and (optionally) a final consonant is a syllable that a
# PDF or scraper spread out: "Đ ế n", "h ế t", "t ỉ nh", "ch ế độ", "L ê Minh".
_ACCENTED = "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"
_ONSET = r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnpqrstvx])"
_FINAL = r"(?:ng|nh|ch|[cmnpt])"
_SPREAD = re.compile(
    rf"(?<![\w])({_ONSET}) ([{_ACCENTED}{_ACCENTED.upper()}])(?: ({_FINAL}))?(?![\w])", re.I
)
# Compounds a scraper glued ("Ủy bannhân dân", "Quyếtđịnh", "côngnghiệp"): spaces put back.
_GLUED_TERMS = ("Ủy ban nhân dân", "Hội đồng nhân dân", "Quyết định", "Nghị quyết", "Kế hoạch", "thủ tục hành chính",
                "công bố", "kèm theo", "Giám đốc", "công nghiệp", "giải quyết", "thẩm quyền", "nước ngoài",
                "thực tập", "chuẩn hóa", "hành chính", "có hiệu lực", "chịu trách nhiệm", "thi hành")
_GLUED_TERM = re.compile("|".join(r"\s?".join(f"({w})" for w in t.split()) for t in _GLUED_TERMS), re.I)
_NUMBER_WORD = re.compile(r"(?<![\w])(số|ngày|tháng|năm)(?=\d)", re.I)
_WORD_AFTER_NUMBER = re.compile(r"(?<=\d)(?=(?:tháng|năm)(?![\w]))", re.I)
_GLUED = re.compile(rf"(?<=[{_LOWER}][{_LOWER}])(?=[{_UPPER}][{_LOWER}])")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!&>~])")  # \| stays: it is a pipe inside a table cell
_PAGE_NUMBER = re.compile(r"[-–—]?\s*(?:trang\s+|page\s+)?\d{1,3}\s*(?:/\s*\d{1,3})?\s*[-–—]?", re.I)
_LEADING_PAGE = re.compile(r"^\d{1,3}\s{3,}(?=[-*•+])")
_BASE64 = re.compile(r"[A-Za-z0-9+/]{24,}={0,2}")
_SPACES = re.compile(r"[ \t]{2,}|\t")
_ODD_SPACES = str.maketrans(dict.fromkeys("\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
                                          "\u200a\u202f\u205f\u3000", " ") | {"\u200b": None})
# A token of seven letters or more with a Vietnamese letter in it may be two syllables glued together.
_LONG_TOKEN = re.compile(r"[^\W\d_]{7,}")
_SPACE_BEFORE_PUNCT = re.compile(r" +(?=[,;])")
_ENDS_SENTENCE = re.compile(r"[.;:!?…)\]\"”]\s*$|\*\*\s*$")
_BLOCK_START = re.compile(r"\s*(?:#|\||---)")
_CONTINUATION = re.compile(rf"^[{_LOWER}(]")


def looks_like_html(text: str) -> bool:
    """True when ``text`` is (part of) an HTML page rather than plain text or markdown."""
    return _HTML_HINT.search(text[:20000]) is not None


class _TextOfPage(HTMLParser):
    """Collects the visible text of a page, minus its furniture; table rows become ``| a | b |`` lines."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip: list[str] = []  # the open elements we are skipping (by tag name)
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID_TAGS:
            if not self._skip and tag in ("br", "hr"):
                self._write("\n")
            return
        hint = " ".join(v or "" for k, v in attrs if k in ("class", "id", "role"))
        if self._skip or tag in _SKIP_TAGS or _SKIP_HINT.search(hint):
            self._skip.append(tag)
            return
        if tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []
        elif tag in _BLOCK_TAGS:
            self._write("\n")

    def handle_endtag(self, tag: str) -> None:
        if self._skip:
            if tag in self._skip:  # tolerate unclosed children of the skipped element
                while self._skip and self._skip.pop() != tag:
                    pass
            return
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()).replace("|", "\\|"))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self.parts and not self.parts[-1].endswith("\n"):
                self.parts.append("\n")
            self.parts.append("| " + " | ".join(self._row) + " |\n")  # rows stay adjacent: one table
            self._row = None
        elif tag in _BLOCK_TAGS:
            self._write("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._write(data)

    def _write(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        elif self._row is None:
            self.parts.append(data)


def html_to_text(page: str) -> str:
    """The visible text of an HTML page: no scripts, styles, menus, headers, footers or comments."""
    parser = _TextOfPage()
    parser.feed(page)
    parser.close()
    return "".join(parser.parts)


def clean(text: str) -> str:
    """Turn pasted input into the clean NFC text the extractor reads (spans index into the result)."""
    text = nfc(text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")).translate(_ODD_SPACES)
    if looks_like_html(text):
        text = nfc(html_to_text(text)).translate(_ODD_SPACES)
    elif "<" in text:
        text = "\n".join(_BR.sub(" " if line.lstrip().startswith("|") else "\n", line) for line in text.split("\n"))
    # Each output line is the list of the physical lines joined into it: joining stays linear.
    lines: list[list[str]] = []
    for raw in text.split("\n"):
        line = _repair(raw)
        stripped = line.strip()
        if stripped and (_PAGE_NUMBER.fullmatch(stripped) or (_BASE64.fullmatch(stripped)
                         and _is_residue(stripped))):
            continue
        if stripped and not stripped.strip("*_ ").strip():
            continue  # emphasis markers around nothing
        if lines and stripped and lines[-1][-1].strip() and _CONTINUATION.match(stripped) \
                and not _ENDS_SENTENCE.search(lines[-1][-1]) and not _BLOCK_START.match(lines[-1][0]) \
                and not line.startswith(("|", " ")):
            lines[-1][-1] = lines[-1][-1].rstrip()
            lines[-1].append(stripped)  # a PDF line break inside a sentence
            continue
        lines.append([line])
    return re.sub(r"\n{3,}", "\n\n", "\n".join(" ".join(parts) for parts in lines)).strip("\n")


def _repair(line: str) -> str:
    line = _LEADING_PAGE.sub("", line)
    line = _SPACES.sub(" ", line).rstrip()
    line = _ESCAPE.sub(r"\1", line)
    line = _SPREAD.sub(_join_spread, line)
    if any(not t.isascii() for t in _LONG_TOKEN.findall(line)):
        line = _GLUED_TERM.sub(_unglue, line)
    line = _NUMBER_WORD.sub(r"\1 ", line)
    line = _WORD_AFTER_NUMBER.sub(" ", line)
    line = _GLUED.sub(" ", line)
    return _SPACE_BEFORE_PUNCT.sub("", _SPACES.sub(" ", line))


def _unglue(match: re.Match[str]) -> str:
    words = " ".join(g for g in match.groups() if g)
    line, start, end = match.string, match.start(), match.end()
    before = " " if start > 0 and line[start - 1].isalpha() else ""
    after = " " if end < len(line) and line[end].isalpha() else ""
    return before + words + after


def _join_spread(match: re.Match[str]) -> str:
    onset, vowel, final = match.group(1), match.group(2), match.group(3) or ""
    if onset.islower() and vowel.isupper():
        return match.group(0)
    return onset + vowel + final


def _is_residue(token: str) -> bool:
    """A long token mixing digits and both cases with no vowel-rich words: encoded residue, not text."""
    return any(c.isdigit() for c in token) and any(c.isupper() for c in token) and " " not in token
