"""Names: what a person types for a document, an agency, an area or an indicator, resolved to one IRI.

Every entry point (CLI, API parameters, named-query parameters, exports) resolves names here, so
the same text gives the same entity, the same 409 with candidates, or the same 404 with
suggestions everywhere. Accepted, for every kind:

* a full IRI or a CURIE (``polid:agency/quang-tri/so-khcn``);
* a key, the IRI's path below its kind (``quang-tri/so-khcn``, ``tu-quang-tri/2020/190-kh-tu``),
  or its last segments (``so-khcn``: every province has one, so that is a 409);
* for agencies, areas and indicators, a name: a label, an abbreviation (``Sở KH&CN``, ``KHCN``)
  or a name as a source spells it, with or without accents (đ→d); the words of a name in order
  (``kinh te so``) when they fit one entity only;
* for documents, a number with or without issuer and year (``190-KH/TU``, ``52-NQ/TW``,
  ``52/NQ-TW``), a bare number (``52``), a type and a number (``Nghị quyết 52``, ``NQ 52``), and
  words after the number that pick the issuer or province (``190-KH/TU Quảng Trị``).

Numbers repeat across provinces: a number several issuers use is never resolved to one of them
without an issuer; the answer is AmbiguousDocument with the candidates.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal, get_args

import pyoxigraph as ox

from app.core.errors import (
    AmbiguousAgency,
    AmbiguousDocument,
    AmbiguousEntity,
    DocumentRef,
    EntityRef,
    UnknownAgency,
    UnknownDocument,
    UnknownEntity,
)
from app.core.labels import Label, best_label, label_of
from app.core.namespaces import POL, POLID, expand
from app.core.text import fold, slug
from app.domain.lineage import document_numbers, document_refs
from app.search.index import Abbreviation, TextNormaliser, load_abbreviations
from app.search.normalise import clean_query, optional_query
from app.sparql.values import values
from app.store.policy_store import PolicyStore, term_text

__all__ = [
    "ENTITY_KINDS",
    "KINDS",
    "EntityKind",
    "Kind",
    "entity_label",
    "resolve",
    "resolve_agency",
    "resolve_document",
    "resolve_entity",
]

EntityKind = Literal["agency", "area", "indicator"]
Kind = Literal["document", "agency", "area", "indicator"]
ENTITY_KINDS: tuple[EntityKind, ...] = get_args(EntityKind)
KINDS: tuple[Kind, ...] = get_args(Kind)

_CLASSES: dict[EntityKind, str] = {
    "agency": str(POL.Agency),
    "area": str(POL.AdministrativeArea),
    "indicator": str(POL.Indicator),
}
# The folder of each kind's IRIs (CONVENTIONS.md): a key is what follows it.
_FOLDERS: dict[Kind, str] = {"document": "doc/", "agency": "agency/", "area": "area/", "indicator": "indicator/"}
_URL_LIKE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")
_KEY_LIKE = re.compile(r"^[a-z0-9][a-z0-9-]*(/[a-z0-9][a-z0-9-]*)+$")
# The number of a document in running text: digits, then what sticks to them (190-KH/TU, 109/2022/NĐ-CP).
_NUMBER_IN_TEXT = re.compile(r"(?<!\w)\d+(?:[-/.]\w+)*", re.UNICODE)
_YEAR = re.compile(r"^(19|20)\d\d$")
# Words between a number and its issuer that name nothing: "52-NQ/TW của Bộ Chính trị", "năm 2019".
_LINKING_WORDS = frozenset({"cua", "of", "by", "nam", "so", "ngay", "ve"})
_SUGGESTIONS = 5

# The classes first, then their instances: a property path from every typed resource (every task)
# up to the class would scan the whole graph.
_SUBCLASSES = "SELECT DISTINCT ?c WHERE { ?c rdfs:subClassOf* ?class }"
_NAMES = """
SELECT ?e ?name ?prop WHERE {
  %s
  ?e a ?c .
  OPTIONAL { ?e ?prop ?name VALUES ?prop { rdfs:label skos:prefLabel skos:altLabel pol:statedAs } }
}"""
_AREAS = """
SELECT ?e ?area ?label WHERE {
  %s
  ?e a ?c ; pol:jurisdiction ?area .
  OPTIONAL { ?area rdfs:label ?label }
}"""
_DOCUMENT_TYPES = """
SELECT ?code ?name WHERE {
  ?type a pol:DocumentType ; skos:notation ?code .
  OPTIONAL { ?type skos:prefLabel|skos:altLabel ?name }
}"""
_EXISTS = "ASK { ?d ?p ?o }"


# ---------------------------------------------------------------------------------- the name table


@dataclass(frozen=True, slots=True)
class _Entity:
    iri: str
    kind: EntityKind
    label: str | None
    names: tuple[str, ...]
    area: str | None = None
    area_label: str | None = None
    # Each name as the normaliser reads it (abbreviations expanded), and folded: read once per table.
    tokens: tuple[tuple[str, ...], ...] = ()
    folded: tuple[str, ...] = ()

    def ref(self) -> EntityRef:
        return EntityRef(self.iri, self.label, self.kind, self.area, self.area_label)


@dataclass(frozen=True, slots=True)
class _Table:
    """The agencies, areas and indicators of one store generation, with what they are called."""

    abbreviations: tuple[Abbreviation, ...]
    entities: dict[EntityKind, dict[str, _Entity]]
    # Per kind: the slug of every key and name → entities; the tokens of every name → entities.
    keys: dict[EntityKind, dict[str, set[str]]] = field(default_factory=dict)
    tokens: dict[EntityKind, dict[tuple[str, ...], set[str]]] = field(default_factory=dict)


@functools.lru_cache(maxsize=4)
def _normaliser(abbreviations: tuple[Abbreviation, ...]) -> TextNormaliser:
    # Kept out of the table: the table is saved beside a disk store, an analyser cannot be.
    return TextNormaliser(abbreviations)


def _keys(iri: str, kind: Kind) -> set[str]:
    """polid:agency/quang-tri/so-khcn answers to "quang-tri/so-khcn" and "so-khcn" (slugged)."""
    segments = iri.removeprefix(str(POLID)).removeprefix(_FOLDERS[kind]).split("/")
    return {slug("/".join(segments[i:])) for i in range(len(segments))} - {""}


def _tokens(normaliser: TextNormaliser, text: str) -> tuple[str, ...]:
    return tuple(normaliser.vi_tokens(text))


def _classes(store: PolicyStore, cls: str) -> str:
    """A VALUES clause of ``cls`` and its subclasses."""
    found = {term_text(row["c"]) for row in store.select(_SUBCLASSES, {"class": ox.NamedNode(cls)}) if row["c"]}
    return values("c", sorted(found | {cls}))


def _names_of(store: PolicyStore, classes: str) -> tuple[dict[str, list[str]], dict[str, list[Label]]]:
    """Every name of each instance of the ``classes`` (labels, abbreviations, names as stated), and its labels."""
    names: dict[str, list[str]] = {}
    labels: dict[str, list[Label]] = {}
    for row in store.select(_NAMES % classes):
        e, name, prop = row["e"], row["name"], row["prop"]
        if not isinstance(e, ox.NamedNode):
            continue
        names.setdefault(e.value, [])
        if isinstance(name, ox.Literal) and prop is not None:
            names[e.value].append(name.value)
            if term_text(prop) != str(POL.statedAs):
                # An abbreviation is shown after every label (app.core.labels ranks unknown tags last).
                tag = "alt" if term_text(prop).endswith("altLabel") else name.language or None
                labels.setdefault(e.value, []).append(Label(name.value, tag))
    return names, labels


def _areas_of(store: PolicyStore, classes: str) -> dict[str, tuple[str, str | None]]:
    """The area (IRI, label) each instance of the ``classes`` belongs to."""
    found: dict[str, tuple[str, list[Label]]] = {}
    for row in store.select(_AREAS % classes):
        e, area, label = row["e"], row["area"], row["label"]
        if isinstance(e, ox.NamedNode) and isinstance(area, ox.NamedNode):
            kept = found.setdefault(e.value, (area.value, []))
            if kept[0] == area.value and label is not None:
                kept[1].append(label_of(label))
    return {iri: (area, best_label(labels)) for iri, (area, labels) in found.items()}


def _build_table(store: PolicyStore) -> _Table:
    abbreviations = tuple(load_abbreviations(store))
    normaliser = _normaliser(abbreviations)
    table = _Table(abbreviations, {})
    for kind, cls in _CLASSES.items():
        classes = _classes(store, cls)
        names, labels = _names_of(store, classes)
        areas = _areas_of(store, classes)
        of_kind = table.entities[kind] = {}
        keys: dict[str, set[str]] = table.keys.setdefault(kind, {})
        tokens: dict[tuple[str, ...], set[str]] = table.tokens.setdefault(kind, {})
        for iri in sorted(names):
            area, area_label = areas.get(iri, (None, None))
            distinct = tuple(dict.fromkeys(names[iri]))
            read = tuple(_tokens(normaliser, n) for n in distinct)
            label = best_label(labels.get(iri, []))
            entity = _Entity(iri, kind, label, distinct, area, area_label, read, tuple(fold(n) for n in distinct))
            of_kind[iri] = entity
            for key in _keys(iri, kind) | {slug(n) for n in entity.names}:
                keys.setdefault(key, set()).add(iri)
            for name_tokens in read:
                tokens.setdefault(name_tokens, set()).add(iri)
    return table


def _table(store: PolicyStore) -> _Table:
    return store.per_generation("names", lambda: _build_table(store))


def entity_label(store: PolicyStore, kind: EntityKind, iri: str) -> str | None:
    """The label of the ``kind`` entity ``iri``, as its candidates show it (from the name table)."""
    entity = _table(store).entities[kind].get(iri)
    return None if entity is None else entity.label


# ---------------------------------------------------------------------------------- shared steps


def _as_iri(text: str) -> str | None:
    """The IRI ``text`` spells (a CURIE expanded), or None when it is not one."""
    expanded = expand(text)
    if expanded != text or (_URL_LIKE.match(text) and ("://" in text or text.lower().startswith("urn:"))):
        try:
            return ox.NamedNode(expanded).value
        except ValueError:
            return None
    return None


def _close_iris(iri: str, known: Iterable[str]) -> list[str]:
    # Compare what follows the shared polid: namespace, else every IRI looks alike.
    tails = {k.removeprefix(str(POLID)): k for k in known}
    close = difflib.get_close_matches(iri.removeprefix(str(POLID)), list(tails), n=_SUGGESTIONS, cutoff=0.6)
    return [tails[c] for c in close]


def _in_order(wanted: Sequence[str], tokens: Sequence[str]) -> bool:
    it = iter(tokens)
    return all(word in it for word in wanted)


def _contiguous(wanted: Sequence[str], tokens: Sequence[str]) -> bool:
    n = len(wanted)
    return any(tuple(tokens[i : i + n]) == tuple(wanted) for i in range(len(tokens) - n + 1))


# ---------------------------------------------------------------------------------- entities


def _unknown(kind: EntityKind, query: str, refs: list[EntityRef]) -> UnknownEntity:
    return UnknownAgency(query, refs) if kind == "agency" else UnknownEntity(kind, query, refs)


def _ambiguous(kind: EntityKind, query: str, refs: list[EntityRef]) -> AmbiguousEntity:
    return AmbiguousAgency(query, refs) if kind == "agency" else AmbiguousEntity(kind, query, refs)


def _refs(entities: dict[str, _Entity], iris: Iterable[str], *, ranked: bool = False) -> list[EntityRef]:
    """Candidates by province and label; suggestions (``ranked``) closest first."""
    chosen = [entities[i] for i in iris]
    if not ranked:
        chosen.sort(key=lambda e: (e.area_label or "", e.label or "", e.iri))
    return [e.ref() for e in chosen]


def _suggest(table: _Table, kind: EntityKind, wanted: tuple[str, ...], query: str) -> list[str]:
    """The entities whose names share most words with the query, then look most alike."""
    folded = fold(query)
    words = set(wanted)
    overlaps: list[tuple[float, str, str]] = []
    for entity in table.entities[kind].values():
        best = max(
            (
                (len(words & set(t)) / len(words | set(t)) if words | set(t) else 0.0, name)
                for t, name in zip(entity.tokens, entity.folded, strict=True)
            ),
            default=(0.0, ""),
        )
        if best[0] or any(folded in name for name in entity.folded):
            overlaps.append((best[0], best[1], entity.iri))
    # Only the best overlaps are compared letter by letter: a national graph has thousands of names.
    overlaps.sort(key=lambda o: (-o[0], o[2]))
    shortlist = overlaps[: _SUGGESTIONS * 5]
    ranked = sorted(shortlist, key=lambda o: (-o[0], -difflib.SequenceMatcher(None, folded, o[1]).ratio(), o[2]))
    return [iri for *_, iri in ranked[:_SUGGESTIONS]]


def resolve_entity(store: PolicyStore, kind: EntityKind, text: str) -> str:
    """The IRI of the one ``kind`` (agency, area, indicator) that ``text`` names.

    Raises ParameterError for a blank or over-long text, AmbiguousEntity (AmbiguousAgency for an
    agency) with the candidates when several fit, UnknownEntity (UnknownAgency) with the closest
    names when none does.
    """
    query = clean_query(text, name=kind)
    table = _table(store)
    entities = table.entities[kind]
    iri = _as_iri(query)
    if iri is not None:
        if iri in entities:
            return iri
        raise _unknown(kind, query, _refs(entities, _close_iris(iri, entities), ranked=True))
    # A key or a name exactly (its slug): "quang-tri/so-khcn", "Sở Y tế Lào Cai", "so-khcn".
    by_key = sorted(table.keys[kind].get(slug(query), ()))
    if len(by_key) == 1:
        return by_key[0]
    if by_key:
        raise _ambiguous(kind, query, _refs(entities, by_key))
    normaliser = _normaliser(table.abbreviations)
    wanted = _tokens(normaliser, query)
    # The same words as a name once abbreviations are expanded: "Sở KHCN Quảng Trị".
    exact = sorted(table.tokens[kind].get(wanted, ()))
    if len(exact) == 1:
        return exact[0]
    if exact:
        raise _ambiguous(kind, query, _refs(entities, exact))
    words = set(wanted)
    fits: list[tuple[str, list[tuple[str, ...]]]] = []
    for entity in entities.values():
        holding = [t for t in entity.tokens if words <= set(t)]
        if words and holding:
            fits.append((entity.iri, holding))
    # "Sở KH&CN" holds every word of a steering committee "… khoa học và công nghệ …" too, but
    # only the departments' names hold them in that order, and in one run.
    for narrower in (_in_order, _contiguous):
        if len(fits) > 1:
            fits = [(i, held) for i, held in fits if any(narrower(wanted, t) for t in held)] or fits
    if len(fits) == 1:
        return fits[0][0]
    if fits:
        raise _ambiguous(kind, query, _refs(entities, [i for i, _ in fits]))
    raise _unknown(kind, query, _refs(entities, _suggest(table, kind, wanted, query), ranked=True))


def resolve_agency(store: PolicyStore, text: str) -> str:
    """The IRI of the one agency ``text`` names (see :func:`resolve_entity`)."""
    return resolve_entity(store, "agency", text)


# ---------------------------------------------------------------------------------- documents


def _document_types(store: PolicyStore) -> dict[str, str]:
    """Each way of writing a document type (folded name, code) → the slug of its code."""

    def compute() -> dict[str, str]:
        types: dict[str, str] = {}
        for row in store.select(_DOCUMENT_TYPES):
            code, name = row["code"], row["name"]
            if code is None:
                continue
            key = slug(term_text(code))
            types[fold(term_text(code))] = key
            if name is not None:
                types[fold(term_text(name))] = key
        return types

    return store.per_generation("names-document-types", compute)


def _number_parts(key: str) -> tuple[int | None, str | None]:
    """The number and the type code of a number slug: 52-nq-tw → (52, nq); 109-2022-nd-cp → (109, nd)."""
    head, _, rest = key.partition("-")
    parts = [p for p in rest.split("-") if p and not _YEAR.match(p)]
    # A letter (3917/UBND) has no type code, only its issuer's.
    return (int(head) if head.isdigit() else None, parts[0] if len(parts) > 1 else "cv" if parts else None)


def _by_lead(store: PolicyStore) -> dict[int, list[str]]:
    """The number slugs under each leading number: 52 → [52-nq-tw, 52-kh-ubnd …]."""

    def compute() -> dict[int, list[str]]:
        leads: dict[int, list[str]] = {}
        for key in document_numbers(store).by_number:
            number, _ = _number_parts(key)
            if number is not None:
                leads.setdefault(number, []).append(key)
        return leads

    return store.per_generation("names-number-leads", compute)


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[^a-z0-9]+", fold(text)) if w and w not in _LINKING_WORDS]


def _haystack(ref: DocumentRef) -> set[str]:
    """The words that can pick a document out among same-numbered ones: its issuer, province, year."""
    text = " ".join(
        [ref.iri.removeprefix(str(POLID) + "doc/"), (ref.issuer or "").removeprefix(str(POLID)), ref.issuer_label or ""]
    )
    return set(_words(text))


def _issuer_matches(ref: DocumentRef, issuer: str) -> bool:
    """True when ``issuer`` (IRI, key such as quang-tri or so-khcn, or name) fits the document's issuer."""
    if ref.issuer is not None and expand(issuer) == ref.issuer:
        return True
    key = slug(issuer)
    if not key:
        return False
    # Agency IRIs are agency/{area-key}/{slug}: "quang-tri" or "so-khcn" pick them out.
    if ref.issuer is not None and any(key in segment for segment in ref.issuer.rstrip("/").split("/")[-2:]):
        return True
    if ref.issuer_label is not None and fold(issuer) in fold(ref.issuer_label):
        return True
    # The document IRI carries the issuer key too: doc/{issuer-key}/...
    parts = ref.iri.split("/doc/", 1)
    return len(parts) == 2 and key in parts[1].split("/", 1)[0]


