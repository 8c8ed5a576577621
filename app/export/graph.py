"""Graph exports: a selection of the knowledge graph → an RDF subgraph → a networkx graph → files.

A :class:`Selection` names what to export: the whole graph, a document's lineage (``root``,
``direction``, ``depth``), one area (``province``), one agency's duties (``agency``) or one
indicator (``indicator``); its ``view`` "documents" folds tasks and agencies into counts on the
documents (app/export/outline.py). The selection is computed with SPARQL whose values are bound through
substitutions or ``VALUES`` built from IRIs read back from the store, then one CONSTRUCT pulls
the description of the selected resources. That RDF graph feeds the RDF formats (Turtle, TriG,
JSON-LD) directly and every other format through ONE mapping, :func:`graph_from_triples`, from
RDF triples to a networkx ``MultiDiGraph`` (:func:`graph_from_rdf` applies it to an rdflib graph):

* a node is a resource typed with one of the node classes (documents, objectives, task groups,
  tasks, targets, agencies, indicators, meetings, people), keyed by its IRI, with the attributes
  ``kind``, ``type``, ``label`` (vi), ``label_en``, ``notation``, ``date``, ``issuer``,
  ``jurisdiction``, ``level``, ``status`` and, for targets and objectives, ``target_value``, ``unit``,
  ``comparator``, ``year``, ``ordinal`` — an attribute the data does not state is left out;
* an edge is a triple between two nodes, keyed by its relation (the property's local name:
  ``implements``, ``basedOn``, ``issuedBy``, ``hasTaskGroup``, ``hasTask``, ``leadAgency`` …),
  with ``relation``, ``property`` (the compact IRI) and, for responsibilities, ``role`` (the
  notation of the role concept whose ``pol:roleProperty`` it is: lead, coordinate, advise, assigned).

Re-reading any export and applying the same mapping gives back the same nodes and edges.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import threading
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Literal

import pyoxigraph as ox
import rdflib
from rdflib import RDF, RDFS

from app.core.errors import AmbiguousEntity, EntityRef, ParameterError, SelectionTooLarge, UnknownEntity, shown
from app.core.media import OFFERS, MediaFormat
from app.core.namespaces import (
    DCTERMS,
    FOAF,
    POL,
    POLID,
    PREFIXES,
    SKOS,
    XSD,
    compact,
)
from app.core.text import nfc, slug
from app.domain.lineage import ancestors, descendants
from app.domain.names import resolve_document, resolve_entity
from app.export.outline import COUNT_FIELDS, document_counts, documents_and_issuers, fold_into_documents
from app.sparql.values import batches, iri_list, values

if TYPE_CHECKING:
    import networkx as nx

    from app.store.policy_store import PolicyStore

__all__ = [
    "EDGE_FIELDS",
    "FORMATS",
    "MAX_DEPTH",
    "NODE_FIELDS",
    "NODE_KINDS",
    "AmbiguousEntity",
    "EntityRef",
    "ExportFormat",
    "ExportResult",
    "GraphView",
    "Selection",
    "SelectionTooLarge",
    "UnknownEntity",
    "View",
    "ViewCache",
    "build_graph",
    "export",
    "graph_from_rdf",
    "graph_from_triples",
    "select_nodes",
    "serialise",
]

Direction = Literal["up", "down", "both"]
View = Literal["full", "documents"]
MAX_DEPTH = 10

# Node classes and the kind each gives its instances; subclasses (pol:Plan ⊑ pol:PolicyDocument)
# are followed through rdfs:subClassOf, in the store and in the exported RDF alike.
NODE_KINDS: dict[str, str] = {
    str(POL.PolicyDocument): "document",
    str(POL.Objective): "objective",
    str(POL.TaskGroup): "task-group",
    str(POL.Task): "task",
    str(POL.Target): "target",
    str(POL.Agency): "agency",
    str(POL.Indicator): "indicator",
    str(POL.Meeting): "meeting",
    str(POL.Person): "person",
}
# Resources a selection pulls in because a selected resource points at them (who issued it,
# who is responsible, what a target measures), without following their own links further.
_CONTEXT_CLASSES = (POL.Agency, POL.Indicator, POL.Person)
# Properties of a linked, non-node resource (an area, a concept, a source) that an export keeps
# so labels and codes travel with the file.
_LINKED_FACTS = (RDFS.label, SKOS.prefLabel, SKOS.notation, POL.level, DCTERMS.title)
_COMPARATOR_SIGNS = {"about": "≈", "at-least": "≥", "over": ">", "exactly": "="}

NODE_FIELDS = (
    "kind", "type", "label", "label_en", "notation", "date", "issuer", "jurisdiction", "level",
    "status", "target_value", "unit", "comparator", "year", "ordinal", *COUNT_FIELDS,
)
EDGE_FIELDS = ("relation", "role", "property")


_NODE_CLASS_VALUES = iri_list(NODE_KINDS)

_ALL_NODES = f"""
SELECT DISTINCT ?n WHERE {{
  ?n a/rdfs:subClassOf* ?class .
  VALUES ?class {{ {_NODE_CLASS_VALUES} }}
}}"""
# What hangs below a document: objectives, targets, task groups, tasks, and the meetings that
# discuss it with the tasks they assign.
_PARTS = """
SELECT DISTINCT ?n WHERE {
  %s
  { ?d (pol:hasObjective|pol:hasTarget|pol:hasTaskGroup|pol:hasTask)+ ?n }
  UNION { ?n pol:discusses ?d }
  UNION { ?m pol:discusses ?d . ?m pol:hasTask ?n }
}"""
# Two queries rather than one join: with the class path in the same pattern, Oxigraph walks
# rdfs:subClassOf* for every resource first (8 s instead of 0.1 s on bench/export.py --scale 0.05).
_LINKED = """
SELECT DISTINCT ?n WHERE {
  %s
  ?s ?p ?n .
  FILTER(isIRI(?n))
}"""
_CONTEXT_INSTANCES = f"""
SELECT DISTINCT ?n WHERE {{
  ?n a/rdfs:subClassOf* ?class .
  VALUES ?class {{ {iri_list(_CONTEXT_CLASSES)} }}
}}"""
# Documents and agencies whose jurisdiction is the area or lies within it.
_IN_AREA = """
SELECT DISTINCT ?n WHERE {
  ?within pol:partOfArea* ?area .
  ?n pol:jurisdiction ?within .
  ?n a/rdfs:subClassOf* ?class .
  VALUES ?class { pol:PolicyDocument pol:Agency }
}"""
# The tasks an agency holds in any role, with what contains them (task group, document, meeting)
# and the document a meeting that assigned them discussed.
_DUTIES = """
SELECT DISTINCT ?task ?n WHERE {
  ?roleConcept pol:roleProperty ?roleProperty .
  ?task ?roleProperty ?agency .
  OPTIONAL {
    { ?n pol:hasTask ?task } UNION { ?n pol:hasTaskGroup/pol:hasTask ?task }
    UNION { ?task pol:assignedAt/pol:discusses ?n }
  }
}"""
_MEASURING = """
SELECT DISTINCT ?target ?n WHERE {
  ?target pol:measures ?indicator .
  OPTIONAL { { ?n pol:hasTarget ?target } UNION { ?n pol:hasObjective/pol:hasTarget ?target } }
}"""
_DESCRIBE = f"""
CONSTRUCT {{ ?n ?p ?o . ?o ?q ?v . ?level skos:notation ?code . }}
WHERE {{
  %s
  ?n ?p ?o .
  OPTIONAL {{
    ?o ?q ?v .
    VALUES ?q {{ {iri_list(_LINKED_FACTS)} }}
  }}
  OPTIONAL {{ ?o pol:level ?level . ?level skos:notation ?code }}
}}"""
# Role concepts name the role of each responsibility property; the subclass links let the
# mapping tell a pol:Plan is a document without the ontology at hand.
_VOCABULARY = f"""
CONSTRUCT {{
  ?role pol:roleProperty ?property ; skos:notation ?code ; skos:prefLabel ?roleLabel .
  ?class rdfs:subClassOf ?nodeClass .
}}
WHERE {{
  {{ ?role pol:roleProperty ?property ; skos:notation ?code ; skos:prefLabel ?roleLabel }}
  UNION {{
    ?class rdfs:subClassOf+ ?nodeClass .
    VALUES ?nodeClass {{ {_NODE_CLASS_VALUES} }}
  }}
}}"""


# ---------------------------------------------------------------------------------- selection


@dataclass(frozen=True, slots=True)
class Selection:
    """What to export; with no selector set, the whole graph.

    At most one of ``root``, ``province``, ``agency``, ``indicator`` may be given. ``root`` is a
    document notation as written (190-KH/TU) or an IRI, ``issuer`` picks among documents sharing
    that notation; ``direction`` and ``depth`` (0–10) bound its lineage. ``view`` "documents"
    keeps only the selection's documents and their issuers, each document with its counts of
    tasks and agencies (app/export/outline.py).
    """

    root: str | None = None
    issuer: str | None = None
    direction: Direction = "both"
    depth: int = MAX_DEPTH
    province: str | None = None
    agency: str | None = None
    indicator: str | None = None
    view: View = "full"

    def normalised(self) -> Selection:
        """The selection with NFC, stripped text and empty strings as None; raise on bad values."""

        def clean(value: str | None) -> str | None:
            value = nfc(value).strip() if value is not None else None
            return value or None

        chosen = replace(
            self,
            root=clean(self.root),
            issuer=clean(self.issuer),
            province=clean(self.province),
            agency=clean(self.agency),
            indicator=clean(self.indicator),
        )
        given = [name for name in ("root", "province", "agency", "indicator") if getattr(chosen, name)]
        if len(given) > 1:
            raise ParameterError(f"give one selector at a time, not {' and '.join(given)}")
        if chosen.direction not in ("up", "down", "both"):
            raise ParameterError(f"direction must be up, down or both, not {shown(chosen.direction)}")
        if not 0 <= chosen.depth <= MAX_DEPTH:
            raise ParameterError(f"depth must be between 0 and {MAX_DEPTH}, not {chosen.depth}")
        if chosen.view not in ("full", "documents"):
            raise ParameterError(f"view must be full or documents, not {shown(chosen.view)}")
        return chosen


@dataclass(frozen=True, slots=True)
class GraphView:
    """A selection made concrete: its RDF description, its networkx graph and a file-name stem."""

    triples: list[ox.Triple]
    graph: nx.MultiDiGraph
    name: str
    root: str | None = None

    @property
    def elements(self) -> int:
        """Nodes plus edges: what a browser has to draw."""
        return int(self.graph.number_of_nodes() + self.graph.number_of_edges())


def _iris(store: PolicyStore, query: str, bindings: dict[str, ox.NamedNode] | None = None) -> set[str]:
    """Every IRI in every column of a SELECT's rows."""
    return {t.value for row in store.select(query, bindings) for t in row.values() if isinstance(t, ox.NamedNode)}


