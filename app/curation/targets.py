"""Numeric targets: value (Vietnamese decimals, ranges), unit, comparator, year and the indicator they measure.

``đạt tối thiểu 30% GDP`` → 30, at_least; ``tăng trung bình 16 - 18%/năm`` → 16 to 18, range, ``%/năm``;
``trên 55%`` → over; ``khoảng`` → about; ``không quá 1 km`` → at_most. The year is the clause's
``năm 2019``, else the sentence's ``Đến năm 2020``, else the nearest heading that names one
(``Mục tiêu đến năm 2030``). The indicator is the words before the number in its clause (or after
it when nothing precedes), matched to the gazetteer's indicators by their folded words.
"""

from __future__ import annotations

import re
from bisect import bisect_left

from app.core.text import fold
from app.curation.gazetteer import Gazetteer, KnownIndicator
from app.curation.references import LOOKBACK, fold_same_length, line_start
from app.curation.summary import Comparator, TargetRef

__all__ = ["read_targets"]

_NUM = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d{1,6}(?:,\d+)?"
_MEASURE_UNITS = r"%/năm|%|Mbit/s|Mbps|Gbit/s|km|MW|kWh|tỷ đồng|triệu đồng|USD"
_TARGET = re.compile(
    rf"(?<![\w/.,-])(?P<v>{_NUM})(?:\s?(?:-|–|đến)\s?(?P<h>{_NUM}))?\s?"
    rf"(?:(?P<u>{_MEASURE_UNITS})(?![\w])|(?P<n>[a-zà-ỹđ]+)|(?=[\s;.,)]|$))"
)
_NOT_COUNT = frozenset({"ngày", "tháng", "năm", "quý", "giờ", "lần", "giai", "điều", "khoản", "điểm", "phút"})
# Comparator phrases (folded), longest first; each must end right before the number.
_COMPARATORS: tuple[tuple[str, Comparator], ...] = (
    ("khong thap hon", "at_least"), ("khong duoi", "at_least"), ("toi thieu", "at_least"), ("it nhat", "at_least"),
    ("khong vuot qua", "at_most"), ("khong qua", "at_most"), ("toi da", "at_most"), ("duoi", "at_most"),
    ("khoang", "about"), ("xap xi", "about"), ("tren", "over"), ("hon", "over"), ("vuot", "over"),
)
_COMPARATOR = re.compile(r"(?<![a-z])(" + "|".join(c for c, _ in _COMPARATORS) + r")(?: co| dat| tu)?\s*$")
_COMPARATOR_KIND = dict(_COMPARATORS)
_FILLER = re.compile(
    r"(?:^|\s)(?:phan dau|dat|o muc|tang trung binh|tang|duy tri|chiem|trong do|co tu|co|thu hut them|"
    r"thu hut|bo tri|hoan thanh|phu song|bang|toi thieu|it nhat|tren|hon|khoang|den nam \d{4}|nam \d{4}|"
    r"toi da|khong qua|duoi|vuot)\s*$"
)
_TARGET_CONTEXT = re.compile(r"(?<![a-z])(?:dat|phan dau|toi thieu|it nhat|khong duoi|tren|hon|khoang|co tu|"
                             r"thu hut|toi da|khong qua|muc tieu)(?![a-z])")
_CLAUSE = re.compile(r"[;.:\n|]")
_YEAR_IN = re.compile(r"(?<![a-z])(?:den nam|den|nam|vao nam)\s?((?:19|20)\d{2})(?!\d)")
_TAIL_END = re.compile(r"[;.:\n|]| va \d")
_HEADING = re.compile(r"^\s*(?:#{1,6}\s|\*\*|[IVX]+[.\-]|\d+[.)]\s|muc tieu)[^\n]*$", re.M)


