"""The policykg ontology as documentation: its classes, properties and SKOS schemes, read from the store.

The ontology and the concept schemes are loaded into the named graph
https://w3id.org/policykg/ontology; this module reads that graph and returns typed terms, so a
page (or any other client) can list each ``pol:`` term with its labels and definitions in
Vietnamese and English, domain, range, super- and sub-terms.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import pyoxigraph as ox

from app.core.labels import Label, Labelled, label_of, sort_labels
from app.core.namespaces import DCTERMS, ONTOLOGY_GRAPH, OWL, POL, RDF, RDFS, SKOS
from app.store.policy_store import PolicyStore

if TYPE_CHECKING:
    import rdflib

TermKind = Literal["class", "object property", "datatype property", "annotation property"]

_GRAPH = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"
_KINDS: tuple[tuple[str, TermKind], ...] = (
    (str(OWL.Class), "class"),
    (str(RDFS.Class), "class"),
    (str(OWL.ObjectProperty), "object property"),
    (str(OWL.DatatypeProperty), "datatype property"),
    (str(OWL.AnnotationProperty), "annotation property"),
)
_CHARACTERISTICS = {
    str(OWL.FunctionalProperty): "functional",
    str(OWL.InverseFunctionalProperty): "inverse functional",
    str(OWL.TransitiveProperty): "transitive",
    str(OWL.SymmetricProperty): "symmetric",
    str(OWL.AsymmetricProperty): "asymmetric",
    str(OWL.IrreflexiveProperty): "irreflexive",
    str(OWL.ReflexiveProperty): "reflexive",
}


@dataclass(frozen=True, slots=True)
class TermRef(Labelled):
    """A term named by another one (a domain, a super-class), with its labels when the graph has them."""

    iri: str
    labels: tuple[Label, ...] = ()


@dataclass(frozen=True, slots=True)
class OntologyTerm(Labelled):
    """A class or property of the ``pol:`` namespace."""

    iri: str
    local_name: str
    kind: TermKind
    labels: tuple[Label, ...]
    definitions: tuple[Label, ...]
    comments: tuple[Label, ...]
    supers: tuple[TermRef, ...]
    subs: tuple[TermRef, ...]
    domains: tuple[TermRef, ...] = ()
    ranges: tuple[TermRef, ...] = ()
    characteristics: tuple[str, ...] = ()
    disjoint_with: tuple[TermRef, ...] = ()
    used_by: tuple[TermRef, ...] = ()


@dataclass(frozen=True, slots=True)
class Concept(Labelled):
    """A SKOS concept of one of the schemes."""

    iri: str
    notation: str | None
    labels: tuple[Label, ...]
    alt_labels: tuple[Label, ...]
    definitions: tuple[Label, ...]
    links: tuple[tuple[TermRef, TermRef], ...]


@dataclass(frozen=True, slots=True)
class ConceptScheme(Labelled):
    """A SKOS concept scheme (document types, roles, comparators, units, statuses, levels)."""

    iri: str
    labels: tuple[Label, ...]
    definitions: tuple[Label, ...]
    concepts: tuple[Concept, ...]

    @property
    def anchor(self) -> str:
        """Fragment id of the scheme's section: ``scheme-`` and the last segment of its IRI."""
        return "scheme-" + self.iri.rstrip("/").rsplit("/", 1)[-1]


@dataclass(frozen=True, slots=True)
class OntologyDocument(Labelled):
    """The ontology header (its ``labels`` are its dcterms:title), its terms by kind, and the concept schemes."""

    iri: str
    namespace: str
    labels: tuple[Label, ...]
    descriptions: tuple[Label, ...]
    version: str | None
    version_iri: str | None
    license: str | None
    creators: tuple[str, ...]
    created: str | None
    classes: tuple[OntologyTerm, ...]
    object_properties: tuple[OntologyTerm, ...]
    datatype_properties: tuple[OntologyTerm, ...]
    annotation_properties: tuple[OntologyTerm, ...]
    schemes: tuple[ConceptScheme, ...]

    @property
    def terms(self) -> tuple[OntologyTerm, ...]:
        """Every documented ``pol:`` term."""
        return self.classes + self.object_properties + self.datatype_properties + self.annotation_properties


def ontology_graph(store: PolicyStore) -> rdflib.Graph:
    """The triples of the ontology graph (OWL ontology and SKOS schemes), blank nodes kept."""
    return store.construct(_GRAPH, {"g": ox.NamedNode(ONTOLOGY_GRAPH)})


def document_ontology(store: PolicyStore) -> OntologyDocument:
    """Read the ontology graph into a typed document of its ``pol:`` terms and concept schemes."""
    return _Reader(ontology_graph(store)).document()


