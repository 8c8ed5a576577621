"""The extractor's result: what a text names, as typed records with the spans they come from.

Offsets are Python ``str`` indices (code points) into ``Extraction.text``, the NFC text after
cleaning; a span is ``(start, end)`` with ``end`` exclusive, so ``text[start:end]`` is the words the
statement was read from. ``Extraction.as_json()`` is the summary of issue #13, field for field.
"""

from __future__ import annotations

import datetime
import math
import re
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal, NoReturn, TypeVar

from app.core.errors import InvalidSummary

Span = tuple[int, int]

RelationKind = Literal["basedOn", "implements", "replaces", "amends", "repeals", "guides", "cites"]
Role = Literal["lead", "coordinate", "advise", "assigned"]
Comparator = Literal["about", "at_least", "over", "at_most", "range", "exactly"]

RELATION_KINDS: tuple[RelationKind, ...] = (
    "basedOn", "implements", "replaces", "amends", "repeals", "guides", "cites",
)
ROLES: tuple[Role, ...] = ("lead", "coordinate", "advise", "assigned")
COMPARATORS: tuple[Comparator, ...] = ("about", "at_least", "over", "at_most", "range", "exactly")
#: the document that the text itself is, in ``Relation.source``
SELF = "self"


@dataclass(frozen=True, slots=True)
class IssuerRef:
    """Who issued a document, as the text names it, and the graph's agency when one matches."""

    label: str
    iri: str | None = None


@dataclass(frozen=True, slots=True)
class SelfDocument:
    """The document the text is (from its header), when the text says."""

    notation: str | None
    type: str | None
    issuer: IssuerRef | None
    date: str | None


@dataclass(frozen=True, slots=True)
class DocumentRef:
    """A document the text names: its number as written (NFC, spacing repaired) and what is known of it.

    ``type`` is the notation of the document-type scheme (``NQ``, ``KH``, ``QĐ`` …); ``date`` is
    ``YYYY-MM-DD``; ``iri`` is the graph's IRI when ``known``, else the IRI the draft would mint.
    """

    notation: str
    type: str | None
    issuer: IssuerRef | None
    date: str | None
    title: str | None
    iri: str | None
    known: bool
    spans: tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class Relation:
    """One document's link to another (``source`` is a notation or ``"self"``)."""

    source: str
    target: str
    kind: RelationKind
    span: Span


@dataclass(frozen=True, slots=True)
class AgencyRef:
    """An agency as the text names it; ``iri`` the graph's (or the one proposed when ``new``)."""

    label: str
    iri: str | None
    new: bool


@dataclass(frozen=True, slots=True)
class Responsibility:
    """An agency's part in one task: the role, the task's words, and what and when it must deliver."""

    agency: AgencyRef
    role: Role
    task: str
    deliverable: str | None
    deadline: str | None
    span: Span


@dataclass(frozen=True, slots=True)
class TargetRef:
    """A numeric target: indicator, value (``value_high`` for a range), unit, comparator, year."""

    indicator: str
    indicator_iri: str | None
    value: float
    value_high: float | None
    unit: str
    comparator: Comparator
    year: int | None
    span: Span


@dataclass(frozen=True, slots=True)
class Extraction:
    """Everything read from one text, plus the draft TriG built from it."""

    text: str
    self_document: SelfDocument | None
    documents: tuple[DocumentRef, ...] = ()
    relations: tuple[Relation, ...] = ()
    responsibilities: tuple[Responsibility, ...] = ()
    targets: tuple[TargetRef, ...] = ()
    draft: str = ""
    warnings: tuple[str, ...] = field(default=())

    def as_json(self) -> dict[str, Any]:
        """The summary as JSON-ready data, with the field names of the published summary."""
        return {
            "text": self.text,
            "self": None if self.self_document is None else asdict(self.self_document),
            "documents": [
                {**asdict(d), "spans": [list(s) for s in d.spans]} for d in self.documents
            ],
            "relations": [
                {"from": r.source, "to": r.target, "kind": r.kind, "span": list(r.span)}
                for r in self.relations
            ],
            "responsibilities": [
                {**asdict(r), "span": list(r.span)} for r in self.responsibilities
            ],
            "targets": [{**asdict(t), "span": list(t.span)} for t in self.targets],
            "draft": self.draft,
            "warnings": list(self.warnings),
        }

    @classmethod
    def from_json(cls, data: object) -> Extraction:
        """A summary as ``as_json`` writes it (after a reviewer's edits) back as an ``Extraction``.

        Every field is checked against the published summary: types, the vocabularies (kind,
        role, comparator), dates, spans inside ``text``, relations between listed documents. The
        first bad field raises ``InvalidSummary`` with its path (``documents[2].date``).
        """
        return cls(**_read_summary(data))


