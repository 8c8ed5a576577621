"""Cascade comparison: how the provinces carry out one national resolution, target by target.

For a national document (57-NQ/TW), every document that carries it out (transitively, along
``pol:implements`` and ``pol:basedOn``, as :mod:`app.domain.lineage` walks them) is placed in its
province (its ``pol:jurisdiction``, walked up ``pol:partOfArea`` to the provincial level). Per
indicator, each province's targets stand next to the national one, and three things are flagged:

``none``
    the nation sets a target for the indicator and the province's documents set none (any year);
``lower``
    a province's target for the same year and unit is less ambitious than the national one.
    The direction comes from the national target's comparator: a floor (at-least, over, about,
    exactly, range: its low end) unless the nation sets a ceiling (at-most: its high end, where a
    higher value is the weaker one). At the same value, "over" is stricter than the others;
``contradiction``
    the province's documents set two targets for one indicator, place and year with different
    values, upper values or units (the rule of ``queries/conflicting-targets.rq``; a different
    comparator alone is not one).

The national targets of an indicator are those of the shallowest national-level document of the
cascade that sets one: the resolution itself first, then a national document carrying it out.
The answer for a document is computed once per generation of the store.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import pyoxigraph as ox

from app.core.labels import Label, best_label, english_label, label_of
from app.core.namespaces import POLID
from app.domain.lineage import descendants, describe_document
from app.domain.names import resolve_document
from app.sparql.values import batches, values
from app.store.policy_store import PolicyStore, Term, term_text, to_python

__all__ = [
    "FLAGS",
    "Area",
    "Cascade",
    "CascadeDocument",
    "Cell",
    "Comparison",
    "Flag",
    "IndicatorColumn",
    "ProvinceRow",
    "TargetValue",
    "cascade",
    "cascade_csv",
    "resolve_national_document",
]

Flag = Literal["none", "lower", "contradiction"]
#: Every flag, in the order cells list them.
FLAGS: tuple[Flag, ...] = ("none", "lower", "contradiction")
#: A province's target next to the national one of its indicator.
Comparison = Literal["stronger", "same", "weaker", "other_year", "other_unit", "not_comparable", "no_national"]
Direction = Literal["up", "down"]

_NATIONAL = f"{POLID}level/national"
_PROVINCIAL = f"{POLID}level/provincial"
_CEILINGS = frozenset({"at-most"})
_FLOORS = frozenset({"at-least", "over"})

# A document's place: its own jurisdiction, else its issuer's.
_PLACES = """
SELECT ?d ?area WHERE {
  %s
  { ?d pol:jurisdiction ?area }
  UNION { ?d pol:issuedBy/pol:jurisdiction ?area FILTER NOT EXISTS { ?d pol:jurisdiction ?own } }
}"""
# Each area with the areas it lies in (itself included) and their levels and labels.
_AREAS = """
SELECT ?area ?up ?level ?label WHERE {
  %s
  ?area pol:partOfArea* ?up .
  OPTIONAL { ?up pol:level ?level }
  OPTIONAL { ?up rdfs:label ?label }
}"""
_TARGETS = """
SELECT ?d ?t ?indicator ?value ?high ?unit ?indicatorUnit ?comparator ?year ?place WHERE {
  %s
  ?d pol:hasObjective/pol:hasTarget ?t .
  ?t pol:measures ?indicator .
  OPTIONAL { ?t pol:targetValue ?value }
  OPTIONAL { ?t pol:targetValueHigh ?high }
  OPTIONAL { ?t pol:unit/skos:notation ?unit }
  OPTIONAL { ?indicator pol:unit/skos:notation ?indicatorUnit }
  OPTIONAL { ?t pol:comparator/skos:notation ?comparator }
  OPTIONAL { ?t pol:targetYear ?year }
  OPTIONAL { ?t pol:jurisdiction ?place }
}"""
_LABELS = """
SELECT ?s ?label WHERE {
  %s
  { ?s rdfs:label ?label } UNION { ?s skos:prefLabel ?label }
}"""


@dataclass(frozen=True, slots=True)
class Area:
    """An administrative area, by IRI, Vietnamese label and English gloss."""

    iri: str
    label: str
    label_en: str | None = None


@dataclass(frozen=True, slots=True)
class CascadeDocument:
    """A document of the cascade: how far below the resolution, by which edge, and where it applies."""

    iri: str
    notation: str | None
    label: str | None
    issuer_label: str | None
    date: str | None
    depth: int
    relation: str | None
    via: str | None
    place: Area | None


@dataclass(frozen=True, slots=True)
class TargetValue:
    """A target one document sets: value (and upper value of a range), comparator, unit, year, place."""

    iri: str
    value: float | None
    value_high: float | None
    comparator: str | None
    unit: str | None
    year: int | None
    place: Area | None
    document: str
    document_notation: str | None
    document_label: str | None = None
    versus_national: Comparison = "no_national"


@dataclass(frozen=True, slots=True)
class IndicatorColumn:
    """An indicator of the comparison, with the national targets (empty: only provinces set one)."""

    iri: str
    label: str
    label_en: str | None
    unit: str | None
    direction: Direction
    national: list[TargetValue] = field(default_factory=list)
    national_contradiction: bool = False


@dataclass(frozen=True, slots=True)
class Cell:
    """One province's targets for one indicator, and what is flagged about them."""

    indicator: str
    targets: list[TargetValue]
    flags: list[Flag]


