"""Documents a text names: numbers in every Vietnamese form, type, issuer, date, title; the text's own header; relations.

Numbers: Party ``52-NQ/TW``, ``3260-KH/ĐĐQH15``; State ``47/KH-UBND``, ``04/TTr-BKHCN-BTTTT``,
letters ``3917/UBND``; normative ``109/2022/NĐ-CP``, laws ``23/2018/QH14``; the blank number
(``Nghị quyết số /NQ-CP``) of a text not yet numbered; laws and ordinances named without a number
but with a date (``Luật Tổ chức Chính phủ ngày 19 tháng 6 năm 2015``). A date belongs to the number
it follows; an issuer is what follows ``của`` (or the code after the slash when the text says
nothing). Relations are typed by the cue before the mention, like vbpl.vn's: ``căn cứ`` basedOn,
``thực hiện``/``triển khai``/``cụ thể hóa``/``quán triệt`` implements, ``thay thế`` replaces,
``sửa đổi, bổ sung`` amends, ``bãi bỏ`` repeals, ``hướng dẫn`` guides, anything else cites.
All patterns are linear (bounded repetitions, no nested quantifiers) so a 5 MB text stays cheap.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from app.core.text import fold, slug
from app.curation.gazetteer import Gazetteer, KnownAgency, KnownDocument
from app.curation.summary import SELF, DocumentRef, IssuerRef, Relation, RelationKind, SelfDocument, Span

__all__ = [
    "LOOKBACK", "References", "canonical_name", "fold_same_length", "issuer_key", "line_start", "read_references",
    "text_province",
]

POLID = "https://w3id.org/policykg/id/"

# Type notation → how the words before a number name it (folded); the first word is the canonical one.
TYPE_WORDS: dict[str, tuple[str, ...]] = {
    "NQ": ("nghi quyet",), "KH": ("ke hoach",), "CTHĐ": ("chuong trinh hanh dong",),
    "CTr": ("chuong trinh",), "QĐ": ("quyet dinh",), "CT": ("chi thi",), "KL": ("ket luan",),
    "NĐ": ("nghi dinh",), "TTLT": ("thong tu lien tich",), "TT": ("thong tu",), "L": ("bo luat", "luat"),
    "PL": ("phap lenh",), "TTr": ("to trinh",), "CV": ("cong van",), "TB": ("thong bao",),
    "BC": ("bao cao",), "HD": ("huong dan",), "ĐA": ("de an",), "QC": ("quy che",),
    "CĐ": ("cong dien",),
}
_CODE_TYPES = {fold(code): code for code in TYPE_WORDS} | {"ctr": "CTr", "cthd": "CTHĐ"}

# Issuer codes (folded, digits of a legislature dropped) → the body they stand for; ``{p}`` is the province.
_ISSUER_CODES: dict[str, str] = {
    "cp": "Chính phủ", "ttg": "Thủ tướng Chính phủ", "qh": "Quốc hội", "ubtvqh": "Ủy ban Thường vụ Quốc hội",
    "ddqh": "Đảng đoàn Quốc hội", "ctn": "Chủ tịch nước", "vpcp": "Văn phòng Chính phủ",
    "bkhcn": "Bộ Khoa học và Công nghệ", "btttt": "Bộ Thông tin và Truyền thông", "btc": "Bộ Tài chính",
    "bgddt": "Bộ Giáo dục và Đào tạo", "bnv": "Bộ Nội vụ", "bldtbxh": "Bộ Lao động - Thương binh và Xã hội",
    "byt": "Bộ Y tế", "bca": "Bộ Công an", "bqp": "Bộ Quốc phòng", "bkhdt": "Bộ Kế hoạch và Đầu tư",
    "bxd": "Bộ Xây dựng", "btp": "Bộ Tư pháp", "bct": "Bộ Công Thương", "bgtvt": "Bộ Giao thông vận tải",
    "bnnptnt": "Bộ Nông nghiệp và Phát triển nông thôn", "btnmt": "Bộ Tài nguyên và Môi trường",
    "bvhttdl": "Bộ Văn hóa, Thể thao và Du lịch", "nhnn": "Ngân hàng Nhà nước Việt Nam",
    "ubnd": "Ủy ban nhân dân {p}", "hdnd": "Hội đồng nhân dân {p}", "tu": "Tỉnh ủy {p}",
    "stttt": "Sở Thông tin và Truyền thông {p}", "skhcn": "Sở Khoa học và Công nghệ {p}",
}
_PARTY_TW = {"CT": "Ban Bí thư", "KL": "Bộ Chính trị"}  # else Ban Chấp hành Trung ương Đảng

_SEG = r"[A-ZĐ][A-Za-zĐđ0-9&]{0,15}"
_NUMBER = re.compile(
    rf"(?<![\w/.-])(?:(?P<pn>\d{{1,5}})-(?P<pt>{_SEG})/(?P<pi>{_SEG}(?:-{_SEG}){{0,4}})"
    rf"|(?P<sn>\d{{1,5}})?/(?:(?P<sy>\d{{4}})/)?(?P<ss>{_SEG}(?:-{_SEG}){{0,4}}))(?![\w/])"
)
_TYPE_ALTERNATION = "|".join(sorted({w for ws in TYPE_WORDS.values() for w in ws}, key=len, reverse=True))
_TYPE_WORD = re.compile(rf"(?<![a-z])(?:{_TYPE_ALTERNATION})(?![a-z])")
_DIRECT_GAP = re.compile(r"\s*(?:so\s*:?\s*)?")
_NAMED_GAP = re.compile(r" [^\d;:.|()\n]{2,150} so\s*")  # "Pháp lệnh Ưu đãi … số 26/2005/PL-…"
_NAMED_LAW = re.compile(r"(?<![a-z])(?<!phap )(bo luat|luat|phap lenh) ([^\d;:.|()\n*]{3,150}?),? (?=ngay\s?\d)")
_DATE = re.compile(
    r"[\s,*]{0,6}(?:\(\s*)?(?:ban hanh\s+)?ngay\s?(\d{1,2})(?:\s?([/.-])\s?(\d{1,2})\s?\2\s?(\d{4})"
    r"|\s+thang\s?(\d{1,2})\s+nam\s?(\d{4}))"
)
_ANY_DATE = re.compile(r"ngay\s?(\d{1,2})(?:\s?([/.-])\s?(\d{1,2})\s?\2\s?(\d{4})|\s+thang\s?(\d{1,2})\s+nam\s?(\d{4}))")
_OF = re.compile(r"[\s,*]{0,8}(cua\s+)?")
_ISSUER_HEAD = re.compile(
    r"(?:bo|ban|uy ban|ubnd|chinh phu|thu tuong|quoc hoi|tinh uy|thanh uy|so|hoi dong|hdnd|dang doan|"
    r"chu tich|van phong|dang uy)(?![a-z])"
)
_ISSUER_END = re.compile(
    r" (?:ve|tai|theo|de|nham|phe duyet|ban hanh|quy dinh|huong dan|doi voi|thuc hien|trien khai|trong|da|"
    r"cho|gom|den|tu|nam)(?![a-z])"
    r"| va (?=cong van|to trinh|nghi|quyet|ke hoach|chi thi|ket luan|thong tu|phap lenh|luat|theo|tai|cac|de)"
    r"|[,;:.()|\n]|\*\*|$"
)
_TITLE = re.compile(r"[\s,*]{0,4}ve\s+(?:viec\s+)?([^;.|\n()]{3,400}?)(?=[;.|\n()]|\*\*|$| va cong van| va to trinh)")
_SELF_NUMBER = re.compile(r"^[#*\s]*so\s*:?\s*(?=\d|/)", re.M)
_SELF_LINE = re.compile(r"[#*\s]*so\s*:?\s*")
_PLACE_DATE = re.compile(r"^[#*\s]*[a-z][a-z ]{1,40}, (?=ngay\s?\d)", re.M)
_ANNEX = re.compile(r"\(\s*(?:ban hanh\s*)?kem\s*theo\s[^()\n]{0,80}$")
_ISSUES = re.compile(
    rf"(?:^|[.;]\s)((?:so|uy ban nhan dan|ubnd|tinh uy|thanh uy|bo|ban|hoi dong nhan dan|dang doan|ban can su)"
    rf" [^.;:\n]{{2,80}}?) (?:da )?ban hanh ({_TYPE_ALTERNATION})(?! so)(?! nay)(?![a-z])", re.M
)
_MOTTO = re.compile(r"cong hoa xa hoi chu nghia viet nam|doc lap - tu do - hanh phuc|dang cong san viet nam")
_OPENING_TYPE = re.compile(rf"[#*\s]*({_TYPE_ALTERNATION})(?![a-z])(?!\s*(?:so\s*)?[0-9/])")
_HEADING_TYPE = re.compile(rf"^[#*\s]*({_TYPE_ALTERNATION})[*\s]*$", re.M)
_PROVINCE = re.compile(r"(?<![\w])(?:tỉnh|Tỉnh) ((?:[A-ZĐÂĂÊÔƠƯ][\w]*)(?: [A-ZĐÂĂÊÔƠƯ][\w]*){0,3})")

_CUES: tuple[tuple[str, RelationKind], ...] = (
    ("can cu", "basedOn"), ("thuc hien", "implements"), ("trien khai", "implements"),
    ("cu the hoa", "implements"), ("quan triet", "implements"), ("thay the", "replaces"),
    ("sua doi", "amends"), ("bo sung", "amends"), ("bai bo", "repeals"), ("huong dan", "guides"),
    ("theo", "cites"), ("neu tai", "cites"), ("quy dinh tai", "cites"),
)
_CUE = re.compile(r"(?<![a-z])(" + "|".join(c for c, _ in _CUES) + r")(?![a-z])")
_CUE_KIND = dict(_CUES)
#: the text's own document named by a demonstrative ("Kế hoạch này"), folded
_THIS_DOCUMENT = re.compile(
    r"(?<![a-z])(?:ke hoach|nghi quyet|chuong trinh|quyet dinh|chi thi|ket luan|de an|van ban) nay(?![a-z])"
)
_NOUN_USE = re.compile(r"(?:viec|ket qua|tinh hinh|so ket|tong ket|kiem tra|danh gia) $")  # "sơ kết việc thực hiện"
_TASK_VERB = re.compile(r"(?:xay dung|nghien cuu|de xuat|trinh|ra soat|du thao)[^;.|]{0,30}$")
_DIRECT_SUBJECT = re.compile(
    r"[\s,]*(?:\(\s*)?(?:ngay\s?\d{1,2}(?:[/.-]\d{1,2}[/.-]\d{4}| thang \d{1,2} nam \d{4}))?[\s,)]*"
)
_TITLE_SUBJECT = re.compile(
    r"(?<![a-z])ve (?:viec )?(?:ban hanh )?(?:(?:ke hoach|chuong trinh)(?: hanh dong)? )?"
    r"(?:(?:to chuc|tiep tuc|trien khai|viec) ){0,3}$"
)
_SUBJECT_PREFIX = re.compile(r"[\s#*>•+\-–]*(?:[a-z0-9]{1,3}[.)]\s*)?")
_CLAUSE_BREAK = re.compile(r"[;.\n|:]")

# Length-preserving fold: offsets of the folded text are those of the text.
_VIET = ("àáảãạăằắẳẵặâầấẩẫậ" "èéẻẽẹêềếểễệ" "ìíỉĩị" "òóỏõọôồốổỗộơờớởỡợ" "ùúủũụưừứửữự" "ỳýỷỹỵ" "đ")
_BASE = "a" * 17 + "e" * 11 + "i" * 5 + "o" * 17 + "u" * 11 + "y" * 5 + "d"
_FOLD_TABLE = str.maketrans(_VIET + _VIET.upper() + "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                            _BASE + _BASE + "abcdefghijklmnopqrstuvwxyz")


#: how far back a line or sentence is looked for: keeps every lookup bounded on a text with no line breaks
LOOKBACK = 2000


def line_start(folded: str, at: int) -> int:
    """Where the line holding ``at`` starts, looking back at most ``LOOKBACK`` characters."""
    floor = max(0, at - LOOKBACK)
    return folded.rfind("\n", floor, at) + 1 or floor


def fold_same_length(text: str) -> str:
    """Fold accents and case one character for one, so the folded text's offsets are the text's."""
    return text.translate(_FOLD_TABLE)


@dataclass(slots=True)
class _Mention:
    key: str
    notation: str
    type: str | None
    code_issuer: str | None  # the issuer code(s) after the slash
    year: str | None  # the year inside a normative number
    start: int  # where the mention starts (its type word when there is one)
    number: Span
    date: str | None = None
    issuer: str | None = None
    title: str | None = None
    end: int = 0  # end of number + date + issuer: where a following cue or title is read
    named: bool = False


@dataclass(slots=True)
class _Doc:
    mentions: list[_Mention] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class References:
    """What ``read_references`` found: the text's own document, the documents it names, their relations."""

    self_document: SelfDocument | None
    documents: tuple[DocumentRef, ...]
    relations: tuple[Relation, ...]
    warnings: tuple[str, ...] = ()