def _expand(store: PolicyStore, template: str, iris: Iterable[str], var: str) -> set[str]:
    found: set[str] = set()
    for chunk in batches(sorted(iris)):
        found |= _iris(store, template % values(var, chunk))
    return found


def _with_context(store: PolicyStore, iris: set[str]) -> set[str]:
    return iris | (_expand(store, _LINKED, iris, "s") & _iris(store, _CONTEXT_INSTANCES))


def _name(*parts: str | int) -> str:
    return "-".join(p for p in (slug(str(part)) for part in parts) if p)


def select_nodes(store: PolicyStore, selection: Selection) -> tuple[set[str], str, str | None]:
    """The IRIs a selection covers, a file-name stem for it, and the IRI of its root document."""
    chosen = selection.normalised()
    if chosen.root:
        root = resolve_document(store, chosen.root, chosen.issuer)
        documents = {root}
        if chosen.direction in ("up", "both"):
            documents |= {i.iri for i in ancestors(store, root, chosen.depth)}
        if chosen.direction in ("down", "both"):
            documents |= {i.iri for i in descendants(store, root, chosen.depth)}
        name = _name("lineage", root.removeprefix(str(POLID) + "doc/"), chosen.direction, chosen.depth)
        if chosen.view == "documents":  # the parts would be folded away: not worth selecting
            return documents, name, root
        return _with_context(store, documents | _expand(store, _PARTS, documents, "d")), name, root
    if chosen.province:
        area = resolve_entity(store, "area", chosen.province)
        seeds = _iris(store, _IN_AREA, {"area": ox.NamedNode(area)})
        name = _name("area", area.removeprefix(str(POLID) + "area/"))
        if chosen.view == "documents":
            return seeds, name, None
        return _with_context(store, seeds | _expand(store, _PARTS, seeds, "d")), name, None
    if chosen.agency:
        agency = resolve_entity(store, "agency", chosen.agency)
        duties = _iris(store, _DUTIES, {"agency": ox.NamedNode(agency)})
        return _with_context(store, duties | {agency}), _name("agency", agency.removeprefix(str(POLID) + "agency/")), None
    if chosen.indicator:
        indicator = resolve_entity(store, "indicator", chosen.indicator)
        measuring = _iris(store, _MEASURING, {"indicator": ox.NamedNode(indicator)})
        nodes = _with_context(store, measuring | {indicator})
        return nodes, _name("indicator", indicator.removeprefix(str(POLID) + "indicator/")), None
    return _iris(store, _ALL_NODES), "graph", None


