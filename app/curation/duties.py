"""Responsibilities read from a text: who leads, coordinates, advises on or is given which task.

Three shapes of text are read, each giving ``Responsibility`` records with the span they come from:

* sentences: "X chủ trì, phối hợp với Y, Z … <task>" (X leads, Y and Z coordinate),
  "X phối hợp với Y …" (both coordinate), "X tham mưu …" (advises), "giao X …",
  "Đề nghị X …", "X có trách nhiệm …", "X: …" and "X <verb> …" (assigned);
* headings that name an agency above its duties ("1. Bộ Khoa học và Công nghệ:" then
  "- Chủ trì …", "- Phối hợp …"): each duty is the heading's agency's, its role from the duty's
  first verb (chủ trì → lead, phối hợp → coordinate, tham mưu → advise, else assigned);
* task tables (markdown rows), with a header row naming the columns (Cơ quan chủ trì,
  Cơ quan phối hợp, Kết quả, Thời gian hoàn thành) or without one, the columns then inferred
  from their cells (agency names, years and months, row numbers).

Collectives that name no kind of agency ("các cơ quan, đơn vị có liên quan") are left out;
"các bộ, ngành, địa phương" is kept as one collective agency. The clause that makes officials
execute the document ("… chịu trách nhiệm thi hành Quyết định này") is no duty and is skipped,
as is the list of recipients ("Nơi nhận:"). Every pattern scans the text once, line by line.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from app.core.text import fold
from app.curation.agencies import (
    AgencyResolver,
    NamedAgency,
    Province,
    find_province,
    is_generic,
    scan_agencies,
    starts_with_verb,
)
from app.curation.gazetteer import Gazetteer
from app.curation.summary import Responsibility, Role, Span

__all__ = ["normalise_deadline", "read_responsibilities"]

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
# Deadlines, matched on folded text (accents gone, lower case), most precise form first.
_RANGE = re.compile(r"(?<!\d)((?:19|20)\d\d)\s*[-–—]\s*((?:19|20)\d\d)(?!\d)")
_DAY = re.compile(r"(?<!\d)(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*((?:19|20)\d\d)(?!\d)")
_DAY_WORDS = re.compile(r"ngay\s*(\d{1,2})\s*thang\s*(\d{1,2})\s*(?:nam|/)\s*((?:19|20)\d\d)(?!\d)")
_QUARTER = re.compile(r"quy\s*(iv|i{1,3}|[1-4])\s*(?:/|nam|-)\s*((?:19|20)\d\d)(?!\d)")
_MONTH = re.compile(r"(?:thang\s*)?(?<!\d)(\d{1,2})\s*(?:/|nam|-)\s*((?:19|20)\d\d)(?!\d)")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
# In a sentence only a date after one of these words is a deadline (not the date of a document).
_DEADLINE_CUE = re.compile(
    r"(?:truoc ngay|cham nhat(?: (?:vao|trong|la))?|hoan thanh(?: (?:trong|truoc|vao))?|trong(?= (?:quy|thang|nam))"
    r"|truoc(?= (?:quy|thang|nam))|den het|xong truoc|trong giai doan)\s*"
)
# "… trình Chính phủ (ban hành) Nghị định …": the document to be submitted is the deliverable.
_SUBMIT = re.compile(
    r"trình\s+(Thủ tướng Chính phủ|Chính phủ|Quốc hội|Ủy ban Thường vụ Quốc hội|Bộ Chính trị|Ban Bí thư"
    r"|Ban Chấp hành Trung ương|Ủy ban nhân dân tỉnh|UBND tỉnh|Hội đồng nhân dân tỉnh|HĐND tỉnh|cấp có thẩm quyền)"
    r"(?:\s+(?:xem xét,?\s*)?(?:ban hành|phê duyệt|thông qua|quyết định))?\s+(?:dự thảo\s+|hồ sơ\s+)?"
    r"(Nghị định|Nghị quyết|Quyết định|Luật|Pháp lệnh|Thông tư|Chỉ thị|Đề án|Kế hoạch|Chương trình|Chiến lược"
    r"|Quy hoạch|Báo cáo|Dự án Luật|Dự án)(?![\wÀ-ỹ])"
)
# A line's marker: page-number noise, markdown heading or bullet, "1.", "2\.", "IV-", "a)".
_MARKER = re.compile(
    r"[ \t]*(?:\d+[ \t]+(?=[-*•+]))?(?:#{1,6}[ \t]*)?(?:\*\*)?[ \t]*"
    r"(?:[-*•+–][ \t]+|\d+(?:\.\d+)*[ \t]*\\?[.)][ \t]*|[IVXL]+[ \t]*\\?[.\-–)][ \t]*|[a-zđ]\)[ \t]*)?(?:\*\*)?[ \t]*"
)
_ASKS = re.compile(r"(?:Đề nghị|đề nghị|Giao|giao|Yêu cầu|yêu cầu)\s+")
# A heading may name whose duties follow: "Trách nhiệm của Sở Tài chính", "Đề nghị các huyện".
_HEADING_ASKS = re.compile(r"(?:(?:Trách nhiệm|Nhiệm vụ)(?: của)?|Đề nghị|Giao|Yêu cầu)\s+")
# A line under a duty giving its deadline or result: "- Thời gian hoàn thành: Quý III/2025".
_META = re.compile(r"(?:(Thời gian|Thời hạn|Tiến độ)|(Kết quả|Sản phẩm))(?:[ \t]+[\wÀ-ỹ]+){0,3}[ \t]*:[ \t]*")
_MID_ASK = re.compile(r"(?<![\wÀ-ỹ])(?:giao|đề nghị|yêu cầu)\s+")
_MID_CUE = re.compile(r"(?<![\wÀ-ỹ])(?:chủ trì|có trách nhiệm|tham mưu)(?![\wÀ-ỹ])")
_LEAD = re.compile(r"(?:[Cc]hủ trì)(?![\wÀ-ỹ])[,\s]*(?:(?:và\s+)?phối hợp(?:\s+chặt chẽ)?(?:\s+với)?(?![\wÀ-ỹ])\s*)?")
_COORD = re.compile(r"(?:[Cc]hủ động\s+)?[Pp]hối hợp(?:\s+chặt chẽ)?(?:\s+với)?(?![\wÀ-ỹ])\s*")
_ADVISE = re.compile(r"[Tt]ham mưu(?![\wÀ-ỹ])\s*")
_DUTY = re.compile(
    r"(?:[Cc]ó|[Cc]hịu)\s+trách nhiệm(?![\wÀ-ỹ])\s*|[Đđ]ược\s+(?:giao|phân công)(?![\wÀ-ỹ])\s*|:\s*"
)
_EXECUTION = re.compile(r"chịu trách nhiệm (?:thi hành|tổ chức thi hành|thực hiện)\s+(?:Quyết định|Nghị quyết|Chỉ thị|Thông tư|Kế hoạch|văn bản)\s+này")
_NARRATIVE = re.compile(r"\s*(?:đã|đang|vừa|ban hành|đã ban hành|ký)(?![\wÀ-ỹ])")
_RECIPIENTS = re.compile(r"Nơi nhận\s*:")
# Words a paragraph under an agency heading may begin with that are not a duty of it.
_NOT_DUTY = frozenset(
    ("trong", "khi", "nếu", "để", "căn", "theo", "trên", "với", "đối", "sau", "trước", "ngày", "nhằm", "qua",
     "về", "tại", "do", "vì", "mục", "nơi", "như", "riêng", "ngoài")
)
_HEADER_WORDS = (
    ("lead", re.compile(r"chu tri")),
    ("coordinate", re.compile(r"phoi hop")),
    ("deliverable", re.compile(r"ket qua|san pham")),
    ("deadline", re.compile(r"thoi gian|thoi han|tien do|hoan thanh")),
    ("task", re.compile(r"nhiem vu|noi dung|ten|cong viec|de an")),
    ("assigned", re.compile(r"thuc hien")),
    ("number", re.compile(r"^(?:s?tt|so tt|stt)$")),
)
_ROW_NUMBER = re.compile(r"^\W*(?:\d+(?:\.\d+)*|[IVXL]+|[a-zđ])\W*$")
_SAMPLE_ROWS = 200
# A line this short that does not end a sentence is a title or a line end, not a wrapped line.
_SHORT_LINE = 60
_RECURRING = re.compile(r"thuong xuyen|hang nam|hang quy|hang thang|dinh ky|lien tuc")


def normalise_deadline(text: str) -> str | None:
    """A deadline as "YYYY", "YYYY-MM" or "YYYY-MM-DD", or None when ``text`` states none.

    "trong quý II/2025" is the quarter's last month ("2025-06"); a period "2025-2030" is due at
    its end, so it gives the end year ("2030"); "6/2025" and "tháng 6 năm 2025" give "2025-06";
    "trước ngày 30/6/2025" gives "2025-06-30"; "Thường xuyên" (recurring) gives None.
    """
    folded = fold(text)
    if m := _RANGE.search(folded):
        return m.group(2)
    for pattern in (_DAY_WORDS, _DAY):
        if (m := pattern.search(folded)) and _valid_day(int(m.group(3)), int(m.group(2)), int(m.group(1))):
            return f"{m.group(3)}-{int(m.group(2)):02d}-{int(m.group(1)):02d}"
    if m := _QUARTER.search(folded):
        quarter = _ROMAN.get(m.group(1)) or int(m.group(1))
        return f"{m.group(2)}-{quarter * 3:02d}"
    if (m := _MONTH.search(folded)) and 1 <= int(m.group(1)) <= 12:
        return f"{m.group(2)}-{int(m.group(1)):02d}"
    if m := _YEAR.search(folded):
        return m.group(1)
    return None


def _valid_day(year: int, month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]


def _sentence_deadline(text: str) -> str | None:
    # Only a date the sentence says the task is due by; "Chỉ thị … ngày 28/11/2012" is no deadline.
    folded = fold(text)
    for cue in _DEADLINE_CUE.finditer(folded):
        found = normalise_deadline(folded[cue.end():cue.end() + 30])
        if found and (m := _YEAR.search(folded, cue.end(), cue.end() + 30)) and m.start() - cue.end() < 20:
            return found
    return None


def _deliverable(text: str) -> str | None:
    if m := _SUBMIT.search(text):
        return f"{m.group(2)} của {m.group(1)}"
    return None


@dataclass(slots=True)
class _Draft:
    agency: str
    role: Role
    start: int
    task_start: int
    end: int
    deliverable: str | None = None
    deadline: str | None = None
    #: a table row's span (the task is the task cell, the statement the whole row)
    row: Span | None = None


@dataclass(slots=True)
class _Reader:
    text: str
    drafts: list[_Draft] = field(default_factory=list)
    #: the drafts of the last duty item, which a following "Thời gian: …" line completes
    last: list[_Draft] = field(default_factory=list)

    # --- prose: headings, duty items, sentences -------------------------------------------

    def read_prose(self, lines: Sequence[Span]) -> None:
        heading: list[NamedAgency] = []
        item: Span | None = None
        previous_blank = True
        previous_end_char = ""
        previous_length = 0
        i = 0
        while i < len(lines):
            s, e = lines[i]
            line = self.text[s:e]
            if not line.strip():
                item = self._flush(item, heading)
                previous_blank = True
                i += 1
                continue
            recipients = _RECIPIENTS.search(line)
            if recipients:
                item = self._flush(item, heading)
                e = s + recipients.start()
                line = self.text[s:e]
                i = self._skip_recipients(lines, i + 1)
                if not line.strip():
                    previous_blank = True
                    continue
            else:
                i += 1
            marker = _MARKER.match(self.text, s, e)
            content_start = marker.end() if marker else s
            has_marker = marker is not None and bool(self.text[s:content_start].strip(" \t"))
            content_end = e
            while content_end > content_start and self.text[content_end - 1] in " \t*\\":
                content_end -= 1
            named = self._heading(content_start, content_end)
            if named is not None and self._dangling(named) and i < len(lines):
                joined = self._joined_heading(lines, i, content_start)
                if joined is not None:
                    named, i = joined
            if named is not None:
                item = self._flush(item, heading)
                heading = named
                previous_blank, previous_end_char = True, ":"
                continue
            if self._section_heading(line, has_marker, content_start, content_end):
                item = self._flush(item, heading)
                heading = []
                previous_blank, previous_end_char = True, ":"
                continue
            first = self.text[content_start:content_start + 1]
            # A PDF wraps long lines mid-sentence; a capital after a short or a finished line starts anew.
            new_item = (
                item is None
                or has_marker
                or previous_blank
                or (first.isupper() and (previous_end_char in ".:!?" or previous_length <= _SHORT_LINE))
            )
            if new_item:
                item = self._flush(item, heading)
                item = (content_start, content_end)
            elif item is not None:
                item = (item[0], content_end)
            previous_blank = False
            previous_end_char = self.text[content_end - 1] if content_end > content_start else ""
            previous_length = content_end - s
        self._flush(item, heading)

    def _skip_recipients(self, lines: Sequence[Span], i: int) -> int:
        # The recipients are one per line, each after a dash; the block ends at the first other line.
        while i < len(lines):
            line = self.text[lines[i][0]:lines[i][1]].strip()
            if line and not line.startswith(("-", "+", "•")):
                break
            i += 1
        return i

    def _heading(self, start: int, end: int) -> list[NamedAgency] | None:
        # A line that is only agency names (optionally "Đề nghị …", a colon, a parenthesis).
        if end - start > 200 or end <= start:
            return None
        body = self.text[start:end]
        if body.endswith((";", ".", ",")) or not any(ch.islower() for ch in body):
            return None
        ask = _HEADING_ASKS.match(self.text, start, end)
        pos = ask.end() if ask else start
        scan = scan_agencies(self.text, pos, end)
        if scan is None or scan.stopped_at_verb:
            return None
        rest = self.text[scan.end:end].strip(" \t:*")
        if rest and not (rest.startswith("(") and rest.endswith(")")):
            return None
        return list(scan.agencies)

    @staticmethod
    def _dangling(named: list[NamedAgency]) -> bool:
        # "… ; Công ty" broken by the PDF before "Điện lực Đắk Nông" on the next heading line.
        return named[-1].label in ("Công ty", "Sở", "Bộ", "Ban", "Ủy ban", "Trung tâm", "Tổng công ty")

    def _joined_heading(self, lines: Sequence[Span], i: int, start: int) -> tuple[list[NamedAgency], int] | None:
        while i < len(lines) and not self.text[lines[i][0]:lines[i][1]].strip():
            i += 1
        if i >= len(lines):
            return None
        s, e = lines[i]
        if not self.text[s:e].lstrip().startswith("#"):
            return None
        marker = _MARKER.match(self.text, s, e)
        rest = self.text[marker.end() if marker else s:e].strip(" \t*")
        if not rest:
            return None
        # The two halves are read as one name; its span runs from the first half to the second.
        pieces = self._heading_text(start, e)
        return (pieces, i + 1) if pieces else None

    def _heading_text(self, start: int, end: int) -> list[NamedAgency] | None:
        # A heading split over two lines: names read over the joined text, spans kept in the original.
        joined = re.sub(r"\s*\n[\s#*]*", " ", self.text[start:end])
        ask = _ASKS.match(joined)
        scan = scan_agencies(joined, ask.end() if ask else 0, len(joined))
        if scan is None or scan.stopped_at_verb:
            return None
        return [NamedAgency(a.label, (start, end)) for a in scan.agencies]

    def _section_heading(self, line: str, has_marker: bool, start: int, end: int) -> bool:
        stripped = line.strip()
        if stripped.startswith("#") or (stripped.startswith("**") and stripped.rstrip("\\ ").endswith("**")):
            return True
        body = self.text[start:end]
        short = len(body.split()) <= 8 and not body.rstrip().endswith((".", ";", ","))
        # "1. Chủ trì tổ chức hội nghị" is a short duty, not a section: it begins with a verb
        duty = bool(body) and starts_with_verb(body[:1].lower() + body[1:], 0)
        return has_marker and short and not duty and not stripped.startswith(("-", "*", "+", "•"))

    def _flush(self, item: Span | None, heading: list[NamedAgency]) -> Span | None:
        # Reads the item being gathered; returns the (no longer open) item, None.
        if item is not None:
            self.read_item(item[0], item[1], heading)
        return None

    def read_item(self, start: int, end: int, heading: Sequence[NamedAgency]) -> None:
        """Read one duty item (a bullet, a numbered paragraph, a paragraph) into drafts."""
        meta = _META.match(self.text, start, end)
        if meta is not None:
            value = " ".join(self.text[meta.end() : end].split()).strip(" .;")
            for draft in self.last:
                if meta.group(1):
                    draft.deadline = draft.deadline or normalise_deadline(value)
                elif value:
                    draft.deliverable = draft.deliverable or value
            return
        before = len(self.drafts)
        self._read_duties(start, end, heading)
        self.last = self.drafts[before:]

    def _read_duties(self, start: int, end: int, heading: Sequence[NamedAgency]) -> None:
        subject: list[str] = [a.label for a in heading]
        open_drafts: list[_Draft] = []
        first = True
        for c_start, c_end in _clauses(self.text, start, end):
            pos = c_start
            while pos < c_end and self.text[pos] in " \t\n*-•+":
                pos += 1
            if pos >= c_end:
                continue
            if _EXECUTION.search(self.text, pos, c_end):
                open_drafts = []
                first = False
                continue
            explicit, rest = self._explicit_subject(pos, c_end)
            if explicit is not None and _NARRATIVE.match(self.text, rest, c_end):
                # "Sở … ban hành Kế hoạch …", "Bộ Chính trị đã ban hành …": an act told, not a duty
                open_drafts = []
                first = False
                continue
            if explicit is not None:
                subject = explicit
            elif not subject:
                first = False
                continue
            else:
                rest = pos
            cue = _role_cue(self.text, rest, c_end)
            opens = explicit is not None or cue is not None or (first and self._duty_start(rest))
            first = False
            if not opens:
                for draft in open_drafts:
                    draft.end = c_end
                continue
            role, partners, task_start = self._role(rest, c_end, cue)
            if task_start >= c_end or not self.text[task_start:c_end].strip(" ,.;:"):
                open_drafts = []
                continue
            open_drafts = []
            for label in subject:
                if not is_generic(label):
                    open_drafts.append(_Draft(label, role, c_start if explicit else pos, task_start, c_end))
            for label in partners:
                if not is_generic(label) and label not in subject:
                    open_drafts.append(_Draft(label, "coordinate", c_start if explicit else pos, task_start, c_end))
            self.drafts.extend(open_drafts)

    def _duty_start(self, pos: int) -> bool:
        word = re.match(r"[\wÀ-ỹ]+", self.text[pos:pos + 20])
        return word is not None and word.group(0).lower() not in _NOT_DUTY and self.text[pos].isupper()

    def _explicit_subject(self, pos: int, end: int) -> tuple[list[str] | None, int]:
        ask = _ASKS.match(self.text, pos, end)
        scan = scan_agencies(self.text, ask.end() if ask else pos, end)
        if scan is not None and _MID_ASK.match(self.text, scan.end, end):
            pos = scan.end  # "UBND tỉnh giao Sở …": the one who gives the task is not given it
        elif scan is not None and (scan.stopped_at_verb or self.text[scan.end - 1:scan.end] == ":"):
            return [a.label for a in scan.agencies], scan.end
        # "… theo đó Bộ Chính trị giao Đảng đoàn Quốc hội lãnh đạo …", "…, Sở Tài chính chủ trì …"
        for m in _MID_ASK.finditer(self.text, pos, end):
            scan = scan_agencies(self.text, m.end(), end)
            if scan is not None and (scan.stopped_at_verb or self.text[scan.end - 1:scan.end] == ":"):
                return [a.label for a in scan.agencies], scan.end
        for m in _MID_CUE.finditer(self.text, pos, end):
            window = max(pos, m.start() - 200)  # a name is short: look back a bounded window only
            back = max(self.text.rfind(",", window, m.start()), self.text.rfind(" thì ", window, m.start()) + 4, window - 1) + 1
            scan = scan_agencies(self.text, back, end)
            if scan is not None and scan.stopped_at_verb and scan.end == m.start():
                return [a.label for a in scan.agencies], scan.end
        return None, pos

    def _role(self, pos: int, end: int, cue: str | None) -> tuple[Role, list[str], int]:
        while pos < end and self.text[pos] in " \t,":
            pos += 1
        role: Role = "assigned"
        partners: list[str] = []
        if cue == "lead":
            m = _LEAD.match(self.text, pos, end)
            assert m is not None
            role, with_partners = "lead", "với" in m.group(0) or "phối hợp" in m.group(0)
            pos = m.end()
            if with_partners and "với" in m.group(0):
                pos = self._partners(pos, end, partners)
        elif cue == "coordinate":
            m = _COORD.match(self.text, pos, end)
            assert m is not None
            role, pos = "coordinate", m.end()
            if "với" in m.group(0):
                pos = self._partners(pos, end, partners)
        elif cue == "advise":
            m = _ADVISE.match(self.text, pos, end)
            assert m is not None
            role, pos = "advise", m.end()
        elif cue == "assigned":
            m = _DUTY.match(self.text, pos, end)
            assert m is not None
            pos = m.end()
            # "có trách nhiệm chủ trì …", "X: Phối hợp với …": the role is the verb after the cue
            then = _role_cue(self.text, pos, end)
            if then is not None and then != "assigned":
                return self._role(pos, end, then)
        while pos < end and self.text[pos] in " \t,\n":
            pos += 1
        return role, partners, pos

    def _partners(self, pos: int, end: int, partners: list[str]) -> int:
        scan = scan_agencies(self.text, pos, end, caps_first=True)
        if scan is None:
            return pos
        partners.extend(a.label for a in scan.agencies)
        return scan.end

    # --- tables -----------------------------------------------------------------------

    def read_table(self, rows: Sequence[Span]) -> None:
        """Read a markdown task table (rows one per line) into drafts."""
        cells = [_cells(self.text, s, e) for s, e in rows]
        # Column roles are inferred from a sample of rows: enough to see the pattern, bounded cost.
        body: list[tuple[Span, list[Span]]] = []
        columns: dict[str, int] | None = None
        for (s, e), row in zip(rows, cells, strict=True):
            if all(set(self.text[a:b].strip()) <= set("-: ") for a, b in row):
                continue
            header = _header_columns([fold(self.text[a:b]) for a, b in row])
            if header is not None:
                columns = header
                continue
            body.append(((s, e), row))
        if columns is None:
            columns = self._infer_columns([row for _, row in body[:_SAMPLE_ROWS]])
        if "lead" not in columns and "assigned" not in columns:
            return
        for (s, e), row in body:
            self._read_row(s, e, row, columns)

    def _read_row(self, s: int, e: int, row: list[Span], columns: dict[str, int]) -> None:
        def cell(name: str) -> str:
            index = columns.get(name)
            if index is None or index >= len(row):
                return ""
            return " ".join(self.text[row[index][0]:row[index][1]].replace("**", " ").split())

        if "task" not in columns or not cell("task"):
            return
        deliverable = cell("deliverable") or None
        deadline = normalise_deadline(cell("deadline")) if cell("deadline") else None
        index = columns["task"]
        task_start = row[index][0] if index < len(row) else s
        roles: tuple[tuple[str, Role], ...] = (("lead", "lead"), ("coordinate", "coordinate"), ("assigned", "assigned"))
        for name, role in roles:
            position = columns.get(name)
            if position is None or position >= len(row):
                continue
            a, b = row[position]
            scan = scan_agencies(self.text, a, b, caps_first=True)
            if scan is None:
                continue
            for agency in scan.agencies:
                if not is_generic(agency.label):
                    self.drafts.append(
                        _Draft(agency.label, role, s, task_start, row[index][1], deliverable, deadline, (s, e))
                    )

    def _infer_columns(self, rows: Sequence[list[Span]]) -> dict[str, int]:
        # No header: a column of agency names is the lead (the first) or coordinating (the second)
        # one; the column of years and months the deadline; the longest other text the task.
        width = max((len(r) for r in rows), default=0)
        stats: list[tuple[float, float, float, float]] = []
        for index in range(width):
            values = [self.text[r[index][0]:r[index][1]].replace("**", " ").strip() for r in rows if index < len(r)]
            filled = [v for v in values if v]
            if not filled:
                stats.append((0.0, 0.0, 0.0, 0.0))
                continue
            spans = [r[index] for r in rows if index < len(r) and self.text[r[index][0]:r[index][1]].strip()]
            agency = sum(1 for a, b in spans if _whole_agency_cell(self.text, a, b)) / len(filled)
            dates = sum(1 for v in filled if normalise_deadline(v) or _RECURRING.search(fold(v))) / len(filled)
            numbers = sum(1 for v in filled if _ROW_NUMBER.match(v)) / len(filled)
            length = sum(len(v) for v in filled) / len(filled)
            stats.append((agency, dates, numbers, length))
        columns: dict[str, int] = {}
        agency_columns = [i for i, st in enumerate(stats) if st[0] >= 0.5]
        if not agency_columns:
            return columns
        columns["lead"] = agency_columns[0]
        if len(agency_columns) > 1:
            columns["coordinate"] = agency_columns[1]
        deadline = [i for i, st in enumerate(stats) if st[1] >= 0.5 and st[0] < 0.5 and st[3] < 40]
        if deadline:
            columns["deadline"] = deadline[-1]
        taken = set(columns.values())
        free = [i for i, st in enumerate(stats) if i not in taken and st[2] < 0.5 and st[3] > 0]
        before = [i for i in free if i < columns["lead"]]
        if before:
            columns["task"] = max(before, key=lambda i: stats[i][3])
        last_agency = columns.get("coordinate", columns["lead"])
        after = [i for i in free if i > last_agency and i != columns.get("task")]
        if after:
            columns["deliverable"] = after[0]
        return columns

    # --- result -----------------------------------------------------------------------

    def responsibilities(self, resolver: AgencyResolver) -> tuple[Responsibility, ...]:
        out: list[Responsibility] = []
        seen: set[tuple[str, str, Span]] = set()
        # Partners share their lead's task: its words, deliverable and deadline are read once.
        tasks: dict[Span, tuple[str, str | None, str | None]] = {}
        for d in self.drafts:
            span = d.row or (d.start, d.end)
            key = (d.agency, d.role, span)
            if key in seen:
                continue
            seen.add(key)
            if (d.task_start, d.end) not in tasks:
                words = " ".join(self.text[d.task_start : d.end].split()).strip(" ;,.:")
                tasks[(d.task_start, d.end)] = (words, _deliverable(words), _sentence_deadline(words))
            task, deliverable, deadline = tasks[(d.task_start, d.end)]
            out.append(
                Responsibility(
                    agency=resolver.resolve(d.agency),
                    role=d.role,
                    task=task,
                    deliverable=d.deliverable or deliverable,
                    deadline=d.deadline or deadline,
                    span=span,
                )
            )
        return tuple(out)


def _role_cue(text: str, pos: int, end: int) -> str | None:
    while pos < end and text[pos] in " \t,":
        pos += 1
    if _LEAD.match(text, pos, end):
        return "lead"
    if _COORD.match(text, pos, end):
        return "coordinate"
    if _ADVISE.match(text, pos, end):
        return "advise"
    if _DUTY.match(text, pos, end):
        return "assigned"
    return None


def _clauses(text: str, start: int, end: int) -> list[Span]:
    # Clauses end at ";" and at a sentence's end (". " before a capital); parentheses stay whole.
    out: list[Span] = []
    begin = start
    depth = 0
    for i in range(start, end):
        ch = text[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif depth == 0 and (ch == ";" or (ch == "." and (i + 1 >= end or text[i + 1] in " \n") and _capital_after(text, i + 1, end))):
            out.append((begin, i))
            begin = i + 1
    out.append((begin, end))
    return [(s, e) for s, e in out if text[s:e].strip()]


def _capital_after(text: str, pos: int, end: int) -> bool:
    while pos < end and text[pos] in " \n\t":
        pos += 1
    return pos >= end or text[pos].isupper()


def _cells(text: str, s: int, e: int) -> list[Span]:
    line = text[s:e]
    first = line.find("|")
    last = line.rfind("|")
    bars = [s + first] + [s + i for i in range(first + 1, last + 1) if line[i] == "|"]
    if last == first:
        bars.append(e)
    return [(a + 1, b) for a, b in pairwise(bars)]


def _header_columns(cells: Sequence[str]) -> dict[str, int] | None:
    found: dict[str, int] = {}
    for index, value in enumerate(cells):
        value = value.strip(" *")
        for name, pattern in _HEADER_WORDS:
            if name not in found and pattern.search(value) and len(value) < 40:
                found[name] = index
                break
    return found if ("lead" in found or "assigned" in found) and len(found) >= 2 else None


def _whole_agency_cell(text: str, a: int, b: int) -> bool:
    scan = scan_agencies(text, a, b, caps_first=True)
    return scan is not None and not scan.stopped_at_verb and not text[scan.end:b].strip(" .;,*")


def read_responsibilities(
    text: str, gazetteer: Gazetteer, province: str | None = None
) -> tuple[Responsibility, ...]:
    """The responsibilities ``text`` states, agencies resolved in its province (an area IRI, or read from the text)."""
    reader = _Reader(text)
    lines: list[Span] = []
    start = 0
    for line in text.split("\n"):
        lines.append((start, start + len(line)))
        start += len(line) + 1
    block: list[Span] = []
    table = False
    for span in lines:
        is_row = text[span[0]:span[1]].lstrip().startswith("|")
        if block and is_row != table:
            reader.read_table(block) if table else reader.read_prose(block)
            block = []
        table = is_row
        block.append(span)
    if block:
        reader.read_table(block) if table else reader.read_prose(block)
    found: Province | None = find_province(text, gazetteer, province)
    return reader.responsibilities(AgencyResolver(gazetteer, found))
