"""Who is responsible for what: answers to "ai chịu trách nhiệm về …?" and an agency's duties.

An answer names the agency, its role, the task in plain words, the document that gives the task
and that document's chain up to the national resolution(s), with the source articles.

Roles are the notations of the role scheme in the store (``ontology/vocab/schemes.ttl``:
``lead``, ``coordinate``, ``advise``, ``assigned``, each tied to its property by
``pol:roleProperty``), plus one role of our own:

``draft``
    the agency drafts the document (``pol:draftedBy``). It is reported for the document itself,
    and for a task of a document when the source names no agency for the task
    (``pol:unassigned``): the drafter is then who answers for it.

A task yields one result per responsible agency; when an agency holds two roles on one task,
the stronger (lead, advise, assigned, draft, coordinate, in that order) is reported.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from app.domain.lineage import LineageItem, chains_up
from app.search.index import DocumentRecord, Hit, SearchIndex
from app.search.normalise import clean_query
from app.store.policy_store import PolicyStore

__all__ = [
    "ROLE_DRAFT",
    "Answer",
    "DocumentSummary",
    "Duties",
    "DutyCount",
    "DutyDocument",
    "DutyGroup",
    "DutyTask",
    "NamedResource",
    "Responsibility",
    "SourceRef",
    "document_summary",
    "duties",
    "duty_count",
    "duty_counts",
    "find_responsible",
    "lineage_steps",
]

ROLE_DRAFT = "draft"
# Stronger roles first: the order of results for one task, and the role kept when an agency
# holds two on the same task.
_ROLE_ORDER = ("lead", "advise", "assigned", ROLE_DRAFT, "coordinate")
# A task's score is shared by its agencies, weighted by role: whoever leads a task answers for it
# before whoever helps. A collective ("các sở, ngành liên quan") answers after a named body.
_ROLE_WEIGHT = {"lead": 1.0, "advise": 1.0, "assigned": 1.0, ROLE_DRAFT: 0.8, "coordinate": 0.85}
_COLLECTIVE_WEIGHT = 0.9
# A question that names the agency ("KH&CN Thanh Hóa …") lifts that agency's tasks.
_AGENCY_WEIGHT = 1.0
_NAME_FIELDS = ("vi", "vi2", "en", "en2")
_NAMED_AGENCIES = 20
_DIGITS = re.compile(r"(\d+)")


@dataclass(frozen=True, slots=True)
class NamedResource:
    """A resource and its label."""

    iri: str
    label: str


@dataclass(frozen=True, slots=True)
class DocumentSummary:
    """A document by number and label (drafts may have no number)."""

    iri: str
    notation: str | None
    label: str


@dataclass(frozen=True, slots=True)
class SourceRef:
    """A source article."""

    iri: str
    title: str


@dataclass(frozen=True, slots=True)
class Responsibility:
    """One agency's part in one task, with where the duty comes from."""

    agency: NamedResource
    role: str
    task: NamedResource
    document: DocumentSummary | None
    lineage: list[LineageItem]  # the task's document (depth 0), then what it carries out, up to the roots
    sources: list[SourceRef]
    score: float


@dataclass(frozen=True, slots=True)
class Answer:
    """Responsibilities matching a question, best first."""

    query: str
    results: list[Responsibility]


@dataclass(frozen=True, slots=True)
class DutyTask:
    """A task of the agency and its role in it."""

    iri: str
    label: str
    role: str


@dataclass(frozen=True, slots=True)
class DutyGroup:
    """The agency's tasks in one task group (group None: tasks listed outside any group)."""

    group: NamedResource | None
    ordinal: int | None
    tasks: list[DutyTask]


@dataclass(frozen=True, slots=True)
class DutyDocument:
    """The agency's tasks under one document."""

    document: DocumentSummary | None
    groups: list[DutyGroup]


@dataclass(frozen=True, slots=True)
class DutyCount:
    """An agency's duties, counted one way everywhere (duties, analytics): per task, not per role.

    ``tasks`` is how many distinct tasks the agency answers for, with any role (lead, coordinate,
    advise, assigned, or draft: a task the source gives nobody, of a document the agency drafts);
    ``roles`` how many of them it holds each role in (a task with two roles counts in both).
    """

    tasks: int = 0
    roles: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Duties:
    """Every duty of an agency, grouped by document and task group, and the documents it drafts."""

    agency: NamedResource
    documents: list[DutyDocument] = field(default_factory=list)
    drafted: list[DocumentSummary] = field(default_factory=list)
    count: DutyCount = field(default_factory=DutyCount)

    @property
    def task_count(self) -> int:
        """How many distinct tasks the agency answers for (:class:`DutyCount`)."""
        return self.count.tasks