def text_province(text: str, gazetteer: Gazetteer, province: str | None) -> str | None:
    """The province the text is about: the context's area label, else the ``tỉnh X`` it names most."""
    if province:
        for area in gazetteer.areas:
            if area.iri == province and area.labels:
                return re.sub(r"^(?:Tỉnh|tỉnh|Thành phố|thành phố) ", "", area.labels[0])
    counts = Counter(m.group(1) for m in _PROVINCE.finditer(text))
    return counts.most_common(1)[0][0] if counts else None


def read_references(text: str, gazetteer: Gazetteer | None = None, province: str | None = None) -> References:
    """Read the documents ``text`` (already cleaned) names, its own header, and the relations between them."""
    gazetteer = gazetteer or Gazetteer()
    folded = fold_same_length(text)
    place = text_province(text, gazetteer, province)
    mentions = sorted(_numbered(text, folded) + _named(text, folded), key=lambda m: m.start)
    for m in mentions:
        _attach(text, folded, m, place)
    index = _Index.of(gazetteer)
    header = _header(text, folded, mentions, place, index)
    self_key = header[0]
    docs: dict[str, _Doc] = {}
    for m in mentions:
        docs.setdefault(m.key, _Doc()).mentions.append(m)
    warnings: list[str] = []
    refs: dict[str, DocumentRef] = {}
    for key, doc in docs.items():
        refs[key] = _document(doc, index, place, warnings, header if key == self_key else None)
    self_doc = None
    if self_key is not None and self_key in refs:
        r = refs[self_key]
        self_doc = SelfDocument(notation=r.notation, type=r.type, issuer=r.issuer, date=r.date)
    elif header[1] is not None:
        self_doc = header[1]
    relations = _relations(text, folded, mentions, self_key, refs)
    return References(self_doc, tuple(refs.values()), relations, tuple(warnings))


