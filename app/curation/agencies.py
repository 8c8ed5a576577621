"""Agency names in a text: where a name starts and ends, lists split into agencies, and each name
resolved against the gazetteer in the text's province.

A name starts with a head word (``Bộ``, ``Sở``, ``Ủy ban nhân dân``, ``Ban`` …), a collective
(``các bộ, ngành``) or, in a list or a table cell, a short form in capitals (``VTV``); it ends
where a duty's verb begins (``… Trung ương chủ trì``), at a colon, or at the end of the clause.
"Sở Khoa học và Công nghệ" in a Hà Tĩnh plan is Hà Tĩnh's: the province comes from the caller
(``ExtractionContext.province``) or from the text ("tỉnh Hà Tĩnh"); ministries are national.
Names the graph does not know are proposed as new, with an IRI per CONVENTIONS
(``agency/{area-key}/{slug}``, short slugs like ``so-khcn``) and a label naming the province.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from app.core.text import fold, slug
from app.curation.gazetteer import Gazetteer
from app.curation.summary import AgencyRef, Span
from app.search.index import Abbreviation

__all__ = [
    "AgencyResolver",
    "NamedAgency",
    "Province",
    "find_province",
    "is_generic",
    "scan_agencies",
    "starts_with_verb",
]

ID = "https://w3id.org/policykg/id/"
NATIONAL_AREA = ID + "area/vn"

# Head words an agency's name begins with, longest first so "Ủy ban nhân dân" wins over "Ủy ban".
_HEADS = sorted(
    (
        "Ủy ban nhân dân", "Uỷ ban nhân dân", "Hội đồng nhân dân", "Bộ Chỉ huy", "Bộ", "Sở", "Ban",
        "Ủy ban", "Uỷ ban", "UBND", "HĐND", "Hội đồng", "Văn phòng", "Tổng cục", "Cục", "Chi cục",
        "Vụ", "Viện", "Học viện", "Trung tâm", "Đảng đoàn", "Đảng ủy", "Đảng uỷ", "Tỉnh ủy", "Tỉnh uỷ",
        "Thành ủy", "Thành uỷ", "Huyện ủy", "Huyện uỷ", "Mặt trận", "Hội", "Liên hiệp", "Liên đoàn",
        "Đoàn", "Công an", "Chính phủ", "Quốc hội", "Kiểm toán", "Tòa án", "Toà án", "Viện kiểm sát",
        "Ngân hàng", "Thanh tra", "Công ty", "Tập đoàn", "Tổng công ty", "Đài", "Thông tấn xã",
        "Báo", "Phòng", "Trường", "Đại học", "Bảo hiểm xã hội", "Doanh nghiệp", "Các", "các",
    ),
    key=len,
    reverse=True,
)
# The verbs a duty begins with: a name stops before the first of them. Lower case only, so
# "Bộ Xây dựng" and "Ban Quản lý" keep their capitalised words.
_VERBS = sorted(
    (
        "chủ trì", "phối hợp", "tham mưu", "có trách nhiệm", "chịu trách nhiệm", "lãnh đạo",
        "chỉ đạo", "thực hiện", "xây dựng", "triển khai", "tổ chức thực hiện", "ban hành",
        "nghiên cứu", "hướng dẫn", "theo dõi", "kiểm tra", "đánh giá", "rà soát", "trình",
        "đề xuất", "báo cáo", "hoàn thiện", "hoàn thành", "cung cấp", "giám sát", "tuyên truyền",
        "đẩy mạnh", "tăng cường", "bảo đảm", "đảm bảo", "hỗ trợ", "phát triển", "thanh tra",
        "sửa đổi", "bổ sung", "tập trung", "tiếp tục", "nâng cao", "phát động", "giải quyết",
        "xử lý", "xác minh", "thẩm định", "tổng hợp", "tổng kết", "sơ kết", "cụ thể hóa",
        "cụ thể hoá", "thể chế hóa", "thể chế hoá", "lập", "ứng dụng", "vận động", "chủ động",
        "chuẩn bị", "phổ biến", "quán triệt", "thành lập", "tạo điều kiện", "huy động", "bố trí",
        "cập nhật", "kiện toàn", "phê duyệt", "thống nhất", "tháo gỡ", "quản lý", "khảo sát",
        "điều tra", "tham gia", "đôn đốc", "giám định", "xem xét", "ưu tiên", "khẩn trương",
        "nghiên cứu", "phản ánh", "tiếp nhận", "vận hành", "duy trì", "đào tạo", "bồi dưỡng",
        "khuyến khích", "thu hút", "đầu tư", "tổ chức", "làm", "ký", "gửi", "giao", "yêu cầu", "đề nghị",
        # Not verbs, but no agency's name goes on past them either ("… thành phố căn cứ chức năng …").
        "căn cứ", "theo", "trong", "để", "nhằm", "tại", "trên cơ sở", "khi", "nếu", "đối với", "cùng",
        "được", "phải", "cần", "sẽ", "kịp thời", "thường xuyên", "định kỳ", "hằng năm", "hàng năm",
    ),
    key=len,
    reverse=True,
)
_VERB = re.compile("(?:" + "|".join(re.escape(v) for v in _VERBS) + r")(?![\wÀ-ỹ])")
_HEAD = re.compile("(?:" + "|".join(re.escape(h) for h in _HEADS) + r")(?![\wÀ-ỹ])")
_CAPS = re.compile(r"[A-ZĐ][A-ZĐ&\-]{1,7}(?![\wÀ-ỹ])")
_TOKEN = re.compile(r"\S+")
# A list of departments written once: "các Sở: Giao thông Vận tải, Xây dựng, Công thương".
_DISTRIBUTIVE = re.compile(r"[Cc]ác (Sở|Bộ|sở|bộ)\s*:\s*")
_MAX_TOKENS = 40
# Collectives that name no kind of agency ("các cơ quan, đơn vị có liên quan") say nothing of
# who is responsible; the duty readers leave them out.
_GENERIC_WORDS = frozenset(
    ("cac", "co", "quan", "don", "vi", "to", "chuc", "ca", "nhan", "lien", "khac", "moi", "va", "nha", "nuoc",
     "tren", "dia", "ban")
)
_NATIONAL_CUES = re.compile(r"\b(?:trung uong|quoc hoi|chinh phu|viet nam|quoc gia|toi cao|nha nuoc|bo chinh tri)\b")
_NATIONAL_HEADS = re.compile(r"^(?:bo(?! chi huy)\b|cac bo\b|cac dia phuong\b|vtv|vov|ttxvn)")
_PROVINCE_IN_TEXT = re.compile(r"(?<![\wÀ-ỹ])(?:[Tt]ỉnh|TỈNH)[ \t]+")
_PARENS = re.compile(r"\([^()]*\)")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
# Head words and their short slugs, as data/reference.trig writes them (ubnd, so-khcn, tinh-uy).
_HEAD_SLUGS = (
    ("uy ban nhan dan", "ubnd"), ("ubnd", "ubnd"), ("hoi dong nhan dan", "hdnd"), ("hdnd", "hdnd"),
    ("tinh uy", "tinh-uy"), ("so", "so"), ("bo", "bo"), ("ban", "ban"), ("van phong", "van-phong"),
)


@dataclass(frozen=True, slots=True)
class NamedAgency:
    """One agency as a text names it, with its span."""

    label: str
    span: Span


@dataclass(frozen=True, slots=True)
class AgencyScan:
    """The agencies named from a position: each one, where the names end, and whether a verb follows."""

    agencies: tuple[NamedAgency, ...]
    end: int
    stopped_at_verb: bool


@dataclass(frozen=True, slots=True)
class Province:
    """The province a text is about: its area IRI, the key of its IRIs, and its name ("Hà Tĩnh")."""

    iri: str
    key: str
    name: str

    @property
    def label(self) -> str:
        """How a label names it: "tỉnh Hà Tĩnh"."""
        return f"tỉnh {self.name}"


def starts_with_verb(text: str, pos: int) -> bool:
    """True when a duty's verb (lower case: "chủ trì", "xây dựng" …) starts at ``pos``."""
    return _VERB.match(text, pos) is not None


