"""Document lineage: which documents a document carries out (ancestors) and which carry it out (descendants).

Edges are ``pol:implements`` and ``pol:basedOn``; a document is reported once, at its shortest
depth, and cycles in the data never loop. The number table kept here (numbers repeat across
issuers) is what app.domain.names resolves a document's name against.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal as TypingLiteral

import pyoxigraph as ox

from app.core.errors import DocumentRef
from app.core.labels import Label, best_label, label_of
from app.core.namespaces import POL
from app.core.text import slug
from app.sparql.values import batches, values
from app.store.derived import load_derived, save_derived
from app.store.policy_store import PolicyStore, term_text

Direction = TypingLiteral["up", "down"]
Relation = TypingLiteral["implements", "basedOn"]

_RELATIONS: dict[str, Relation] = {str(POL.implements): "implements", str(POL.basedOn): "basedOn"}
# Preferred when a document is reached at the same depth through both kinds of edge.
_RELATION_RANK: dict[Relation, int] = {"implements": 0, "basedOn": 1}

# One branch per relation rather than VALUES ?rel: with several ?src values Oxigraph joins two
# VALUES tables and scans the edges, ten times slower for ten documents and worse as they grow.
_EDGES_UP = """
SELECT DISTINCT ?src ?rel ?dst WHERE {
  %s
  { ?src pol:implements ?dst . BIND(pol:implements AS ?rel) }
  UNION { ?src pol:basedOn ?dst . BIND(pol:basedOn AS ?rel) }
}"""
_EDGES_DOWN = """
SELECT DISTINCT ?src ?rel ?dst WHERE {
  %s
  { ?dst pol:implements ?src . BIND(pol:implements AS ?rel) }
  UNION { ?dst pol:basedOn ?src . BIND(pol:basedOn AS ?rel) }
}"""
# Long format (one row per fact) keeps the result linear in the facts, where one OPTIONAL per
# property would multiply labels by titles by types.
_FACTS = """
SELECT DISTINCT ?d ?key ?value ?aux WHERE {
  %s
  {
    { ?d skos:notation ?value . BIND("notation" AS ?key) }
    UNION { ?d rdfs:label ?value . BIND("label" AS ?key) }
    UNION { ?d pol:title ?value . BIND("title" AS ?key) }
    UNION { ?d a ?value . BIND("type" AS ?key) }
    UNION { ?d pol:issueDate ?value . BIND("date" AS ?key) }
    UNION { ?d pol:issuedBy ?value . BIND("issuer" AS ?key) }
    UNION { ?d pol:issuedBy ?aux . ?aux rdfs:label ?value . BIND("issuerLabel" AS ?key) }
  }
}"""
# Two EXISTS, not one over a UNION: Virtuoso 7.2 drops the path branch of EXISTS { {…} UNION {…} }.
_ALL_DOCUMENTS = """
  ?d skos:notation ?anyNotation .
  FILTER(EXISTS { ?d a/rdfs:subClassOf* pol:PolicyDocument } || EXISTS { ?d pol:issuedBy ?anyIssuer })
