"""What the graph already knows that an extraction resolves against: documents, agencies, areas, indicators.

Read once from the store per generation (``Gazetteer.from_store``); the extractor never queries
the store itself, so it runs on a plain value and tests can hand it a small one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from app.core.errors import InvalidInput, shown
from app.core.namespaces import POLID
from app.core.text import fold, slug
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
        # Sorted: engines return rows in orders of their own, and the extraction must not depend on it.
        return cls(
            documents=tuple(documents[iri] for iri in sorted(documents)),
            agencies=tuple(
                KnownAgency(iri, tuple(sorted(agency_labels[iri])), agency_area.get(iri)) for iri in sorted(agency_labels)
            ),
            areas=tuple(KnownArea(iri, labels) for iri, labels in _grouped(store, _AREAS, "a").items()),
            indicators=tuple(
                KnownIndicator(iri, labels) for iri, labels in _grouped(store, _INDICATORS, "i").items()
            ),
            abbreviations=tuple(load_abbreviations(store)),
        )


    @classmethod
    def cached(cls, store: PolicyStore) -> Gazetteer:
        """``from_store(store)``, read once per generation of the data (every request of one generation shares it)."""
        return store.per_generation("gazetteer", lambda: cls.from_store(store))

    def province(self, value: str) -> str:
        """The area IRI ``value`` names: an area IRI, a key (``ha-tinh``) or a name (``Tỉnh Hà Tĩnh``).

        A province the graph does not know yet is given the IRI the conventions mint for it
        (``area/{key}``), so a text about a new province can still be read in its context.
        """
        value = value.strip()
        prefix = f"{POLID}area/"
        if "://" in value:
            if not value.startswith(prefix) or not value.removeprefix(prefix):
                raise InvalidInput(f"province {shown(value)} is not an area IRI (expected {prefix}KEY)")
            return value
        key = "/".join(part for part in (slug(p) for p in value.split("/")) if part)  # quang-tri/dong-ha
        if not key:
            raise InvalidInput(f"province {shown(value)} names no area: give a key such as ha-tinh, a name or an IRI")
        known = {area.iri for area in self.areas}
        if prefix + key in known:
            return prefix + key
        named = sorted(area.iri for area in self.areas if any(slug(label) == key for label in area.labels))
        if named:
            return named[0]
        # "Tỉnh Hà Tĩnh" for a province not in the graph: its key is the name without the word for its kind.
        for kind in ("tinh-", "thanh-pho-", "tp-"):
            if key.startswith(kind) and len(key) > len(kind):
                key = key.removeprefix(kind)
                break
        return prefix + key


    def agency_candidates(self, label: str, province: str | None = None, limit: int = 8) -> list[KnownAgency]:
        """The known agencies a reviewer may match ``label`` to, closest first (the province's own first on ties).

        Closeness is the share of words (accents folded) that the label and the agency's best name
        have in common; an abbreviation such as ``Sở KH&CN`` counts as a name of its own.
        """
        wanted = set(fold(label).replace("&", " & ").split())
        if not wanted:
            return []
        # The head noun names the kind of body: a "Sở" is never a "Bộ", however many words they share.
        head = fold(label).split()[0]
        scored: list[tuple[bool, float, bool, str, KnownAgency]] = []
        for agency in self.agencies:
            names = [fold(name) for name in agency.labels]
            best = max(_overlap(wanted, set(name.replace("&", " & ").split())) for name in names)
            if best > 0.3:
                same_kind = any(name.split()[:1] == [head] for name in names)
                scored.append((not same_kind, -best, agency.area != province, agency.labels[0], agency))
        return [agency for *_, agency in sorted(scored, key=lambda s: s[:4])[:limit]]


def _overlap(left: set[str], right: set[str]) -> float:
    """Jaccard similarity of two sets of words."""
    return len(left & right) / len(left | right) if left and right else 0.0


def _grouped(store: PolicyStore, query: str, key: str) -> dict[str, tuple[str, ...]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for row in store.select(query):
        label = _required(row["label"])
        if label not in grouped[_required(row[key])]:
            grouped[_required(row[key])].append(label)
    return {iri: tuple(sorted(grouped[iri])) for iri in sorted(grouped)}


def _required(term: Term | None) -> str:
    if term is None:  # a variable the pattern always binds
        raise ValueError("unbound variable in a gazetteer query")
    return term_text(term)


def _text(term: Term | None) -> str | None:
    return None if term is None else term_text(term)