def selection_triples(store: PolicyStore, iris: Iterable[str]) -> list[ox.Triple]:
    """The RDF description of the given resources, with labels of what they link to and the vocabulary.

    Triples stay pyoxigraph terms, deduplicated and sorted by subject so every file is stable.
    """
    triples = set(store.construct_triples(_VOCABULARY))
    for chunk in batches(sorted(iris)):
        triples.update(store.construct_triples(_DESCRIBE % values("n", chunk)))
    return sorted(triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


def build_graph(
    store: PolicyStore,
    selection: Selection | None = None,
    *,
    max_elements: int | None = None,
    cache: ViewCache | None = None,
) -> GraphView:
    """Select, describe and map: the RDF subgraph and the networkx graph of a selection.

    Raises SelectionTooLarge when nodes plus edges exceed ``max_elements``; the node count is
    checked before the description is even built. With a ``cache``, a selection already built
    for the store's current data is not built again.
    """
    chosen = (selection or Selection()).normalised()
    view = cache.get(store, chosen) if cache is not None else None
    if view is None:
        iris, name, root = select_nodes(store, chosen)
        if chosen.view == "documents":
            documents, issuers = documents_and_issuers(store, iris)
            iris, name = documents | issuers, f"{name}-documents"
        if max_elements is not None and len(iris) > max_elements:
            raise SelectionTooLarge(len(iris), max_elements, counted=f"{len(iris)} nodes before any edge")
        triples = selection_triples(store, iris)
        graph = graph_from_triples(triples)
        if chosen.view == "documents":
            graph = fold_into_documents(graph, document_counts(store, documents))
        view = GraphView(triples=triples, graph=graph, name=name, root=root)
        if cache is not None:
            cache.put(store, chosen, view)
    if max_elements is not None and view.elements > max_elements:
        counted = f"{view.graph.number_of_nodes()} nodes and {view.graph.number_of_edges()} edges"
        raise SelectionTooLarge(view.elements, max_elements, counted=counted)
    return view


class ViewCache:
    """Graph views of recent selections, for the store's current data, within a budget of triples.

    A view is several SPARQL queries, a CONSTRUCT and the networkx mapping; the explorer asks for
    the same lineage again to draw it, redraw it and download it in other formats, which then
    costs only the serialisation. Entries are keyed by the store's generation, so a load or an
    update (here or, on a remote engine, through another replica) drops them. The least recently
    used go first once the views hold more than ``max_triples`` triples (about 1 KB each with
    their networkx graph); a view larger than the budget is not kept. Views are shared between
    requests and must not be modified.
    """

    def __init__(self, max_triples: int) -> None:
        self.max_triples = max_triples
        self._views: OrderedDict[tuple[int, int, Selection], GraphView] = OrderedDict()
        self._triples = 0
        self._lock = threading.Lock()

    @staticmethod
    def _key(store: PolicyStore, selection: Selection) -> tuple[int, int, Selection]:
        return (id(store), store.current_generation(), selection)

    def get(self, store: PolicyStore, selection: Selection) -> GraphView | None:
        """The view of a normalised selection, if built since the store's data last changed."""
        key = self._key(store, selection)
        with self._lock:
            view = self._views.get(key)
            if view is not None:
                self._views.move_to_end(key)
            return view

    def put(self, store: PolicyStore, selection: Selection, view: GraphView) -> None:
        """Keep a view; drop those of older data, then the least recently used past the budget."""
        if len(view.triples) > self.max_triples:
            return
        key = self._key(store, selection)
        with self._lock:
            for stale in [k for k in self._views if k[:2] != key[:2]]:
                self._triples -= len(self._views.pop(stale).triples)
            previous = self._views.pop(key, None)
            self._triples += len(view.triples) - (len(previous.triples) if previous else 0)
            self._views[key] = view
            while self._triples > self.max_triples:
                _, dropped = self._views.popitem(last=False)
                self._triples -= len(dropped.triples)


# ---------------------------------------------------------------------------------- the mapping

Resource = ox.NamedNode | ox.BlankNode
_TYPE = str(RDF.type)


def _local(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


class _Iris:
    """A namespace's IRIs as plain strings, each made once.

    rdflib builds a new URIRef on every attribute access of a Namespace, and the mapping reads a
    dozen properties per node: that was a quarter of its time.
    """

    def __init__(self, namespace: rdflib.Namespace | type) -> None:
        self._namespace = namespace

    def __getattr__(self, name: str) -> str:
        value = str(getattr(self._namespace, name))
        setattr(self, name, value)  # found directly from now on: __getattr__ is not called again
        return value


_POL, _SKOS, _RDFS, _FOAF = _Iris(POL), _Iris(SKOS), _Iris(RDFS), _Iris(FOAF)


class _Facts:
    """The triples indexed by subject and predicate, read the way the mapping needs them."""

    def __init__(self, triples: Iterable[ox.Triple | ox.Quad]) -> None:
        self.by_subject: dict[object, dict[str, list[object]]] = {}
        for t in triples:
            self.by_subject.setdefault(t.subject, {}).setdefault(t.predicate.value, []).append(t.object)

    def objects(self, subject: object, predicate: str) -> list[object]:
        return sorted(self.by_subject.get(subject, {}).get(str(predicate), []), key=str)

    def text(self, subject: object, predicate: str, lang: str | None = "vi") -> str | None:
        """One literal: in ``lang``, else untagged, else any; with ``lang`` "en", only English."""
        values = [o for o in self.objects(subject, predicate) if isinstance(o, ox.Literal)]
        preferred = [v for v in values if v.language == lang]
        if lang != "en":
            preferred += [v for v in values if v.language is None] + values
        return preferred[0].value if preferred else None

    def label(self, subject: object, lang: str = "vi") -> str | None:
        return self.text(subject, _RDFS.label, lang) or self.text(subject, _SKOS.prefLabel, lang)

    def code(self, concept: object) -> str | None:
        en = self.text(concept, _SKOS.prefLabel, "en")
        return self.text(concept, _SKOS.notation, None) or (en.lower() if en else None)

    def first_code(self, subject: object, predicate: str) -> str | None:
        return next((code for o in self.objects(subject, predicate) if (code := self.code(o))), None)

    def joined_labels(self, subject: object, predicate: str) -> str | None:
        labels = [self.label(o) or _term_text(o) for o in self.objects(subject, predicate)]
        return "; ".join(sorted(labels)) or None


def _term_text(term: object) -> str:
    return term.value if isinstance(term, ox.NamedNode | ox.BlankNode | ox.Literal) else str(term)


def _kinds(facts: _Facts) -> dict[Resource, tuple[str, str]]:
    """Each node's kind and most specific type (local name), from rdf:type and rdfs:subClassOf."""
    supers: dict[str, set[str]] = {}
    for cls, predicates in facts.by_subject.items():
        for parent in predicates.get(str(_RDFS.subClassOf), []):
            supers.setdefault(_term_text(cls), set()).add(_term_text(parent))
    kinds: dict[Resource, tuple[str, str]] = {}
    for subject, predicates in facts.by_subject.items():
        classes = sorted(_term_text(c) for c in predicates.get(_TYPE, []))
        reached = set(classes).union(*(supers.get(c, set()) for c in classes))
        kind = next((k for cls, k in NODE_KINDS.items() if cls in reached), None)
        if kind is None or not isinstance(subject, ox.NamedNode | ox.BlankNode):
            continue
        # The most specific class: not a superclass of another class the node has.
        inherited = set().union(*(supers.get(c, set()) for c in classes))
        narrow = [c for c in classes if c not in inherited and c.startswith(str(POL))]
        kinds[subject] = (kind, _local(narrow[0] if narrow else classes[0]))
    return kinds


def _target_label(facts: _Facts, node: object, lang: str) -> str | None:
    indicators = facts.objects(node, _POL.measures)
    value = facts.text(node, _POL.targetValue, None)
    if not indicators or value is None:
        return None
    what = facts.label(indicators[0], lang) or _local(_term_text(indicators[0]))
    comparator = facts.first_code(node, _POL.comparator)
    unit = facts.first_code(node, _POL.unit)
    year = facts.text(node, _POL.targetYear, None)
    amount = f"{_COMPARATOR_SIGNS.get(comparator or '', '')}{float(value):g}" + (f" {unit}" if unit else "")
    return f"{what}: {amount}" + (f" ({year})" if year else "")


def _node_attributes(facts: _Facts, node: object, kind: str, type_name: str) -> dict[str, str | int | float]:
    attrs: dict[str, str | int | float | None] = {"kind": kind, "type": type_name}
    attrs["notation"] = facts.text(node, _SKOS.notation, None)
    attrs["label"] = (
        facts.label(node)
        or facts.text(node, _POL.title)
        or facts.text(node, _FOAF.name, None)
        or _target_label(facts, node, "vi")
        or attrs["notation"]
        or _local(_term_text(node))
    )
    attrs["label_en"] = facts.text(node, _RDFS.label, "en") or (
        _target_label(facts, node, "en") if kind == "target" else None
    )
    attrs["date"] = facts.text(node, _POL.issueDate, None) or facts.text(node, _POL.meetingDate, None)
    attrs["issuer"] = facts.joined_labels(node, _POL.issuedBy)
    attrs["jurisdiction"] = facts.joined_labels(node, _POL.jurisdiction)
    attrs["level"] = facts.first_code(node, _POL.level) or next(
        (code for area in facts.objects(node, _POL.jurisdiction) if (code := facts.first_code(area, _POL.level))), None
    )
    attrs["status"] = facts.first_code(node, _POL.status)
    value = facts.text(node, _POL.targetValue, None)
    # Not "value": networkx's cytoscape_data writes the node id into that key.
    attrs["target_value"] = float(value) if value is not None else None
    attrs["unit"] = facts.first_code(node, _POL.unit) if kind == "target" else None
    attrs["comparator"] = facts.first_code(node, _POL.comparator)
    year = facts.text(node, _POL.targetYear, None) or facts.text(node, _POL.horizonYear, None)
    attrs["year"] = int(year) if year is not None and year.isdigit() else None
    ordinal = facts.text(node, _POL.ordinal, None)
    attrs["ordinal"] = int(ordinal) if ordinal is not None and ordinal.lstrip("-").isdigit() else None
    return {k: v for k, v in attrs.items() if v is not None}


def graph_from_triples(triples: Iterable[ox.Triple | ox.Quad]) -> nx.MultiDiGraph:
    """THE mapping from RDF to networkx: typed resources become nodes, links between them edges."""
    import networkx as nx  # imported when used: the CLI imports this module for its format names

    facts = _Facts(triples)
    kinds = _kinds(facts)
    roles = {
        _term_text(prop): code
        for concept, predicates in facts.by_subject.items()
        for prop in predicates.get(str(_POL.roleProperty), [])
        if (code := facts.code(concept))
    }
    graph = nx.MultiDiGraph()
    order = sorted(kinds, key=str)
    for node in order:
        graph.add_node(_term_text(node), **_node_attributes(facts, node, *kinds[node]))
    for node in order:
        for predicate, objects in sorted(facts.by_subject[node].items()):
            if predicate == _TYPE:
                continue
            relation = _local(predicate)
            for obj in sorted(objects, key=str):
                if obj not in kinds:
                    continue
                attrs = {"relation": relation, "property": _compact(predicate)}
                if predicate in roles:
                    attrs["role"] = roles[predicate]
                graph.add_edge(_term_text(node), _term_text(obj), key=relation, **attrs)
    return graph


def graph_from_rdf(rdf: rdflib.Graph) -> nx.MultiDiGraph:
    """The same mapping for an rdflib graph (an export read back, any RDF file)."""
    return graph_from_triples(ox.parse(rdf.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES))


# ---------------------------------------------------------------------------------- serialisations


class ExportFormat(StrEnum):
    """The file formats of an export."""

    graphml = "graphml"
    gexf = "gexf"
    cytoscape = "cytoscape"
    nodelink = "nodelink"
    dot = "dot"
    mermaid = "mermaid"
    jsonld = "jsonld"
    turtle = "turtle"
    trig = "trig"
    csv = "csv"


@dataclass(frozen=True, slots=True)
class ExportResult:
    """An export ready to send or save."""

    media_type: str
    filename: str
    body: bytes
    nodes: int
    edges: int
    root: str | None = None


def _xml(write: Callable[[nx.MultiDiGraph, io.BytesIO], None]) -> Callable[[GraphView], bytes]:
    def serialise_xml(view: GraphView) -> bytes:
        buffer = io.BytesIO()
        write(view.graph, buffer)
        return buffer.getvalue()

    return serialise_xml


def _graphml(graph: nx.MultiDiGraph, buffer: io.BytesIO) -> None:
    import networkx as nx

    # GraphML edge ids must be unique in the file; the relation key repeats, so number the edges
    # (the relation stays an edge attribute).
    numbered = nx.MultiDiGraph()
    numbered.add_nodes_from(graph.nodes(data=True))
    for i, (u, v, data) in enumerate(graph.edges(data=True)):
        numbered.add_edge(u, v, key=f"e{i}", **data)
    nx.write_graphml(numbered, buffer, encoding="utf-8", named_key_ids=True)


def _gexf(graph: nx.MultiDiGraph, buffer: io.BytesIO) -> None:
    import networkx as nx

    nx.write_gexf(graph, buffer, encoding="utf-8")


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=1).encode("utf-8")


def _cytoscape(view: GraphView) -> bytes:
    from networkx.readwrite import json_graph

    return _json(json_graph.cytoscape_data(view.graph))


def _nodelink(view: GraphView) -> bytes:
    from networkx.readwrite import json_graph

    return _json(json_graph.node_link_data(view.graph, edges="edges"))


# Fill colours per kind for the formats that carry styling (DOT, Mermaid); the explorer has its own.
KIND_COLOURS = {
    "document": "#f4a582", "objective": "#fddbc7", "task-group": "#d1e5f0", "task": "#92c5de",
    "target": "#e0f3db", "agency": "#b2abd2", "indicator": "#a6dba0", "meeting": "#ffffbf", "person": "#dfc27d",
}


def _dot_text(value: object) -> str:
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{text}"'


def _dot(view: GraphView) -> bytes:
    lines = [f"digraph {_dot_text(view.name)} {{", '  graph [charset="UTF-8", rankdir=BT];',
             '  node [shape=box, style="rounded,filled", fillcolor="#f5f5f5", fontname="sans-serif"];']
    for node, data in view.graph.nodes(data=True):
        styled = {**data, "fillcolor": KIND_COLOURS.get(str(data["kind"]), "#f5f5f5")}
        attrs = ", ".join(f"{k}={_dot_text(v)}" for k, v in styled.items())
        lines.append(f"  {_dot_text(node)} [{attrs}];")
    for u, v, data in view.graph.edges(data=True):
        shown = data.get("role") or data["relation"]
        attrs = ", ".join(f"{k}={_dot_text(val)}" for k, val in {"label": shown, **data}.items())
        lines.append(f"  {_dot_text(u)} -> {_dot_text(v)} [{attrs}];")
    lines.append("}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _mermaid_text(value: str) -> str:
    # Mermaid reads entity codes inside quoted labels; a raw quote would end the label.
    return value.replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def _mermaid(view: GraphView) -> bytes:
    ids = {node: f"n{i}" for i, node in enumerate(view.graph.nodes)}
    lines = ["flowchart BT"]
    for node, data in view.graph.nodes(data=True):
        lines.append(f'  {ids[node]}["{_mermaid_text(data["label"])}"]:::{data["kind"].replace("-", "")}')
    for u, v, data in view.graph.edges(data=True):
        shown = data["relation"] + (f" ({data['role']})" if "role" in data else "")
        lines.append(f'  {ids[u]} -->|"{_mermaid_text(shown)}"| {ids[v]}')
    for kind, colour in KIND_COLOURS.items():
        lines.append(f"  classDef {kind.replace('-', '')} fill:{colour},stroke:#333,color:#000")
    return ("\n".join(lines) + "\n").encode("utf-8")


# Prefixes for the RDF files. polid: and polg: IRIs hold slashes, which pyoxigraph would have to
# escape in a prefixed name (polid:doc\/…); those IRIs read better written in full.
_FILE_PREFIXES = {p: ns for p, ns in PREFIXES.items() if p not in ("polid", "polg")}
_compact = functools.lru_cache(maxsize=4096)(compact)


def _jsonld_value(term: object) -> object:
    if isinstance(term, ox.Literal):
        if term.language:
            return {"@value": term.value, "@language": term.language}
        if term.datatype.value == str(XSD.string):
            return term.value
        return {"@value": term.value, "@type": _compact(term.datatype.value)}
    if isinstance(term, ox.BlankNode):
        return {"@id": f"_:{term.value}"}
    return {"@id": _compact(_term_text(term))}


def _jsonld(view: GraphView) -> bytes:
    """Compact JSON-LD: one object per subject, CURIEs resolved by an inline @context (no fetch)."""
    nodes: dict[str, dict[str, list[object]]] = {}
    for t in view.triples:
        subject = f"_:{t.subject.value}" if isinstance(t.subject, ox.BlankNode) else _compact(_term_text(t.subject))
        node = nodes.setdefault(subject, {})
        if t.predicate.value == _TYPE and isinstance(t.object, ox.NamedNode):
            node.setdefault("@type", []).append(_compact(t.object.value))
        else:
            node.setdefault(_compact(t.predicate.value), []).append(_jsonld_value(t.object))
    graph = [{"@id": subject, **values} for subject, values in nodes.items()]
    return _json({"@context": dict(PREFIXES), "@graph": graph})


def _turtle(view: GraphView) -> bytes:
    return ox.serialize(view.triples, format=ox.RdfFormat.TURTLE, prefixes=_FILE_PREFIXES) or b""


def _csv(view: GraphView) -> bytes:
    nodes, edges = io.StringIO(), io.StringIO()
    node_writer = csv.writer(nodes, lineterminator="\n")
    node_writer.writerow(["id", *NODE_FIELDS])
    for node, data in view.graph.nodes(data=True):
        node_writer.writerow([node, *(data.get(f, "") for f in NODE_FIELDS)])
    edge_writer = csv.writer(edges, lineterminator="\n")
    edge_writer.writerow(["source", "target", *EDGE_FIELDS])
    for u, v, data in view.graph.edges(data=True):
        edge_writer.writerow([u, v, *(data.get(f, "") for f in EDGE_FIELDS)])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, table in (("nodes.csv", nodes), ("edges.csv", edges)):
            # A fixed timestamp: the same selection of the same data gives the same bytes.
            entry = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, table.getvalue().encode("utf-8"))
    return buffer.getvalue()


def _trig(view: GraphView, store: PolicyStore) -> bytes:
    """The triples of the view, each in the named graph(s) that state it in the store.

    A triple no named graph holds stays in the default graph; the subclass links and role
    concepts come from the ontology graph, the facts from their source graphs.
    """
    triples = list(view.triples)
    quads: list[ox.Quad] = []
    for t, names in zip(triples, store.backend.graphs_stating(triples), strict=True):
        graphs: list[ox.NamedNode | ox.DefaultGraph] = [ox.NamedNode(name) for name in sorted(names)]
        quads += [ox.Quad(t.subject, t.predicate, t.object, g) for g in graphs or [ox.DefaultGraph()]]
    quads.sort(key=lambda q: (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object)))
    return ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=_FILE_PREFIXES) or b""