# --- mentions --------------------------------------------------------------------------------------


def _numbered(text: str, folded: str) -> list[_Mention]:
    found: list[_Mention] = []
    for m in _NUMBER.finditer(text):
        if m.group("pn"):
            notation = m.group(0)
            code_type: str | None = _CODE_TYPES.get(fold(m.group("pt")))
            issuer_code: str | None = m.group("pi")
            year = None
        else:
            segments = m.group("ss").split("-")
            if m.group("sn") is None and not re.search(r"so\s*:?\s*$", folded[max(0, m.start() - 8):m.start()]):
                continue  # a slash before a code is a blank number only after "số"
            year = m.group("sy")
            code_type = _CODE_TYPES.get(fold(segments[0]))
            if code_type is not None and len(segments) > 1:
                issuer_code = "-".join(segments[1:])
            else:
                code_type, issuer_code = None, m.group("ss")
            notation = m.group(0)
        start, word_type = _type_before(folded, m.start())
        kind = code_type or word_type
        if kind is None and not m.group("pn") and year is None:
            kind = "CV"  # number/ISSUER with no type: an official letter
        found.append(_Mention(
            key=fold_same_length(notation), notation=notation, type=kind, code_issuer=issuer_code, year=year,
            start=start, number=(m.start(), m.end()), end=m.end(),
        ))
    return found