def _ordered(refs: Iterable[DocumentRef]) -> list[DocumentRef]:
    return sorted(refs, key=lambda d: (d.issuer_label or d.issuer or "", d.iri))


def resolve_document(store: PolicyStore, text: str, issuer: str | None = None) -> str:
    """The IRI of the one document ``text`` names (optionally among those of ``issuer``).

    Raises ParameterError for a blank or over-long text, AmbiguousDocument with the candidates
    when several documents fit (a number several issuers use), UnknownDocument with close matches
    when none does.
    """
    query = clean_query(text, name="document")
    issuer = optional_query(issuer, name="issuer")
    table = document_numbers(store)
    iri = _as_iri(query)
    if iri is not None:
        if iri in table.by_document or store.ask(_EXISTS, {"d": ox.NamedNode(iri)}):
            return iri
        close = _close_iris(iri, table.by_document)
        raise UnknownDocument(query, list(document_refs(store, close).values()))
    if _KEY_LIKE.match(query):
        # A key: doc/{issuer-key}/{year}/{number-slug}, or a draft's doc/{issuer-key}/draft/{slug} (no number).
        keyed = POLID + "doc/" + query
        if keyed in table.by_document or store.ask(_EXISTS, {"d": ox.NamedNode(keyed)}):
            return keyed
    key = slug(query)
    words: list[str] = []
    numbers = table.by_number.get(key, [])
    if not numbers:
        numbers, words = _by_number_in_text(store, query)
    same_number = list(document_refs(store, numbers).values())
    candidates = [
        d for d in same_number if (issuer is None or _issuer_matches(d, issuer)) and set(words) <= _haystack(d)
    ]
    if len(candidates) == 1:
        return candidates[0].iri
    if candidates:
        raise AmbiguousDocument(query, _ordered(candidates))
    shown_query = query if issuer is None else f"{query} ({issuer})"
    if same_number:
        # The number exists but not for that issuer: those documents are the best suggestions.
        raise UnknownDocument(shown_query, _ordered(same_number))
    close = difflib.get_close_matches(key, list(table.by_number), n=_SUGGESTIONS, cutoff=0.6) if key else []
    near = [d for c in close for d in table.by_number[c]][:10]
    raise UnknownDocument(shown_query, list(document_refs(store, near).values()))