def _starts_agency(text: str, pos: int, caps: bool) -> bool:
    head = _HEAD.match(text, pos)
    if head is not None:
        word = head.group(0)
        after = head.end() + 1
        if text[head.end():after] != " " and word not in ("Bộ", "Sở"):  # "Bộ, ngành, địa phương"
            return word.isupper() and text[head.end():after] in ("", ",", ";", ":")
        if word in ("Các", "các"):
            return text[after:after + 1].isalpha()
        # "Ban hành …", "Bộ phận …" are no names: a head word is followed by a name, not a verb
        return word[0].isupper() and not text.startswith("hành", after) and not starts_with_verb(text, after)
    return caps and _CAPS.match(text, pos) is not None


def _after_cac(text: str, pos: int) -> bool:
    # "các tổ chức chính trị - xã hội": after "các" comes a noun, even one spelt like a verb
    return text[max(0, pos - 4):pos].lower() == "các "


def is_generic(label: str) -> bool:
    """True for a collective naming no kind of agency: "các cơ quan, đơn vị có liên quan"."""
    words = [w for w in _NON_ALNUM.split(fold(label)) if w]
    return bool(words) and words[0] == "cac" and all(w in _GENERIC_WORDS or w == "co" for w in words)


def scan_agencies(text: str, pos: int, end: int, *, caps_first: bool = False) -> AgencyScan | None:
    """The agencies named from ``pos`` (before ``end``), or None when no agency's name starts there.

    Names are split at ",", ";" and "và" only where the next part starts an agency of its own, so
    "Bộ Khoa học và Công nghệ" and "các bộ, ngành liên quan" stay whole.
    """
    while pos < end and text[pos] in " \t*":
        pos += 1
    distributive = _DISTRIBUTIVE.match(text, pos, end)
    if not distributive and not _starts_agency(text, pos, caps_first):
        return None
    stop, at_verb = end, False
    for count, token in enumerate(_TOKEN.finditer(text, distributive.end() if distributive else pos, end)):
        if count >= _MAX_TOKENS:
            return None
        if (
            token.start() > pos
            and text[token.start()].islower()
            and starts_with_verb(text, token.start())
            and not _after_cac(text, token.start())
        ):
            stop, at_verb = token.start(), True
            break
        if token.group(0).endswith(":") and not distributive:
            stop = token.end() - 1
            break
    agencies = _split(text, pos, stop, distributive)
    if not agencies:
        return None
    return AgencyScan(tuple(agencies), stop + (1 if stop < end and text[stop] == ":" else 0), at_verb)