@dataclass(frozen=True, slots=True)
class ProvinceRow:
    """A province: its documents carrying out the resolution and a cell per indicator column."""

    area: Area
    documents: list[CascadeDocument]
    cells: list[Cell]

    @property
    def flags(self) -> list[Flag]:
        """The flags of any of its cells, in the order of :data:`FLAGS`."""
        found = {flag for cell in self.cells for flag in cell.flags}
        return [flag for flag in FLAGS if flag in found]


@dataclass(frozen=True, slots=True)
class Cascade:
    """A national resolution, its national follow-up, its indicators and each province's row."""

    document: CascadeDocument
    national_documents: list[CascadeDocument]
    indicators: list[IndicatorColumn]
    provinces: list[ProvinceRow]
    unplaced_documents: list[CascadeDocument] = field(default_factory=list)

    @property
    def flag_count(self) -> int:
        """How many (province, indicator) cells carry a flag."""
        return sum(1 for row in self.provinces for cell in row.cells if cell.flags)


def resolve_national_document(store: PolicyStore, document: str, issuer: str | None = None) -> str:
    """The IRI of the document ``document`` names (the one place the cascade resolves a name)."""
    return resolve_document(store, document, issuer)


def _text(row: Mapping[str, Term | None], key: str) -> str | None:
    value = row.get(key)
    return term_text(value) if isinstance(value, ox.NamedNode | ox.Literal) else None


def _number(row: Mapping[str, Term | None], key: str) -> float | None:
    value = to_python(row.get(key))
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _labels(store: PolicyStore, iris: Iterable[str]) -> dict[str, list[Label]]:
    found: dict[str, list[Label]] = {}
    for batch in batches(sorted(set(iris))):
        for row in store.select(_LABELS % values("s", batch)):
            subject, label = row["s"], row["label"]
            if isinstance(subject, ox.NamedNode) and isinstance(label, ox.Literal):
                found.setdefault(subject.value, []).append(label_of(label))
    return found


class _Places:
    """Where areas lie: each area's province (or the nation), with labels, read in a few queries."""

    def __init__(self, store: PolicyStore, areas: Iterable[str]) -> None:
        self.level: dict[str, str] = {}
        self.within: dict[str, set[str]] = {}
        self.names: dict[str, list[Label]] = {}
        for batch in batches(sorted(set(areas))):
            for row in store.select(_AREAS % values("area", batch)):
                area, up = _text(row, "area"), _text(row, "up")
                if area is None or up is None:
                    continue
                self.within.setdefault(area, set()).add(up)
                level = _text(row, "level")
                if level is not None:
                    self.level[up] = level
                label = row.get("label")
                if isinstance(label, ox.Literal):
                    self.names.setdefault(up, []).append(label_of(label))

    def area(self, iri: str) -> Area:
        names = self.names.get(iri, [])
        return Area(iri, best_label(names) or iri.rsplit("/", 1)[-1], english_label(names))

    def province(self, iri: str) -> str | None:
        """The provincial area ``iri`` lies in (itself, when it is one); None at the national level."""
        ups = sorted(self.within.get(iri, {iri}))
        return next((up for up in ups if self.level.get(up) == _PROVINCIAL), None)

    def is_national(self, iri: str) -> bool:
        return self.level.get(iri) == _NATIONAL or (self.province(iri) is None and iri == f"{POLID}area/vn")


def _floor_or_ceiling(target: TargetValue, direction: Direction) -> tuple[float, bool] | None:
    """The bound a target commits to in ``direction`` and whether it is strict; None when it sets none."""
    if target.value is None:
        return None
    if direction == "up":
        return None if target.comparator in _CEILINGS else (target.value, target.comparator == "over")
    if target.comparator in _FLOORS:
        return None
    high = target.value_high if target.comparator == "range" and target.value_high is not None else target.value
    return (high, False)


