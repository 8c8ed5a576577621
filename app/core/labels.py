"""Human labels of resources: which properties name a thing, and which of its labels to show first.

Vietnamese is the language of the sources, so a ``@vi`` label is shown first, then an untagged
one, then English; pages show the English gloss beside the Vietnamese title.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from app.core.namespaces import DCTERMS, FOAF, RDFS, SKOS

# What names a resource in our data: instances carry rdfs:label, SKOS concepts skos:prefLabel,
# source articles dcterms:title, people foaf:name; documents are known by their number.
NOTATION = str(SKOS.notation)
LABEL_PREDICATES: tuple[str, ...] = (
    str(RDFS.label),
    str(SKOS.prefLabel),
    str(DCTERMS.title),
    str(FOAF.name),
    NOTATION,
)
_LANGUAGE_RANK = {"vi": 0, None: 1, "": 1, "en": 2}


@dataclass(frozen=True, slots=True)
class Label:
    """A name of a resource with its language tag (None when untagged)."""

    text: str
    lang: str | None = None

    @property
    def rank(self) -> tuple[int, str]:
        """Sort key: Vietnamese first, then untagged, English, anything else; then by text."""
        return (_LANGUAGE_RANK.get(self.lang, 3), self.text)


def label_of(literal: object) -> Label:
    """The label a literal states (a pyoxigraph or rdflib term): its text and language tag, if any."""
    # rdflib terms are str; pyoxigraph terms carry their lexical form in ``value``.
    text = literal if isinstance(literal, str) else getattr(literal, "value", str(literal))
    return Label(str(text), getattr(literal, "language", None) or None)


def sort_labels(labels: Iterable[Label]) -> tuple[Label, ...]:
    """Distinct labels, Vietnamese first."""
    return tuple(sorted(set(labels), key=lambda label: label.rank))


def best_label(labels: Iterable[Label]) -> str | None:
    """The label to show as a title (Vietnamese first), or None when there is none."""
    ordered = sort_labels(labels)
    return ordered[0].text if ordered else None


def english_label(labels: Iterable[Label]) -> str | None:
    """The English gloss, when there is one."""
    return next((label.text for label in sort_labels(labels) if label.lang == "en"), None)


class Labelled:
    """Mixin for a thing named by its ``labels`` (a dataclass field): its title and English gloss."""

    __slots__ = ()
    labels: tuple[Label, ...]

    @property
    def label(self) -> str | None:
        """The name to show (Vietnamese first)."""
        return best_label(self.labels)

    @property
    def english(self) -> str | None:
        """The English gloss, when there is one."""
        return english_label(self.labels)