def _type_before(folded: str, at: int) -> tuple[int, str | None]:
    """Where the type word before a number starts and the type it names (or ``at`` and None).

    ``Nghị quyết số 57-NQ/TW`` names its type right before the number; a law or ordinance may put
    its name in between (``Pháp lệnh Ưu đãi … số 26/2005/PL-UBTVQH11``): then the earliest
    ``Luật``/``Pháp lệnh`` whose name reaches the number starts the mention.
    """
    window_start = max(0, at - 200)
    window = folded[window_start:at]
    direct: re.Match[str] | None = None
    named: re.Match[str] | None = None
    words = list(_TYPE_WORD.finditer(window))
    for n, w in enumerate(words):
        gap = window[w.end():]
        code = _word_type(w.group(0))
        if _DIRECT_GAP.fullmatch(gap):
            direct = w
        elif code in ("L", "PL") and named is None and _NAMED_GAP.fullmatch(gap) \
                and all(_word_type(x.group(0)) in ("L", "PL") for x in words[n + 1:]):
            named = w
    chosen = named or direct
    if chosen is None:
        return at, None
    return window_start + chosen.start(), _word_type(chosen.group(0))


def _word_type(word: str) -> str:
    return next(code for code, words in TYPE_WORDS.items() if word in words)


def _named(text: str, folded: str) -> list[_Mention]:
    found = []
    for m in _NAMED_LAW.finditer(folded):
        name = re.sub(r"\s+", " ", text[m.start(): m.end(2)]).strip()
        name = name[:1].upper() + name[1:]
        found.append(_Mention(
            key=fold_same_length(name), notation=name, type=_word_type(m.group(1)), code_issuer=None, year=None,
            start=m.start(), number=(m.start(), m.end(2)), end=m.end(2), named=True,
            title=text[m.start(2): m.end(2)],
        ))
    return found


