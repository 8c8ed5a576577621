"""An extraction as a draft of the graph: human-editable TriG holding one named graph, ``polg:source/{name}``.

The draft follows CONVENTIONS.md: documents ``doc/{issuer-key}/{year}/{number-slug}`` with type, class,
number, issuer, date, jurisdiction, title and their relations to other documents; the tasks the text
assigns, under the document it is, with the agency of each role; its targets under an objective per
year; the agencies and the province it proposes as new, labelled; every resource with ``pol:source``
the source, whose record carries the provenance (file, sha256 of the text, curator, time, address,
province). Documents the graph already knows are named by IRI and not restated. Comments say where
each item was read (the words at its span) and what a reviewer should check.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pyoxigraph as ox

from app.core.errors import InvalidInput
from app.core.namespaces import DCTERMS, GRAPH_BASE, POL, POLID, PROV, RDFS, SKOS, XSD
from app.core.text import fold, nfc, slug
from app.curation.gazetteer import Gazetteer
from app.curation.summary import SELF, Extraction, IssuerRef, Responsibility, TargetRef
from app.store.policy_store import PolicyStore, term_text

__all__ = [
    "Area",
    "DocumentType",
    "Provenance",
    "Vocabulary",
    "draft_trig",
    "resolve_province",
    "source_graph",
    "source_iri",
    "text_sha256",
]

DOC_BASE = str(POLID) + "doc/"
_AREA = str(POLID) + "area/"
_AGENCY = str(POLID) + "agency/"
_NATIONAL_AREA = _AREA + "vn"
#: The relation kinds of the summary are the local names of the ontology's properties.
_ROLE_PROPERTY = {
    "lead": "leadAgency", "coordinate": "coordinatingAgency", "advise": "advisingAgency", "assigned": "assignedAgency",
}
_SOURCE_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,99}$")
_LOCAL = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")
_DEADLINE_TYPES = {4: "gYear", 7: "gYearMonth", 10: "date"}
_PROVINCE_WORDS = re.compile(r"^(tinh|thanh pho|tp\.?)\s+", re.IGNORECASE)


def source_iri(name: str) -> str:
    """The IRI of a source's record: ``polid:source/{name}``."""
    return f"{POLID}source/{name}"


def source_graph(name: str) -> str:
    """The named graph of a source: ``polg:source/{name}``; InvalidInput for a name that is no file stem."""
    if not _SOURCE_NAME.match(name):
        raise InvalidInput(
            f"the source name {name!r:.120} is not a file stem of lowercase ASCII letters, digits, '-', '_' or '.' "
            "(at most 100 characters, e.g. 'ha-tinh-kh-57')"
        )
    return f"{GRAPH_BASE}source/{name}"


def text_sha256(text: str) -> str:
    """The sha256 (hex) of ``text`` as UTF-8: what a source record keeps instead of the text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Area:
    """A province (or the country) a text is about; ``new`` when the graph does not know it yet."""

    iri: str
    label: str | None
    new: bool = False

    @property
    def key(self) -> str:
        """The area's path below ``area/`` (``quang-tri``), used in agency IRIs."""
        return self.iri.removeprefix(_AREA)

    @property
    def name(self) -> str | None:
        """The province's name without its ``Tỉnh`` (``Hà Tĩnh``)."""
        if self.label is None:
            return None
        words = self.label.split(" ", 1)
        return words[1] if len(words) == 2 and fold(words[0]) == "tinh" else self.label


