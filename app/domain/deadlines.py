"""Duties by deadline: an agency's or a province's tasks due in a period, and those overdue.

A duty is a task with an agency's role in it, exactly as ``duties`` lists them
(:func:`app.domain.responsibility.duties`); a province's duties are those of the agencies whose
``pol:jurisdiction`` lies in it. A task's ``pol:deadline`` is as precise as its source: an
``xsd:gYear`` ("2025") is due by 31 December, an ``xsd:gYearMonth`` ("2025-06") by the last day of
the month, an ``xsd:date`` on that day. A period (``start``, ``end``: a year, a month or a day,
each widened to its first or last day) holds the duties whose due day falls in it.

A duty is **reported done** when a document states it (``pol:reportsDone``, added to the ontology
for this: nothing else in it records a completion) and that document was issued no later than
"today" (undated reports count: the source states the fact). It is **overdue** when its due day
is before today and it is not reported done; else **due**. "Today" is a parameter.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass, field, replace
from typing import Literal

import pyoxigraph as ox

from app.core.errors import ParameterError
from app.domain.names import entity_label, resolve_agency, resolve_entity
from app.domain.responsibility import DocumentSummary, NamedResource, duties
from app.search.index import SearchIndex
from app.search.normalise import clean_query
from app.sparql.values import batches, values
from app.store.policy_store import PolicyStore, term_text

__all__ = [
    "DeadlineDuty",
    "Deadlines",
    "Report",
    "Scope",
    "deadlines",
    "deadlines_csv",
    "due_day",
    "parse_day",
    "period_bound",
    "resolve_scope",
]

Status = Literal["due", "overdue", "done"]
Precision = Literal["year", "month", "day"]

_YEAR = re.compile(r"^(\d{4})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")

_AGENCIES_IN = "SELECT DISTINCT ?agency WHERE { ?agency a pol:Agency ; pol:jurisdiction/pol:partOfArea* ?area }"
_DEADLINES = "SELECT ?task ?deadline WHERE { %s ?task pol:deadline ?deadline }"
_REPORTS = """
SELECT ?task ?report ?date ?notation ?label WHERE {
  %s
  ?report pol:reportsDone ?task .
  OPTIONAL { ?report pol:issueDate ?date }
  OPTIONAL { ?report skos:notation ?notation }
  OPTIONAL { ?report rdfs:label ?label }
}"""


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose duties: one agency, or the agencies of one province (or any area)."""

    kind: Literal["agency", "province"]
    iri: str
    label: str


@dataclass(frozen=True, slots=True)
class Report:
    """A document that reports a task done."""

    iri: str
    notation: str | None
    label: str | None
    date: str | None


@dataclass(frozen=True, slots=True)
class DeadlineDuty:
    """One agency's role in one task with a deadline, and where it stands on ``today``."""

    task: NamedResource
    agency: NamedResource
    role: str
    document: DocumentSummary | None
    deadline: str
    precision: Precision
    due: str
    status: Status
    reports: list[Report] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Deadlines:
    """The duties of a scope due in a period (or overdue), and how many have no deadline."""

    scope: Scope
    today: str
    start: str | None
    end: str | None
    overdue_only: bool
    duties: list[DeadlineDuty]
    without_deadline: int

    @property
    def overdue_count(self) -> int:
        """How many of the listed duties are overdue."""
        return sum(1 for d in self.duties if d.status == "overdue")


def due_day(deadline: str) -> tuple[dt.date, Precision] | None:
    """The last day a deadline allows ("2025" → 2025-12-31, "2025-06" → 2025-06-30), None when unreadable."""
    text = deadline.strip()
    try:
        if found := _YEAR.match(text):
            return dt.date(int(found[1]), 12, 31), "year"
        if found := _MONTH.match(text):
            year, month = int(found[1]), int(found[2])
            return dt.date(year, month, calendar.monthrange(year, month)[1]), "month"
        if found := _DAY.match(text):
            return dt.date(int(found[1]), int(found[2]), int(found[3])), "day"
    except ValueError:
        return None
    return None


def period_bound(text: str | None, *, name: str, end: bool) -> dt.date | None:
    """A period's first (or, ``end``, last) day from YYYY, YYYY-MM or YYYY-MM-DD; ParameterError otherwise."""
    if text is None or not text.strip():
        return None
    read = due_day(text)
    if read is None:
        raise ParameterError(f"{name} must be a year, a month or a day (2025, 2025-06, 2025-06-30), not {text.strip()[:40]!r}", name=name)
    last, precision = read
    if end:
        return last
    return last.replace(month=1, day=1) if precision == "year" else last.replace(day=1) if precision == "month" else last


def parse_day(text: str | None, *, name: str) -> dt.date | None:
    """A day given as YYYY-MM-DD (None when not given); ParameterError for anything else."""
    if text is None or not text.strip():
        return None
    read = due_day(text)
    if read is None or read[1] != "day":
        raise ParameterError(f"{name} must be a day, YYYY-MM-DD (2025-07-01), not {text.strip()[:40]!r}", name=name)
    return read[0]