def _versus(target: TargetValue, column: IndicatorColumn) -> Comparison:
    """How ``target`` stands against the national target of its year (see the module's ``lower``)."""
    if not column.national:
        return "no_national"
    same_year = [n for n in column.national if n.year == target.year]
    if not same_year:
        return "other_year"
    national = same_year[0]
    if target.unit and national.unit and target.unit != national.unit:
        return "other_unit"
    mine, theirs = _floor_or_ceiling(target, column.direction), _floor_or_ceiling(national, column.direction)
    if mine is None or theirs is None:
        return "not_comparable"
    sign = 1 if column.direction == "up" else -1
    if mine[0] != theirs[0]:
        return "stronger" if sign * (mine[0] - theirs[0]) > 0 else "weaker"
    if mine[1] == theirs[1]:
        return "same"
    # Equal values: only "over" is strict, and only a floor can be strict.
    return "stronger" if mine[1] else "weaker"


def _contradicts(targets: Sequence[TargetValue]) -> bool:
    seen: dict[tuple[str | None, int | None], tuple[float | None, float | None, str | None]] = {}
    for t in targets:
        key = (t.place.iri if t.place else None, t.year)
        stated = (t.value, t.value_high, t.unit)
        if seen.setdefault(key, stated) != stated:
            return True
    return False


def _targets(
    store: PolicyStore, documents: Sequence[str], notations: Mapping[str, str | None], labels: Mapping[str, str | None]
) -> list[tuple[str, TargetValue]]:
    """(indicator, target) for every target the documents set, one per target and place."""
    out: dict[tuple[str, str | None], tuple[str, TargetValue]] = {}
    for batch in batches(list(documents)):
        for row in store.select(_TARGETS % values("d", batch)):
            d, t, indicator = _text(row, "d"), _text(row, "t"), _text(row, "indicator")
            if d is None or t is None or indicator is None:
                continue
            place = _text(row, "place")
            year = to_python(row.get("year"))
            value = TargetValue(
                iri=t,
                value=_number(row, "value"),
                value_high=_number(row, "high"),
                comparator=_text(row, "comparator"),
                unit=_text(row, "unit") or _text(row, "indicatorUnit"),
                year=year if isinstance(year, int) else None,
                place=Area(place, place) if place else None,
                document=d,
                document_notation=notations.get(d),
                document_label=labels.get(d),
            )
            out.setdefault((t, place), (indicator, value))
    return list(out.values())


