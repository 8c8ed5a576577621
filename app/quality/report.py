"""The quality report for people: SHACL shapes and consistency rules, with readable names.

``app.validation`` finds the problems; this module names the resource at fault so that a reader
knows what it is without following IRIs. A document is named by its number, an agency or task
by its label; a target, which has no label of its own, by its indicator, year and the document
that sets it ("Tỷ trọng kinh tế số trong GRDP, 2030 — 47/KH-UBND").

Validating a national graph takes minutes, so :class:`QualityCache` maintains the report in the
background and requests read it.
"""

from __future__ import annotations

import copy
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from app.core.errors import PolicyKGError, ReportPending
from app.core.labels import Label, best_label, label_of
from app.core.namespaces import compact
from app.quality.findings import Findings, Rules, describe, load_rules, validate_fast
from app.quality.validation import Finding, ValidationReport
from app.store.policy_store import PolicyStore, term_text

if TYPE_CHECKING:
    from app.core.config import Settings

__all__ = ["Focus", "QualityCache", "QualityFinding", "QualityReport", "quality_report"]

_log = logging.getLogger(__name__)


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
    """Validate the whole store (compiled shapes and violation queries) and name what is at fault."""
    return humanise(store, validate_fast(store, load_rules(settings)))


class QualityCache:
    """The maintained quality report of one store: never computed inside a request.

    ``start`` computes the findings in a background thread (or reads those persisted beside an
    on-disk store at its stamp); ``get`` returns the report of the last computation and, when the
    store has changed since, wakes the thread, which revalidates only what the writes touched
    (``store.changes_since``; None: everything) and persists the result in ``store.derived_dir``.
    """

    def __init__(self, store: PolicyStore, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self._rules: Rules | None = None
        self._findings: Findings | None = None
        self._report: QualityReport | None = None
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._idle = threading.Event()
        self._closed = False
        self._thread: threading.Thread | None = None
        #: The last failure of the background validation, for the 503 message.
        self.error: str | None = None

    @property
    def _saved(self) -> Path | None:
        return None if self.store.derived_dir is None else self.store.derived_dir / "quality.json"

    def start(self, wait: float = 0.0) -> None:
        """Start the background upkeep; wait up to ``wait`` seconds for the first report."""
        saved = self._saved
        if saved is not None:
            found = Findings.load(saved, self.store.stamp, self.store.current_generation())
            if found is not None:
                self._publish(found)
        self._thread = threading.Thread(target=self._run, name="policykg-quality", daemon=True)
        self._thread.start()
        self._wake.set()
        if self._report is None:
            self._idle.wait(wait)

    def close(self) -> None:
        """Stop the background thread (it ends after the validation it is running)."""
        self._closed = True
        self._wake.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the report reflects the store as it is now; True when it does."""
        if self._current():
            return True
        self._idle.clear()
        self._wake.set()
        self._idle.wait(timeout)
        return self._current()

    def _current(self) -> bool:
        f = self._findings
        return f is not None and f.generation == self.store.current_generation()

    def get(self) -> QualityReport:
        """The last report computed (ReportPending before the first); wakes the upkeep after a write."""
        if not self._current():
            self._wake.set()
        report = self._report
        if report is None:
            why = f" (the last attempt failed: {self.error})" if self.error else ""
            raise ReportPending(f"the quality report is being computed in the background{why}; retry shortly")
        return report

    def _publish(self, findings: Findings) -> None:
        report = findings.report()
        describe(self.store, report.findings)
        human = humanise(self.store, report)
        with self._lock:
            self._findings, self._report = findings, human

    def _step(self) -> None:
        if self._rules is None:
            self._rules = load_rules(self.settings)
        kept = self._findings
        if kept is not None and kept.generation == self.store.current_generation():
            return
        touched = None if kept is None else self.store.changes_since(kept.generation)
        if kept is None or touched is None:
            findings = Findings.full(self.store, self._rules)
        else:
            findings = copy.deepcopy(kept)
            findings.update(self.store, self._rules, touched)
        self._publish(findings)
        saved = self._saved
        if saved is not None and findings.stamp is not None:
            findings.save(saved)

    def _run(self) -> None:
        while not self._closed:
            self._wake.wait()
            self._wake.clear()
            if self._closed:
                return
            try:
                self._step()
                self.error = None
            except Exception as exc:  # noqa: BLE001 - the thread must live on; the 503 says what failed
                _log.error("quality validation failed: %s", exc, exc_info=not isinstance(exc, PolicyKGError))
                self.error = str(exc)
            if self._current() or self.error:
                self._idle.set()
