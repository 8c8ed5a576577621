"""The extraction benchmark's scorer (bench/extraction.py) and the gold it scores against.

The scorer must be right before its numbers mean anything: a perfect prediction scores 1.0, a
missing item lowers recall only, an extra one precision only, and the documented normalisations
(notation spacing and case, folded agency names, the text's own number as ``self``, the task-word
threshold) hold. The gold files must be well-formed: they parse, use the summary's vocabularies,
and every quote occurs in its text after NFC. No assertion on the extractor's scores: those are
measured by ``python -m bench extraction``, not asserted; one smoke test runs it end to end.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from app.core.text import nfc
from app.curation.summary import COMPARATORS, RELATION_KINDS, ROLES
from bench.extraction import GOLD_DIR, KINDS, TASK_JACCARD, Counts, naive_regex, score, total
from tests.support.project import ROOT

REAL_TEXTS = ROOT.parent / "shared" / "real-texts"
GOLD_FILES = sorted(GOLD_DIR.glob("*.json"))
ITEM_KINDS = ("documents", "relations", "responsibilities", "targets")


def gold(name: str) -> dict[str, Any]:
    return json.loads((GOLD_DIR / f"{name}.json").read_text(encoding="utf-8"))


def as_prediction(annotation: dict[str, Any]) -> dict[str, Any]:
    """The gold written as the extractor's summary would give it (labels as the gold's, no IRIs)."""
    def name(ref: dict[str, Any] | None, *, agency: bool = False) -> dict[str, Any] | None:
        if ref is None:
            return None
        out: dict[str, Any] = {"label": ref["label"], "iri": None}
        if agency:
            out["new"] = bool(ref.get("new", False))
        return out

    own = annotation["self"]
    return {
        "text": "",
        "self": None if own is None else {**own, "issuer": name(own["issuer"])},
        "documents": [
            {"notation": d["notation"], "type": d["type"], "issuer": name(d["issuer"]), "date": d["date"],
             "title": None, "iri": None, "known": False, "spans": [[0, 1]]}
            for d in annotation["documents"]
        ],
        "relations": [{"from": r["from"], "to": r["to"], "kind": r["kind"], "span": [0, 1]}
                      for r in annotation["relations"]],
        "responsibilities": [
            {"agency": name(r["agency"], agency=True), "role": r["role"], "task": r["task"],
             "deliverable": r["deliverable"], "deadline": r["deadline"], "span": [0, 1]}
            for r in annotation["responsibilities"]
        ],
        "targets": [{**{k: v for k, v in t.items() if k != "quote"}, "indicator_iri": None, "span": [0, 1]}
                    for t in annotation["targets"]],
        "draft": "",
    }


# ------------------------------------------------------------------------------------ the scorer


@pytest.mark.parametrize("path", GOLD_FILES, ids=lambda p: p.stem)
def test_the_gold_itself_as_prediction_scores_one_on_every_kind(path: Path) -> None:
    annotation = json.loads(path.read_text(encoding="utf-8"))
    scores = score(annotation, as_prediction(annotation))
    for kind, counts in scores.items():
        assert counts.fp == 0 and counts.fn == 0, (kind, counts)
        assert counts.f1 in (1.0, None), kind
    assert scores["reference"].tp == len(annotation["documents"])
    assert scores["responsibility"].tp == len(annotation["responsibilities"])


def test_every_kind_is_scored_on_the_gold_as_a_whole() -> None:
    runs = [score(a, as_prediction(a)) for a in (json.loads(p.read_text(encoding="utf-8")) for p in GOLD_FILES)]
    summed = total(runs)
    assert set(summed) == set(KINDS)
    assert all(summed[kind].gold > 0 for kind in KINDS), {k: c.gold for k, c in summed.items()}


def test_a_missing_responsibility_lowers_recall_and_not_precision() -> None:
    annotation = gold("02_nq03cp_pl2_tasks_1_9")
    predicted = as_prediction(annotation)
    predicted["responsibilities"].pop(3)
    counts = score(annotation, predicted)["responsibility"]
    assert counts.precision == 1.0
    assert counts.recall == pytest.approx((len(annotation["responsibilities"]) - 1) / len(annotation["responsibilities"]))


def test_an_extra_reference_lowers_precision_and_not_recall() -> None:
    annotation = gold("01_nq03cp_header")
    predicted = as_prediction(annotation)
    predicted["documents"].append({"notation": "999/QĐ-UBND", "type": "QĐ", "issuer": None, "date": "2020-01-01"})
    scores = score(annotation, predicted)
    assert scores["reference"].recall == 1.0
    assert scores["reference"].precision == pytest.approx(4 / 5)
    # its date and type are extra too; no issuer was predicted, so the issuer's precision stands
    assert scores["date"].fp == 1 and scores["type"].fp == 1 and scores["issuer"].fp == 0


def test_a_wrong_date_on_a_found_reference_is_both_extra_and_missing() -> None:
    annotation = gold("01_nq03cp_header")
    predicted = as_prediction(annotation)
    predicted["documents"][1]["date"] = "2024-12-12"
    scores = score(annotation, predicted)
    assert scores["reference"].f1 == 1.0
    assert (scores["date"].tp, scores["date"].fp, scores["date"].fn) == (3, 1, 1)


def test_nothing_predicted_scores_zero_recall_and_no_precision() -> None:
    annotation = gold("05_nq57_muctieu_2030")
    counts = score(annotation, {"self": None, "documents": [], "relations": [], "responsibilities": [],
                                "targets": []})["target"]
    assert (counts.tp, counts.fp, counts.fn) == (0, 0, 17)
    assert counts.recall == 0.0 and counts.precision is None and counts.f1 == 0.0


def test_notations_match_whatever_their_spacing_and_case() -> None:
    annotation = gold("04_kh3260_ddqh15_header")
    predicted = as_prediction(annotation)
    predicted["documents"][1]["notation"] = " 57 - nq / tw "
    predicted["documents"][0]["notation"] = "3260-kh/đđqh15"
    assert score(annotation, predicted)["reference"].f1 == 1.0
    predicted["documents"][0]["notation"] = "3260-KH/DDQH15"  # đ is a letter of its own, not folded here
    assert score(annotation, predicted)["reference"].tp == 1


def test_agency_names_match_folded_and_by_an_alternative_label_but_not_another_province() -> None:
    annotation = gold("s1_hatinh_tu_kh57")
    predicted = as_prediction(annotation)
    advise = next(r for r in predicted["responsibilities"] if r["role"] == "advise")
    for label in ("SỞ KHOA HỌC VÀ CÔNG NGHỆ", "So Khoa hoc va Cong nghe", "Sở Khoa học và Công nghệ tỉnh Hà Tĩnh"):
        advise["agency"] = {"label": label, "iri": None, "new": True}
        assert score(annotation, predicted)["responsibility"].fn == 0, label
    advise["agency"] = {"label": "Sở Khoa học và Công nghệ tỉnh Quảng Trị", "iri": None, "new": False}
    assert score(annotation, predicted)["responsibility"].fn == 1
    # the right words resolved to Quảng Trị's known department: the gold says Hà Tĩnh's is new
    advise["agency"] = {"label": "Sở Khoa học và Công nghệ",
                        "iri": "https://w3id.org/policykg/id/agency/quang-tri/so-khcn", "new": False}
    assert score(annotation, predicted)["responsibility"].fn == 1


def test_an_agency_may_add_the_texts_province_or_write_ubnd_but_not_another_province() -> None:
    annotation = gold("08_daknong_stttt_kh_tochuc")
    predicted = as_prediction(annotation)
    districts = [r for r in predicted["responsibilities"] if r["agency"]["label"].startswith("Ủy ban nhân dân các")]
    assert len(districts) == 3
    for label, found in (("UBND các huyện, thành phố tỉnh Đắk Nông", True),
                         ("Ủy ban nhân dân các huyện, thành phố của tỉnh Đắk Nông", True),
                         ("Ủy ban nhân dân các huyện, thành phố tỉnh Bạc Liêu", False)):
        for duty in districts:
            duty["agency"]["label"] = label
        assert score(annotation, predicted)["responsibility"].fn == (0 if found else 3), label


def test_a_gold_iri_matches_whatever_the_label() -> None:
    annotation = gold("03_nq03cp_pl2_tasks_31_37")
    annotation["responsibilities"][0]["agency"]["iri"] = "https://w3id.org/policykg/id/agency/vn/bo-gddt"
    predicted = as_prediction(annotation)
    predicted["responsibilities"][0]["agency"] = {"label": "Bộ GD&ĐT", "iri": annotation["responsibilities"][0]["agency"]["iri"], "new": False}
    assert score(annotation, predicted)["responsibility"].fn == 0


def test_a_collective_matches_with_or_without_its_leading_cac() -> None:
    annotation = gold("02_nq03cp_pl2_tasks_1_9")
    predicted = as_prediction(annotation)
    for duty in predicted["responsibilities"]:
        if duty["agency"]["label"] == "Bộ, ngành, địa phương":
            duty["agency"]["label"] = "các bộ, ngành, địa phương"
    assert score(annotation, predicted)["responsibility"].f1 == 1.0


def test_tasks_match_on_word_overlap_above_the_threshold_only() -> None:
    annotation = gold("11_qd773ttg_tochuc")
    predicted = as_prediction(annotation)
    duty = next(r for r in predicted["responsibilities"] if r["task"].startswith("Tiếp tục thực hiện"))
    # the task with the role words and the heading's agency before it still overlaps enough
    duty["task"] = "Bộ Quốc phòng: Tiếp tục thực hiện có hiệu quả các hoạt động đền ơn đáp nghĩa."
    assert score(annotation, predicted)["responsibility"].fn == 0
    duty["task"] = "Tiếp tục thực hiện các chính sách hỗ trợ nhà ở và tìm kiếm hài cốt liệt sĩ."
    assert score(annotation, predicted)["responsibility"].fn == 1
    assert TASK_JACCARD == 0.5


def test_a_wrong_role_is_no_match() -> None:
    annotation = gold("08_daknong_stttt_kh_tochuc")
    predicted = as_prediction(annotation)
    predicted["responsibilities"][2]["role"] = "lead"
    counts = score(annotation, predicted)["responsibility"]
    assert (counts.fp, counts.fn) == (1, 1)


def test_the_texts_own_number_is_self_in_relations() -> None:
    annotation = gold("09_qd773ttg_header")
    predicted = as_prediction(annotation)
    for relation in predicted["relations"]:
        if relation["from"] == "self":
            relation["from"] = "773/QĐ-TTg"
    assert score(annotation, predicted)["relation"].f1 == 1.0
    predicted["relations"][-1]["kind"] = "cites"  # the amending ordinance's link, mistyped
    counts = score(annotation, predicted)["relation"]
    assert (counts.tp, counts.fp, counts.fn) == (4, 1, 1)


def test_a_target_needs_its_value_and_year_and_the_comparator_is_scored_on_matched_ones() -> None:
    annotation = gold("10_qd773ttg_nhiemvu_muctieu")
    predicted = as_prediction(annotation)
    predicted["targets"][2]["value"] = 99.0  # 99,5% read as 99
    predicted["targets"][1]["comparator"] = "about"
    scores = score(annotation, predicted)
    assert (scores["target"].tp, scores["target"].fp, scores["target"].fn) == (5, 1, 1)
    assert (scores["comparator"].tp, scores["comparator"].fp, scores["comparator"].fn) == (4, 2, 2)


def test_counts_add_up_micro() -> None:
    a, b = Counts(2, 1, 0), Counts(1, 0, 3)
    a.add(b)
    assert (a.tp, a.fp, a.fn) == (3, 1, 3)
    assert a.f1 == pytest.approx(6 / 10)


def test_the_peer_finds_numbers_in_all_their_forms_and_nothing_else() -> None:
    text = ("Căn cứ Nghị quyết số 52-NQ/TW, Kế hoạch 3260-KH/ĐĐQH15, Tờ trình số 04/TTr-BKHCN-BTTTT, "
            "Nghị định số 109/2022/NĐ-CP, công văn 3917/UBND và Quyết định số2260/QĐ-UBND ngày18/8/2009.")
    found = naive_regex(text)
    assert [d["notation"] for d in found["documents"]] == [
        "52-NQ/TW", "3260-KH/ĐĐQH15", "04/TTr-BKHCN-BTTTT", "109/2022/NĐ-CP", "3917/UBND", "2260/QĐ-UBND"]
    assert not (found["relations"] or found["responsibilities"] or found["targets"])


# ------------------------------------------------------------------------------------ the gold


def text_of(annotation: dict[str, Any]) -> str:
    path = (ROOT / annotation["text_file"]).resolve()
    if not path.is_file():
        if path.is_relative_to(REAL_TEXTS.resolve()):
            pytest.skip(f"the real passages are not here ({REAL_TEXTS}): they stay outside the project")
        pytest.fail(f"{annotation['text_file']} not found")
    return nfc(path.read_text(encoding="utf-8"))


DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DEADLINE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")


@pytest.mark.parametrize("path", GOLD_FILES, ids=lambda p: p.stem)
def test_gold_files_are_well_formed(path: Path) -> None:
    annotation = json.loads(path.read_text(encoding="utf-8"))
    assert {"text_file", "province", "self", *ITEM_KINDS} <= set(annotation)
    notations = {d["notation"] for d in annotation["documents"]}
    assert len(notations) == len(annotation["documents"]), "one entry per document"
    for d in annotation["documents"]:
        assert d["date"] is None or DATE.fullmatch(d["date"]), d
        assert d["issuer"] is None or d["issuer"]["label"], d
    own = annotation["self"]
    if own is not None:
        assert own["date"] is None or DATE.fullmatch(own["date"])
        assert own["notation"] is None or own["notation"] in notations, "the text's own number is a reference"
    for r in annotation["relations"]:
        assert r["kind"] in RELATION_KINDS, r
        assert r["from"] == "self" or r["from"] in notations, r
        assert r["to"] in notations, r
    for r in annotation["responsibilities"]:
        assert r["role"] in ROLES, r
        assert r["agency"]["label"] and r["task"], r
        assert r["deadline"] is None or DEADLINE.fullmatch(r["deadline"]), r
    for t in annotation["targets"]:
        assert t["comparator"] in COMPARATORS, t
        assert isinstance(t["value"], int | float) and t["unit"], t
        assert (t["comparator"] == "range") == (t["value_high"] is not None), t
        assert t["year"] is None or 1990 <= t["year"] <= 2100, t


@pytest.mark.parametrize("path", GOLD_FILES, ids=lambda p: p.stem)
def test_every_gold_quote_occurs_in_its_text(path: Path) -> None:
    annotation = json.loads(path.read_text(encoding="utf-8"))
    text = text_of(annotation)
    missing = [(kind, item["quote"]) for kind in ITEM_KINDS for item in annotation[kind]
               if nfc(item["quote"]) not in text]
    assert not missing


def test_own_texts_say_they_are_synthetic_and_real_ones_stay_outside() -> None:
    for path in GOLD_FILES:
        annotation = json.loads(path.read_text(encoding="utf-8"))
        if annotation["text_file"].startswith("eval/"):
            head = (ROOT / annotation["text_file"]).read_text(encoding="utf-8")[:300]
            assert "synthetic test material, not a real document" in head, path.name
        else:
            assert annotation["text_file"].startswith("../shared/real-texts/"), path.name
    assert not list((ROOT / "eval").rglob("*_nq03cp_*.txt")), "real passages stay out of the project"


def test_the_real_passages_have_gold() -> None:
    if not REAL_TEXTS.is_dir():
        pytest.skip(f"the real passages are not here ({REAL_TEXTS})")
    passages = {p.stem for p in REAL_TEXTS.glob("*.txt")}
    assert passages and passages <= {p.stem for p in GOLD_FILES}


# ------------------------------------------------------------------------------------ smoke


def test_the_benchmark_runs_end_to_end_on_one_text(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "extraction", "--only", "s4", "--repeat", "1", "--results", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr
    (written,) = tmp_path.glob("extraction-*.json")
    results = json.loads(written.read_text(encoding="utf-8"))
    assert list(results["per_text"]) == ["s4_camau_phuluc_noheader"]
    measured = results["per_text"]["s4_camau_phuluc_noheader"]
    assert set(measured["extractor"]) == set(KINDS) == set(measured["naive_regex"])
    assert measured["naive_regex"]["reference"]["tp"] == 1  # the peer's one regex finds 47/KH-UBND
    assert results["own_texts"]["ms_per_kb"] is not None
    assert "Own synthetic texts" in done.stdout