def _attach(text: str, folded: str, m: _Mention, place: str | None) -> None:
    """Read the date, issuer and title that follow a mention's number."""
    at = m.end
    d = _DATE.match(folded, at)
    if d:
        m.date = _iso(d)
        at = d.end()
    of = _OF.match(folded, at)
    if of:
        head = of.end()
        if of.group(1) or _ISSUER_HEAD.match(folded, head):
            stop = _ISSUER_END.search(folded, head, min(len(folded), head + 160))
            end = stop.start() if stop else min(len(folded), head + 160)
            label = _issuer_label(text[head:end], place)
            if label:
                m.issuer = label
                at = end
    m.end = at
    t = _TITLE.match(folded, at)
    if t and not m.named:
        m.title = text[t.start(1): t.end(1)].strip(" ,*")


def _iso(d: re.Match[str]) -> str | None:
    day = int(d.group(1))
    month = int(d.group(3) or d.group(5))
    year = d.group(4) or d.group(6)
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return None
    return f"{year}-{month:02d}-{day:02d}"


def _issuer_label(raw: str, place: str | None) -> str | None:
    label = re.sub(r"\s+", " ", raw.replace("*", " ")).strip(" ,")
    label = re.sub(r"\s+(?:khóa|khoá|Khóa|Khoá|KHÓA|KHOÁ|nhiệm kỳ)\s+[IVXLivxl]+$", "", label)
    if not label or len(label) < 3:
        return None
    label = canonical_name(label)
    if place and re.search(r"(?:tỉnh|Tỉnh ủy|Tỉnh uỷ)$", label):
        label = f"{label} {place}"
    return label


# --- the text's own header -------------------------------------------------------------------------


def _header(
    text: str, folded: str, mentions: list[_Mention], place: str | None, index: _Index,
) -> tuple[str | None, SelfDocument | None, str | None, str | None]:
    """The key of the text's own document, or a SelfDocument without a number; and the header's issuer and date."""
    top = folded[:1500]
    issuer = _header_issuer(text, top)
    date = None
    pd = _PLACE_DATE.search(top)
    if pd:
        d = _ANY_DATE.match(folded, pd.end())
        date = _iso(d) if d else None
    for m in mentions:
        if m.named or m.number[0] > 1500:
            continue
        if _SELF_LINE.fullmatch(folded, line_start(folded, m.number[0]), m.number[0]):
            return m.key, None, issuer, date
    for m in mentions:
        if _ANNEX.search(folded, max(line_start(folded, m.start), m.start - 120), m.start):
            return m.key, None, m.issuer, m.date
    kind = None
    if issuer is None and date is None and (issues := _ISSUES.search(top)):
        # "…; Sở Thông tin và Truyền thông ban hành Kế hoạch …": an unnumbered text says who issues it
        issuer = canonical_name(" ".join(text[issues.start(1): issues.end(1)].split()))
        kind = _word_type(issues.group(2))
    if issuer or date:
        ht = _HEADING_TYPE.search(top)
        kind = _word_type(ht.group(1)) if ht else kind
        agency = None if issuer is None else _agency(issuer, index, place)
        ref = None if issuer is None else IssuerRef(issuer, agency.iri if agency else None)
        return None, SelfDocument(notation=None, type=kind, issuer=ref, date=date), issuer, date
    opening = _OPENING_TYPE.match(top)
    if opening is not None:
        # "KẾ HOẠCH thực hiện …", "Kế hoạch của Tỉnh ủy …": the text opens by saying what kind of
        # document it is, without its number (a number right after is a mention, not the header).
        return None, SelfDocument(notation=None, type=_word_type(opening.group(1)), issuer=None, date=None), None, None
    return None, None, None, None


