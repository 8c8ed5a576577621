"""policykg cascade and policykg deadlines: table, JSON (the API's shape), CSV, and the exit codes."""

from __future__ import annotations

import csv
import io
import json

from typer.testing import CliRunner

from app.cli.commands import app
from tests.support.cascade import CASCADE_ROOT, DOC_9, SO_A
from tests.support.cli import assert_clean_error
from tests.support.project import ROOT

runner = CliRunner()
# The cascade fixture's data over the shipped ontology (POLICYKG_ONTOLOGY_DIR: not the default).
ENV = {"POLICYKG_ROOT": str(CASCADE_ROOT), "POLICYKG_ONTOLOGY_DIR": str(ROOT / "ontology")}


def invoke(*args: str, env: dict[str, str] = ENV):
    return runner.invoke(app, list(args), env=env)


def test_cascade_table_shows_flags_in_words_and_exits_1_when_flagged() -> None:
    result = invoke("cascade", "9-NQ/TW")
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    lower = next(line for line in lines if line.startswith("Tỉnh A") and "Tỷ trọng X" in line)
    assert "at-least 30 (2030)" in lower and "at-least 20 (2030, 10/KH-UBND)" in lower and lower.rstrip().endswith("lower")
    assert any(line.startswith("Tỉnh C") and line.rstrip().endswith("contradiction") for line in lines)
    assert "8 flagged cells" in result.stderr


def test_cascade_json_is_the_api_shape_and_csv_reads_back() -> None:
    data = json.loads(invoke("cascade", DOC_9, "--format", "json").stdout)
    assert data["document"]["notation"] == "9-NQ/TW" and data["flag_count"] == 8
    assert {r["area"]["label"]: r["flags"] for r in data["provinces"]}["Tỉnh B"] == ["none"]
    rows = list(csv.DictReader(io.StringIO(invoke("cascade", DOC_9, "-f", "csv").stdout)))
    assert {(r["province"], r["flags"]) for r in rows if r["flags"]} >= {("Tỉnh A", "lower"), ("Tỉnh B", "none"), ("Tỉnh C", "contradiction")}


def test_cascade_without_flags_exits_0() -> None:
    # 52-NQ/TW in the shipped data: its provinces set targets, but no national document sets any.
    result = invoke("cascade", "52-NQ/TW", env={"POLICYKG_ROOT": str(ROOT)})
    assert result.exit_code == 0, result.output
    assert "Tỉnh Thanh Hóa" in result.stdout and "0 flagged cells" in result.stderr


def test_cascade_unknown_document_is_a_one_line_error() -> None:
    assert_clean_error(invoke("cascade", "99-NQ/TW"), "99-NQ/TW")


def test_deadlines_table_json_csv_and_exit_codes() -> None:
    table = invoke("deadlines", "--agency", SO_A, "--today", "2025-07-01")
    assert table.exit_code == 1, table.output  # one duty overdue
    assert [line.split()[2] for line in table.stdout.splitlines()[3:]] == ["done", "overdue", "due"]
    assert "1 overdue, 1 without a deadline" in table.stderr
    data = json.loads(invoke("deadlines", "--province", "Tỉnh A", "--from", "2025-12", "--to", "2025", "--today", "2025-07-01", "-f", "json").stdout)
    assert [(d["deadline"], d["status"]) for d in data["duties"]] == [("2025", "due")]
    ok = invoke("deadlines", "--province", "tinh-a", "--from", "2025-12", "--today", "2025-07-01", "-f", "csv")
    assert ok.exit_code == 0, ok.output
    assert [r["task_iri"].rsplit("/", 1)[-1] for r in csv.DictReader(io.StringIO(ok.stdout))] == ["1"]
    overdue = invoke("deadlines", "--agency", SO_A, "--overdue", "--today", "2026-01-01", "-f", "json")
    assert overdue.exit_code == 1 and [d["status"] for d in json.loads(overdue.stdout)["duties"]] == ["overdue", "overdue"]


def test_deadlines_bad_input_is_a_one_line_error() -> None:
    assert_clean_error(invoke("deadlines"), "agency or a province")
    assert_clean_error(invoke("deadlines", "--province", "Tỉnh A", "--from", "mid-2025"), "--from")
    assert_clean_error(invoke("deadlines", "--province", "Tỉnh A", "--today", "2025"), "--today")
    assert_clean_error(invoke("deadlines", "--agency", "Sở A"), "names 2 agencies")