def resolve_province(gazetteer: Gazetteer, value: str | None) -> Area | None:
    """The area ``value`` names: an IRI or key of a known area, a known name, or a new province's name."""
    if value is None or not value.strip():
        return None
    value = nfc(value.strip())
    by_iri = {a.iri: a for a in gazetteer.areas}
    for candidate in (value, _AREA + value):
        if candidate in by_iri:
            known = by_iri[candidate]
            return Area(known.iri, known.labels[0] if known.labels else None)
    if "://" in value:
        raise InvalidInput(f"the area <{value:.120}> is not in the graph; give a new province by its name (Hà Tĩnh)")
    wanted = _PROVINCE_WORDS.sub("", fold(value))
    for area in gazetteer.areas:
        if any(_PROVINCE_WORDS.sub("", fold(label)) == wanted for label in area.labels):
            return Area(area.iri, area.labels[0] if area.labels else None)
    name = re.sub(r"^(tỉnh|Tỉnh)\s+", "", value)
    key = slug(name)
    if not key:
        raise InvalidInput(f"the province {value!r:.120} has no letters to name it by")
    return Area(_AREA + key, f"Tỉnh {name}", new=True)


@dataclass(frozen=True, slots=True)
class DocumentType:
    """A concept of the document-type scheme: its IRI, the OWL class of its documents, its Vietnamese name."""

    iri: str
    cls: str
    name: str | None


_TYPES_QUERY = """
SELECT ?t ?code ?cls ?name WHERE {
  ?t a pol:DocumentType .
  { ?t skos:notation ?code } UNION { ?t skos:altLabel ?code }
  OPTIONAL { ?t pol:documentClass ?cls }
  OPTIONAL { ?t skos:prefLabel ?name FILTER(lang(?name) = "vi") }
}"""
_CODES_QUERY = """
SELECT ?c ?code WHERE { { ?c a pol:Unit } UNION { ?c a pol:Comparator } ?c skos:notation ?code }"""


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The SKOS schemes a draft names concepts from: document types, units and comparators by notation."""

    types: Mapping[str, DocumentType] = field(default_factory=dict)
    concepts: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_store(cls, store: PolicyStore) -> Vocabulary:
        """The schemes as the store holds them (``ontology/vocab``)."""
        types: dict[str, DocumentType] = {}
        for row in store.select(_TYPES_QUERY):
            code, concept = row["code"], row["t"]
            if code is None or concept is None:
                continue
            cls_, name = row["cls"], row["name"]
            types.setdefault(term_text(code), DocumentType(
                term_text(concept), term_text(cls_) if cls_ is not None else str(POL.PolicyDocument),
                term_text(name) if name is not None else None,
            ))
        concepts: dict[str, str] = {}
        for row in store.select(_CODES_QUERY):
            if row["code"] is not None and row["c"] is not None:
                concepts.setdefault(term_text(row["code"]), term_text(row["c"]))
        return cls(types, concepts)

    def document_type(self, code: str | None) -> DocumentType:
        """The type of notation ``code``; an unknown one as ``doctype:{slug}`` of class pol:PolicyDocument."""
        if code is not None and code in self.types:
            return self.types[code]
        key = slug(code or "") or "unknown"
        return DocumentType(f"{POLID}document-type/{key}", str(POL.PolicyDocument), None)

    def unit(self, notation: str) -> str:
        """The unit concept written ``notation`` (``%``, ``%/năm``); unknown ones as ``unit:{slug}``."""
        return self.concepts.get(notation) or f"{POLID}unit/{slug(notation) or 'unknown'}"

    def comparator(self, name: str) -> str:
        """The comparator concept of the summary's name (``at_least`` → ``cmp:at-least``)."""
        notation = name.replace("_", "-")
        return self.concepts.get(notation) or f"{POLID}comparator/{notation}"


@dataclass(frozen=True, slots=True)
class Provenance:
    """What the source record says about where the draft came from."""

    name: str
    file_name: str | None = None
    sha256: str | None = None
    curator: str | None = None
    #: When the draft was made or ingested (ISO 8601 with the zone).
    time: str | None = None
    url: str | None = None
    title: str | None = None


# ------------------------------------------------------------------------------------ writing


