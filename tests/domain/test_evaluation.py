"""Ranking quality of 'who is responsible' on the evaluation questions (app.domain.evaluation, eval/questions.json)."""

from __future__ import annotations

import json

import pytest

from app.core.text import fold
from app.domain.evaluation import evaluate, load_questions
from app.search.index import SearchIndex
from app.store.policy_store import PolicyStore
from tests.support.project import ROOT

QUESTIONS = ROOT / "eval" / "questions.json"
CQ = ROOT.parent / "shared" / "cq" / "examples.json"


def test_the_question_set_is_varied_and_large_enough() -> None:
    questions = load_questions(QUESTIONS)
    assert len(questions) >= 30
    forms = {q.form for q in questions}
    assert {"no-accents", "english", "abbreviation", "half-sentence", "old-tone"} <= forms
    assert any(q.form.startswith("nfd") for q in questions)
    assert len({q.agency for q in questions}) >= 5
    assert all(q.agency.startswith("https://w3id.org/policykg/id/agency/") for q in questions)


@pytest.mark.skipif(not CQ.is_file(), reason="shared/cq is not beside the checkout")
def test_the_question_set_holds_every_competency_question() -> None:
    cq = json.loads(CQ.read_text(encoding="utf-8"))
    mine = {(q.q, q.within, q.roles) for q in load_questions(QUESTIONS)}
    for case in cq["responsible"]:
        assert (case["q"], case["within"], tuple(case.get("expect_role", ()))) in mine, case["q"]
    # The key of each competency question names the same agency as our IRI does.
    agencies = json.loads(QUESTIONS.read_text(encoding="utf-8"))["agencies"]
    for key in ("SKHCN_QT", "SKHCN_TH"):
        assert agencies[key].startswith("https://w3id.org/policykg/id/agency/")
        assert fold(cq["agencies"][key]).startswith("so khoa hoc va cong nghe")


def test_hit_at_3_stays_at_or_above_90_percent(shipped_index: SearchIndex, shipped_store: PolicyStore) -> None:
    report = evaluate(shipped_index, shipped_store, load_questions(QUESTIONS))
    misses = [(o.question.q, o.rank) for o in report.outcomes if o.rank is None or o.rank > 3]
    assert report.hit_at(3) >= 0.9, misses
    assert report.hit_at(1) <= report.hit_at(3)
    assert report.passed == len(report.outcomes), [(o.question.q, o.rank) for o in report.outcomes if not o.passed]