def _split(text: str, start: int, stop: int, distributive: re.Match[str] | None) -> list[NamedAgency]:
    out: list[NamedAgency] = []
    if distributive:
        head = distributive.group(1).capitalize()
        names_end = text.find(";", distributive.end(), stop)
        names_end = stop if names_end < 0 else names_end
        for part in _parts(text, distributive.end(), names_end, any_part=True):
            label = _label(text, *part)
            if label:
                out.append(NamedAgency(f"{head} {label}", part))
        if names_end >= stop:
            return out
        start = names_end + 1
    for part in _parts(text, start, stop, any_part=False):
        label = _label(text, *part)
        if label:
            out.append(NamedAgency(label, part))
    return out


def _parts(text: str, start: int, stop: int, *, any_part: bool) -> list[Span]:
    # Separators: "," ";" and the word "và"; a part begins only where an agency's name begins.
    parts: list[Span] = []
    begin = start
    i = start
    depth = 0
    while i < stop:
        ch = text[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif depth == 0:
            sep_end = -1
            if ch in ",;":
                sep_end = i + 1
            elif ch == " " and text.startswith(" và ", i):
                sep_end = i + 4
            if sep_end > 0:
                nxt = sep_end
                while nxt < stop and text[nxt] == " ":
                    nxt += 1
                if nxt < stop and ((any_part and ch in ",;") or _starts_agency(text, nxt, True)):
                    parts.append((begin, i))
                    begin, i = nxt, nxt
                    continue
        i += 1
    parts.append((begin, stop))
    return [_trimmed(text, s, e) for s, e in parts if text[s:e].strip(" \t\n*,;.")]


def _trimmed(text: str, s: int, e: int) -> Span:
    while s < e and text[s] in " \t\n*,;":
        s += 1
    while e > s and text[e - 1] in " \t\n*,;.":
        e -= 1
    return s, e


def _label(text: str, s: int, e: int) -> str:
    # Markdown escapes ("chính trị \\- xã hội") are no part of a name.
    return " ".join(_PARENS.sub(" ", text[s:e]).replace("\\", "").split()).strip(" ,;.*")


def find_province(text: str, gazetteer: Gazetteer, iri: str | None = None) -> Province | None:
    """The province of a text: ``iri`` when given, else the "tỉnh X" the text names most (first on a tie)."""
    names = _area_names(gazetteer)
    if iri is not None:
        key = iri.rsplit("/area/", 1)[-1]
        labels = [label for area in gazetteer.areas if area.iri == iri for label in area.labels]
        named = [n for n in _named_provinces(text) if slug(n) == key]
        if named:
            name = named[0]
        elif labels:
            name = re.sub(r"^(?:[Tt]ỉnh|[Tt]hành phố)\s+", "", labels[0])
        else:
            name = key.replace("-", " ").title()
        return Province(iri, key, name)
    found = _named_provinces(text)
    if not found:
        return None
    counts = Counter(found)
    first: dict[str, int] = {}
    for index, candidate in enumerate(found):
        first.setdefault(candidate, index)
    name = max(counts, key=lambda n: (counts[n], -first[n]))
    area = names.get(fold(name))
    key = area.rsplit("/area/", 1)[-1] if area else slug(name)
    return Province(area or f"{ID}area/{key}", key, name)


def _named_provinces(text: str) -> list[str]:
    found: list[str] = []
    for m in _PROVINCE_IN_TEXT.finditer(text):
        words: list[str] = []
        line_end = text.find("\n", m.end(), m.end() + 60)
        for token in _TOKEN.finditer(text, m.end(), line_end if line_end >= 0 else min(len(text), m.end() + 60)):
            word = token.group(0)
            clean = word.strip(",.;:()\"“”")
            if not words and fold(clean) == "uy":
                continue  # "Tỉnh ủy Nghệ An", "TỈNH ỦY NGHỆ AN": the province's Party committee
            if not clean or not clean[0].isupper() or not clean.replace("-", "").isalpha():
                break
            words.append(clean)
            if clean != word or len(words) == 3:
                break
        if words:
            name = " ".join(words)
            # A header in capitals ("TỈNH ỦY NGHỆ AN") names the province as "Nghệ An".
            found.append(name.title() if name.isupper() else name)
    return found


def _area_names(gazetteer: Gazetteer) -> dict[str, str]:
    # Folded names of each area, with and without its kind ("tinh quang tri", "quang tri").
    names: dict[str, str] = {}
    # Provinces first (area/quang-tri before area/quang-tri/thi-xa-quang-tri): a bare "Quảng Trị" is the province.
    for area in sorted(gazetteer.areas, key=lambda a: (a.iri.count("/"), a.iri)):
        for label in area.labels:
            folded = fold(label)
            names.setdefault(folded, area.iri)
            bare = re.sub(r"^(?:tinh|thanh pho|thi xa|huyen|quan|xa|phuong) ", "", folded)
            names.setdefault(bare, area.iri)
    return names


class AgencyResolver:
    """Resolves agency names to the gazetteer's agencies in one text's context, proposing new ones."""

    def __init__(self, gazetteer: Gazetteer, province: Province | None) -> None:
        self.province = province
        self._abbreviations = _abbreviation_pattern(gazetteer.abbreviations)
        self._short = _short_forms(gazetteer.abbreviations)
        self._areas = _area_names(gazetteer)
        self._area_of_name = sorted(self._areas.items(), key=lambda kv: -len(kv[0]))
        self._index: dict[tuple[str, str | None], str] = {}
        self._resolved: dict[str, AgencyRef] = {}
        for agency in gazetteer.agencies:
            own = [n for n, a in self._areas.items() if a == agency.area and a != NATIONAL_AREA]
            for label in agency.labels:
                key = self._key(label, own)
                self._index.setdefault((key, agency.area), agency.iri)
                if agency.area == NATIONAL_AREA:
                    self._index.setdefault((key, None), agency.iri)

    def resolve(self, label: str) -> AgencyRef:
        """The agency ``label`` names here: the graph's when known, else a proposed new one."""
        known = self._resolved.get(label)
        if known is None:
            known = self._resolved[label] = self._resolve(label)
        return known

    def _resolve(self, label: str) -> AgencyRef:
        area, area_name = self._area(label)
        # A province's name is no part of its agencies' keys; "Việt Nam" is part of national names.
        own = [n for n, a in self._areas.items() if a == area] if area and area != NATIONAL_AREA else []
        if self.province is not None and area == self.province.iri:
            own.append(fold(self.province.name))
        key = self._key(label, own)
        iri = self._index.get((key, area))
        if iri is not None:
            return AgencyRef(label=label, iri=iri, new=False)
        if area is None:
            return AgencyRef(label=label, iri=None, new=True)
        area_key = area.rsplit("/area/", 1)[-1]
        proposed = f"{ID}agency/{area_key}/{self._slug(label, own)}"
        if area_name and self.province is not None and fold(self.province.name) not in fold(label):
            label = f"{label} {area_name}"
        return AgencyRef(label=label, iri=proposed, new=True)

    def _area(self, label: str) -> tuple[str | None, str | None]:
        # The area a name belongs to, and how a new label would name it (None for national ones).
        folded = fold(_PARENS.sub(" ", label))
        for name, area in self._area_of_name:
            if area != NATIONAL_AREA and re.search(r"(?<![a-z0-9])" + re.escape(name) + r"$", folded):
                return area, None
        if _NATIONAL_HEADS.match(folded) or _NATIONAL_CUES.search(folded):
            return NATIONAL_AREA, None
        if self.province is not None:
            return self.province.iri, self.province.label
        if folded.startswith("cac "):  # a collective in a text of no province: the country's
            return NATIONAL_AREA, None
        return None, None

    def _expanded(self, label: str) -> str:
        folded = fold(_PARENS.sub(" ", label))
        if folded.startswith(("bo, ", "so, ")):  # "Bộ, ngành, địa phương" is "các bộ, ngành, địa phương"
            folded = "cac " + folded
        if self._abbreviations is None:
            return folded
        pattern, full = self._abbreviations
        return pattern.sub(lambda m: full[m.group(0)], folded)

    def _key(self, label: str, own_area_names: Sequence[str]) -> str:
        text = self._expanded(label)
        for name in sorted(own_area_names, key=len, reverse=True):
            text = re.sub(r"(?:\s+cua)?(?:\s+(?:tinh|thanh pho))?\s+" + re.escape(name) + r"$", "", text)
        text = re.sub(r"(?:\s+cua)?\s+tinh$", "", text)
        # Spacing is not meaningful ("Bộ Y t ế" is "Bộ Y tế"): the key keeps letters and digits only.
        return _NON_ALNUM.sub("", text)

    def _slug(self, label: str, own_area_names: Sequence[str]) -> str:
        text = self._expanded(label)
        for name in sorted(own_area_names, key=len, reverse=True):
            text = re.sub(r"(?:\s+cua)?(?:\s+(?:tinh|thanh pho))?\s+" + re.escape(name) + r"$", "", text)
        text = re.sub(r"(?:\s+cua)?\s+tinh$", "", text).strip()
        for head, head_slug in _HEAD_SLUGS:
            if text == head or text.startswith(head + " "):
                rest = text[len(head):].strip()
                short = self._short.get(rest)
                return "-".join(p for p in (head_slug, short or slug(rest)) if p)
        return slug(text) or "agency"


def _abbreviation_pattern(
    abbreviations: Sequence[Abbreviation],
) -> tuple[re.Pattern[str], dict[str, str]] | None:
    forms = {form: a.full for a in abbreviations for form in a.forms if form}
    if not forms:
        return None
    alternation = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
    return re.compile(r"(?<![a-z0-9])(?:" + alternation + r")(?![a-z0-9])"), forms


def _short_forms(abbreviations: Sequence[Abbreviation]) -> dict[str, str]:
    # Full form → the shortest short form in letters only ("khoa hoc va cong nghe" → "khcn").
    short: dict[str, str] = {}
    for a in abbreviations:
        letters = sorted((_NON_ALNUM.sub("", f) for f in a.forms), key=lambda f: (len(f), f))
        if letters and letters[0]:
            short[a.full] = letters[0]
    return short