_PREFIXES: dict[str, str] = {
    "pol": str(POL), "polg": GRAPH_BASE, "src": f"{POLID}source/", "area": _AREA,
    "doctype": f"{POLID}document-type/", "status": f"{POLID}status/", "cmp": f"{POLID}comparator/",
    "unit": f"{POLID}unit/", "level": f"{POLID}level/", "ind": f"{POLID}indicator/",
    "rdfs": str(RDFS), "xsd": str(XSD), "skos": str(SKOS), "dcterms": str(DCTERMS), "prov": str(PROV),
    "org": "http://www.w3.org/ns/org#",
}


def _literal(value: str, language: str | None = None) -> str:
    return str(ox.Literal(nfc(value), language=language))


def _typed(value: str, datatype: str) -> str:
    return f"{ox.Literal(value)}^^xsd:{datatype}"


def _comment(text: str, limit: int = 160) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1] + "…"


class _Writer:
    """Subjects with their statements in order, written as TriG with prefixes and comments."""

    def __init__(self) -> None:
        self.prefixes = dict(_PREFIXES)
        self.blocks: list[tuple[str, list[str], list[tuple[str, list[str]]]]] = []
        self._by_subject: dict[str, list[tuple[str, list[str]]]] = {}

    def iri(self, iri: str) -> str:
        if iri.startswith(DOC_BASE):
            return f"<{iri.removeprefix(DOC_BASE)}>"
        if iri.startswith(_AGENCY):
            folder, _, local = iri.removeprefix(_AGENCY).rpartition("/")
            if folder and _LOCAL.match(local):
                name = "ag-" + folder.replace("/", "-")
                self.prefixes.setdefault(name, f"{_AGENCY}{folder}/")
                if self.prefixes[name] == f"{_AGENCY}{folder}/":
                    return f"{name}:{local}"
        for name, namespace in sorted(self.prefixes.items(), key=lambda item: -len(item[1])):
            local = iri.removeprefix(namespace)
            if iri.startswith(namespace) and _LOCAL.match(local):
                return f"{name}:{local}"
        return str(ox.NamedNode(iri))

    @property
    def subjects(self) -> set[str]:
        """The subjects written so far."""
        return set(self._by_subject)

    def section(self, title: str) -> None:
        self.blocks.append(("", [f"--- {title} " + "-" * max(3, 70 - len(title))], []))

    def subject(self, iri: str, *comments: str) -> None:
        if iri not in self._by_subject:
            statements: list[tuple[str, list[str]]] = []
            self._by_subject[iri] = statements
            self.blocks.append((iri, [_comment(c) for c in comments if c], statements))

    def add(self, subject: str, predicate: str, *objects: str) -> None:
        self.subject(subject)
        statements = self._by_subject[subject]
        for existing, values in statements:
            if existing == predicate:
                values.extend(o for o in objects if o not in values)
                return
        statements.append((predicate, list(objects)))

    def render(self, graph: str, header: Iterable[str]) -> str:
        body: list[str] = []
        for index, (subject, comments, statements) in enumerate(self.blocks):
            if not subject:
                following = next((b for b in self.blocks[index + 1 :] if not b[0] or b[2]), None)
                if following is not None and following[0]:  # a section with something in it
                    body += ["", *(f"    # {c}" for c in comments)]
                continue
            if not statements:
                continue
            body += ["", *(f"    # {c}" for c in comments)]
            lines = [f"{p} {' , '.join(objects)}" for p, objects in statements]
            first = self.iri(subject)
            if lines[0].startswith("a "):
                first, lines = f"{first} {lines[0]}", lines[1:]
            body.append(f"    {first}" + (" ;" if lines else " ."))
            body += [f"        {line}" + (" ;" if i < len(lines) - 1 else " .") for i, line in enumerate(lines)]
        width = max(len(name) for name in self.prefixes) + 1
        out = [*(f"# {line}" for line in header), "", f"@base <{DOC_BASE}> ."]
        out += [f"@prefix {(name + ':').ljust(width)} <{ns}> ." for name, ns in self.prefixes.items()]
        return "\n".join([*out, "", f"<{graph}> {{", *body, "}", ""])


