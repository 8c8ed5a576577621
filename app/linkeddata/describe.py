"""What the graph says about one resource: its concise bounded description, and a typed view for pages.

The RDF served for an IRI is what a client needs to use the resource without a second request:
the triples it is the subject of (blank-node objects followed one level), the labels and numbers
of the resources it points to, the triples that point at it, and the labels of their subjects.
The IRI is always bound through pyoxigraph substitutions, never written into query text.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import pyoxigraph as ox

from app.core.errors import UnknownResource
from app.core.labels import LABEL_PREDICATES, NOTATION, Label, Labelled, best_label, sort_labels
from app.core.namespaces import GRAPH_BASE, POL, POLID, RDF, RDFS, SKOS
from app.sparql.values import iri_list
from app.store.policy_store import PolicyStore, term_text

if TYPE_CHECKING:
    import rdflib

_LABEL_VALUES = iri_list(LABEL_PREDICATES)
_CBD = f"""
CONSTRUCT {{ ?s ?p ?o . ?x ?lp ?l . ?in ?ip ?s . }}
WHERE {{
  {{ ?s ?p ?o }}
  UNION {{ ?s ?anyp ?x . FILTER(!isLiteral(?x)) VALUES ?lp {{ {_LABEL_VALUES} }} ?x ?lp ?l }}
  UNION {{ ?s ?anyp ?x . FILTER(isBlank(?x)) ?x ?lp ?l }}
  UNION {{ ?in ?ip ?s }}
  UNION {{ ?x ?anyp ?s . VALUES ?lp {{ {_LABEL_VALUES} }} ?x ?lp ?l }}
}}"""
# Labels of the terms a page names: the predicates used with the resource and its classes.
_TERM_LABELS = """
SELECT DISTINCT ?term ?label WHERE {
  { ?s ?term ?o } UNION { ?x ?term ?s } UNION { ?s a ?term }
  ?term rdfs:label ?label .
}"""
_SOURCE_GRAPHS = GRAPH_BASE + "source/"
_SOURCE_RECORDS = str(POLID) + "source/"
# The named graphs that state something about the resource; a graph polg:source/X is the
# article whose record is polid:source/X (CONVENTIONS.md), which is looked up by that name.
_GRAPHS = f"""
SELECT DISTINCT ?g ?asSubject ?label ?record ?isRecord ?title WHERE {{
  {{ GRAPH ?g {{ ?s ?p ?o }} BIND(true AS ?asSubject) }}
  UNION {{ GRAPH ?g {{ ?x ?p ?s }} BIND(false AS ?asSubject) }}
  OPTIONAL {{ ?g rdfs:label ?label }}
  BIND(IRI(CONCAT("{_SOURCE_RECORDS}", STRAFTER(STR(?g), "{_SOURCE_GRAPHS}"))) AS ?record)
  BIND(STRSTARTS(STR(?g), "{_SOURCE_GRAPHS}") && EXISTS {{ ?record a pol:SourceArticle }} AS ?isRecord)
  OPTIONAL {{ ?record dcterms:title ?title }}
}}"""
# A subject pointing at the resource may have no name of its own: a responsibility (task → agent,
# role) is a node made to hold a link. It is named by the concepts it points to (the role) and
# by the labelled resource that holds it (the task): "Chủ trì: <task>", "Lead: <task>".
_LINK_NAMES = f"""
SELECT DISTINCT ?x ?concept ?owner WHERE {{
  ?x ?anyp ?s .
  FILTER(isIRI(?x) && NOT EXISTS {{ ?x ?named ?name VALUES ?named {{ {_LABEL_VALUES} }} }})
  {{ ?x ?cp ?c . ?c skos:inScheme ?scheme ; skos:prefLabel ?concept }}
  UNION {{ ?holder ?hp ?x . ?holder rdfs:label ?owner . FILTER(?holder != ?s) }}
}}"""
_NAMES = f"SELECT ?p ?name WHERE {{ VALUES ?p {{ {_LABEL_VALUES} }} ?s ?p ?name }}"
_CANDIDATES = "SELECT DISTINCT ?s WHERE { ?s a ?type . FILTER(isIRI(?s) && STRSTARTS(STR(?s), STR(polid:))) }"
# Shown before the other properties, in this order; the rest follow by IRI.
_FIRST = [str(RDF.type), str(RDFS.label), NOTATION, str(SKOS.prefLabel), str(POL.title)]
_SUGGESTIONS = 5
# difflib compares every candidate; past this many, only those in the same top folder (doc/,
# agency/, ...) are compared, which keeps a 404 cheap on a large graph.
_COMPARE_ALL_UP_TO = 5000


@dataclass(frozen=True, slots=True)
class Node(Labelled):
    """A term shown on a page: an IRI or blank node with its names, or a literal."""

    kind: Literal["iri", "blank", "literal"]
    value: str
    lang: str | None = None
    datatype: str | None = None
    labels: tuple[Label, ...] = ()
    notation: str | None = None


@dataclass(frozen=True, slots=True)
class PropertyValues:
    """One predicate and the values the resource has for it."""

    predicate: Node
    values: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class IncomingLink:
    """A triple that points at the resource: ``subject predicate <resource>``."""

    subject: Node
    predicate: Node


@dataclass(frozen=True, slots=True)
class IncomingGroup:
    """The subjects pointing at the resource through one predicate."""

    predicate: Node
    subjects: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class StatingGraph:
    """A named graph that states something about the resource, with its source article record."""

    iri: str
    labels: tuple[Label, ...] = ()
    record: str | None = None
    record_titles: tuple[Label, ...] = ()

    @property
    def title(self) -> str | None:
        """The article title (or the graph's own label)."""
        return best_label(self.record_titles) or best_label(self.labels)


@dataclass(frozen=True, slots=True)
class Description(Labelled):
    """What the graph says about a resource: the RDF and a view of it for pages."""

    iri: str
    graph: rdflib.Graph
    labels: tuple[Label, ...]
    notation: str | None
    types: tuple[Node, ...]
    properties: tuple[PropertyValues, ...]
    incoming: tuple[IncomingLink, ...]
    graphs: tuple[StatingGraph, ...]
    graphs_mention_only: bool = False

    @property
    def incoming_groups(self) -> tuple[IncomingGroup, ...]:
        """The incoming links by predicate, in the order of ``incoming``."""
        groups: dict[str, list[IncomingLink]] = {}
        for link in self.incoming:
            groups.setdefault(link.predicate.value, []).append(link)
        return tuple(IncomingGroup(links[0].predicate, tuple(link.subject for link in links)) for links in groups.values())


@dataclass(frozen=True, slots=True)
class Suggestion(Labelled):
    """A resource offered when an IRI is unknown."""

    iri: str
    labels: tuple[Label, ...] = field(default_factory=tuple)
    notation: str | None = None


def concise_description(store: PolicyStore, iri: str) -> rdflib.Graph:
    """The concise bounded description of ``iri`` as an rdflib graph.

    Raises UnknownResource (with close matches) when no triple has ``iri`` as subject or object.
    """
    node = _named_node(store, iri)
    graph = store.construct(_CBD, {"s": node})
    if len(graph) == 0:
        raise UnknownResource(iri, suggest(store, iri))
    return graph


def describe(store: PolicyStore, iri: str) -> Description:
    """The description of ``iri`` with labels of everything it names, for a page."""
    import rdflib

    graph = concise_description(store, iri)
    node = ox.NamedNode(iri)
    term_labels: dict[str, list[Label]] = {}
    for row in store.select(_TERM_LABELS, {"s": node}):
        term, label = row["term"], row["label"]
        if isinstance(term, ox.NamedNode) and isinstance(label, ox.Literal):
            term_labels.setdefault(term.value, []).append(Label(label.value, label.language))

    subject = rdflib.URIRef(iri)
    names = _names(graph)
    names.update(_link_names(store, node))
    own_labels, notation = names.get(subject, ((), None))
    by_predicate: dict[str, list[Node]] = {}
    for predicate, obj in graph.predicate_objects(subject):
        by_predicate.setdefault(str(predicate), []).append(_node(obj, names))
    types = tuple(
        sorted(
            (_with_labels(n, term_labels) for n in by_predicate.get(str(RDF.type), [])),
            key=lambda n: n.value,
        )
    )
    properties = tuple(
        PropertyValues(
            predicate=Node("iri", p, labels=sort_labels(term_labels.get(p, []))),
            values=tuple(sorted(set(values), key=_value_order)),
        )
        for p, values in sorted(by_predicate.items(), key=lambda item: _predicate_order(item[0]))
    )
    incoming = tuple(
        sorted(
            (
                IncomingLink(
                    subject=_node(s, names),
                    predicate=Node("iri", str(p), labels=sort_labels(term_labels.get(str(p), []))),
                )
                for s, p in graph.subject_predicates(subject)
            ),
            key=lambda link: (link.predicate.value, link.subject.notation or "", link.subject.value),
        )
    )
    graphs, mention_only = _stating_graphs(store, node)
    return Description(
        iri=iri,
        graph=graph,
        labels=own_labels,
        notation=notation,
        types=types,
        properties=properties,
        incoming=incoming,
        graphs=graphs,
        graphs_mention_only=mention_only,
    )


def suggest(store: PolicyStore, iri: str, limit: int = _SUGGESTIONS) -> list[str]:
    """Resource IRIs close to ``iri``: those below it first, then the most similar by spelling."""
    base = str(POLID)
    wanted = iri.removeprefix(base) if iri.startswith(base) else iri
    tails = [term_text(row["s"]).removeprefix(base) for row in store.select(_CANDIDATES) if row["s"] is not None]
    stripped = wanted.rstrip("/")
    # A trailing slash is the commonest slip: the resource without it comes first.
    same = [stripped] if stripped != wanted and stripped in tails else []
    below = sorted((t for t in tails if stripped and t.startswith(stripped + "/")), key=lambda t: (len(t), t))
    if len(tails) > _COMPARE_ALL_UP_TO:
        top = wanted.split("/", 1)[0] + "/"
        tails = [t for t in tails if t.startswith(top)]
    close = difflib.get_close_matches(wanted, tails, n=limit, cutoff=0.6)
    ordered = list(dict.fromkeys(same + below[:limit] + close))
    return [base + t for t in ordered[:limit]]


def suggestions(store: PolicyStore, iris: Iterable[str]) -> list[Suggestion]:
    """The given IRIs with their labels and numbers, for a not-found page."""
    out: list[Suggestion] = []
    for iri in iris:
        labels: list[Label] = []
        notation: str | None = None
        for row in store.select(_NAMES, {"s": ox.NamedNode(iri)}):
            name = row["name"]
            if not isinstance(name, ox.Literal):
                continue
            if term_text(row["p"]) == NOTATION:  # type: ignore[arg-type]  # VALUES binds ?p always
                notation = notation or name.value
            else:
                labels.append(Label(name.value, name.language))
        out.append(Suggestion(iri=iri, labels=sort_labels(labels), notation=notation))
    return out


def _named_node(store: PolicyStore, iri: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(iri)
    except ValueError:
        # Not an IRI at all (a space, say): nothing can match it, but close spellings may.
        raise UnknownResource(iri, suggest(store, iri)) from None


Names = dict["rdflib.term.Node", tuple[tuple[Label, ...], str | None]]


def _names(graph: rdflib.Graph) -> Names:
    """Labels and number of every node of the description that has them."""
    import rdflib

    labels: dict[rdflib.term.Node, list[Label]] = {}
    notations: dict[rdflib.term.Node, str] = {}
    for predicate in LABEL_PREDICATES:
        for s, o in graph.subject_objects(rdflib.URIRef(predicate)):
            if not isinstance(o, rdflib.Literal):
                continue
            if predicate == NOTATION:
                notations[s] = min(notations.get(s, str(o)), str(o))
            else:
                labels.setdefault(s, []).append(Label(str(o), o.language))
    return {n: (sort_labels(labels.get(n, [])), notations.get(n)) for n in set(labels) | set(notations)}


def _link_names(store: PolicyStore, node: ox.NamedNode) -> Names:
    """Names for the unnamed subjects of incoming links, from their concepts and their holder."""
    import rdflib

    concepts: dict[str, set[Label]] = {}
    owners: dict[str, set[Label]] = {}
    for row in store.select(_LINK_NAMES, {"s": node}):
        linking = row["x"]
        if not isinstance(linking, ox.NamedNode):
            continue
        for column, found in (("concept", concepts), ("owner", owners)):
            value = row[column]
            if isinstance(value, ox.Literal):
                found.setdefault(linking.value, set()).add(Label(value.value, value.language))
    names: Names = {}
    for iri in set(concepts) | set(owners):
        owner = best_label(owners.get(iri, set()))
        by_language = sort_labels(concepts.get(iri, set())) or (Label("", None),)
        labels = [Label(": ".join(p for p in (concept.text, owner) if p), concept.lang) for concept in by_language]
        names[rdflib.URIRef(iri)] = (sort_labels(label for label in labels if label.text), None)
    return names


def _node(term: rdflib.term.Node, names: Names) -> Node:
    import rdflib

    if isinstance(term, rdflib.Literal):
        datatype = str(term.datatype) if term.datatype is not None else None
        return Node("literal", str(term), lang=term.language, datatype=datatype)
    labels, notation = names.get(term, ((), None))
    kind: Literal["iri", "blank"] = "blank" if isinstance(term, rdflib.BNode) else "iri"
    return Node(kind, str(term), labels=labels, notation=notation)


def _with_labels(node: Node, term_labels: dict[str, list[Label]]) -> Node:
    extra = term_labels.get(node.value, [])
    return Node(node.kind, node.value, labels=sort_labels([*node.labels, *extra]), notation=node.notation)


def _predicate_order(predicate: str) -> tuple[int, str]:
    return (_FIRST.index(predicate) if predicate in _FIRST else len(_FIRST), predicate)


def _value_order(node: Node) -> tuple[int, str, str]:
    lang_rank = Label("", node.lang).rank[0] if node.kind == "literal" else 0
    return (lang_rank, node.notation or node.label or "", node.value)


@dataclass(slots=True)
class _GraphFacts:
    labels: set[Label] = field(default_factory=set)
    titles: set[Label] = field(default_factory=set)
    record: str | None = None

    def freeze(self, iri: str) -> StatingGraph:
        return StatingGraph(iri, sort_labels(self.labels), self.record, sort_labels(self.titles))


def _stating_graphs(store: PolicyStore, node: ox.NamedNode) -> tuple[tuple[StatingGraph, ...], bool]:
    """Graphs stating the resource as subject; when none, those mentioning it as object (flag True)."""
    found: dict[bool, dict[str, _GraphFacts]] = {True: {}, False: {}}
    for row in store.select(_GRAPHS, {"s": node}):
        graph, flag = row["g"], row["asSubject"]
        if not isinstance(graph, ox.NamedNode) or flag is None:
            continue
        facts = found[term_text(flag) == "true"].setdefault(graph.value, _GraphFacts())
        label, title, record, is_record = row["label"], row["title"], row["record"], row["isRecord"]
        if isinstance(label, ox.Literal):
            facts.labels.add(Label(label.value, label.language))
        if is_record is not None and term_text(is_record) == "true" and isinstance(record, ox.NamedNode):
            facts.record = record.value
            if isinstance(title, ox.Literal):
                facts.titles.add(Label(title.value, title.language))
    mention_only = not found[True]
    chosen = found[False] if mention_only else found[True]
    graphs = tuple(facts.freeze(iri) for iri, facts in sorted(chosen.items()))
    return graphs, mention_only and bool(graphs)
