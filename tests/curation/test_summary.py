"""``Extraction.from_json``: a reviewed summary read back, every bad field refused by its path."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from app.core.errors import InvalidSummary
from app.curation.summary import Extraction
from tests.support.extraction import SAMPLE, populated


def test_a_summary_reads_back_as_the_extraction_it_was() -> None:
    original = populated(SAMPLE)
    assert Extraction.from_json(json.loads(json.dumps(original.as_json()))) == original


def test_an_empty_extraction_and_left_out_lists_read_back() -> None:
    assert Extraction.from_json({"text": "abc"}) == Extraction("abc", None)
    assert Extraction.from_json(Extraction("abc", None).as_json()) == Extraction("abc", None)


def test_a_reviewers_corrections_are_kept() -> None:
    summary = populated(SAMPLE).as_json()
    summary["documents"][0]["date"] = "2019-09-28"
    summary["responsibilities"][0]["role"] = "coordinate"
    summary["targets"][0].update(comparator="range", value=30, value_high=35)
    read = Extraction.from_json(summary)
    assert read.documents[0].date == "2019-09-28" and read.responsibilities[0].role == "coordinate"
    assert (read.targets[0].comparator, read.targets[0].value, read.targets[0].value_high) == ("range", 30.0, 35.0)


def edit(change: Callable[[dict[str, Any]], object]) -> dict[str, Any]:
    summary = copy.deepcopy(populated(SAMPLE).as_json())
    change(summary)
    return summary


BAD: list[tuple[str, Callable[[dict[str, Any]], object], str, str]] = [
    ("blank text", lambda s: s.update(text="  "), "text", "is required"),
    ("no text", lambda s: s.pop("text"), "text", "is required"),
    ("documents not a list", lambda s: s.update(documents={}), "documents", "must be a list"),
    ("document not an object", lambda s: s["documents"].__setitem__(0, "52-NQ/TW"), "documents[0]", "must be a JSON object"),
    ("impossible date", lambda s: s["documents"][0].update(date="2019-02-30"), "documents[0].date", "YYYY-MM-DD"),
    ("date in another form", lambda s: s["documents"][0].update(date="27/9/2019"), "documents[0].date", "'27/9/2019'"),
    ("known missing", lambda s: s["documents"][0].pop("known"), "documents[0].known", "is required"),
    ("known a string", lambda s: s["documents"][0].update(known="yes"), "documents[0].known", "true or false"),
    ("no spans", lambda s: s["documents"][0].update(spans=[]), "documents[0].spans", "at least one"),
    ("reversed span", lambda s: s["documents"][0].update(spans=[[10, 5]]), "documents[0].spans[0]", "not a span"),
    ("span past the text", lambda s: s["targets"][0].update(span=[0, 10_000]), "targets[0].span", "not a span"),
    ("span of floats", lambda s: s["relations"][0].update(span=[0.0, 3.0]), "relations[0].span", "two integers"),
    ("unknown kind", lambda s: s["relations"][0].update(kind="extends"), "relations[0].kind", "basedOn"),
    ("relation to no listed document", lambda s: s["relations"][0].update(to="99-NQ/TW"), "relations[0].to",
     "not the notation of a listed document"),
    ("relation from nowhere", lambda s: s["relations"][0].update(**{"from": "1/QĐ"}), "relations[0].from",
     'neither "self"'),
    ("relation after its document was rejected", lambda s: s.update(documents=[]), "relations[0].to", "listed"),
    ("unknown role", lambda s: s["responsibilities"][0].update(role="boss"), "responsibilities[0].role", "lead"),
    ("agency without label", lambda s: s["responsibilities"][0]["agency"].update(label=""),
     "responsibilities[0].agency.label", "is required"),
    ("bad deadline", lambda s: s["responsibilities"][0].update(deadline="2025-13"), "responsibilities[0].deadline",
     "YYYY, YYYY-MM or YYYY-MM-DD"),
    ("value as Vietnamese text", lambda s: s["targets"][0].update(value="99,5"), "targets[0].value", "a number"),
    ("value a boolean", lambda s: s["targets"][0].update(value=True), "targets[0].value", "a number"),
    ("range without its top", lambda s: s["targets"][0].update(comparator="range"), "targets[0].value_high",
     "required when the comparator is range"),
    ("range upside down", lambda s: s["targets"][0].update(comparator="range", value_high=10), "targets[0].value_high",
     "below value"),
    ("unknown comparator", lambda s: s["targets"][0].update(comparator="approximately"), "targets[0].comparator",
     "at_least"),
    ("year out of range", lambda s: s["targets"][0].update(year=30), "targets[0].year", "four digits"),
    ("unknown field", lambda s: s["documents"][0].update(colour="red"), "documents[0].colour", "not a field"),
    ("issuer a string", lambda s: s["self"].update(issuer="UBND"), "self.issuer", "must be a JSON object"),
    ("warning not text", lambda s: s.update(warnings=[1]), "warnings[0]", "string"),
]


@pytest.mark.parametrize(("change", "path", "needle"), [case[1:] for case in BAD], ids=[case[0] for case in BAD])
def test_a_bad_field_is_refused_by_its_path(change: Callable[[dict[str, Any]], object], path: str, needle: str) -> None:
    with pytest.raises(InvalidSummary) as refused:
        Extraction.from_json(edit(change))
    assert str(refused.value).startswith(f"{path}: "), str(refused.value)
    assert needle in str(refused.value)


@pytest.mark.parametrize("value", [None, [], "text", 3])
def test_a_summary_must_be_an_object(value: object) -> None:
    with pytest.raises(InvalidSummary, match="summary: must be a JSON object"):
        Extraction.from_json(value)