def _by_number_in_text(store: PolicyStore, query: str) -> tuple[list[str], list[str]]:
    """Documents a text names by a number in it ("Nghị quyết 52", "NQ 52", "190-KH/TU Quảng Trị"),
    and the words besides the number and type that must fit the issuer."""
    found = _NUMBER_IN_TEXT.search(query)
    if found is None:
        return [], []
    before, number, after = query[: found.start()], found.group(), query[found.end() :]
    types = _document_types(store)
    # "Kế hoạch số 190", "Nghị quyết 52", "NQ 52": the type before the number, "số" (number) dropped.
    wanted_type = types.get(re.sub(r"\s*\bso$", "", fold(before).strip(" ,.:")))
    words = _words(after) + ([] if wanted_type or not before.strip() else _words(before))
    by_number = document_numbers(store).by_number
    if slug(number) in by_number and not number.isdigit():
        return list(by_number[slug(number)]), words
    if not number.isdigit():
        return [], words
    keys = [
        k for k in _by_lead(store).get(int(number), []) if wanted_type is None or _number_parts(k)[1] == wanted_type
    ]
    return [d for k in sorted(keys) for d in by_number[k]], words


# ---------------------------------------------------------------------------------- any kind


def resolve(store: PolicyStore, kind: Kind, text: str, *, issuer: str | None = None) -> str:
    """The IRI of the one ``kind`` that ``text`` names; ``issuer`` narrows a document's number."""
    if kind == "document":
        return resolve_document(store, text, issuer)
    return resolve_entity(store, kind, text)
