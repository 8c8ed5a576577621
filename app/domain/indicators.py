"""Indicators and their targets: "what do the plans aim for on the digital economy?".

An indicator is found by the same search as tasks (accents, abbreviations, English); each comes
with every target set for it: value, unit, comparator, year, place and the document that sets it.
A target set for several places (three cities at once) is listed once per place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pyoxigraph as ox

from app.core.labels import Label, best_label
from app.domain.responsibility import DocumentSummary, NamedResource, document_summary
from app.search.index import SearchIndex
from app.search.normalise import clean_query
from app.store.policy_store import PolicyStore, Term, term_text, to_python

__all__ = ["IndicatorAnswer", "TargetInfo", "find_indicators", "targets_of"]

# Indicators scoring below this share of the best one are dropped: a question about the digital
# economy should not list every indicator that happens to contain "số".
_RELATIVE_CUTOFF = 0.3


@dataclass(frozen=True, slots=True)
class TargetInfo:
    """A target: value, unit, comparator and year for one place, and the document that sets it."""

    iri: str
    value: float | None
    unit: str | None
    year: int | None
    comparator: str | None
    jurisdiction: NamedResource | None
    document: DocumentSummary | None


@dataclass(frozen=True, slots=True)
class IndicatorAnswer:
    """An indicator that matches the question, with its targets."""

    iri: str
    label: str
    score: float
    targets: list[TargetInfo] = field(default_factory=list)


_TARGETS = """
SELECT ?target ?value ?unit ?indicatorUnit ?comparator ?year ?place ?placeLabel ?document WHERE {
  ?target pol:measures ?indicator .
  OPTIONAL { ?target pol:targetValue ?value }
  OPTIONAL { ?target pol:unit/skos:notation ?unit }
  OPTIONAL { ?indicator pol:unit/skos:notation ?indicatorUnit }
  OPTIONAL { ?target pol:comparator/skos:notation ?comparator }
  OPTIONAL { ?target pol:targetYear ?year }
  OPTIONAL { ?target pol:jurisdiction ?place . OPTIONAL { ?place rdfs:label ?placeLabel } }
  OPTIONAL { ?document pol:hasObjective/pol:hasTarget ?target }
}"""


def _text(row: Mapping[str, Term | None], key: str) -> str | None:
    value = row.get(key)
    return term_text(value) if isinstance(value, ox.NamedNode | ox.Literal) else None


def targets_of(index: SearchIndex, store: PolicyStore, indicator: str) -> list[TargetInfo]:
    """Every target of ``indicator`` (an IRI), by year, place and document."""
    rows = store.select(_TARGETS, {"indicator": ox.NamedNode(indicator)})
    places: dict[tuple[str, str | None], list[Label]] = {}
    facts: dict[tuple[str, str | None], Mapping[str, Term | None]] = {}
    for row in rows:
        target = _text(row, "target")
        if target is None:
            continue
        key = (target, _text(row, "place"))
        facts.setdefault(key, row)
        label = row.get("placeLabel")
        if isinstance(label, ox.Literal):
            places.setdefault(key, []).append(Label(label.value, label.language or None))
    out = []
    for (target, place), fact in facts.items():
        value = to_python(fact.get("value"))
        year = to_python(fact.get("year"))
        document = _text(fact, "document")
        out.append(
            TargetInfo(
                iri=target,
                value=float(value) if isinstance(value, int | float) else None,
                unit=_text(fact, "unit") or _text(fact, "indicatorUnit"),
                year=year if isinstance(year, int) else None,
                comparator=_text(fact, "comparator"),
                jurisdiction=NamedResource(place, best_label(places.get((target, place), [])) or place) if place else None,
                document=document_summary(index, document) if document else None,
            )
        )
    out.sort(key=lambda t: (t.year or 0, t.jurisdiction.label if t.jurisdiction else "", t.document.notation or "" if t.document else "", t.iri))
    return out


def find_indicators(index: SearchIndex, store: PolicyStore, text: str, limit: int = 10) -> list[IndicatorAnswer]:
    """Indicators matching ``text``, best first, each with its targets; ParameterError on empty text."""
    query = index.prepare(clean_query(text))
    hits = index.indicator_index.search(query, limit)
    if not hits:
        return []
    floor = hits[0].score * _RELATIVE_CUTOFF
    return [
        IndicatorAnswer(
            iri=hit.iri,
            label=index.indicators[hit.iri].label if hit.iri in index.indicators else hit.iri,
            score=round(hit.score, 4),
            targets=targets_of(index, store, hit.iri),
        )
        for hit in hits
        if hit.score >= floor
    ]