def _compute(store: PolicyStore, root: str, max_depth: int) -> Cascade:
    top = describe_document(store, root)
    below = descendants(store, root, max_depth)
    items = [top, *below]
    iris = [i.iri for i in items]
    notations = {i.iri: i.notation for i in items}
    place_of: dict[str, str] = {}
    for batch in batches(iris):
        for row in store.select(_PLACES % values("d", batch)):
            d, area = _text(row, "d"), _text(row, "area")
            if d is not None and area is not None:
                place_of[d] = min(area, place_of.get(d, area))
    found = _targets(store, iris, notations, {i.iri: i.label for i in items})
    places = _Places(store, set(place_of.values()) | {t.place.iri for _, t in found if t.place})
    documents = {
        i.iri: CascadeDocument(
            iri=i.iri,
            notation=i.notation,
            label=i.label,
            issuer_label=i.issuer_label,
            date=i.date,
            depth=i.depth,
            relation=i.relation,
            via=i.via,
            place=places.area(place_of[i.iri]) if i.iri in place_of else None,
        )
        for i in items
    }
    depth = {i.iri: i.depth for i in items}

    def region(area: str | None) -> str | None:
        """The province, "national" for the nation, None for an area neither."""
        if area is None:
            return None
        province = places.province(area)
        return province if province is not None else ("national" if places.is_national(area) else None)

    targets = [(ind, replace(t, place=places.area(t.place.iri) if t.place else None)) for ind, t in found]
    by_region: dict[str, dict[str, list[TargetValue]]] = {}
    for indicator, target in targets:
        area = target.place.iri if target.place else place_of.get(target.document)
        where = region(area)
        if where is not None:
            by_region.setdefault(where, {}).setdefault(indicator, []).append(target)
    national_all = by_region.pop("national", {})
    national: dict[str, list[TargetValue]] = {}
    for indicator, candidates in national_all.items():
        shallowest = min(depth.get(t.document, 0) for t in candidates)
        national[indicator] = sorted(
            (t for t in candidates if depth.get(t.document, 0) == shallowest), key=lambda t: (t.year or 0, t.iri, t.place.iri if t.place else "")
        )
    indicator_iris = sorted(set(national) | {i for cells in by_region.values() for i in cells})
    names = _labels(store, indicator_iris)
    columns = []
    for indicator in indicator_iris:
        nationals = national.get(indicator, [])
        direction: Direction = "down" if any(t.comparator in _CEILINGS for t in nationals) else "up"
        units = sorted({t.unit for t in nationals if t.unit} | {t.unit for cells in by_region.values() for t in cells.get(indicator, []) if t.unit})
        columns.append(
            IndicatorColumn(
                iri=indicator,
                label=best_label(names.get(indicator, [])) or indicator.rsplit("/", 1)[-1],
                label_en=english_label(names.get(indicator, [])),
                unit=nationals[0].unit if nationals else (units[0] if units else None),
                direction=direction,
                national=nationals,
                national_contradiction=_contradicts(nationals),
            )
        )
    # National columns a province answers first, then the other national ones, then what only provinces set.
    answered = {i for cells in by_region.values() for i in cells}
    columns.sort(key=lambda c: (not c.national, c.iri not in answered, c.label, c.iri))
    provinces_docs: dict[str, list[CascadeDocument]] = {}
    national_docs: list[CascadeDocument] = []
    unplaced: list[CascadeDocument] = []
    for item in below:
        doc = documents[item.iri]
        where = region(place_of.get(item.iri))
        if where == "national":
            national_docs.append(doc)
        elif where is None:
            unplaced.append(doc)
        else:
            provinces_docs.setdefault(where, []).append(doc)
    rows = []
    for province in sorted(set(provinces_docs) | set(by_region), key=lambda p: (places.area(p).label, p)):
        cells = []
        for column in columns:
            mine = [
                replace(t, versus_national=_versus(t, column))
                for t in sorted(by_region.get(province, {}).get(column.iri, []), key=lambda t: (t.year or 0, t.document, t.iri, t.place.iri if t.place else ""))
            ]
            flags: list[Flag] = []
            if column.national and not mine:
                flags.append("none")
            if any(t.versus_national == "weaker" for t in mine):
                flags.append("lower")
            if _contradicts(mine):
                flags.append("contradiction")
            cells.append(Cell(column.iri, mine, flags))
        rows.append(ProvinceRow(places.area(province), provinces_docs.get(province, []), cells))
    return Cascade(
        document=documents[root],
        national_documents=national_docs,
        indicators=columns,
        provinces=rows,
        unplaced_documents=unplaced,
    )


def cascade(store: PolicyStore, document_iri: str, max_depth: int = 20) -> Cascade:
    """The cascade comparison below ``document_iri``, computed once per generation of the store."""
    key = "cascade-" + hashlib.sha256(f"{document_iri}\n{max_depth}".encode()).hexdigest()[:24]
    return store.per_generation(key, lambda: _compute(store, document_iri, max_depth))


# ------------------------------------------------------------------------------------ CSV

CSV_COLUMNS = (
    "province", "province_iri", "indicator", "indicator_iri", "unit",
    "national_value", "national_value_high", "national_comparator", "national_year",
    "value", "value_high", "comparator", "year", "place", "document", "document_iri",
    "versus_national", "flags",
)  # fmt: skip


def _number_text(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if value == int(value) else str(value)


def cascade_csv(result: Cascade) -> str:
    """The comparison as one CSV table: a row per province, indicator and target (a row for a cell without one)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    columns = {c.iri: c for c in result.indicators}
    for row in result.provinces:
        for cell in row.cells:
            column = columns[cell.indicator]
            if not cell.targets and not cell.flags:
                continue
            shown: list[TargetValue | None] = list(cell.targets) or [None]
            for target in shown:
                year = target.year if target else None
                national = next((n for n in column.national if n.year == year), column.national[0] if column.national else None)
                writer.writerow([
                    row.area.label, row.area.iri, column.label, column.iri, (target.unit if target else None) or column.unit or "",
                    _number_text(national.value) if national else "", _number_text(national.value_high) if national else "",
                    (national.comparator or "") if national else "", (national.year or "") if national else "",
                    _number_text(target.value) if target else "", _number_text(target.value_high) if target else "",
                    (target.comparator or "") if target else "", (target.year or "") if target else "",
                    (target.place.label if target and target.place else ""),
                    (target.document_notation or target.document_label or "") if target else "", target.document if target else "",
                    target.versus_national if target else "", " ".join(cell.flags),
                ])  # fmt: skip
    return out.getvalue()