# ---------------------------------------------------------------------------
# Pieces shared by answers
# ---------------------------------------------------------------------------


def _agency_ref(index: SearchIndex, iri: str) -> NamedResource:
    agency = index.agencies.get(iri)
    return NamedResource(iri, agency.label if agency else iri.rsplit("/", 1)[-1])


def document_summary(index: SearchIndex, iri: str) -> DocumentSummary:
    """Number and label of a document (the label falls back to the number, then the IRI)."""
    doc: DocumentRecord | None = index.documents.get(iri)
    if doc is None:
        return DocumentSummary(iri, None, iri.rsplit("/", 1)[-1])
    return DocumentSummary(iri, doc.notation, doc.label)


def lineage_steps(index: SearchIndex, store: PolicyStore, documents: Sequence[str]) -> dict[str, list[LineageItem]]:
    """Each document's chain: itself (depth 0), then what it carries out up to the roots.

    Chains are remembered per index (so per load of the data); those not seen yet are read
    together, in a few queries for all of them.
    """
    chains: dict[str, list[LineageItem]] = {}
    missing = []
    for document in dict.fromkeys(documents):
        known = index.cached_value("lineage", document)
        if known is None:
            missing.append(document)
        else:
            chains[document] = known
    for document, chain in chains_up(store, missing).items():
        chains[document] = index.remember("lineage", document, chain)
    return chains


def _role_rank(role: str) -> int:
    return _ROLE_ORDER.index(role) if role in _ROLE_ORDER else len(_ROLE_ORDER)


def _natural(iri: str) -> tuple[str | int, ...]:
    # task/10 after task/2
    return tuple(int(part) if part.isdigit() else part for part in _DIGITS.split(iri))


# ---------------------------------------------------------------------------
# Who is responsible for …?
# ---------------------------------------------------------------------------


@dataclass(slots=True)
class _Candidate:
    task: str
    agency: str
    role: str
    score: float
    label: str
    document: str | None
    sources: Sequence[str]


def _task_candidates(index: SearchIndex, hits: list[Hit], agency_scores: dict[str, float]) -> list[_Candidate]:
    out: list[_Candidate] = []
    for hit in hits:
        payload = hit.payload or {}
        document = payload.get("document")
        duties = [(agency, role) for agency, role in payload.get("duties", [])]
        if not duties and document in index.documents:
            duties = [(agency, ROLE_DRAFT) for agency in index.documents[document].drafters]
        for agency, role in duties:
            out.append(
                _Candidate(
                    task=hit.iri,
                    agency=agency,
                    role=role,
                    score=_score(index, hit.score, agency, role, agency_scores),
                    label=payload.get("label") or hit.iri,
                    document=document,
                    sources=payload.get("sources", []),
                )
            )
    return out


def _score(index: SearchIndex, base: float, agency: str, role: str, agency_scores: dict[str, float]) -> float:
    record = index.agencies.get(agency)
    weight = _ROLE_WEIGHT.get(role, 0.8) * (_COLLECTIVE_WEIGHT if record is not None and record.collective else 1.0)
    return base * weight + _AGENCY_WEIGHT * agency_scores.get(agency, 0.0)


def _rank(candidates: list[_Candidate]) -> list[_Candidate]:
    best: dict[tuple[str, str], _Candidate] = {}
    for c in candidates:
        key = (c.task, c.agency)
        kept = best.get(key)
        if kept is None or (_role_rank(c.role), -c.score) < (_role_rank(kept.role), -kept.score):
            best[key] = c
    return sorted(best.values(), key=lambda c: (-c.score, _role_rank(c.role), c.agency, c.task))


def find_responsible(index: SearchIndex, store: PolicyStore, text: str, limit: int = 10) -> Answer:
    """The agencies responsible for what ``text`` describes, best first, at most ``limit``.

    ``text`` may be a task in any words, an agency's name, a document number or a mix; raises
    ParameterError when it is empty or too long.
    """
    text = clean_query(text)
    query = index.prepare(text)
    if query.empty or limit <= 0:
        return Answer(text, [])
    # A task gives one or two results: three times the limit leaves room for ties and duplicates.
    pool = max(limit * 3, 30)
    # Only the agencies the question names best get a bonus; the rest of the list adds nothing.
    agency_scores = {h.iri: h.score for h in index.agency_index.search(query, _NAMED_AGENCIES, fields=_NAME_FIELDS)}
    candidates = _task_candidates(index, index.tasks.search(query, pool), agency_scores)
    best = _rank(candidates)[:limit]
    chains = lineage_steps(index, store, [c.document for c in best if c.document])
    results = []
    for c in best:
        results.append(
            Responsibility(
                agency=_agency_ref(index, c.agency),
                role=c.role,
                task=NamedResource(c.task, c.label),
                document=document_summary(index, c.document) if c.document else None,
                lineage=chains.get(c.document, []) if c.document else [],
                sources=[SourceRef(s, index.sources.get(s, s)) for s in c.sources],
                score=round(c.score, 4),
            )
        )
    return Answer(text, results)