# ------------------------------------------------------------------------------------ minting


def _area_of_agency(iri: str) -> str | None:
    """``agency/quang-tri/so-khcn`` → ``area/quang-tri`` (CONVENTIONS: agencies hang below their area)."""
    if not iri.startswith(_AGENCY):
        return None
    folder = iri.removeprefix(_AGENCY).rpartition("/")[0]
    return _AREA + folder if folder else None


def _level_of(area: str) -> str:
    depth = area.removeprefix(_AREA).count("/")
    if area == _NATIONAL_AREA:
        return "national"
    return "provincial" if depth == 0 else "district"


def _issuer_key(issuer: IssuerRef | None, notation: str | None) -> str:
    """The issuer part of a document IRI: ``agency/quang-tri/ubnd`` → ``ubnd-quang-tri``, national ones bare."""
    if issuer is not None and issuer.iri is not None and issuer.iri.startswith(_AGENCY):
        folder, _, local = issuer.iri.removeprefix(_AGENCY).rpartition("/")
        return local if folder in ("", "vn") else f"{local}-{folder.replace('/', '-')}"
    if issuer is not None and slug(issuer.label):
        return slug(issuer.label)
    code = (notation or "").rpartition("/")[2].rpartition("-")[2]
    return slug(code) or "unknown"


def _mint_document(notation: str | None, issuer: IssuerRef | None, date: str | None, fallback: str) -> str:
    key = _issuer_key(issuer, notation)
    if not notation:
        return f"{DOC_BASE}{key}/draft/{slug(fallback) or 'document'}"
    year = f"{date[:4]}/" if date and date[:4].isdigit() else ""
    return f"{DOC_BASE}{key}/{year}{slug(notation)}"


def _short_slug(text: str, words: int = 8) -> str:
    return "-".join(slug(text).split("-")[:words]) or "task"


# ------------------------------------------------------------------------------------ the draft