# ------------------------------------------------------------------------------ reading a summary back

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DEADLINE = re.compile(r"\d{4}(?:-\d{2}(?:-\d{2})?)?")
_L = TypeVar("_L", bound=str)
#: The value of a key the object does not have (an optional field may be left out; a required one not).
_MISSING: Any = object()


class _Reader:
    """One JSON value of a summary and where it sits (``path``), so that a refusal names the field."""

    __slots__ = ("path", "value")

    def __init__(self, value: object, path: tuple[str | int, ...]) -> None:
        self.value = value
        self.path = path

    def fail(self, message: str) -> NoReturn:
        raise InvalidSummary(self.path, "is required" if self.value is _MISSING else message)

    @property
    def absent(self) -> bool:
        """Null or left out."""
        return self.value is None or self.value is _MISSING

    def fields(self) -> dict[str, Any]:
        if not isinstance(self.value, dict):
            self.fail("must be a JSON object")
        return self.value

    def child(self, key: str) -> _Reader:
        return _Reader(self.fields().get(key, _MISSING), (*self.path, key))

    def entries(self) -> list[_Reader]:
        """The items of this list (null or left out: none)."""
        if self.absent:
            return []
        if not isinstance(self.value, list):
            self.fail("must be a list")
        return [_Reader(item, (*self.path, n)) for n, item in enumerate(self.value)]

    def optional_str(self) -> str | None:
        if self.absent:
            return None
        if not isinstance(self.value, str):
            self.fail("must be a string or null")
        return self.value

    def text(self) -> str:
        """A string that is not blank."""
        if not isinstance(self.value, str) or not self.value.strip():
            self.fail("is required: a string that is not blank")
        return self.value

    def boolean(self) -> bool:
        if not isinstance(self.value, bool):
            self.fail("must be true or false")
        return self.value

    def number(self, *, required: bool) -> float | None:
        value = self.value
        if self.absent and not required:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            self.fail("must be a number" + ("" if required else " or null"))
        return float(value)

    def year(self) -> int | None:
        if self.absent:
            return None
        if isinstance(self.value, bool) or not isinstance(self.value, int) or not 1000 <= self.value <= 9999:
            self.fail("must be a year (four digits) or null")
        return self.value

    def choice(self, allowed: tuple[_L, ...]) -> _L:
        for option in allowed:
            if self.value == option:
                return option
        self.fail("must be one of " + ", ".join(allowed))

    def date(self, pattern: re.Pattern[str], form: str) -> str | None:
        """A date (or a year, a month, as ``pattern`` allows) that the calendar has, or null."""
        value = self.optional_str()
        if value is None:
            return None
        try:
            if not pattern.fullmatch(value):
                raise ValueError(value)
            year, month, day = ([int(p) for p in value.split("-")] + [1, 1])[:3]
            datetime.date(year, month, day)
        except ValueError:
            self.fail(f"must be a date {form} or null, not {value!r}")
        return value

    def span(self, text: str) -> Span:
        pair = self.value
        if (not isinstance(pair, list) or len(pair) != 2
                or not all(isinstance(n, int) and not isinstance(n, bool) for n in pair)):
            self.fail("must be [start, end], two integers")
        start, end = pair
        if not 0 <= start < end <= len(text):
            self.fail(f"[{start}, {end}] is not a span of the text (0 <= start < end <= {len(text)})")
        return (start, end)

    def extra(self, record: type, known: set[str], renamed: frozenset[str] = frozenset()) -> dict[str, Any]:
        """Keys besides ``known``: passed on when ``record`` has a field of that name (one added since), else refused.

        ``renamed``: the fields that ``known`` keys of another name fill (``self`` fills ``self_document``).
        """
        names = {f.name for f in fields(record)} - renamed
        given = self.fields()
        for key in sorted(set(given) - known - names):
            self.child(key).fail("is not a field of the summary")
        return {key: given[key] for key in set(given) - known if key in names}