_CANONICAL = {fold(name): name for name in (
    *(n for n in _ISSUER_CODES.values() if "{p}" not in n), *_PARTY_TW.values(), "Ban Chấp hành Trung ương Đảng",
    "Ban Chấp hành Trung ương", "Ban Bí thư Trung ương Đảng", "Bộ Chính trị", "Tỉnh ủy", "Ủy ban nhân dân tỉnh",
)}


def canonical_name(label: str) -> str:
    """A body's name as usually written: ``ĐẢNG ĐOÀN QUỐC HỘI`` → ``Đảng đoàn Quốc hội``; others as given."""
    known = _CANONICAL.get(fold(label))
    if known is not None:
        return known
    return label[:1] + label[1:].lower() if label.isupper() else label


def _header_issuer(text: str, top: str) -> str | None:
    """The issuing body from the lines above the number (motto and decoration left out)."""
    number = _SELF_NUMBER.search(top)
    if number is None:
        return None
    lines = []
    for raw, low in zip(text[: number.start()].split("\n"), top[: number.start()].split("\n"), strict=False):
        cut = _MOTTO.search(low)
        kept = raw[: cut.start()] if cut else raw
        kept = re.sub(r"[#*_\-]+", " ", kept).strip()
        if kept and not _MOTTO.fullmatch(low.strip(" #*")):
            lines.append(kept)
    if not lines:
        return None
    return canonical_name(" ".join(lines[-1].split()))


# --- documents -------------------------------------------------------------------------------------


def _document(
    doc: _Doc, index: _Index, place: str | None, warnings: list[str],
    header: tuple[str | None, SelfDocument | None, str | None, str | None] | None,
) -> DocumentRef:
    first = doc.mentions[0]
    kind = next((m.type for m in doc.mentions if m.type), None)
    date = next((m.date for m in doc.mentions if m.date), None)
    titles = [m.title for m in doc.mentions if m.title]
    title = next((t for t in titles if not t.isupper()), titles[0] if titles else None)
    stated = [m.issuer for m in doc.mentions if m.issuer]
    if header is not None:
        date = header[3] or date
        if header[2]:
            stated.insert(0, header[2])
    distinct = list(dict.fromkeys(stated))
    mixed = [s for s in distinct if not s.isupper()]
    if len({fold(s) for s in distinct}) > 1:
        warnings.append(f"{first.notation}: the text names more than one issuer: " + "; ".join(distinct))
    label = (mixed or distinct)[0] if distinct else _issuer_from_code(first, place)
    agency = None if label is None else _agency(label, index, place)
    issuer = None if label is None else IssuerRef(label, agency.iri if agency else None)
    year = first.year or (date[:4] if date else None)
    known = _known(first.notation, agency.iri if agency else None, bool(distinct), year, index)
    iri = known or _mint(first.notation, label, agency, year)
    spans = tuple(sorted({m.number for m in doc.mentions}))
    return DocumentRef(first.notation, kind, issuer, date, title, iri, known is not None, spans)


def _issuer_from_code(m: _Mention, place: str | None) -> str | None:
    if m.named:
        return "Quốc hội" if m.type == "L" else "Ủy ban Thường vụ Quốc hội"
    if m.code_issuer is None:
        return None
    code = m.code_issuer.split("-")[0]
    if code == "TW":
        return _PARTY_TW.get(m.type or "", "Ban Chấp hành Trung ương Đảng")
    name = _ISSUER_CODES.get(re.sub(r"\d+$", "", fold(code)))
    if name is None:
        return None
    return name.replace(" {p}", f" tỉnh {place}" if place and "Tỉnh ủy" not in name else f" {place}" if place else "")


