"""``policykg ingest`` and ``policykg retract`` on a disk store of the shipped project: exit 0 / 1 / 2, store unchanged on refusal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli.commands import app
from app.core.config import Settings
from app.curation.ingest import curation_log
from app.domain.sources import source_records
from app.store.policy_store import PolicyStore
from tests.support.curation import PLAN, dump, plan_draft
from tests.support.project import ROOT

runner = CliRunner()
NAME = "ha-tinh-12-kh-tu"


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cli-ingest") / "store"


def invoke(store_dir: Path, *args: str):
    return runner.invoke(app, ["--store", str(store_dir), *args], env={"POLICYKG_ROOT": str(ROOT)})


def _dump(store_dir: Path) -> list[str]:
    settings = Settings(root=ROOT, store=str(store_dir))
    with PolicyStore.from_settings(settings) as store:
        store.load_project(settings)
        return dump(store)


def _one_error_line(result, *needles: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in result.output
    for needle in needles:
        assert needle in lines[0]


def test_ingest_then_retract_with_exit_codes(store_dir: Path, tmp_path: Path) -> None:
    draft = tmp_path / f"{NAME}.trig"
    draft.write_text(plan_draft(NAME), encoding="utf-8")
    done = invoke(store_dir, "ingest", str(draft), "--curator", "CLI curator", "--url", "https://example.org/x")
    assert done.exit_code == 0, done.output
    assert f"ingested source {NAME}" in done.stderr
    settings = Settings(root=ROOT, store=str(store_dir))
    with PolicyStore.from_settings(settings) as store:
        store.load_project(settings)
        assert store.ask(f"ASK {{ <{PLAN}> ?p ?o }}")
        assert [(e.action, e.curator) for e in curation_log(store)] == [("ingest", "CLI curator")]
    before = _dump(store_dir)
    again = invoke(store_dir, "ingest", str(draft))
    _one_error_line(again, "already in the store", "--replace")
    assert _dump(store_dir) == before
    replaced = invoke(store_dir, "ingest", str(draft), "--replace", "--format", "json")
    assert replaced.exit_code == 0 and json.loads(replaced.stdout)["replaced"] is True
    gone = invoke(store_dir, "retract", NAME)
    assert gone.exit_code == 0 and f"retracted source {NAME}" in gone.stderr
    before = _dump(store_dir)
    _one_error_line(invoke(store_dir, "retract", NAME), "no source")
    assert _dump(store_dir) == before


def test_violations_exit_1_and_errors_exit_2_with_the_store_unchanged(store_dir: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.trig"
    broken.write_text(plan_draft("broken").replace("pol:leadAgency aght:so-khcn", "pol:leadAgency area:vn"), encoding="utf-8")
    invalid = tmp_path / "invalid.trig"
    invalid.write_text('<a> <b> "c', encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    binary = tmp_path / "scan.pdf"
    binary.write_bytes(b"%PDF-1.4\n\x00\x01\x02\x03binary")
    big = tmp_path / "big.txt"
    big.write_bytes(b"a" * (5 * 1024 * 1024))
    before = _dump(store_dir)
    violated = invoke(store_dir, "ingest", str(broken))
    assert violated.exit_code == 1, violated.output
    assert "pol:leadAgency" in violated.stdout and "line " in violated.stdout
    assert "nothing was written" in violated.stderr
    _one_error_line(invoke(store_dir, "ingest", str(invalid)), "invalid TriG: line 1")
    _one_error_line(invoke(store_dir, "ingest", str(empty)), "empty")
    _one_error_line(invoke(store_dir, "ingest", str(binary)), "binary")
    _one_error_line(invoke(store_dir, "ingest", str(big)), "the limit is")
    assert _dump(store_dir) == before


def test_ingest_records_where_the_source_can_be_checked(tmp_path: Path) -> None:
    """``--url --publisher --published --retrieved`` fill the source record; 'unknown' says the source gives none."""
    store_dir = tmp_path / "store"
    draft = tmp_path / f"{NAME}.trig"
    draft.write_text(plan_draft(NAME), encoding="utf-8")
    refused = invoke(store_dir, "ingest", str(draft), "--published", "9 tháng 1")
    _one_error_line(refused, "published", "YYYY-MM-DD")
    done = invoke(store_dir, "ingest", str(draft), "--url", "https://example.org/ha-tinh/12", "--publisher",
                  "Báo Hà Tĩnh", "--published", "2025-01", "--retrieved", "2026-11-30T09:15:00+07:00")
    assert done.exit_code == 0, done.output
    settings = Settings(root=ROOT, store=str(store_dir))
    with PolicyStore.from_settings(settings) as store:
        store.load_project(settings)
        record = source_records(store)["https://w3id.org/policykg/id/source/" + NAME]
        assert (record.url, record.publisher, record.published, record.retrieved) == (
            "https://example.org/ha-tinh/12", "Báo Hà Tĩnh", "2025-01", "2026-11-30T09:15:00+07:00")
        kinds = store.select_python(f"""SELECT ?p (DATATYPE(?o) AS ?t) WHERE {{
            <https://w3id.org/policykg/id/source/{NAME}> ?p ?o FILTER(isLiteral(?o)) }}""")
        types = {str(r["p"]): str(r["t"]) for r in kinds}
        assert types["http://purl.org/dc/terms/issued"] == "http://www.w3.org/2001/XMLSchema#gYearMonth"
        assert types["http://purl.org/pav/retrievedOn"] == "http://www.w3.org/2001/XMLSchema#dateTime"
