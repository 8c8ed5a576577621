"""Ranking quality of "who is responsible for …?", measured on a set of questions with known answers.

Each question names the agency that must appear among the first ``within`` results, and
optionally the roles it must hold there. The report gives hit@1 and hit@3 (the agency, with an
expected role where one is given, among the first 1 or 3 results) and which questions missed.
The questions live in ``eval/questions.json``; ``policykg eval-search`` and
``bench/search_quality.py`` print the report, and a test keeps hit@3 from regressing.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from app.domain.responsibility import find_responsible
from app.search.index import SearchIndex
from app.store.policy_store import PolicyStore

__all__ = ["EvaluationReport", "Outcome", "Question", "evaluate", "load_questions"]


@dataclass(frozen=True, slots=True)
class Question:
    """A question and the agency (IRI) that must answer it."""

    q: str
    agency: str
    within: int = 3
    roles: tuple[str, ...] = ()
    form: str = ""
    source: str = ""


@dataclass(frozen=True, slots=True)
class Outcome:
    """Where the expected agency came for one question (rank None: not in the results)."""

    question: Question
    rank: int | None
    top: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return self.rank is not None and self.rank <= self.question.within


@dataclass(frozen=True, slots=True)
class EvaluationReport:
    """Outcomes of every question, with timing."""

    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    def hit_at(self, k: int) -> float:
        """Share of questions whose agency is among the first ``k`` results."""
        if not self.outcomes:
            return 0.0
        return sum(1 for o in self.outcomes if o.rank is not None and o.rank <= k) / len(self.outcomes)

    @property
    def passed(self) -> int:
        """Questions answered within their own ``within``."""
        return sum(1 for o in self.outcomes if o.passed)

    def by_form(self) -> dict[str, tuple[int, int]]:
        """(hits at 3, questions) per form of question (accents, no-accents, english …)."""
        table: dict[str, tuple[int, int]] = {}
        for o in self.outcomes:
            hits, total = table.get(o.question.form, (0, 0))
            table[o.question.form] = (hits + int(o.rank is not None and o.rank <= 3), total + 1)
        return dict(sorted(table.items()))


def load_questions(path: Path) -> list[Question]:
    """Questions of a JSON file: ``agencies`` maps keys to IRIs, ``questions`` lists the cases."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    agencies: dict[str, str] = data.get("agencies", {})
    questions = []
    for case in data["questions"]:
        agency = agencies.get(case["expect_agency"], case["expect_agency"])
        questions.append(
            Question(
                q=case["q"],
                agency=agency,
                within=int(case.get("within", 3)),
                roles=tuple(case.get("expect_role", ())),
                form=case.get("form", ""),
                source=case.get("source", ""),
            )
        )
    return questions


def evaluate(index: SearchIndex, store: PolicyStore, questions: list[Question], depth: int = 10) -> EvaluationReport:
    """Ask every question and record where its agency comes."""
    started = time.perf_counter()
    outcomes = []
    for question in questions:
        answer = find_responsible(index, store, question.q, limit=depth)
        rank = next(
            (
                n
                for n, r in enumerate(answer.results, start=1)
                if r.agency.iri == question.agency and (not question.roles or r.role in question.roles)
            ),
            None,
        )
        outcomes.append(Outcome(question, rank, tuple(r.agency.iri for r in answer.results[:3])))
    return EvaluationReport(outcomes, time.perf_counter() - started)