"""


@dataclass(frozen=True, slots=True)
class LineageItem:
    """A document in a lineage, with how far and by which edge it was reached."""

    iri: str
    notation: str | None
    label: str | None
    type: str | None
    issuer: str | None
    issuer_label: str | None
    date: str | None
    depth: int
    relation: Relation | None = None
    via: str | None = None


@dataclass(frozen=True, slots=True)
class Lineage:
    """A document with its ancestors and descendants."""

    document: LineageItem
    ancestors: list[LineageItem] = field(default_factory=list)
    descendants: list[LineageItem] = field(default_factory=list)


@dataclass(slots=True)
class _DocumentFacts:
    iri: str
    notations: list[str] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    titles: list[Label] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    dates: list[str] = field(default_factory=list)
    issuers: list[str] = field(default_factory=list)
    issuer_labels: dict[str, list[Label]] = field(default_factory=dict)

    @property
    def notation(self) -> str | None:
        return min(self.notations) if self.notations else None

    @property
    def label(self) -> str | None:
        return best_label(self.labels) or best_label(self.titles)

    @property
    def type(self) -> str | None:
        # The most specific pol: class; pol:PolicyDocument only when nothing narrower is stated.
        ours = sorted(t for t in self.types if t.startswith(str(POL)))
        narrow = [t for t in ours if t != str(POL.PolicyDocument)]
        candidates = narrow or ours or sorted(self.types)
        return candidates[0] if candidates else None

    @property
    def issuer(self) -> str | None:
        return min(self.issuers) if self.issuers else None

    @property
    def issuer_label(self) -> str | None:
        return best_label(self.issuer_labels.get(self.issuer or "", []))

    @property
    def date(self) -> str | None:
        return min(self.dates) if self.dates else None

    def ref(self) -> DocumentRef:
        return DocumentRef(
            iri=self.iri,
            notation=self.notation,
            label=self.label,
            issuer=self.issuer,
            issuer_label=self.issuer_label,
            date=self.date,
        )

    def item(self, depth: int, relation: Relation | None = None, via: str | None = None) -> LineageItem:
        return LineageItem(
            iri=self.iri,
            notation=self.notation,
            label=self.label,
            type=self.type,
            issuer=self.issuer,
            issuer_label=self.issuer_label,
            date=self.date,
            depth=depth,
            relation=relation,
            via=via,
        )


def _document_facts(store: PolicyStore, iris: Sequence[str] | None) -> dict[str, _DocumentFacts]:
    """Facts about the given documents, or about every document when ``iris`` is None."""
    facts: dict[str, _DocumentFacts] = {}
    patterns = [_ALL_DOCUMENTS] if iris is None else [values("d", batch) for batch in batches(list(iris))]
    for pattern in patterns:
        for row in store.select(_FACTS % pattern):
            d, key, value, aux = row["d"], row["key"], row["value"], row["aux"]
            if d is None or key is None or value is None:
                continue
            iri = term_text(d)
            info = facts.setdefault(iri, _DocumentFacts(iri))
            text = term_text(value)
            match term_text(key):
                case "notation":
                    info.notations.append(text)
                case "label":
                    info.labels.append(label_of(value))
                case "title":
                    info.titles.append(label_of(value))
                case "type":
                    info.types.append(text)
                case "date":
                    info.dates.append(text)
                case "issuer":
                    info.issuers.append(text)
                case "issuerLabel" if aux is not None:
                    info.issuer_labels.setdefault(term_text(aux), []).append(label_of(value))
    return facts


def _walk_many(
    store: PolicyStore, starts: Sequence[str], direction: Direction, max_depth: int
) -> dict[str, list[LineageItem]]:
    """Each start's documents in ``direction``, each at its shortest depth from that start.

    All starts are walked together: one edge query per level (in VALUES chunks) and one facts
    query at the end, however many starts there are.
    """
    template = _EDGES_UP if direction == "up" else _EDGES_DOWN
    edges: dict[str, list[tuple[Relation, str]]] = {}
    reached: dict[str, dict[str, tuple[int, Relation, str]]] = {start: {} for start in starts}
    seen = {start: {start} for start in starts}
    frontier = {start: [start] for start in starts}
    depth = 0
    while any(frontier.values()) and depth < max_depth:
        depth += 1
        todo = sorted({node for nodes in frontier.values() for node in nodes} - edges.keys())
        for node in todo:
            edges[node] = []
        for batch in batches(todo):
            for row in store.select(template % values("src", batch)):
                src, rel, dst = row["src"], row["rel"], row["dst"]
                if isinstance(dst, ox.NamedNode) and src is not None and rel is not None:
                    edges[term_text(src)].append((_RELATIONS[term_text(rel)], dst.value))
        for start in starts:
            found: dict[str, tuple[Relation, str]] = {}
            for origin in frontier[start]:
                for relation, target in edges[origin]:
                    if target in seen[start]:
                        continue
                    best = found.get(target)
                    if best is None or (_RELATION_RANK[relation], origin) < (_RELATION_RANK[best[0]], best[1]):
                        found[target] = (relation, origin)
            for iri, (relation, via) in found.items():
                reached[start][iri] = (depth, relation, via)
            seen[start].update(found)
            frontier[start] = sorted(found)
    facts = _document_facts(store, sorted({iri for found in reached.values() for iri in found}))
    return {
        start: sorted(
            (facts.get(iri, _DocumentFacts(iri)).item(d, relation, via) for iri, (d, relation, via) in found.items()),
            key=lambda i: (i.depth, i.notation or "", i.iri),
        )
        for start, found in reached.items()
    }


def ancestors(store: PolicyStore, doc_iri: str, max_depth: int = 20) -> list[LineageItem]:
    """Documents ``doc_iri`` implements or is based on, transitively, each at its shortest depth."""
    return _walk_many(store, [doc_iri], "up", max_depth)[doc_iri]


def descendants(store: PolicyStore, doc_iri: str, max_depth: int = 20) -> list[LineageItem]:
    """Documents that implement or are based on ``doc_iri``, transitively, each at its shortest depth."""
    return _walk_many(store, [doc_iri], "down", max_depth)[doc_iri]


def chains_up(store: PolicyStore, doc_iris: Sequence[str], max_depth: int = 20) -> dict[str, list[LineageItem]]:
    """For each document, itself (depth 0) then its ancestors by depth: the chain up to the roots.

    Computed for all documents at once (a few queries in all), for answers that show the chain
    of several documents.
    """
    starts = list(dict.fromkeys(doc_iris))
    if not starts:
        return {}
    up = _walk_many(store, starts, "up", max_depth)
    own = _document_facts(store, starts)
    return {start: [own.get(start, _DocumentFacts(start)).item(0), *up[start]] for start in starts}


def describe_document(store: PolicyStore, doc_iri: str) -> LineageItem:
    """The document itself as a depth-0 lineage item."""
    return _document_facts(store, [doc_iri]).get(doc_iri, _DocumentFacts(doc_iri)).item(0)


def lineage(store: PolicyStore, doc_iri: str, max_depth: int = 20) -> Lineage:
    """A document with its ancestors and descendants."""
    return Lineage(
        document=describe_document(store, doc_iri),
        ancestors=ancestors(store, doc_iri, max_depth),
        descendants=descendants(store, doc_iri, max_depth),
    )


def document_refs(store: PolicyStore, iris: Sequence[str]) -> dict[str, DocumentRef]:
    """The given documents as shown to a user choosing between them (number, label, issuer, date)."""
    facts = _document_facts(store, iris) if iris else {}
    return {iri: facts.get(iri, _DocumentFacts(iri)).ref() for iri in iris}


# The documents under each number (slug of the notation), per store, kept up to date with its
# data: resolving a number then reads the facts of its few documents, not of every document.
_NUMBERS: weakref.WeakKeyDictionary[PolicyStore, NumberTable] = weakref.WeakKeyDictionary()
_NUMBERS_LOCK = threading.Lock()
_DOCUMENT_CLASSES = "SELECT DISTINCT ?c WHERE { ?c rdfs:subClassOf* pol:PolicyDocument }"
_SAVED_NAME = "number-table"
# More IRIs touched than this and reading every notation again costs less.
_INCREMENTAL_LIMIT = 20_000


@dataclass(frozen=True, slots=True)
class NumberTable:
    """The documents under each number slug, and the slugs of each document, at a store generation.

    ``classes`` (the subclasses of pol:PolicyDocument) decide what counts as a document: when they
    change, the table is read again in full.
    """

    generation: int
    stamp: str | None
    classes: frozenset[str]
    by_number: dict[str, list[str]]
    by_document: dict[str, frozenset[str]]


def _document_classes(store: PolicyStore) -> frozenset[str]:
    return frozenset(term_text(row["c"]) for row in store.select(_DOCUMENT_CLASSES) if row["c"] is not None)


def _notations(store: PolicyStore, documents: Sequence[str] | None) -> dict[str, list[str]]:
    """The slugs of the notations of ``documents`` (of every document when None), by document."""
    patterns = [""] if documents is None else [values("d", batch) for batch in batches(list(documents))]
    found: dict[str, list[str]] = {}
    for pattern in patterns:
        for row in store.select("SELECT DISTINCT ?d ?anyNotation WHERE {" + pattern + _ALL_DOCUMENTS + "}"):
            d, notation = row["d"], row["anyNotation"]
            if isinstance(d, ox.NamedNode) and notation is not None:
                slugs = found.setdefault(d.value, [])
                key = slug(term_text(notation))
                if key not in slugs:
                    slugs.append(key)
    return found


def number_table(store: PolicyStore, generation: int, stamp: str | None, classes: frozenset[str]) -> NumberTable:
    """The whole table, read from the store."""
    by_number: dict[str, list[str]] = {}
    by_document = _notations(store, None)
    for iri, slugs in by_document.items():
        for key in slugs:
            by_number.setdefault(key, []).append(iri)
    return NumberTable(generation, stamp, classes, by_number, {d: frozenset(s) for d, s in by_document.items()})


def _updated(store: PolicyStore, table: NumberTable, touched: Sequence[str], generation: int, stamp: str | None) -> NumberTable:
    """``table`` with the notations of the ``touched`` documents read again (a new table; the old one stays whole)."""
    fresh = _notations(store, touched)
    by_number = dict(table.by_number)
    by_document = dict(table.by_document)
    for iri in touched:
        old, new = by_document.get(iri, frozenset()), frozenset(fresh.get(iri, ()))
        if old == new:
            continue
        for key in old - new:
            remaining = [d for d in by_number.get(key, []) if d != iri]
            if remaining:
                by_number[key] = remaining
            else:
                by_number.pop(key, None)
        for key in new - old:
            by_number[key] = [*by_number.get(key, []), iri]
        if new:
            by_document[iri] = new
        else:
            by_document.pop(iri, None)
    return NumberTable(generation, stamp, table.classes, by_number, by_document)


def refreshed_numbers(store: PolicyStore, table: NumberTable | None, terms: Sequence[str] | None = None) -> NumberTable:
    """The number table at the store's current data: ``table`` itself, updated for what the store's
    writes since touched (``terms`` when the caller knows them), read back from beside an on-disk
    store at its stamp, or read in full."""
    generation, stamp = store.current_generation(), store.stamp
    if table is not None and table.generation == generation and terms is None:
        return table
    if table is None:
        saved = load_derived(store.derived_dir, _SAVED_NAME, stamp)
        if isinstance(saved, NumberTable):
            return NumberTable(generation, stamp, saved.classes, saved.by_number, saved.by_document)
    changed = None if table is None else (terms if terms is not None else store.changes_since(table.generation))
    classes = _document_classes(store)
    if table is None or changed is None or classes != table.classes or len(changed) > _INCREMENTAL_LIMIT:
        fresh = number_table(store, generation, stamp, classes)
    else:
        fresh = _updated(store, table, sorted(t for t in changed if not t.startswith("_:")), generation, stamp)
    if store.derived_dir is not None and store.current_generation() == generation:
        save_derived(store.derived_dir, _SAVED_NAME, stamp, fresh)
    return fresh


def document_numbers(store: PolicyStore) -> NumberTable:
    """The documents under each number slug at the store's current data (kept per store)."""
    generation = store.current_generation()
    with _NUMBERS_LOCK:
        table = _NUMBERS.get(store)
        if table is None or table.generation != generation:
            # Under the lock: one reader brings it up to date, the others wait (milliseconds).
            table = _NUMBERS[store] = refreshed_numbers(store, table)
    return table