@dataclass(frozen=True, slots=True)
class _Format:
    media: MediaFormat  # name, media type and extension: the registry's row
    write: Callable[[GraphView], bytes] | None  # None: needs the store (TriG)

    @property
    def media_type(self) -> str:
        """The Content-Type of the file."""
        return self.media.content_type

    @property
    def extension(self) -> str:
        """The file name's extension."""
        return self.media.extension


_WRITERS: dict[ExportFormat, Callable[[GraphView], bytes] | None] = {
    ExportFormat.graphml: _xml(_graphml),
    ExportFormat.gexf: _xml(_gexf),
    ExportFormat.cytoscape: _cytoscape,
    ExportFormat.nodelink: _nodelink,
    ExportFormat.dot: _dot,
    ExportFormat.mermaid: _mermaid,
    ExportFormat.jsonld: _jsonld,
    ExportFormat.turtle: _turtle,
    ExportFormat.trig: None,
    ExportFormat.csv: _csv,
}
#: Each export format: its row of the media registry (app/core/media.py) and its writer.
FORMATS: dict[ExportFormat, _Format] = {
    ExportFormat(row.name): _Format(row, _WRITERS[ExportFormat(row.name)]) for row in OFFERS["export"]
}


def serialise(view: GraphView, fmt: ExportFormat, store: PolicyStore | None = None) -> bytes:
    """The bytes of ``view`` in ``fmt`` (TriG needs the store, to know each triple's named graph)."""
    spec = FORMATS[ExportFormat(fmt)]
    if spec.write is not None:
        return spec.write(view)
    if store is None:
        raise ValueError("TriG export needs the store")
    return _trig(view, store)


def export(
    store: PolicyStore,
    selection: Selection,
    fmt: ExportFormat,
    *,
    max_elements: int | None = None,
    cache: ViewCache | None = None,
) -> ExportResult:
    """Export a selection in a format (its view taken from ``cache`` when built before)."""
    fmt = ExportFormat(fmt)
    view = build_graph(store, selection, max_elements=max_elements, cache=cache)
    spec = FORMATS[fmt]
    return ExportResult(
        media_type=spec.media_type,
        filename=f"policykg-{view.name}.{spec.extension}",
        body=serialise(view, fmt, store),
        nodes=view.graph.number_of_nodes(),
        edges=view.graph.number_of_edges(),
        root=view.root,
    )
