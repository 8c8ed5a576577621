"""The quality report for people: SHACL shapes and consistency rules, with readable names.

``app.validation`` finds the problems; this module names the resource at fault so that a reader
knows what it is without following IRIs. A document is named by its number, an agency or task
by its label; a target, which has no label of its own, by its indicator, year and the document
that sets it ("Tỷ trọng kinh tế số trong GRDP, 2030 — 47/KH-UBND").

Validating takes seconds, so :class:`QualityCache` keeps one report per loaded store.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from app.core.labels import Label, best_label, label_of
from app.core.namespaces import compact
from app.quality.validation import Finding, ValidationReport, validate
from app.store.policy_store import PolicyStore, term_text

if TYPE_CHECKING:
    from app.core.config import Settings

__all__ = ["Focus", "QualityCache", "QualityFinding", "QualityReport", "quality_report"]


@dataclass(frozen=True, slots=True)
class Focus:
    """The resource a finding is about, with a name a person can read."""

    iri: str
    label: str
    notation: str | None = None


@dataclass(frozen=True, slots=True)
class QualityFinding:
    """One problem on one resource."""

    severity: str
    rule: str
    message: str
    message_vi: str | None
    focus: Focus


@dataclass(frozen=True, slots=True)
class QualityReport:
    """Whether the data conforms (no Violation), and every finding, most severe first."""

    conforms: bool
    findings: list[QualityFinding] = field(default_factory=list)
    seconds: float = 0.0

    def counts(self) -> dict[str, int]:
        """Findings per severity."""
        out: dict[str, int] = {}
        for f in self.findings:
            out[f.severity] = out.get(f.severity, 0) + 1
        return out


# What names a target: its indicator, year and the document (number, else label) that sets it.
_TARGET_NAMES = """
SELECT ?indicatorLabel ?year ?notation ?docLabel WHERE {
  ?target pol:measures ?indicator .
  OPTIONAL { ?indicator rdfs:label ?indicatorLabel }
  OPTIONAL { ?target pol:targetYear ?year }
  OPTIONAL { ?doc pol:hasObjective/pol:hasTarget ?target .
             OPTIONAL { ?doc skos:notation ?notation }
             OPTIONAL { ?doc rdfs:label ?docLabel } }
}"""


def _labels(rows: list[dict[str, Any]], key: str) -> list[Label]:
    out = []
    for row in rows:
        value = row.get(key)
        if isinstance(value, ox.Literal):
            out.append(label_of(value))
    return out


def _target_name(store: PolicyStore, iri: str) -> str | None:
    try:
        rows = store.select(_TARGET_NAMES, {"target": ox.NamedNode(iri)})
    except ValueError:  # a blank node or malformed IRI as focus: no target to name
        return None
    if not rows:
        return None
    indicator = best_label(_labels(rows, "indicatorLabel"))
    years = sorted({term_text(year) for r in rows if (year := r.get("year")) is not None})
    notations = sorted({term_text(notation) for r in rows if (notation := r.get("notation")) is not None})
    document = ", ".join(notations) or best_label(_labels(rows, "docLabel"))
    name = indicator or compact(iri)
    if years:
        name += ", " + ", ".join(years)
    return f"{name} — {document}" if document else name


def _focus(store: PolicyStore, finding: Finding, names: dict[str, str | None]) -> Focus:
    iri = finding.focus
    if iri not in names:
        names[iri] = None if (finding.focus_label or finding.focus_notation) else _target_name(store, iri)
    label = finding.focus_label or names[iri] or finding.focus_notation or compact(iri)
    return Focus(iri=iri, label=label, notation=finding.focus_notation)


def humanise(store: PolicyStore, report: ValidationReport) -> QualityReport:
    """The findings of ``report`` with the resource at fault named for people."""
    names: dict[str, str | None] = {}
    findings = [
        QualityFinding(f.severity, f.rule, f.message, f.message_vi, _focus(store, f, names)) for f in report.findings
    ]
    return QualityReport(conforms=report.conforms, findings=findings, seconds=report.seconds)


def quality_report(store: PolicyStore, settings: Settings) -> QualityReport:
    """Validate the whole store (SHACL shapes and violation queries) and name what is at fault."""
    return humanise(store, validate(store, settings))


class QualityCache:
    """One quality report per loaded store: recomputed only when the store's generation changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[int, int] | None = None
        self._report: QualityReport | None = None

    def get(self, store: PolicyStore, settings: Any) -> QualityReport:
        """The report of ``store`` as loaded now (validates on the first call after a load)."""
        key = (id(store), store.current_generation())
        # One validation at a time: concurrent first requests wait for the same report.
        with self._lock:
            if self._key != key or self._report is None:
                self._report = quality_report(store, settings)
                self._key = key
            return self._report
