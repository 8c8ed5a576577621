"""The extractor's result: what a text names, as typed records with the spans they come from.

Offsets are Python ``str`` indices (code points) into ``Extraction.text``, the NFC text after
cleaning; a span is ``(start, end)`` with ``end`` exclusive, so ``text[start:end]`` is the words the
statement was read from. ``Extraction.as_json()`` is the summary of issue #13, field for field.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

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
