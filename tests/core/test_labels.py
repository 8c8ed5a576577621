"""Which of a resource's labels is shown: one rule (Vietnamese, untagged, English, other) everywhere."""

from __future__ import annotations

import pyoxigraph as ox
import rdflib

from app.core.labels import Label, best_label, label_of


def test_label_of_reads_pyoxigraph_and_rdflib_literals_alike() -> None:
    assert label_of(ox.Literal("Kế hoạch", language="vi")) == Label("Kế hoạch", "vi")
    assert label_of(rdflib.Literal("Kế hoạch", lang="vi")) == Label("Kế hoạch", "vi")
    assert label_of(ox.Literal("plain")) == Label("plain", None)
    assert label_of(rdflib.Literal("plain")) == Label("plain", None)


def test_the_preference_is_vietnamese_then_untagged_then_english() -> None:
    labels = [label_of(ox.Literal("Plan", language="en")), label_of(ox.Literal("plain")),
              label_of(ox.Literal("Plan (fr)", language="fr"))]
    assert best_label(labels) == "plain"
    assert best_label([*labels, label_of(ox.Literal("Kế hoạch", language="vi"))]) == "Kế hoạch"
    assert best_label([]) is None
