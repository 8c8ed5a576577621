"""CLI twins of the responsibility API: who, duties, targets, eval-search (app.cli)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from app.cli.commands import app
from tests.support.project import ROOT

runner = CliRunner()
ENV = {"POLICYKG_ROOT": str(ROOT)}
SKHCN_QT = "https://w3id.org/policykg/id/agency/quang-tri/so-khcn"


def invoke(*args: str):
    return runner.invoke(app, list(args), env=ENV)


def test_who_table_and_json() -> None:
    table = invoke("who", "truy xuat nguon goc, ma so ma vach", "--limit", "2")
    assert table.exit_code == 0, table.output
    assert "Sở Khoa học và Công nghệ tỉnh Quảng Trị" in table.stdout and "190-KH/TU ← 52-NQ/TW" in table.stdout
    data = json.loads(invoke("who", "truy xuat nguon goc", "--json").stdout)
    assert data["results"][0]["agency"]["iri"] == SKHCN_QT
    assert data["results"][0]["lineage"][-1]["notation"] == "52-NQ/TW"


def test_who_blank_is_a_one_line_error() -> None:
    result = invoke("who", "   ")
    assert result.exit_code == 2
    assert result.stderr.strip().startswith("error: ") and "empty" in result.stderr


def test_duties_and_ambiguity() -> None:
    result = invoke("duties", "Sở KH&CN Thanh Hóa")
    assert result.exit_code == 0, result.output
    assert "[lead] Tổng hợp số liệu chỉ tiêu" in result.stdout
    ambiguous = invoke("duties", "Sở KH&CN")
    assert ambiguous.exit_code == 2 and "names 2 agencies" in ambiguous.stderr
    data = json.loads(invoke("duties", SKHCN_QT, "--json").stdout)
    assert data["agency"]["iri"] == SKHCN_QT and data["task_count"] >= 26


def test_targets() -> None:
    result = invoke("targets", "kinh te so")
    assert result.exit_code == 0, result.output
    assert "at-least 20 %" in result.stdout and "47/KH-UBND" in result.stdout
    data = json.loads(invoke("targets", "GRDP", "--json").stdout)
    assert data["indicators"][0]["iri"].endswith("digital-economy-share-grdp")


def test_eval_search_prints_hit_rates() -> None:
    result = invoke("eval-search", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["questions"] >= 30 and data["hit_at_3"] >= 0.9
    text = invoke("eval-search")
    assert "hit@1" in text.stdout and "hit@3" in text.stdout