def _read_summary(data: object) -> dict[str, Any]:
    """The fields of an ``Extraction`` read from a summary (see ``Extraction.from_json``)."""
    top = _Reader(data, ())
    text = top.child("text").text()
    documents = tuple(_document(r, text) for r in top.child("documents").entries())
    notations = {d.notation for d in documents}
    return {
        "text": text,
        "self_document": _self_document(top.child("self")),
        "documents": documents,
        "relations": tuple(_relation(r, text, notations) for r in top.child("relations").entries()),
        "responsibilities": tuple(_responsibility(r, text) for r in top.child("responsibilities").entries()),
        "targets": tuple(_target(r, text) for r in top.child("targets").entries()),
        "draft": top.child("draft").optional_str() or "",
        "warnings": tuple(w.text() for w in top.child("warnings").entries()),
        **top.extra(Extraction, {"text", "self", "documents", "relations", "responsibilities", "targets", "draft",
                                 "warnings"}, frozenset({"self_document"})),
    }


def _issuer(reader: _Reader) -> IssuerRef | None:
    if reader.absent:
        return None
    return IssuerRef(label=reader.child("label").text(), iri=reader.child("iri").optional_str(),
                     **reader.extra(IssuerRef, {"label", "iri"}))


def _self_document(reader: _Reader) -> SelfDocument | None:
    if reader.absent:
        return None
    return SelfDocument(
        notation=reader.child("notation").optional_str(),
        type=reader.child("type").optional_str(),
        issuer=_issuer(reader.child("issuer")),
        date=reader.child("date").date(_DATE, "YYYY-MM-DD"),
        **reader.extra(SelfDocument, {"notation", "type", "issuer", "date"}),
    )


def _document(reader: _Reader, text: str) -> DocumentRef:
    spans = reader.child("spans")
    if not spans.entries():
        spans.fail("must list at least one [start, end] span")
    return DocumentRef(
        notation=reader.child("notation").text(),
        type=reader.child("type").optional_str(),
        issuer=_issuer(reader.child("issuer")),
        date=reader.child("date").date(_DATE, "YYYY-MM-DD"),
        title=reader.child("title").optional_str(),
        iri=reader.child("iri").optional_str(),
        known=reader.child("known").boolean(),
        spans=tuple(s.span(text) for s in spans.entries()),
        **reader.extra(DocumentRef, {"notation", "type", "issuer", "date", "title", "iri", "known", "spans"}),
    )


def _relation(reader: _Reader, text: str, notations: set[str]) -> Relation:
    source = reader.child("from")
    target = reader.child("to")
    if source.text() != SELF and source.value not in notations:
        source.fail(f"{source.value!r} is neither \"self\" nor the notation of a listed document")
    if target.text() not in notations:
        target.fail(f"{target.value!r} is not the notation of a listed document")
    return Relation(
        source=source.text(),
        target=target.text(),
        kind=reader.child("kind").choice(RELATION_KINDS),
        span=reader.child("span").span(text),
        **reader.extra(Relation, {"from", "to", "kind", "span"}, frozenset({"source", "target"})),
    )


def _responsibility(reader: _Reader, text: str) -> Responsibility:
    agency = reader.child("agency")
    return Responsibility(
        agency=AgencyRef(
            label=agency.child("label").text(),
            iri=agency.child("iri").optional_str(),
            new=agency.child("new").boolean(),
            **agency.extra(AgencyRef, {"label", "iri", "new"}),
        ),
        role=reader.child("role").choice(ROLES),
        task=reader.child("task").text(),
        deliverable=reader.child("deliverable").optional_str(),
        deadline=reader.child("deadline").date(_DEADLINE, "YYYY, YYYY-MM or YYYY-MM-DD"),
        span=reader.child("span").span(text),
        **reader.extra(Responsibility, {"agency", "role", "task", "deliverable", "deadline", "span"}),
    )


def _target(reader: _Reader, text: str) -> TargetRef:
    value = reader.child("value").number(required=True)
    high = reader.child("value_high")
    value_high = high.number(required=False)
    comparator = reader.child("comparator").choice(COMPARATORS)
    if comparator == "range" and value_high is None:
        high.fail("is required when the comparator is range")
    if value_high is not None and value is not None and value_high < value:
        high.fail(f"{value_high:g} is below value {value:g}")
    return TargetRef(
        indicator=reader.child("indicator").text(),
        indicator_iri=reader.child("indicator_iri").optional_str(),
        value=value or 0.0,
        value_high=value_high,
        unit=reader.child("unit").optional_str() or "",
        comparator=comparator,
        year=reader.child("year").year(),
        span=reader.child("span").span(text),
        **reader.extra(TargetRef, {"indicator", "indicator_iri", "value", "value_high", "unit", "comparator", "year",
                                   "span"}),
    )