class _Reader:
    """Walks one rdflib graph of the ontology; every lookup is a plain triple pattern."""

    def __init__(self, graph: rdflib.Graph) -> None:
        import rdflib

        self.g = graph
        self.uri = rdflib.URIRef

    def _texts(self, subject: rdflib.term.Node, predicate: str) -> tuple[Label, ...]:
        import rdflib

        return sort_labels(
            label_of(o)
            for o in self.g.objects(subject, self.uri(predicate))
            if isinstance(o, rdflib.Literal)
        )

    def _iris(self, subject: rdflib.term.Node, predicate: str) -> list[str]:
        import rdflib

        return sorted(str(o) for o in self.g.objects(subject, self.uri(predicate)) if isinstance(o, rdflib.URIRef))

    def _subjects(self, predicate: str, obj: str) -> list[str]:
        import rdflib

        return sorted(
            str(s) for s in self.g.subjects(self.uri(predicate), self.uri(obj)) if isinstance(s, rdflib.URIRef)
        )

    def ref(self, iri: str) -> TermRef:
        node = self.uri(iri)
        return TermRef(iri, sort_labels([*self._texts(node, str(RDFS.label)), *self._texts(node, str(SKOS.prefLabel))]))

    def refs(self, iris: Iterable[str]) -> tuple[TermRef, ...]:
        return tuple(self.ref(i) for i in sorted(set(iris)))

    def _disjoint(self) -> dict[str, set[str]]:
        """Pairs from owl:AllDisjointClasses member lists and owl:disjointWith."""
        from rdflib.collection import Collection

        disjoint: dict[str, set[str]] = {}
        for group in self.g.subjects(self.uri(str(RDF.type)), self.uri(str(OWL.AllDisjointClasses))):
            for members_head in self.g.objects(group, self.uri(str(OWL.members))):
                members = [str(m) for m in Collection(self.g, members_head)]
                for m in members:
                    disjoint.setdefault(m, set()).update(x for x in members if x != m)
        for a, b in self.g.subject_objects(self.uri(str(OWL.disjointWith))):
            disjoint.setdefault(str(a), set()).add(str(b))
            disjoint.setdefault(str(b), set()).add(str(a))
        return disjoint

    def term(self, iri: str, kind: TermKind, disjoint: dict[str, set[str]]) -> OntologyTerm:
        node = self.uri(iri)
        is_class = kind == "class"
        sub_of = str(RDFS.subClassOf if is_class else RDFS.subPropertyOf)
        types = set(self._iris(node, str(RDF.type)))
        used_by: list[str] = []
        if is_class:
            used_by = [*self._subjects(str(RDFS.domain), iri), *self._subjects(str(RDFS.range), iri)]
        return OntologyTerm(
            iri=iri,
            local_name=iri.removeprefix(str(POL)),
            kind=kind,
            labels=self._texts(node, str(RDFS.label)),
            definitions=self._texts(node, str(SKOS.definition)),
            comments=self._texts(node, str(RDFS.comment)),
            supers=self.refs(self._iris(node, sub_of)),
            subs=self.refs(self._subjects(sub_of, iri)),
            domains=self.refs(self._iris(node, str(RDFS.domain))),
            ranges=self.refs(self._iris(node, str(RDFS.range))),
            characteristics=tuple(sorted(name for t, name in _CHARACTERISTICS.items() if t in types)),
            disjoint_with=self.refs(disjoint.get(iri, set())),
            used_by=self.refs(used_by),
        )

    def terms(self) -> dict[TermKind, tuple[OntologyTerm, ...]]:
        disjoint = self._disjoint()
        kinds: dict[str, TermKind] = {}
        for type_iri, kind in _KINDS:
            for iri in self._subjects(str(RDF.type), type_iri):
                if iri.startswith(str(POL)) and iri != str(POL):
                    kinds.setdefault(iri, kind)  # a term typed twice is listed once, by its first kind
        out: dict[TermKind, list[OntologyTerm]] = {kind: [] for _, kind in _KINDS}
        for iri, kind in kinds.items():
            out[kind].append(self.term(iri, kind, disjoint))
        return {kind: tuple(sorted(terms, key=lambda t: t.local_name.lower())) for kind, terms in out.items()}

    def concept(self, iri: str) -> Concept:
        import rdflib

        node = self.uri(iri)
        notations = self._texts(node, str(SKOS.notation))
        # Links from a concept to ontology terms (pol:documentClass, pol:roleProperty) tell how it is used.
        links = tuple(
            (self.ref(str(p)), self.ref(str(o)))
            for p, o in sorted(self.g.predicate_objects(node))
            if str(p).startswith(str(POL)) and isinstance(o, rdflib.URIRef)
        )
        return Concept(
            iri=iri,
            notation=notations[0].text if notations else None,
            labels=self._texts(node, str(SKOS.prefLabel)),
            alt_labels=self._texts(node, str(SKOS.altLabel)),
            definitions=self._texts(node, str(SKOS.definition)),
            links=links,
        )

    def schemes(self) -> tuple[ConceptScheme, ...]:
        schemes = []
        for iri in self._subjects(str(RDF.type), str(SKOS.ConceptScheme)):
            node = self.uri(iri)
            concepts = sorted(
                (self.concept(c) for c in self._subjects(str(SKOS.inScheme), iri)),
                key=lambda c: (c.notation or "", c.label or "", c.iri),
            )
            schemes.append(
                ConceptScheme(
                    iri=iri,
                    labels=self._texts(node, str(SKOS.prefLabel)),
                    definitions=self._texts(node, str(SKOS.definition)),
                    concepts=tuple(concepts),
                )
            )
        return tuple(schemes)

    def document(self) -> OntologyDocument:
        node = self.uri(ONTOLOGY_GRAPH)
        terms = self.terms()
        versions = self._texts(node, str(OWL.versionInfo))
        created = self._texts(node, str(DCTERMS.created))
        licenses = self._iris(node, str(DCTERMS.license))
        version_iris = self._iris(node, str(OWL.versionIRI))
        return OntologyDocument(
            iri=ONTOLOGY_GRAPH,
            namespace=str(POL),
            labels=self._texts(node, str(DCTERMS.title)),
            descriptions=self._texts(node, str(DCTERMS.description)),
            version=versions[0].text if versions else None,
            version_iri=version_iris[0] if version_iris else None,
            license=licenses[0] if licenses else None,
            creators=tuple(label.text for label in self._texts(node, str(DCTERMS.creator))),
            created=created[0].text if created else None,
            classes=terms["class"],
            object_properties=terms["object property"],
            datatype_properties=terms["datatype property"],
            annotation_properties=terms["annotation property"],
            schemes=self.schemes(),
        )
