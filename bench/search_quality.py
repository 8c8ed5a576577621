"""Ranking quality of "who is responsible for …?" on eval/questions.json, against peers.

Compares, on the same questions and the shipped data:

- ``policykg search``: the tantivy index of app.search.index (folding, abbreviations from the store,
  syllable bigrams, BM25), as /api/responsible answers;
- the same index without the abbreviation scheme (what the SKOS data adds);
- the plain SPARQL peer: the named query ``responsible-for-text`` (CONTAINS on lower-cased task
  labels, the whole question as one substring), the agencies of its first rows in order.

    python bench/search_quality.py            # table of hit@1 / hit@3, and by form of question
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.core.config import Settings
from app.domain.evaluation import EvaluationReport, Outcome, evaluate, load_questions
from app.endpoint.catalog import load_catalog, run_named
from app.search.index import SearchIndex, TextNormaliser
from app.store.policy_store import PolicyStore


def sparql_peer(store: PolicyStore, questions: list) -> EvaluationReport:
    """Where each question's agency comes among the distinct agencies of responsible-for-text."""
    query = load_catalog(ROOT / "queries")["responsible-for-text"]
    started = time.perf_counter()
    outcomes = []
    for question in questions:
        rows = run_named(store, query, {"text": question.q}).python_rows()
        agencies: list[str] = []
        for row in rows:
            if row["agency"] not in agencies and (not question.roles or row["role"] in question.roles):
                agencies.append(str(row["agency"]))
        rank = agencies.index(question.agency) + 1 if question.agency in agencies else None
        outcomes.append(Outcome(question, rank, tuple(agencies[:3])))
    return EvaluationReport(outcomes, time.perf_counter() - started)


# A short form and its full form ask the same thing: their answers should be the same.
ABBREVIATED = [
    ("CĐS cho DN", "chuyển đổi số cho doanh nghiệp"),
    ("trung tâm ĐMST", "trung tâm đổi mới sáng tạo"),
    ("DN KH&CN", "doanh nghiệp khoa học và công nghệ"),
    ("công nghệ chủ chốt của CMCN 4.0", "công nghệ chủ chốt của cách mạng công nghiệp lần thứ tư"),
    ("SHTT", "sở hữu trí tuệ"),
    ("nghiên cứu về CNTT, ATTT", "nghiên cứu về công nghệ thông tin, an toàn thông tin"),
    ("DNNVV", "doanh nghiệp nhỏ và vừa"),
    ("trình UBND tỉnh", "trình Ủy ban nhân dân tỉnh"),
]


def agreement(index: SearchIndex, store: PolicyStore, k: int = 5) -> float:
    """Mean share of the top-k (task, agency) answers a short form and its full form have in common."""
    from app.domain.responsibility import find_responsible

    shares = []
    for short, full in ABBREVIATED:
        a = {(r.task.iri, r.agency.iri) for r in find_responsible(index, store, short, k).results}
        b = {(r.task.iri, r.agency.iri) for r in find_responsible(index, store, full, k).results}
        shares.append(len(a & b) / k)
    return sum(shares) / len(shares)


def main() -> None:
    settings = Settings(root=ROOT, store=None)
    questions = load_questions(ROOT / "eval" / "questions.json")
    with PolicyStore.from_settings(settings) as store:
        store.load_project(settings)
        started = time.perf_counter()
        index = SearchIndex.build(store)
        build = time.perf_counter() - started
        plain = SearchIndex.build(store, TextNormaliser([]))
        runs = {
            "policykg search (tantivy BM25, bigrams, abbreviations)": evaluate(index, store, questions),
            "same index without the abbreviation scheme": evaluate(plain, store, questions),
            "SPARQL CONTAINS peer (queries/responsible-for-text.rq)": sparql_peer(store, questions),
        }
        agreements = (agreement(index, store), agreement(plain, store))
    print(f"{len(questions)} questions from eval/questions.json; index built in {build * 1000:.0f} ms\n")
    width = max(len(name) for name in runs)
    print(f"{'ranker':<{width}}  hit@1   hit@3   ms/question")
    for name, report in runs.items():
        per = report.seconds * 1000 / max(len(questions), 1)
        print(f"{name:<{width}}  {report.hit_at(1):5.1%}  {report.hit_at(3):6.1%}   {per:8.2f}")
    print(
        f"\nshort form vs full form ({len(ABBREVIATED)} pairs), top-5 answers in common: "
        f"{agreements[0]:.0%} with the abbreviation scheme, {agreements[1]:.0%} without"
    )
    print("\nhit@3 by form of question (policykg search | SPARQL peer):")
    ours, peer = runs[next(iter(runs))].by_form(), list(runs.values())[-1].by_form()
    for form, (hits, total) in ours.items():
        print(f"  {form:<26} {hits:>2}/{total:<3} | {peer[form][0]:>2}/{total}")
    misses = [o for o in runs[next(iter(runs))].outcomes if o.rank != 1]
    if misses:
        print("\nnot first (rank, question):")
        for o in misses:
            print(f"  {o.rank or '-':>2}  {o.question.q}")


if __name__ == "__main__":
    main()