_ABBREVIATIONS = (
    (re.compile(r"(?<![\w])UBND(?![\w])"), "Ủy ban nhân dân"), (re.compile(r"(?<![\w])HĐND(?![\w])"), "Hội đồng nhân dân"),
    (re.compile(r"(?<![\w])KH&CN(?![\w])"), "Khoa học và Công nghệ"),
    (re.compile(r"(?<![\w])TT&TT(?![\w])"), "Thông tin và Truyền thông"),
)


def _expanded(label: str) -> str:
    for pattern, words in _ABBREVIATIONS:
        label = pattern.sub(words, label)
    return label


@dataclass(frozen=True, slots=True)
class _Index:
    """The gazetteer's agencies by folded name and documents by folded number, built once per text."""

    agencies: dict[str, list[KnownAgency]]
    documents: dict[str, list[KnownDocument]]

    @classmethod
    def of(cls, gazetteer: Gazetteer) -> _Index:
        agencies: dict[str, list[KnownAgency]] = {}
        for a in gazetteer.agencies:
            for name in {fold(x) for x in a.labels}:
                agencies.setdefault(name, []).append(a)
        documents: dict[str, list[KnownDocument]] = {}
        for d in gazetteer.documents:
            if d.notation is not None:
                documents.setdefault(fold(d.notation), []).append(d)
        return cls(agencies, documents)


def _agency(label: str, index: _Index, place: str | None) -> KnownAgency | None:
    """The gazetteer's agency named ``label`` (abbreviations spelt out; the province added if need be)."""
    forms = (label, _expanded(label))
    names = {fold(n) for n in forms}
    if place:
        names |= {fold(f"{n} {place}") for n in forms} | {fold(f"{n} tỉnh {place}") for n in forms}
    matches = list(dict.fromkeys(a for n in sorted(names) for a in index.agencies.get(n, ())))
    if not matches:
        return None
    province = slug(place) if place else None
    matches.sort(key=lambda a: (province is None or a.area is None or not a.area.endswith("/" + province), a.iri))
    return matches[0]


def _known(notation: str, issuer: str | None, stated: bool, year: str | None, index: _Index) -> str | None:
    """The graph's document with this number and this issuer.

    When the text names no issuer (only the code after the slash says who), the number and the
    year must both match; an issuer the text names but the graph does not know matches nothing.
    A central code (TW, CP, TTg, QH …) names one national issuer whatever the province, so a
    number with such a code and no stated issuer is the graph's national document of that number
    (of that year when the text gives one); a provincial code (TU, UBND) is shared by 34 provinces
    and never matches on the number alone.
    """
    national = POLID + "agency/vn/"
    for d in index.documents.get(fold(notation), ()):
        if issuer is not None and d.issuer == issuer:
            return d.iri
        if issuer is None and not stated and year is not None and d.date is not None and d.date[:4] == year:
            return d.iri
        if (not stated and (issuer or "").startswith(national) and (d.issuer or "").startswith(national)
                and (year is None or d.date is None or d.date[:4] == year)):
            return d.iri
    return None


def issuer_key(label: str | None, agency: KnownAgency | None) -> str:
    """The issuer part of a document IRI: the agency's slug (with its province) or the label shortened."""
    if agency is not None:
        rest = agency.iri.removeprefix(POLID + "agency/").split("/")
        return rest[-1] if rest[0] == "vn" or len(rest) == 1 else f"{rest[-1]}-{rest[0]}"
    if not label:
        return "unknown"
    short = re.sub(r"(?i)ủy ban nhân dân", "UBND", label)
    short = re.sub(r"(?i)hội đồng nhân dân", "HĐND", short)
    short = re.sub(r"(?i)tỉnh ủy", "TU", short)
    short = re.sub(r"(?<![\w])(?:tỉnh|thành phố) ", "", short)
    return slug(short) or "unknown"


