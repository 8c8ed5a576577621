"""Source records people can check: where each source's text is, who published it, when, and when it was read.

A source record (``pol:SourceArticle``, CONVENTIONS.md) names the page to open
(``dcat:landingPage``), the publisher as the source names it (``pol:publisher``, a name, not an
agency resource), the publication date (``dcterms:issued``) and the day the text was retrieved
(``pav:retrievedOn``). A curator who found that the source states none of one of them records that
with ``pol:notStated`` (the property's local name): such a field is "unknown", never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from app.core.labels import Label, label_of, sort_labels
from app.core.namespaces import DCAT, PAV, POLID
from app.store.policy_store import PolicyStore, term_text

__all__ = ["CHECKABLE", "SourceRecord", "source_records"]

#: The fields a person checks a fact with, by the local name ``pol:notStated`` gives them.
CHECKABLE = ("landingPage", "publisher", "issued", "retrievedOn")

_RECORDS = f"""
SELECT ?s ?key ?value WHERE {{
  ?s a pol:SourceArticle .
  {{ ?s dcterms:title ?value . BIND("title" AS ?key) }}
  UNION {{ ?s dcterms:description ?value . BIND("description" AS ?key) }}
  UNION {{ ?s <{DCAT}landingPage> ?value . BIND("landingPage" AS ?key) }}
  UNION {{ ?s prov:wasDerivedFrom ?value . BIND("derivedFrom" AS ?key) }}
  UNION {{ ?s dcterms:source ?value . BIND("reference" AS ?key) }}
  UNION {{ ?s pol:publisher ?value . BIND("publisher" AS ?key) }}
  UNION {{ ?s dcterms:issued ?value . BIND("issued" AS ?key) }}
  UNION {{ ?s <{PAV}retrievedOn> ?value . BIND("retrievedOn" AS ?key) }}
  UNION {{ ?s pol:notStated ?value . BIND("notStated" AS ?key) }}
}}"""


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """A source record: what to open, who published it and when; None where it is unknown."""

    iri: str
    name: str
    title_vi: str | None
    title_en: str | None
    description: str | None
    #: The page a person opens to read the text (``dcat:landingPage``).
    url: str | None
    #: What the text was copied from (``prov:wasDerivedFrom``), when it differs from ``url``.
    derived_from: str | None
    #: How the source cites where it was taken from (``dcterms:source``, e.g. ``repo : path @ commit``).
    reference: str | None
    publisher: str | None
    published: str | None
    retrieved: str | None
    #: The fields the curator found the source does not state (``pol:notStated``), of ``CHECKABLE``.
    not_stated: tuple[str, ...] = field(default=())

    @property
    def unknown(self) -> tuple[str, ...]:
        """The fields of ``CHECKABLE`` with no value, stated as unknown or not (yet) checked."""
        given = {"landingPage": self.url, "publisher": self.publisher, "issued": self.published,
                 "retrievedOn": self.retrieved}
        return tuple(name for name in CHECKABLE if given[name] is None)


def _read(store: PolicyStore) -> dict[str, SourceRecord]:
    facts: dict[str, dict[str, list[ox.NamedNode | ox.Literal]]] = {}
    for row in store.select(_RECORDS):
        s, key, value = row["s"], row["key"], row["value"]
        if isinstance(s, ox.NamedNode) and key is not None and isinstance(value, ox.NamedNode | ox.Literal):
            facts.setdefault(s.value, {}).setdefault(term_text(key), []).append(value)
    out = {}
    for iri, found in sorted(facts.items()):
        def first(key: str, found: dict[str, list[ox.NamedNode | ox.Literal]] = found) -> str | None:
            texts = sorted(term_text(v) for v in found.get(key, []))
            return texts[0] if texts else None

        titles: list[Label] = [label_of(v) for v in found.get("title", [])]
        ordered = sort_labels(titles)
        url, derived = first("landingPage"), first("derivedFrom")
        out[iri] = SourceRecord(
            iri=iri,
            name=iri.removeprefix(str(POLID) + "source/"),
            title_vi=next((t.text for t in ordered if t.lang in ("vi", None, "")), None),
            title_en=next((t.text for t in ordered if t.lang == "en"), None),
            description=first("description"),
            url=url,
            derived_from=derived if derived != url else None,
            reference=first("reference"),
            publisher=first("publisher"),
            published=first("issued"),
            retrieved=first("retrievedOn"),
            not_stated=tuple(sorted({term_text(v) for v in found.get("notStated", [])} & set(CHECKABLE))),
        )
    return out


def source_records(store: PolicyStore) -> dict[str, SourceRecord]:
    """Every source record by IRI, read once per generation of the store's data."""
    return store.per_generation("source-records", lambda: _read(store))
