"""The extractor's entry point: text in, an ``Extraction`` (summary and draft TriG) out.

The work is split by what is read, one module each, every reader taking the cleaned text and the
gazetteer and returning records with spans:
``cleaning`` (HTML, markdown, PDF noise → NFC text), ``references`` (document numbers, types,
issuers, dates, the text's own header, relations), ``duties`` (responsibilities from sentences,
headings and task tables, with deliverables and deadlines), ``targets`` (numeric targets),
``draft`` (the summary as TriG). Rule-based and deterministic: the same text and gazetteer give
the same result.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.curation.cleaning import clean
from app.curation.duties import read_responsibilities
from app.curation.gazetteer import Gazetteer
from app.curation.references import read_references
from app.curation.summary import Extraction
from app.curation.targets import read_targets

__all__ = ["ExtractionContext", "extract"]


@dataclass(frozen=True, slots=True)
class ExtractionContext:
    """What the caller knows besides the text: the graph, the province (area IRI), the source's name."""

    gazetteer: Gazetteer = field(default_factory=Gazetteer)
    province: str | None = None
    source: str | None = None


def extract(text: str, context: ExtractionContext | None = None) -> Extraction:
    """Read documents, relations, responsibilities and targets from ``text``, with spans into its cleaned form."""
    context = context or ExtractionContext()
    cleaned = clean(text)
    refs = read_references(cleaned, context.gazetteer, context.province)
    return Extraction(
        text=cleaned, self_document=refs.self_document, documents=refs.documents, relations=refs.relations,
        responsibilities=read_responsibilities(cleaned, context.gazetteer, context.province),
        targets=read_targets(cleaned, context.gazetteer), warnings=refs.warnings,
    )
