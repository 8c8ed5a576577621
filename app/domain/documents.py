"""The document browser: every document as one row, facets with counts, filters, free text, sort and paging.

Datasette's table pages are the model: one table of rows (number, type, issuer, date,
jurisdiction, level, status, what it implements, how many documents carry it out), facets counted
over the filtered view, and any view exported whole. The table is read from the store once per
generation of its data (``PolicyStore.per_generation``); a request filters, sorts and cuts rows
in memory. Facet counts follow faceted search: each facet is counted with every filter applied
except its own, so choosing a second province shows how many documents it would add.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import pyoxigraph as ox

from app.core.errors import EntityRef, ParameterError, UnknownEntity
from app.core.labels import Label, label_of, sort_labels
from app.core.namespaces import POLID
from app.core.text import fold, slug
from app.domain.lineage import descendants
from app.domain.names import resolve_document
from app.domain.sources import SourceRecord, source_records
from app.sparql.values import batches, values
from app.store.policy_store import PolicyStore, term_text

__all__ = [
    "FACETS",
    "SORTS",
    "AgencyTasks",
    "CascadeGroup",
    "DocumentDetail",
    "DocumentLink",
    "DocumentPage",
    "DocumentQuery",
    "DocumentRow",
    "Facet",
    "FacetValue",
    "Lang",
    "Named",
    "ObjectiveInfo",
    "TargetRow",
    "TaskGroupInfo",
    "TaskInfo",
    "browse",
    "document_detail",
    "document_table",
    "filtered_rows",
    "find_document",
]

Lang = Literal["vi", "en"]
FacetName = Literal["province", "issuer", "type", "year", "level"]
#: The facets, in the order pages show them.
FACETS: tuple[FacetName, ...] = ("province", "issuer", "type", "year", "level")
#: The columns a view can be sorted on.
SORTS = ("notation", "title", "type", "issuer", "date", "year", "jurisdiction", "province", "level", "status",
         "implemented_by")
_DOC_PREFIX = str(POLID) + "doc/"
_DIGITS = re.compile(r"(\d+)")

# Long format (one row per fact), as lineage reads document facts: linear in the facts.
_FACTS = """
SELECT ?d ?key ?value WHERE {
  { SELECT DISTINCT ?d WHERE { { ?d a/rdfs:subClassOf* pol:PolicyDocument } UNION { ?d pol:issuedBy ?anyIssuer } } }
  { ?d skos:notation ?value . BIND("notation" AS ?key) }
  UNION { ?d pol:title ?value . BIND("title" AS ?key) }
  UNION { ?d rdfs:label ?value . BIND("label" AS ?key) }
  UNION { ?d pol:documentType ?value . BIND("type" AS ?key) }
  UNION { ?d pol:issuedBy ?value . BIND("issuer" AS ?key) }
  UNION { ?d pol:issueDate ?value . BIND("date" AS ?key) }
  UNION { ?d pol:jurisdiction ?value . BIND("jurisdiction" AS ?key) }
  UNION { ?d pol:status ?value . BIND("status" AS ?key) }
  UNION { ?d pol:implements ?value . BIND("implements" AS ?key) }
}"""
# What names the things a row points at (types, issuers, areas, statuses, levels), and where an
# area sits (its level, the area it is part of).
_NAMES = """
SELECT ?x ?key ?value WHERE {
  %s
  { ?x rdfs:label ?value . BIND("label" AS ?key) }
  UNION { ?x skos:prefLabel ?value . BIND("label" AS ?key) }
  UNION { ?x skos:notation ?value . BIND("notation" AS ?key) }
  UNION { ?x pol:level ?value . BIND("level" AS ?key) }
  UNION { ?x pol:partOfArea ?value . BIND("partOf" AS ?key) }
}"""


@dataclass(frozen=True, slots=True)
class Named:
    """A resource a row points at: its key (what filters take), IRI and labels in each language."""

    key: str
    iri: str
    vi: str | None = None
    en: str | None = None

    def label(self, lang: Lang) -> str:
        """Its name in ``lang`` (the other language, then the key, when none is written)."""
        first, second = (self.vi, self.en) if lang == "vi" else (self.en, self.vi)
        return first or second or self.key


@dataclass(frozen=True, slots=True)
class DocumentLink:
    """A document pointed at by number and IRI (its key is the path under ``polid:doc/``)."""

    iri: str
    key: str
    notation: str | None


@dataclass(frozen=True, slots=True)
class DocumentRow:
    """One document of the browser."""

    iri: str
    key: str
    notation: str | None
    title_vi: str | None
    title_en: str | None
    type: Named | None
    issuer: Named | None
    date: str | None
    year: int | None
    jurisdiction: Named | None
    #: The province whose document it is, or the national area (``vn``) for a national one.
    province: Named | None
    level: Named | None
    status: Named | None
    implements: tuple[DocumentLink, ...]
    implemented_by: int
    #: Number and titles, accent-folded, for the free-text filter; and as a slug (``190-kh-tu``).
    folded: str = field(repr=False, default="")
    slugged: str = field(repr=False, default="")

    def title(self, lang: Lang) -> str | None:
        """The title in ``lang``, else the other one."""
        return (self.title_vi or self.title_en) if lang == "vi" else (self.title_en or self.title_vi)

    def facet_keys(self, facet: FacetName) -> tuple[str, ...]:
        """The value(s) this row has for ``facet`` (none when the source states none)."""
        match facet:
            case "year":
                return () if self.year is None else (str(self.year),)
            case "province":
                return () if self.province is None else (self.province.key,)
            case "issuer":
                return () if self.issuer is None else (self.issuer.key,)
            case "type":
                return () if self.type is None else (self.type.key,)
            case "level":
                return () if self.level is None else (self.level.key,)


@dataclass(frozen=True, slots=True)
class FacetValue:
    """One value of a facet, how many documents of the view have it, and whether it is selected."""

    key: str
    label: str
    count: int
    selected: bool = False


@dataclass(frozen=True, slots=True)
class Facet:
    """A facet: its values, most documents first."""

    name: FacetName
    values: tuple[FacetValue, ...]


@dataclass(frozen=True, slots=True)
class DocumentQuery:
    """A view of the table: filters (several values each, any of them), free text, sort, page."""

    province: tuple[str, ...] = ()
    issuer: tuple[str, ...] = ()
    type: tuple[str, ...] = ()
    year: tuple[str, ...] = ()
    level: tuple[str, ...] = ()
    q: str | None = None
    sort: str = "date"
    desc: bool = True
    limit: int = 50
    offset: int = 0
    lang: Lang = "vi"

    def selected(self, facet: FacetName) -> tuple[str, ...]:
        """The values chosen for ``facet``."""
        chosen: tuple[str, ...] = getattr(self, facet)
        return chosen


@dataclass(frozen=True, slots=True)
class DocumentPage:
    """One page of a view: its rows, how many documents the whole view holds, and the facets."""

    total: int
    offset: int
    limit: int
    rows: tuple[DocumentRow, ...]
    facets: tuple[Facet, ...]


@dataclass(frozen=True, slots=True)
class DocumentTable:
    """Every document, read once per generation, with what names each facet value."""

    rows: tuple[DocumentRow, ...]
    by_key: dict[str, DocumentRow]
    by_iri: dict[str, DocumentRow]
    #: Per facet, every way a value is named (its key, IRI, labels; as slugs) → the value's key.
    aliases: dict[str, dict[str, str]] = field(default_factory=dict)


# ------------------------------------------------------------------------------ reading the table


def _key_of(iri: str, namespace: str) -> str:
    """The path of ``iri`` under ``polid:{namespace}``, else the IRI itself."""
    prefix = str(POLID) + namespace
    return iri.removeprefix(prefix) if iri.startswith(prefix) else iri


def _doc_key(iri: str) -> str:
    return _key_of(iri, "doc/")


def _labels_by_lang(labels: Iterable[Label]) -> tuple[str | None, str | None]:
    ordered = sort_labels(labels)
    vi = next((label.text for label in ordered if label.lang in ("vi", None, "")), None)
    en = next((label.text for label in ordered if label.lang == "en"), None)
    return vi, en


@dataclass(slots=True)
class _Facts:
    notations: list[str] = field(default_factory=list)
    titles: list[Label] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    single: dict[str, list[str]] = field(default_factory=dict)


def _read_facts(store: PolicyStore) -> dict[str, _Facts]:
    facts: dict[str, _Facts] = {}
    for row in store.select(_FACTS):
        d, key, value = row["d"], row["key"], row["value"]
        if not isinstance(d, ox.NamedNode) or key is None or value is None:
            continue
        info = facts.setdefault(d.value, _Facts())
        match term_text(key):
            case "notation":
                info.notations.append(term_text(value))
            case "title":
                info.titles.append(label_of(value))
            case "label":
                info.labels.append(label_of(value))
            case other:
                info.single.setdefault(other, []).append(term_text(value))
    return facts


@dataclass(slots=True)
class _Names:
    labels: dict[str, list[Label]] = field(default_factory=dict)
    notation: dict[str, str] = field(default_factory=dict)
    level: dict[str, str] = field(default_factory=dict)
    part_of: dict[str, str] = field(default_factory=dict)


def _read_names(store: PolicyStore, iris: Sequence[str], names: _Names | None = None) -> _Names:
    names = names or _Names()
    for batch in batches(sorted(set(iris) - set(names.labels))):
        for iri in batch:
            names.labels.setdefault(iri, [])
        for row in store.select(_NAMES % values("x", batch)):
            x, key, value = row["x"], row["key"], row["value"]
            if not isinstance(x, ox.NamedNode) or key is None or value is None:
                continue
            match term_text(key):
                case "label":
                    names.labels[x.value].append(label_of(value))
                case "notation":
                    names.notation.setdefault(x.value, term_text(value))
                case "level":
                    names.level.setdefault(x.value, term_text(value))
                case "partOf":
                    names.part_of.setdefault(x.value, term_text(value))
    return names


def _named(names: _Names, iri: str | None, namespace: str) -> Named | None:
    if iri is None:
        return None
    vi, en = _labels_by_lang(names.labels.get(iri, []))
    return Named(_key_of(iri, namespace), iri, vi, en)


def _province_of(names: _Names, area: str | None, level: str | None) -> str | None:
    """The province an area lies in (itself for a province), the national area for a national one."""
    seen: set[str] = set()
    while area is not None and area not in seen:
        seen.add(area)
        area_level = names.level.get(area)
        if area_level is not None and _key_of(area_level, "level/") in ("provincial", "national"):
            return area
        parent = names.part_of.get(area)
        if parent is None:
            # No level stated: a national document's area is area/vn by the conventions.
            return area if level is None else None
        area = parent
    return None


def _sort_key_text(text: str | None) -> tuple[object, ...]:
    """Natural order: 47 before 190, accents folded."""
    if text is None:
        return ()
    return tuple(int(part) if part.isdigit() else part for part in _DIGITS.split(fold(text)) if part)


def _read_table(store: PolicyStore) -> DocumentTable:
    facts = _read_facts(store)
    pointed = {v for f in facts.values() for k in ("type", "issuer", "jurisdiction", "status") for v in f.single.get(k, [])}
    names = _read_names(store, sorted(pointed))
    # The levels of the areas and issuers, and the areas the jurisdictions are part of, up to the country.
    more = set(names.level.values()) | set(names.part_of.values())
    while more - set(names.labels):
        names = _read_names(store, sorted(more), names)
        more = set(names.level.values()) | set(names.part_of.values())
    implemented_by: Counter[str] = Counter(
        target for info in facts.values() for target in set(info.single.get("implements", []))
    )
    notations = {iri: min(info.notations) if info.notations else None for iri, info in facts.items()}
    rows = []
    for iri, info in facts.items():
        first = {k: min(v) for k, v in info.single.items() if v and k != "implements"}
        title_vi, title_en = _labels_by_lang(info.titles or info.labels)
        if title_en is None:
            title_en = _labels_by_lang(info.labels)[1]
        date = first.get("date")
        year = int(date[:4]) if date and date[:4].isdigit() else None
        area = first.get("jurisdiction")
        issuer = first.get("issuer")
        level_iri = names.level.get(area or "") or names.level.get(issuer or "")
        province = _province_of(names, area, level_iri)
        notation = notations[iri]
        type_named = _named(names, first.get("type"), "document-type/")
        rows.append(
            DocumentRow(
                iri=iri,
                key=_doc_key(iri),
                notation=notation,
                title_vi=title_vi,
                title_en=title_en,
                type=type_named,
                issuer=_named(names, issuer, "agency/"),
                date=date,
                year=year,
                jurisdiction=_named(names, area, "area/"),
                province=_named(names, province, "area/"),
                level=_named(names, level_iri, "level/"),
                status=_named(names, first.get("status"), "status/"),
                implements=tuple(
                    DocumentLink(t, _doc_key(t), notations.get(t))
                    for t in sorted(set(info.single.get("implements", [])))
                ),
                implemented_by=implemented_by.get(iri, 0),
                folded=(folded := " | ".join(
                    fold(text) for text in (notation, title_vi, title_en, *(label.text for label in info.labels)) if text
                )),
                slugged=slug(folded),
            )
        )
    rows.sort(key=lambda r: (_sort_key_text(r.notation), r.iri))
    return DocumentTable(tuple(rows), {r.key: r for r in rows}, {r.iri: r for r in rows},
                         {facet: _aliases(rows, facet) for facet in FACETS})


def _aliases(rows: Iterable[DocumentRow], facet: FacetName) -> dict[str, str]:
    """Every way a value of ``facet`` is named (its key, IRI, labels, a type's notation; as slugs too) → its key."""
    known: dict[str, str] = {}
    for row in rows:
        for key in row.facet_keys(facet):
            known.setdefault(key, key)
            known.setdefault(slug(key), key)
            named = _facet_named(row, facet)
            if named is not None:
                known.setdefault(named.iri, key)
                for text in (named.vi, named.en):
                    if text:
                        known.setdefault(slug(text), key)
    return known


def document_table(store: PolicyStore) -> DocumentTable:
    """Every document, read once per generation of the store's data."""
    return store.per_generation("document-browser", lambda: _read_table(store))


# ------------------------------------------------------------------------------ a view


def _chosen(table: DocumentTable, facet: FacetName, wanted: tuple[str, ...]) -> frozenset[str]:
    """The facet keys ``wanted`` names (a key, an IRI, a label or a type's notation, accents or not);
    ParameterError naming the facet for a value no document has."""
    known = table.aliases[facet]
    chosen = set()
    for value in wanted:
        found = known.get(value) or known.get(slug(value))
        if found is None:
            raise UnknownEntity(facet, value, _suggestions(table, facet, value))
        chosen.add(found)
    return frozenset(chosen)


def _suggestions(table: DocumentTable, facet: FacetName, value: str) -> list[EntityRef]:
    """The values of ``facet`` closest to ``value``, by IRI (the key for a year) and label."""
    known = table.aliases[facet]
    keys = dict.fromkeys(known[c] for c in difflib.get_close_matches(slug(value), list(known), n=8, cutoff=0.5))
    refs = []
    for key in list(keys)[:5]:
        row = next(r for r in table.rows if key in r.facet_keys(facet))
        named = _facet_named(row, facet)
        refs.append(EntityRef(named.iri, named.label("vi")) if named is not None else EntityRef(key, key))
    return refs


def _facet_named(row: DocumentRow, facet: FacetName) -> Named | None:
    match facet:
        case "province":
            return row.province
        case "issuer":
            return row.issuer
        case "type":
            return row.type
        case "level":
            return row.level
        case "year":
            return None


def _text_matcher(text: str | None) -> Callable[[DocumentRow], bool] | None:
    if text is None or not text.strip():
        return None
    folded, key = fold(text), slug(text)
    return lambda row: folded in row.folded or (bool(key) and key in row.slugged)


def _sort_value(row: DocumentRow, column: str, lang: Lang) -> tuple[object, ...]:
    match column:
        case "notation":
            return _sort_key_text(row.notation)
        case "title":
            return _sort_key_text(row.title(lang))
        case "date":
            return (row.date,) if row.date else ()
        case "year":
            return (row.year,) if row.year is not None else ()
        case "implemented_by":
            return (row.implemented_by,)
        case "type" | "issuer" | "jurisdiction" | "province" | "level" | "status":
            named: Named | None = getattr(row, column)
            return _sort_key_text(named.label(lang)) if named is not None else ()
    raise ParameterError(f"sort: no column {column!r:.40} (columns: {', '.join(SORTS)})", name="sort")


def filtered_rows(store: PolicyStore, query: DocumentQuery) -> tuple[list[DocumentRow], tuple[Facet, ...]]:
    """Every row of the view, sorted (no paging), and the facets counted over it."""
    table = document_table(store)
    if query.sort not in SORTS:
        raise ParameterError(f"sort: no column {query.sort!r:.40} (columns: {', '.join(SORTS)})", name="sort")
    chosen = {facet: _chosen(table, facet, query.selected(facet)) for facet in FACETS if query.selected(facet)}
    text = _text_matcher(query.q)
    base = [row for row in table.rows if text is None or text(row)]

    # Each row's failed filters, counted once: a row is in the view when it fails none, and is
    # counted by a facet when it fails none or only that facet's own filter.
    failed: list[tuple[int, FacetName | None]] = []
    for row in base:
        misses = [facet for facet, keys in chosen.items() if not any(k in keys for k in row.facet_keys(facet))]
        failed.append((len(misses), misses[0] if len(misses) == 1 else None))
    rows = [row for row, (missed, _) in zip(base, failed, strict=True) if missed == 0]
    facets = []
    for facet in FACETS:
        counts: Counter[str] = Counter()
        labels: dict[str, str] = {}
        for row, (missed, only) in zip(base, failed, strict=True):
            if missed == 0 or (missed == 1 and only == facet):
                for key in row.facet_keys(facet):
                    counts[key] += 1
                    if key not in labels:
                        named = _facet_named(row, facet)
                        labels[key] = named.label(query.lang) if named is not None else key
        if facet == "year":
            ordered = sorted(counts.items(), reverse=True)  # latest first
        else:
            ordered = sorted(counts.items(), key=lambda kv: (-kv[1], fold(labels[kv[0]])))
        selected = chosen.get(facet, frozenset())
        facets.append(Facet(facet, tuple(FacetValue(k, labels[k], n, k in selected) for k, n in ordered)))
    # Rows without a value go last whichever way the column is sorted; ties in the table's order (by number).
    keyed = [(_sort_value(r, query.sort, query.lang), i, r) for i, r in enumerate(rows)]
    present = sorted((k for k in keyed if k[0]), key=lambda k: k[0], reverse=query.desc)
    present = _stable_ties(present)
    absent = [r for value, _, r in keyed if not value]
    return [r for _, _, r in present] + absent, tuple(facets)


def _stable_ties(keyed: list[tuple[tuple[object, ...], int, DocumentRow]]) -> list[tuple[tuple[object, ...], int, DocumentRow]]:
    """Rows of equal sort value back in the table's order (by number), whichever way the column runs."""
    out: list[tuple[tuple[object, ...], int, DocumentRow]] = []
    start = 0
    for end in range(1, len(keyed) + 1):
        if end == len(keyed) or keyed[end][0] != keyed[start][0]:
            out += sorted(keyed[start:end], key=lambda k: k[1])
            start = end
    return out


def browse(store: PolicyStore, query: DocumentQuery) -> DocumentPage:
    """One page of the view ``query`` describes, with its total and facets."""
    if query.limit < 1 or query.offset < 0:
        raise ParameterError("limit must be at least 1 and offset at least 0", name="limit")
    rows, facets = filtered_rows(store, query)
    return DocumentPage(len(rows), query.offset, query.limit, tuple(rows[query.offset : query.offset + query.limit]), facets)


# ------------------------------------------------------------------------------ one document


@dataclass(frozen=True, slots=True)
class TargetRow:
    """A target a document sets: indicator, value, unit, comparator, year and place."""

    iri: str
    indicator: Named | None
    value: float | None
    unit: str | None
    comparator: str | None
    year: int | None
    jurisdiction: Named | None


@dataclass(frozen=True, slots=True)
class ObjectiveInfo:
    """An objective of the document, with its horizon year and targets."""

    iri: str
    label_vi: str | None
    label_en: str | None
    horizon: int | None
    targets: tuple[TargetRow, ...]


@dataclass(frozen=True, slots=True)
class TaskInfo:
    """A task, with each agency's role in it (``lead``, ``coordinate``, …)."""

    iri: str
    label_vi: str | None
    label_en: str | None
    agencies: tuple[tuple[Named, str], ...]


@dataclass(frozen=True, slots=True)
class TaskGroupInfo:
    """A task group by its ordinal, with its tasks (tasks stated outside any group come under ordinal None)."""

    iri: str | None
    ordinal: int | None
    label_vi: str | None
    label_en: str | None
    tasks: tuple[TaskInfo, ...]


@dataclass(frozen=True, slots=True)
class AgencyTasks:
    """One agency's tasks in the document under one role."""

    agency: Named
    role: str
    tasks: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CascadeGroup:
    """The documents that carry a document out, for one province (None: no province stated)."""

    province: Named | None
    documents: tuple[tuple[DocumentRow, int, str | None], ...]  # the row, its depth, the relation


@dataclass(frozen=True, slots=True)
class DocumentDetail:
    """A document's page: its row, cascade down, objectives and targets, task groups, duties, sources."""

    document: DocumentRow
    cascade: tuple[CascadeGroup, ...]
    objectives: tuple[ObjectiveInfo, ...]
    task_groups: tuple[TaskGroupInfo, ...]
    by_agency: tuple[AgencyTasks, ...]
    sources: tuple[SourceRecord, ...]


_PARTS = """
SELECT ?kind ?part ?group ?ordinal ?label ?year WHERE {
  { ?d pol:hasObjective ?part . BIND("objective" AS ?kind) OPTIONAL { ?part pol:horizonYear ?year } }
  UNION { ?d pol:hasTaskGroup ?part . BIND("group" AS ?kind) OPTIONAL { ?part pol:ordinal ?ordinal } }
  UNION { ?d pol:hasTaskGroup ?group . ?group pol:hasTask ?part . BIND("task" AS ?kind) }
  UNION { ?d pol:hasTask ?part . BIND("task" AS ?kind) }
  OPTIONAL { ?part rdfs:label ?label }
}"""
_TARGETS = """
SELECT ?objective ?target ?indicator ?value ?unit ?comparator ?year ?place WHERE {
  ?d pol:hasObjective ?objective . ?objective pol:hasTarget ?target .
  OPTIONAL { ?target pol:measures ?indicator }
  OPTIONAL { ?target pol:targetValue ?value }
  OPTIONAL { ?target pol:unit/skos:notation ?unit }
  OPTIONAL { ?target pol:comparator/skos:notation ?comparator }
  OPTIONAL { ?target pol:targetYear ?year }
  OPTIONAL { ?target pol:jurisdiction ?place }
}"""
_ROLES = """
SELECT ?task ?agency ?role WHERE {
  %s
  ?task ?property ?agency . ?r pol:roleProperty ?property ; skos:notation ?role .
}"""


def find_document(store: PolicyStore, name: str) -> str:
    """The IRI of the document ``name`` names: its key (path under ``polid:doc/``), IRI or number.

    The one place this module resolves a document: the project's resolver goes here.
    """
    table = document_table(store)
    row = table.by_key.get(name.strip().strip("/"))
    return row.iri if row is not None else resolve_document(store, name)


def _number(term: object) -> float | None:
    if isinstance(term, ox.Literal):
        try:
            return float(term.value)
        except ValueError:
            return None
    return None


def _year(term: object) -> int | None:
    if isinstance(term, ox.Literal) and term.value[:4].isdigit():
        return int(term.value[:4])
    return None


def document_detail(store: PolicyStore, iri: str) -> DocumentDetail:
    """Everything the document page shows about the document ``iri`` (in the table: resolve it first)."""
    table = document_table(store)
    row = table.by_iri[iri]
    bound = {"d": ox.NamedNode(iri)}
    labels: dict[str, list[Label]] = {}
    kinds: dict[str, str] = {}
    years: dict[str, int | None] = {}
    ordinals: dict[str, int | None] = {}
    task_group: dict[str, str | None] = {}
    for r in store.select(_PARTS, bound):
        part, kind = r["part"], r["kind"]
        if not isinstance(part, ox.NamedNode) or kind is None:
            continue
        kinds[part.value] = term_text(kind)
        labels.setdefault(part.value, [])
        if isinstance(r["label"], ox.Literal):
            labels[part.value].append(label_of(r["label"]))
        if term_text(kind) == "objective":
            years[part.value] = _year(r["year"])
        elif term_text(kind) == "group":
            ordinal = r["ordinal"]
            ordinals[part.value] = int(ordinal.value) if isinstance(ordinal, ox.Literal) and ordinal.value.isdigit() else None
        else:
            in_group = r["group"]
            if isinstance(in_group, ox.NamedNode) or part.value not in task_group:
                task_group[part.value] = in_group.value if isinstance(in_group, ox.NamedNode) else None
    tasks = sorted(task_group)
    roles: dict[str, list[tuple[str, str]]] = {}
    for batch in batches(tasks):
        for r in store.select(_ROLES % values("task", batch)):
            task_term, agency_term, role_term = r["task"], r["agency"], r["role"]
            if isinstance(task_term, ox.NamedNode) and isinstance(agency_term, ox.NamedNode) and role_term is not None:
                roles.setdefault(task_term.value, []).append((agency_term.value, term_text(role_term)))
    target_rows = store.select(_TARGETS, bound)
    pointed = {a for found in roles.values() for a, _ in found}
    pointed |= {term.value for r in target_rows for k in ("indicator", "place") if isinstance(term := r[k], ox.NamedNode)}
    names = _read_names(store, sorted(pointed))

    task_infos = {}
    for task in tasks:
        vi, en = _labels_by_lang(labels.get(task, []))
        agencies = tuple(sorted({(_named(names, a, "agency/"), role) for a, role in roles.get(task, [])},
                                key=lambda ar: (ar[1] != "lead", fold(ar[0].label("vi")) if ar[0] else "")))
        task_infos[task] = TaskInfo(task, vi, en, tuple((n, role) for n, role in agencies if n is not None))
    groups = []
    for group in sorted(ordinals, key=lambda g: (ordinals[g] is None, ordinals[g] or 0, g)):
        vi, en = _labels_by_lang(labels.get(group, []))
        members = sorted((t for t, g in task_group.items() if g == group), key=_sort_key_text)
        groups.append(TaskGroupInfo(group, ordinals[group], vi, en, tuple(task_infos[t] for t in members)))
    loose = sorted((t for t, g in task_group.items() if g is None), key=_sort_key_text)
    if loose:
        groups.append(TaskGroupInfo(None, None, None, None, tuple(task_infos[t] for t in loose)))

    by_objective: dict[str, list[TargetRow]] = {}
    for r in target_rows:
        objective_term, target = r["objective"], r["target"]
        if not isinstance(objective_term, ox.NamedNode) or not isinstance(target, ox.NamedNode):
            continue
        indicator, place = r["indicator"], r["place"]
        by_objective.setdefault(objective_term.value, []).append(TargetRow(
            iri=target.value,
            indicator=_named(names, indicator.value, "indicator/") if isinstance(indicator, ox.NamedNode) else None,
            value=_number(r["value"]),
            unit=term_text(r["unit"]) if r["unit"] is not None else None,
            comparator=term_text(r["comparator"]) if r["comparator"] is not None else None,
            year=_year(r["year"]),
            jurisdiction=_named(names, place.value, "area/") if isinstance(place, ox.NamedNode) else None,
        ))
    objectives = []
    for objective in sorted(years, key=lambda o: (years[o] or 0, o)):
        vi, en = _labels_by_lang(labels.get(objective, []))
        found = sorted({t.iri: t for t in by_objective.get(objective, [])}.values(),
                       key=lambda t: (t.year or 0, t.indicator.label("vi") if t.indicator else "", t.iri))
        objectives.append(ObjectiveInfo(objective, vi, en, years[objective], tuple(found)))

    duties: dict[tuple[str, str], list[str]] = {}
    agency_names: dict[str, Named] = {}
    for info in task_infos.values():
        for named, duty in info.agencies:
            agency_names[named.iri] = named
            duties.setdefault((named.iri, duty), []).append(info.iri)
    by_agency = tuple(
        AgencyTasks(agency_names[a], duty, tuple(ts))
        for (a, duty), ts in sorted(duties.items(), key=lambda kv: (fold(agency_names[kv[0][0]].label("vi")), kv[0][1]))
    )

    groups_down: dict[str | None, list[tuple[DocumentRow, int, str | None]]] = {}
    for item in descendants(store, iri):
        child = table.by_iri.get(item.iri)
        if child is not None:
            groups_down.setdefault(child.province.key if child.province else None, []).append((child, item.depth, item.relation))
    provinces = {r.province.key: r.province for r in table.rows if r.province is not None}
    cascade = tuple(
        CascadeGroup(provinces.get(key) if key is not None else None, tuple(docs))
        for key, docs in sorted(groups_down.items(), key=lambda kv: (kv[0] is None, kv[0] != "vn",
                                                                     fold(provinces[kv[0]].label("vi")) if kv[0] in provinces else ""))
    )
    records = source_records(store)
    sources = tuple(records[s] for s in _sources_of(store, iri) if s in records)
    return DocumentDetail(row, cascade, tuple(objectives), tuple(groups), by_agency, sources)


_SOURCES_OF = "SELECT DISTINCT ?s WHERE { { ?d pol:source ?s } UNION { ?s dcterms:isPartOf ?d . ?s a pol:SourceArticle } }"


def _sources_of(store: PolicyStore, iri: str) -> list[str]:
    return sorted(term_text(r["s"]) for r in store.select(_SOURCES_OF, {"d": ox.NamedNode(iri)}) if r["s"] is not None)
