"""What the graph already knows that an extraction resolves against: documents, agencies, areas, indicators.

Read once from the store per generation (``Gazetteer.from_store``); the extractor never queries
the store itself, so it runs on a plain value and tests can hand it a small one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from app.search.index import Abbreviation, load_abbreviations
from app.store.policy_store import PolicyStore, Term, term_text

__all__ = ["Gazetteer", "KnownAgency", "KnownArea", "KnownDocument", "KnownIndicator"]

_PREFIXES = """
PREFIX pol: <https://w3id.org/policykg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""

_DOCUMENTS = _PREFIXES + """
SELECT ?d ?notation ?issuer ?date ?type WHERE {
  ?d a/rdfs:subClassOf* pol:PolicyDocument .
  OPTIONAL { ?d skos:notation ?notation }
  OPTIONAL { ?d pol:issuedBy ?issuer }
  OPTIONAL { ?d pol:issueDate ?date }
  OPTIONAL { ?d pol:documentType/skos:notation ?type }
}"""

_AGENCIES = _PREFIXES + """
SELECT ?a ?label ?area WHERE {
  ?a a pol:Agency .
  { ?a rdfs:label ?label FILTER(lang(?label) = "vi") } UNION { ?a skos:altLabel ?label }
  OPTIONAL { ?a pol:jurisdiction ?area }
}"""

_AREAS = _PREFIXES + """
SELECT ?a ?label WHERE {
  ?a a pol:AdministrativeArea ; rdfs:label ?label FILTER(lang(?label) = "vi")
}"""

_INDICATORS = _PREFIXES + """
SELECT ?i ?label WHERE {
  ?i a pol:Indicator .
  { ?i rdfs:label ?label } UNION { ?i skos:altLabel ?label }
}"""


@dataclass(frozen=True, slots=True)
class KnownDocument:
    """A document of the graph: its IRI, number, issuer, date (``YYYY-MM-DD``) and type notation."""

    iri: str
    notation: str | None
    issuer: str | None
    date: str | None
    type: str | None


@dataclass(frozen=True, slots=True)
class KnownAgency:
    """An agency of the graph with every Vietnamese name it goes by and its area (None if unstated)."""

    iri: str
    labels: tuple[str, ...]
    area: str | None


@dataclass(frozen=True, slots=True)
class KnownArea:
    """An administrative area with its Vietnamese names."""

    iri: str
    labels: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class KnownIndicator:
    """An indicator with its names."""

    iri: str
    labels: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Gazetteer:
    """The graph's documents, agencies, areas, indicators and abbreviations, as plain values."""

    documents: tuple[KnownDocument, ...] = ()
    agencies: tuple[KnownAgency, ...] = ()
    areas: tuple[KnownArea, ...] = ()
    indicators: tuple[KnownIndicator, ...] = ()
    #: the store's scheme of short forms ("KH&CN" → "khoa học và công nghệ"), folded
    abbreviations: tuple[Abbreviation, ...] = ()

    @classmethod
    def from_store(cls, store: PolicyStore) -> Gazetteer:
        """Read the gazetteer from the union graph of ``store``."""
        documents: dict[str, KnownDocument] = {}
        for row in store.select(_DOCUMENTS):
            iri = _required(row["d"])
            if iri in documents:
                continue
            documents[iri] = KnownDocument(
                iri=iri,
                notation=_text(row["notation"]),
                issuer=_text(row["issuer"]),
                date=_text(row["date"]),
                type=_text(row["type"]),
            )
        agency_labels: dict[str, list[str]] = defaultdict(list)
        agency_area: dict[str, str | None] = {}
        for row in store.select(_AGENCIES):
            iri = _required(row["a"])
            label = _required(row["label"])
            if label not in agency_labels[iri]:
                agency_labels[iri].append(label)
            agency_area.setdefault(iri, _text(row["area"]))
        return cls(
            documents=tuple(documents.values()),
            agencies=tuple(
                KnownAgency(iri, tuple(labels), agency_area.get(iri)) for iri, labels in agency_labels.items()
            ),
            areas=tuple(KnownArea(iri, labels) for iri, labels in _grouped(store, _AREAS, "a").items()),
            indicators=tuple(
                KnownIndicator(iri, labels) for iri, labels in _grouped(store, _INDICATORS, "i").items()
            ),
            abbreviations=tuple(load_abbreviations(store)),
        )


def _grouped(store: PolicyStore, query: str, key: str) -> dict[str, tuple[str, ...]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for row in store.select(query):
        label = _required(row["label"])
        if label not in grouped[_required(row[key])]:
            grouped[_required(row[key])].append(label)
    return {iri: tuple(labels) for iri, labels in grouped.items()}


def _required(term: Term | None) -> str:
    if term is None:  # a variable the pattern always binds
        raise ValueError("unbound variable in a gazetteer query")
    return term_text(term)


def _text(term: Term | None) -> str | None:
    return None if term is None else term_text(term)