# ---------------------------------------------------------------------------
# Duties of an agency
# ---------------------------------------------------------------------------


def _document_order(index: SearchIndex, iri: str | None) -> tuple[str, str, str]:
    doc = index.documents.get(iri or "")
    date = min(doc.dates) if doc and doc.dates else "9999"
    return (date, (doc.notation or "") if doc else "", iri or "")


def _roles_in(payload: dict[str, Any], agency: str) -> list[str]:
    """The roles ``agency`` holds in the task of ``payload``, strongest first."""
    roles = sorted({role for who_, role in payload.get("duties", []) if who_ == agency}, key=_role_rank)
    if not roles and not payload.get("duties"):
        roles = [ROLE_DRAFT]  # unassigned task of a document the agency drafts
    return roles


def _count(roles_by_task: dict[str, list[str]]) -> DutyCount:
    """The one duty count: distinct tasks, and per role the tasks holding it."""
    per_role: dict[str, int] = {}
    for roles in roles_by_task.values():
        for role in set(roles):
            per_role[role] = per_role.get(role, 0) + 1
    return DutyCount(len(roles_by_task), dict(sorted(per_role.items(), key=lambda item: _role_rank(item[0]))))


def _roles_by_task(index: SearchIndex, agency: str) -> dict[str, tuple[dict[str, Any], list[str]]]:
    found: dict[str, tuple[dict[str, Any], list[str]]] = {}
    for hit in index.tasks.lookup(agency):
        payload = hit.payload or {}
        found[hit.iri] = (payload, _roles_in(payload, agency))
    return found


def duty_count(index: SearchIndex, agency: str) -> DutyCount:
    """How many duties ``agency`` (an IRI) holds, counted per task (:class:`DutyCount`)."""
    return _count({task: roles for task, (_, roles) in _roles_by_task(index, agency).items()})


def duty_counts(index: SearchIndex) -> dict[str, DutyCount]:
    """The duty count of every agency with at least one duty (remembered per index)."""

    def compute() -> dict[str, DutyCount]:
        counts = {agency: duty_count(index, agency) for agency in index.agencies}
        return {agency: count for agency, count in counts.items() if count.tasks}

    found: dict[str, DutyCount] = index.cached("duty-counts", "", compute)
    return found


def duties(index: SearchIndex, agency: str) -> Duties:
    """The tasks of ``agency`` (an IRI, see app.domain.names.resolve_agency) by document and task group."""
    tree: dict[str | None, dict[str | None, list[DutyTask]]] = {}
    by_task = _roles_by_task(index, agency)
    for task, (payload, roles) in by_task.items():
        groups = tree.setdefault(payload.get("document"), {})
        for role in roles:
            groups.setdefault(payload.get("group"), []).append(DutyTask(task, payload.get("label") or task, role))
    documents: list[DutyDocument] = []
    for doc_iri in sorted(tree, key=lambda d: _document_order(index, d)):
        blocks: list[DutyGroup] = []
        for group_iri, tasks in tree[doc_iri].items():
            record = index.groups.get(group_iri or "")
            ref = NamedResource(group_iri, record.label or group_iri) if group_iri and record else None
            ordered = sorted(tasks, key=lambda t: _natural(t.iri))
            blocks.append(DutyGroup(ref, record.ordinal if record else None, ordered))
        blocks.sort(key=lambda g: (g.ordinal is None, g.ordinal or 0, g.group.iri if g.group else ""))
        documents.append(DutyDocument(document_summary(index, doc_iri) if doc_iri else None, blocks))
    drafted = [
        document_summary(index, d.iri)
        for d in sorted(index.documents.values(), key=lambda d: _document_order(index, d.iri))
        if agency in d.drafters
    ]
    count = _count({task: roles for task, (_, roles) in by_task.items()})
    return Duties(agency=_agency_ref(index, agency), documents=documents, drafted=drafted, count=count)