@dataclass
class _Draft:
    extraction: Extraction
    provenance: Provenance
    gazetteer: Gazetteer
    vocabulary: Vocabulary
    province: Area | None
    out: _Writer = field(default_factory=_Writer)
    agencies: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # iri → (label, area)
    documents: dict[str, str] = field(default_factory=dict)  # notation → iri

    @property
    def source(self) -> str:
        return self.out.iri(source_iri(self.provenance.name))

    def quote(self, span: tuple[int, int]) -> str:
        start, end = span
        text = self.extraction.text[max(0, start) : max(0, end)]
        return f"read from: «{_comment(text, 120)}»" if text.strip() else ""

    def known_agency_area(self, iri: str) -> str | None:
        for agency in self.gazetteer.agencies:
            if agency.iri == iri:
                return agency.area
        return None

    def agency(self, label: str, iri: str | None, new: bool) -> str:
        """The IRI for an agency named ``label``; a new (or unresolved) one is proposed with its province."""
        known = {a.iri for a in self.gazetteer.agencies}
        if iri is not None and iri in known and not new:
            return iri
        area = self.province.iri if self.province is not None else _NATIONAL_AREA
        if iri is None:
            iri = f"{_AGENCY}{area.removeprefix(_AREA)}/{slug(label) or 'agency'}"
        elif iri in known:
            return iri
        area = _area_of_agency(iri) or area
        self.agencies.setdefault(iri, (label, area))
        return iri

    def area_label(self, area: str) -> str | None:
        if self.province is not None and self.province.iri == area:
            return self.province.name
        for known in self.gazetteer.areas:
            if known.iri == area and known.labels:
                return Area(known.iri, known.labels[0]).name
        return None

    def self_iri(self) -> str:
        head = self.extraction.self_document
        if head is not None and head.notation:
            for document in self.extraction.documents:
                if document.notation == head.notation and document.iri:
                    return document.iri
        issuer = head.issuer if head is not None else None
        return _mint_document(head.notation if head else None, issuer, head.date if head else None,
                              self.provenance.name)

    def jurisdiction(self, issuer: str | None) -> str:
        if issuer is not None:
            area = self.known_agency_area(issuer) or _area_of_agency(issuer)
            if area is not None:
                return area
        return self.province.iri if self.province is not None else _NATIONAL_AREA

    def write_document(
        self, iri: str, notation: str | None, code: str | None, issuer: IssuerRef | None, date: str | None,
        title: str | None, comments: Iterable[str], *, is_self: bool,
    ) -> None:
        out, kind = self.out, self.vocabulary.document_type(code)
        out.subject(iri, *comments, "" if kind.name else f"check: type {code!r} is not in the document-type scheme")
        out.add(iri, "a", out.iri(kind.cls))
        out.add(iri, "pol:documentType", out.iri(kind.iri))
        if notation:
            out.add(iri, "skos:notation", _literal(notation))
        by = f"của {issuer.label}" if issuer is not None and issuer.label else ""
        about = title[:1].lower() + title[1:] if title else ""
        name = " ".join(p for p in (kind.name or code or "Văn bản", notation or "", by, about) if p)
        out.add(iri, "rdfs:label", _literal(name, "vi"))
        if title:
            out.add(iri, "pol:title", _literal(title, "vi"))
        issuer_iri = self.agency(issuer.label, issuer.iri, issuer.iri is None) if issuer is not None else None
        if issuer_iri is not None:
            out.add(iri, "pol:issuedBy", out.iri(issuer_iri))
        if date:
            out.add(iri, "pol:issueDate", _typed(date, "date"))
        elif notation:
            out.add(iri, "pol:undated", "true")
        out.add(iri, "pol:jurisdiction", out.iri(self.jurisdiction(issuer_iri)))
        out.add(iri, "pol:status", "status:issued" if notation or not is_self else "status:draft")
        out.add(iri, "pol:source", self.source)

    def write(self) -> str:
        ex, out = self.extraction, self.out
        head = ex.self_document
        self_iri = self.self_iri()
        has_parts = bool(ex.responsibilities or ex.targets or any(r.source == SELF for r in ex.relations))
        self.documents = {d.notation: d.iri or _mint_document(d.notation, d.issuer, d.date, d.notation)
                          for d in ex.documents}
        if head is not None and head.notation:
            self.documents.setdefault(head.notation, self_iri)
        self_ref = next((d for d in ex.documents if head is not None and d.notation == head.notation), None)
        known_self = self_ref is not None and self_ref.known

        out.section("The document this text is")
        if (head is not None or has_parts) and not known_self:
            self.write_document(
                self_iri, head.notation if head else None, head.type if head else None,
                head.issuer if head else None, head.date if head else None,
                self_ref.title if self_ref else None,
                ["check: the text names no header; say which document it is"] if head is None else
                [self.quote(self_ref.spans[0]) if self_ref and self_ref.spans else ""],
                is_self=True,
            )
        out.section("Documents the text names")
        known = [d for d in ex.documents if d.known and d.iri]
        for document in ex.documents:
            if document.known or (head is not None and document.notation == head.notation):
                continue
            self.write_document(
                self.documents[document.notation], document.notation, document.type, document.issuer,
                document.date, document.title, [self.quote(document.spans[0]) if document.spans else ""],
                is_self=False,
            )
        for relation in ex.relations:
            origin = self_iri if relation.source == SELF else self.documents.get(relation.source)
            target = self.documents.get(relation.target)
            if origin is None or target is None:
                continue
            out.add(origin, f"pol:{relation.kind}", out.iri(target))
        self.write_tasks(self_iri, ex.responsibilities)
        self.write_targets(self_iri, ex.targets)
        self.write_agencies()
        self.write_record(head.notation if head else None)
        header = [
            f"Draft of source {self.provenance.name}: what the text states, as the extractor read it.",
            "Review every item: the comments quote the words each was read from.",
        ]
        if known:
            header.append("Documents the graph already knows are linked by IRI and not restated:")
            header += [f"  {d.notation} <{d.iri}>" for d in known]
        return out.render(source_graph(self.provenance.name), header)

    def write_tasks(self, document: str, duties: Iterable[Responsibility]) -> None:
        out = self.out
        grouped: dict[str, list[Responsibility]] = {}
        for duty in duties:
            grouped.setdefault(" ".join(duty.task.split()), []).append(duty)
        if grouped:
            out.section("Tasks the text assigns")
        used: set[str] = set()
        for task, group in grouped.items():
            local = base = _short_slug(task)
            n = 2
            while local in used:
                local, n = f"{base}-{n}", n + 1
            used.add(local)
            iri = f"{document}/task/{local}"
            out.subject(iri, self.quote(group[0].span))
            out.add(iri, "a", "pol:Task")
            out.add(iri, "rdfs:label", _literal(task, "vi"))
            for duty in group:
                agency = self.agency(duty.agency.label, duty.agency.iri, duty.agency.new)
                out.add(iri, f"pol:{_ROLE_PROPERTY[duty.role]}", out.iri(agency))
            deliverable = next((d.deliverable for d in group if d.deliverable), None)
            deadline = next((d.deadline for d in group if d.deadline), None)
            if deliverable:
                out.add(iri, "pol:deliverable", _literal(deliverable, "vi"))
            if deadline and len(deadline) in _DEADLINE_TYPES:
                out.add(iri, "pol:deadline", _typed(deadline, _DEADLINE_TYPES[len(deadline)]))
            out.add(iri, "pol:source", self.source)
            out.add(document, "pol:hasTask", out.iri(iri))

    def write_targets(self, document: str, targets: Iterable[TargetRef]) -> None:
        out, area = self.out, self.province.iri if self.province is not None else None
        targets = list(targets)
        if targets:
            out.section("Targets")
        for target in targets:
            year = str(target.year) if target.year is not None else "undated"
            objective = f"{document}/objective/{year}"
            if target.year is None:
                out.subject(objective, "check: the text gives no year for these targets")
            out.add(objective, "a", "pol:Objective")
            out.add(objective, "rdfs:label", _literal(f"Mục tiêu đến năm {year}", "vi"))
            if target.year is not None:
                out.add(objective, "pol:horizonYear", _typed(year, "gYear"))
            out.add(objective, "pol:source", self.source)
            out.add(document, "pol:hasObjective", out.iri(objective))
            indicator = target.indicator_iri or f"{POLID}indicator/{_short_slug(target.indicator)}"
            local = base = f"{indicator.rpartition('/')[2]}-{year}"
            n = 2
            while f"{document}/target/{local}" in self.out.subjects:
                local, n = f"{base}-{n}", n + 1  # two targets of one indicator and year (a range, two areas)
            iri = f"{document}/target/{local}"
            notes = [self.quote(target.span)]
            if target.value_high is not None:
                notes.append(f"check: a range up to {target.value_high:g}; the value is its lower end")
            out.subject(iri, *notes)
            out.add(iri, "a", "pol:Target")
            out.add(iri, "pol:measures", out.iri(indicator))
            out.add(iri, "pol:targetValue", _typed(f"{float(target.value)!r}", "decimal"))
            out.add(iri, "pol:unit", out.iri(self.vocabulary.unit(target.unit)))
            out.add(iri, "pol:comparator", out.iri(self.vocabulary.comparator(target.comparator)))
            if target.year is not None:
                out.add(iri, "pol:targetYear", _typed(year, "gYear"))
            out.add(iri, "pol:jurisdiction", out.iri(area or self.jurisdiction(None)))
            out.add(iri, "pol:statedAs", _literal(self.extraction.text[target.span[0] : target.span[1]]))
            out.add(iri, "pol:source", self.source)
            out.add(objective, "pol:hasTarget", out.iri(iri))
            if target.indicator_iri is None:
                out.subject(indicator, "proposed: an indicator the graph does not have (add its English label)")
                out.add(indicator, "a", "pol:Indicator")
                out.add(indicator, "rdfs:label", _literal(target.indicator, "vi"))
                out.add(indicator, "pol:source", self.source)

    def write_agencies(self) -> None:
        out = self.out
        if self.agencies:
            out.section("Agencies proposed as new (check name, level and parent)")
        for iri, (label, area) in self.agencies.items():
            name = self.area_label(area) if area else None
            full = label
            if name and fold(name) not in fold(label) and area != _NATIONAL_AREA:
                full = f"{label} tỉnh {name}" if _level_of(area or "") == "provincial" else f"{label} {name}"
            out.subject(iri, "proposed: not in the graph yet")
            out.add(iri, "a", "pol:Agency")
            out.add(iri, "rdfs:label", _literal(full, "vi"))
            if full != label:
                out.add(iri, "skos:altLabel", _literal(label, "vi"))
            out.add(iri, "pol:jurisdiction", out.iri(area or _NATIONAL_AREA))
            out.add(iri, "pol:level", f"level:{_level_of(area or _NATIONAL_AREA)}")
            out.add(iri, "pol:source", self.source)
        province = self.province
        if province is not None and province.new:
            out.section("The province, new to the graph")
            out.subject(province.iri, "proposed: not in the graph yet")
            out.add(province.iri, "a", "pol:AdministrativeArea")
            out.add(province.iri, "rdfs:label", _literal(province.label or province.key, "vi"))
            out.add(province.iri, "pol:level", "level:provincial")
            out.add(province.iri, "pol:partOfArea", "area:vn")
            out.add(province.iri, "pol:source", self.source)

    def write_record(self, notation: str | None) -> None:
        out, p = self.out, self.provenance
        record = source_iri(p.name)
        out.section("The source: where this draft comes from")
        out.subject(record)
        # Both types stated: queries without inference (search, VoID) ask for pol:SourceArticle.
        out.add(record, "a", "pol:CuratedText", "pol:SourceArticle")
        title = p.title or (f"Văn bản {notation}" if notation else f"Nguồn {p.name}")
        out.add(record, "dcterms:title", _literal(title, "vi"))
        out.add(record, "pol:sourceFile", _literal(p.file_name or f"{p.name}.txt"))
        out.add(record, "pol:textSha256", _literal(p.sha256 or text_sha256(self.extraction.text)))
        out.add(record, "dcterms:language", _literal("vi"))
        if self.province is not None:
            out.add(record, "dcterms:spatial", out.iri(self.province.iri))
        if p.url:
            out.add(record, "dcterms:source", out.iri(p.url))
        if p.curator:
            out.add(record, "dcterms:creator", _literal(p.curator))
        if p.time:
            out.add(record, "prov:generatedAtTime", _typed(p.time, "dateTime"))


def draft_trig(
    extraction: Extraction,
    provenance: Provenance,
    *,
    gazetteer: Gazetteer | None = None,
    vocabulary: Vocabulary | None = None,
    province: Area | None = None,
) -> str:
    """The extraction as TriG in the graph ``polg:source/{name}``, with prefixes and review comments."""
    source_graph(provenance.name)  # the name is checked before anything is written
    if provenance.url is not None:
        try:
            ox.NamedNode(provenance.url)
        except ValueError as exc:
            raise InvalidInput(f"the original address {provenance.url!r:.120} is not an absolute IRI") from exc
    return _Draft(extraction, provenance, gazetteer or Gazetteer(), vocabulary or Vocabulary(), province).write()


def reviewed_draft(store: PolicyStore, extraction: Extraction, province: str | None, source: str) -> str:
    """The draft TriG of a reviewed extraction, resolved against what ``store`` knows now."""
    gazetteer = Gazetteer.cached(store)
    return draft_trig(
        extraction, Provenance(name=source), gazetteer=gazetteer,
        vocabulary=Vocabulary.from_store(store), province=resolve_province(gazetteer, province),
    )