def _mint(notation: str, label: str | None, agency: KnownAgency | None, year: str | None) -> str:
    """The IRI per CONVENTIONS: doc/{issuer-key}/{year}/{number-slug} (year left out when unstated)."""
    number = slug(notation) or "draft"
    if notation.startswith("/"):
        return f"{POLID}doc/{issuer_key(label, agency)}/draft/{number}"
    middle = f"{year}/" if year else ""
    return f"{POLID}doc/{issuer_key(label, agency)}/{middle}{number}"


# --- relations -------------------------------------------------------------------------------------


def _relations(
    text: str, folded: str, mentions: list[_Mention], self_key: str | None, refs: dict[str, DocumentRef],
) -> tuple[Relation, ...]:
    found: dict[tuple[str, str, RelationKind], Relation] = {}
    own = refs[self_key].notation if self_key is not None and self_key in refs else None
    for i, m in enumerate(mentions):
        clause_start = _clause_start(folded, m.start)
        cue = None
        for c in _CUE.finditer(folded, clause_start, m.start):
            cue = c
        source = SELF
        kind: RelationKind
        span_start = m.start
        if cue is None:
            intro = _list_cue(folded, clause_start)
            if intro is not None:
                kind, span_start = intro
            elif _SUBJECT_PREFIX.fullmatch(folded, clause_start, m.start):
                continue  # the clause is about this document: no link from the text's own
            else:
                kind = "cites"
        else:
            kind = _kind(folded, cue, clause_start)
            span_start = cue.start()
            prev = _previous(mentions, i, clause_start, cue.start())
            if prev is not None and prev.key != m.key and (
                _DIRECT_SUBJECT.fullmatch(folded, prev.end, cue.start())
                or _TITLE_SUBJECT.search(folded, prev.end, cue.start())
            ):
                source = SELF if prev.key == self_key else refs[prev.key].notation
        target = refs[m.key].notation
        if m.key == self_key and source == SELF:
            continue  # the text naming its own number: a link only when another document is the subject
        if source == SELF and cue is not None and own is not None and m.key != self_key \
                and _THIS_DOCUMENT.search(folded, cue.end(), m.start):
            # "Để triển khai Kế hoạch này, UBND tỉnh ban hành Kế hoạch số 120/KH-UBND": the one issued carries this out
            source, target = target, own
        if source == target:
            continue
        found.setdefault((source, target, kind), Relation(source, target, kind, (span_start, m.number[1])))
    stronger = {(s, t) for (s, t, k) in found if k != "cites"}
    return tuple(r for (s, t, k), r in found.items() if k != "cites" or (s, t) not in stronger)


def _previous(mentions: list[_Mention], i: int, clause_start: int, before: int) -> _Mention | None:
    """The nearest mention before ``mentions[i]`` in the same clause that ends before ``before``."""
    for j in range(i - 1, -1, -1):
        p = mentions[j]
        if p.start < clause_start:
            return None
        if p.end <= before:
            return p
    return None


def _clause_start(folded: str, at: int) -> int:
    start = max(0, at - 400)
    last = start
    for b in _CLAUSE_BREAK.finditer(folded, start, at):
        last = b.end()
    return last


def _kind(folded: str, cue: re.Match[str], clause_start: int) -> RelationKind:
    kind = _CUE_KIND[cue.group(1)]
    if kind == "implements" and _NOUN_USE.search(folded, max(clause_start, cue.start() - 12), cue.start()):
        return "cites"
    if kind in ("amends", "replaces", "repeals") and (
        folded.startswith("|", line_start(folded, cue.start()))
        or _TASK_VERB.search(folded, max(clause_start, cue.start() - 40), cue.start())
    ):
        return "cites"  # a task to amend it, not the amendment itself
    return kind


def _list_cue(folded: str, clause_start: int) -> tuple[RelationKind, int] | None:
    """The cue of a list's lead-in ("… thay thế các Quyết định sau:") that an item without its own inherits."""
    best = None
    for c in _CUE.finditer(folded, line_start(folded, clause_start), clause_start):
        colon = folded.find(":", c.end(), clause_start)
        if colon != -1 and "." not in folded[c.end():colon] and "." not in folded[colon:clause_start].rstrip(". "):
            best = c
    if best is None or _CUE_KIND[best.group(1)] == "cites":
        return None
    return _CUE_KIND[best.group(1)], best.start()