def read_targets(text: str, gazetteer: Gazetteer | None = None) -> tuple[TargetRef, ...]:
    """Read the numeric targets of ``text`` (already cleaned), each with its span."""
    gazetteer = gazetteer or Gazetteer()
    folded = fold_same_length(text)
    headings = [(h.start(), int(y.group(1))) for h in _HEADING.finditer(folded)
                for y in [_YEAR_IN.search(h.group(0))] if y]
    years = [(y.start(), int(y.group(1))) for y in _YEAR_IN.finditer(folded)]
    found: list[TargetRef] = []
    previous: tuple[int, str] | None = None  # where the last target ended, and its indicator
    for m in _TARGET.finditer(text):
        unit = m.group("u")
        noun = m.group("n")
        if unit is None and ((noun is None and "," not in m.group("v")) or noun in _NOT_COUNT):
            continue  # a bare integer, or a date or duration: never a target on its own
        start = m.start()
        value = _number(m.group("v"))
        high = _number(m.group("h")) if m.group("h") else None
        if (unit is None and 1900 <= value <= 2100 and high is None) or _in_parentheses(folded, start) \
                or _in_document_number(text, m) or folded.startswith("|", line_start(folded, start)):
            continue  # a year, a qualifier in brackets, part of a number; task tables hold deadlines
        clause_start = _clause_start(folded, start)
        before = folded[clause_start:start]
        comparator = _COMPARATOR.search(before[-30:])
        if unit is None and noun is None:
            if comparator is None:
                continue
            unit = ""  # an index: "duy trì trên 0,7"
        elif unit is None:
            if not (comparator or _TARGET_CONTEXT.search(before[-40:])) or re.search(r"(?<![a-z])nhom\s*$", before):
                continue  # "nhóm 3 nước dẫn đầu" is a ranking, not a quantity
            unit = "count"
        kind: Comparator = "range" if high is not None else (
            _COMPARATOR_KIND[comparator.group(1)] if comparator else "exactly")
        if kind == "exactly" and folded.startswith(" tro len", m.end()):
            kind = "at_least"
        if kind == "exactly" and re.search(r"(?<![a-z])khong[^;.]{0,30}qua\s*$", before):
            kind = "at_most"
        end = m.end("u") if m.group("u") else m.end("v") if m.group("h") is None else m.end("h")
        indicator = _indicator(text, folded, clause_start, start, end)
        if previous is not None and not _subject_before(folded, clause_start, start) \
                and re.match(r"\s*(?:[,;.]|$)", folded[end:end + 3]) \
                and not re.search(r"[;.\n]", folded[previous[0]:start]):
            indicator = previous[1]  # "…, năm 2018 đạt 99%, năm 2019 đạt 99,5%": the same indicator
        previous = (end, indicator)
        found.append(TargetRef(
            indicator=indicator, indicator_iri=_match(indicator, gazetteer.indicators),
            value=value, value_high=high, unit=unit, comparator=kind,
            year=_year(folded, clause_start, start, years, headings), span=(clause_start + _lead(before), end),
        ))
    return tuple(found)


def _number(raw: str) -> float:
    return float(raw.replace(".", "").replace(",", "."))


def _in_parentheses(folded: str, at: int) -> bool:
    opened = folded.rfind("(", max(0, at - 120), at)
    return opened != -1 and folded.find(")", opened, at) == -1


def _in_document_number(text: str, m: re.Match[str]) -> bool:
    after = text[m.end("v"): m.end("v") + 1]
    before = text[m.start() - 1: m.start()] if m.start() else ""
    return (after in ("/", "-") and not m.group("h")) or before in ("/", "-")


def _clause_start(folded: str, at: int) -> int:
    start = max(0, at - 200)
    last = start
    for b in _CLAUSE.finditer(folded, start, at):
        last = b.end()
    # A comma or "và" after an earlier target (or a year) opens a new clause: "đạt 2% GDP, trong đó …".
    base = last
    for c in re.finditer(r",\s| va ", folded[base:at]):
        if re.search(r"\d", folded[last: base + c.start()]):
            last = base + c.end()
    return last


def _lead(before: str) -> int:
    return len(before) - len(before.lstrip(" -*•+\t"))


def _without_fillers(before: str) -> int:
    """Where ``before`` ends once the verbs and comparators in front of the number are cut off."""
    cut = len(before)
    while True:
        floor = max(0, cut - 40)  # fillers are short: look at the tail only
        f = _FILLER.search(before, floor, cut)
        if f is None or f.start() == f.end():
            return cut
        cut = f.start()


def _subject_before(folded: str, clause_start: int, start: int) -> bool:
    before = folded[clause_start:start]
    return len(before[:_without_fillers(before)].split()) >= 2


def _indicator(text: str, folded: str, clause_start: int, start: int, end: int) -> str:
    before = folded[clause_start:start]
    cut = _without_fillers(before)
    phrase = text[clause_start: clause_start + cut].strip(" -*•+,\t")
    phrase = re.sub(r"^(?:[a-zđ]\)\s*)", "", phrase)
    if len(phrase.split()) < 2:
        stop = _TAIL_END.search(folded, end, end + 300)
        tail = text[end: stop.start() if stop else len(text)].strip(" ,")
        phrase = " ".join(tail.split()[:12])
    words = phrase.split()
    return " ".join(words[-16:]) if words else ""


def _year(
    folded: str, clause_start: int, at: int, years: list[tuple[int, int]], headings: list[tuple[int, int]],
) -> int | None:
    """The clause's last year, else the sentence's first, else the nearest heading's (all found once, by bisection)."""
    last = bisect_left(years, (at, 0))
    if last and years[last - 1][0] >= clause_start:
        return years[last - 1][1]
    floor = max(0, at - LOOKBACK)
    sentence_start = max(folded.rfind(".", floor, at), folded.rfind("\n", floor, at), floor - 1) + 1
    first = bisect_left(years, (sentence_start, 0))
    if first < last:
        return years[first][1]
    n = bisect_left(headings, (at, 0))
    return headings[n - 1][1] if n else None


def _words(s: str) -> set[str]:
    return set(fold(s).replace("y", "i").split()) - {"cua", "va", "cac", "trong", "tren", "ve", "%"}


def _match(indicator: str, known: tuple[KnownIndicator, ...]) -> str | None:
    """The gazetteer indicator whose words the phrase holds (most of them), if one fits."""
    words = _words(indicator)
    best: tuple[float, str] | None = None
    for ind in known:
        for label in ind.labels:
            lw = _words(label)
            if len(lw) < 2:
                continue
            score = len(words & lw) / len(lw)
            if score >= 0.75 and (best is None or score > best[0]):
                best = (score, ind.iri)
    return None if best is None else best[1]