def resolve_scope(store: PolicyStore, index: SearchIndex, agency: str | None, province: str | None) -> Scope:
    """The scope an agency or a province name gives (the one place deadlines resolve names); exactly one is needed."""
    given = [(n, v) for n, v in (("agency", agency), ("province", province)) if v is not None and v.strip()]
    if len(given) != 1:
        raise ParameterError("give an agency or a province (one of the two)", name="agency" if not given else "province")
    kind, text = given[0]
    if kind == "agency":
        iri = resolve_agency(store, text)
        record = index.agencies.get(iri)
        return Scope("agency", iri, record.label if record else iri)
    cleaned = clean_query(text, name="province")
    iri = resolve_entity(store, "area", cleaned)
    return Scope("province", iri, entity_label(store, "area", iri) or iri)


def _agencies(store: PolicyStore, scope: Scope) -> list[str]:
    if scope.kind == "agency":
        return [scope.iri]
    rows = store.select(_AGENCIES_IN, {"area": ox.NamedNode(scope.iri)})
    return sorted(term_text(r["agency"]) for r in rows if isinstance(r["agency"], ox.NamedNode))


def _dated(store: PolicyStore, index: SearchIndex, scope: Scope) -> tuple[list[DeadlineDuty], int]:
    """Every duty of the scope with a readable deadline (status "due", every report), and how many have none."""
    listed: list[tuple[NamedResource, NamedResource, str, DocumentSummary | None]] = []
    for agency in _agencies(store, scope):
        found = duties(index, agency)
        for block in found.documents:
            for group in block.groups:
                for duty in group.tasks:
                    listed.append((NamedResource(duty.iri, duty.label), found.agency, duty.role, block.document))
    tasks = sorted({named.iri for named, *_ in listed})
    deadline: dict[str, str] = {}
    reports: dict[str, list[Report]] = {}
    for batch in batches(tasks):
        for row in store.select(_DEADLINES % values("task", batch)):
            if row["task"] is not None and isinstance(row["deadline"], ox.Literal):
                deadline.setdefault(term_text(row["task"]), row["deadline"].value)
        for row in store.select(_REPORTS % values("task", batch)):
            subject, report = row["task"], row["report"]
            if subject is None or not isinstance(report, ox.NamedNode):
                continue
            made = Report(
                report.value,
                row["notation"].value if isinstance(row["notation"], ox.Literal) else None,
                row["label"].value if isinstance(row["label"], ox.Literal) else None,
                row["date"].value if isinstance(row["date"], ox.Literal) else None,
            )
            kept = reports.setdefault(term_text(subject), [])
            if all(r.iri != made.iri for r in kept):
                kept.append(made)
    out: list[DeadlineDuty] = []
    undated = 0
    for named, holder, role, document in listed:
        read = due_day(deadline.get(named.iri, ""))
        if read is None:
            undated += 1
            continue
        day, precision = read
        out.append(
            DeadlineDuty(named, holder, role, document, deadline[named.iri], precision, day.isoformat(), "due", reports.get(named.iri, []))
        )
    out.sort(key=lambda r: (r.due, r.agency.label, r.agency.iri, r.task.iri, r.role))
    return out, undated


def _reported_by(duty: DeadlineDuty, today: dt.date) -> list[Report]:
    return [r for r in duty.reports if r.date is None or r.date[:10] <= today.isoformat()]


def deadlines(
    store: PolicyStore,
    index: SearchIndex,
    scope: Scope,
    *,
    today: dt.date,
    start: dt.date | None = None,
    end: dt.date | None = None,
    overdue_only: bool = False,
) -> Deadlines:
    """The scope's duties due between ``start`` and ``end`` (either open), or only the overdue ones."""
    if start is not None and end is not None and start > end:
        raise ParameterError(f"the period starts ({start}) after it ends ({end})", name="from")
    key = "deadlines-" + hashlib.sha256(f"{scope.kind}\n{scope.iri}".encode()).hexdigest()[:24]
    dated, undated = store.per_generation(key, lambda: _dated(store, index, scope))
    listed = []
    for duty in dated:
        if (start is not None and duty.due < start.isoformat()) or (end is not None and duty.due > end.isoformat()):
            continue
        reported = _reported_by(duty, today)
        status: Status = "done" if reported else ("overdue" if duty.due < today.isoformat() else "due")
        if overdue_only and status != "overdue":
            continue
        listed.append(replace(duty, status=status, reports=reported))
    return Deadlines(
        scope=scope,
        today=today.isoformat(),
        start=start.isoformat() if start else None,
        end=end.isoformat() if end else None,
        overdue_only=overdue_only,
        duties=listed,
        without_deadline=undated,
    )


CSV_COLUMNS = (
    "due", "deadline", "precision", "status", "agency", "agency_iri", "role", "task", "task_iri",
    "document", "document_iri", "reported_by",
)  # fmt: skip


def deadlines_csv(result: Deadlines) -> str:
    """The duties as one CSV table, a row per agency and task."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for d in result.duties:
        writer.writerow([
            d.due, d.deadline, d.precision, d.status, d.agency.label, d.agency.iri, d.role, d.task.label, d.task.iri,
            (d.document.notation or d.document.label) if d.document else "", d.document.iri if d.document else "",
            " ".join(r.notation or r.iri for r in d.reports),
        ])  # fmt: skip
    return out.getvalue()

