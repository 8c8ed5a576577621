"""The command line (app.cli): output and exit codes 0 / 1 / 2, errors as one line without traceback."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli.commands import app
from tests.support.cli import assert_clean_error
from tests.support.project import DOC_HT_190, DOC_QT_190, FIXTURE_TRIPLES, FIXTURES, PROJECT

runner = CliRunner()
ENV = {"POLICYKG_ROOT": str(PROJECT)}


def invoke(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), env=env or ENV)



def test_stats_json() -> None:
    result = invoke("stats", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["triples"] == FIXTURE_TRIPLES and data["documents"] == 7


def test_stats_table() -> None:
    result = invoke("stats")
    assert result.exit_code == 0
    assert "pol:Plan" in result.stdout and "polg:source/quang-tri" in result.stdout


def test_query_json() -> None:
    result = invoke("query", "documents-by-notation", "--param", "notation=190-KH/TU", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["columns"] == ["d", "notation", "issuer"]
    assert [r["d"] for r in data["rows"]] == [DOC_HT_190, DOC_QT_190]


def test_query_table_and_csv() -> None:
    table = invoke("query", "documents-by-notation", "-p", "notation=52-NQ/TW")
    assert table.exit_code == 0 and "polid:doc/tw/2019/52-nq-tw" in table.stdout
    csv_out = invoke("query", "documents-by-notation", "-p", "notation=52-NQ/TW", "-f", "csv")
    assert csv_out.stdout.splitlines() == [
        "d,notation,issuer",
        "https://w3id.org/policykg/id/doc/tw/2019/52-nq-tw,52-NQ/TW,https://w3id.org/policykg/id/agency/vn/bch-tw",
    ]


def test_query_file_path() -> None:
    path = PROJECT / "queries" / "documents-by-notation.rq"
    result = invoke("query", str(path), "-p", "notation=52-NQ/TW", "-f", "json")
    assert result.exit_code == 0 and len(json.loads(result.stdout)["rows"]) == 1


def test_injection_attempt_is_just_a_value() -> None:
    result = invoke("query", "documents-by-notation", "-p", 'notation=" } ; DROP ALL #', "-f", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rows"] == []


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (("query", "nope"), ("unknown query 'nope'",)),
        (("query", "missing.rq"), ("no such query file",)),
        (("query", "documents-by-notation"), ("missing required parameter 'notation'",)),
        (("query", "documents-by-notation", "-p", "notation"), ("bad --param",)),
        (("query", "documents-by-notation", "-p", "x=1"), ("unknown parameter 'x'",)),
        (("query", "documents-issued-since", "-p", "year=soon"), ("'year' must be an integer",)),
        (("lineage", "190-KH/TU"), ("names 2 documents", DOC_QT_190, DOC_HT_190)),
        (("lineage", "999-XX/YY"), ("no document matches",)),
    ],
)
def test_errors_exit_2(args: tuple[str, ...], needles: tuple[str, ...]) -> None:
    assert_clean_error(invoke(*args), *needles)


def test_lineage_with_issuer() -> None:
    result = invoke("lineage", "190-KH/TU", "--issuer", "quang-tri", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["document"]["iri"] == DOC_QT_190
    assert [a["notation"] for a in data["ancestors"]] == ["52-NQ/TW"]
    assert {d["notation"]: d["depth"] for d in data["descendants"]} == {"45/KH-UBND": 1, "12/KH-SKHCN": 2}


def test_lineage_text() -> None:
    result = invoke("lineage", "45/KH-UBND")
    assert result.exit_code == 0
    assert "Ancestors (2):" in result.stdout and "[basedOn] 52-NQ/TW" in result.stdout


def test_bad_data_file_exit_2_names_file(tmp_path: Path) -> None:
    shutil.copytree(PROJECT, tmp_path / "project")
    shutil.copy(FIXTURES / "bad.ttl", tmp_path / "project" / "data" / "broken.ttl")
    result = invoke("stats", env={"POLICYKG_ROOT": str(tmp_path / "project")})
    assert_clean_error(result, "broken.ttl:3:")


def test_violation_query_with_rows_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "plan-violation.rq"
    path.write_text(
        "# severity: Warning\nSELECT ?focus ?message WHERE { ?focus a pol:Plan BIND('a plan' AS ?message) }\n",
        encoding="utf-8",
    )
    assert invoke("query", str(path)).exit_code == 1
    path.write_text("SELECT ?focus ?message WHERE { ?focus a pol:Nothing BIND('x' AS ?message) }\n", encoding="utf-8")
    assert invoke("query", str(path)).exit_code == 0


def test_global_store_option_persists(tmp_path: Path) -> None:
    db = str(tmp_path / "db")
    first = invoke("--store", db, "stats", "--json")
    assert first.exit_code == 0, first.output
    assert (tmp_path / "db").is_dir()
    again = invoke("--store", db, "stats", "--json")
    assert json.loads(again.stdout)["triples"] == FIXTURE_TRIPLES


def test_help_documents_exit_codes_and_commands() -> None:
    result = runner.invoke(app, ["--help"], terminal_width=200)
    assert result.exit_code == 0
    for word in ("serve", "query", "stats", "lineage", "validate", "reason", "Exit codes"):
        assert word in result.stdout


def test_validation_and_reasoning_are_imported_lazily() -> None:
    # validate/reason belong to another module (tested with it); the CLI must not import it eagerly.
    code = "import sys, app.cli; print('app.quality.validation' in sys.modules, 'app.quality.reasoning' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_serve_on_a_busy_port_is_an_error_exit_2() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYKG_")} | ENV
        done = subprocess.run([sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
                              env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2
    # uvicorn logs why above; the command's own last word is one line.
    assert done.stderr.strip().splitlines()[-1].startswith(f"error: the server did not start on 127.0.0.1:{port}")


def test_rebuild_agrees_with_the_incremental_upkeep_and_repairs_a_drift(tmp_path: Path) -> None:
    from app.core.config import Settings
    from app.core.namespaces import DERIVED_GRAPH
    from app.store.policy_store import PolicyStore

    root = Path(__file__).resolve().parents[2]  # the shipped project: it has rules
    env = {"POLICYKG_ROOT": str(root), "POLICYKG_STORE": str(tmp_path / "store")}
    settings = Settings(root=root, store=str(tmp_path / "store"))
    with PolicyStore.from_settings(settings) as store:
        store.load_project(settings)
        task = store.select("SELECT ?t WHERE { ?t a pol:Task ; pol:leadAgency ?a } LIMIT 1")[0]["t"]
        store.update(f"DELETE WHERE {{ GRAPH ?g {{ {task} <https://w3id.org/policykg/ontology#leadAgency> ?a }} }}")
    result = invoke("rebuild", env=env)
    assert result.exit_code == 0, result.output  # the incremental upkeep left what a rebuild makes
    with PolicyStore.from_settings(settings) as store:
        store.load_project(settings)
        # A drift made behind the upkeep's back: a derived triple removed directly.
        store.backend.update(f"DELETE WHERE {{ GRAPH <{DERIVED_GRAPH}> {{ ?s <https://w3id.org/policykg/ontology#role> ?r }} }}")
    result = invoke("rebuild", env=env)
    assert result.exit_code == 1 and "drifted" in result.stderr
    assert invoke("rebuild", env=env).exit_code == 0  # and repaired it


def _quality_root(tmp_path: Path, *fixtures: str) -> dict[str, str]:
    """A project of the shipped ontology, shapes and queries with quality fixtures as its data."""
    from tests.support.project import ROOT

    data = tmp_path / "data"
    data.mkdir(parents=True)
    quality = FIXTURES / "quality"
    text = "\n".join((quality / n).read_text(encoding="utf-8") for n in ("_prefixes.ttl", "_base.ttl", *fixtures))
    (data / "fixture.ttl").write_text(text, encoding="utf-8")
    return {"POLICYKG_ROOT": str(ROOT), "POLICYKG_DATA_DIR": str(data)}


@pytest.mark.parametrize("engine", ["fast", "pyshacl"])
def test_validate_engines_agree_and_exit_1_on_violations(tmp_path: Path, engine: str) -> None:
    env = _quality_root(tmp_path, "has-source.fail.ttl")
    result = invoke("validate", "--engine", engine, "--format", "json", env=env)
    assert result.exit_code == 1, result.output
    rules = {(f["rule"], f["focus"]) for f in json.loads(result.stdout)["findings"]}
    assert {rule for rule, _ in rules} == {"has-source"}
    assert invoke("validate", "--engine", engine, env=_quality_root(tmp_path / "clean")).exit_code == 0


def test_validate_one_document(tmp_path: Path) -> None:
    env = _quality_root(tmp_path)
    new = tmp_path / "new.ttl"
    new.write_text(
        (FIXTURES / "quality" / "_prefixes.ttl").read_text(encoding="utf-8")
        + '<doc/tu-tinh-a/2026/1-kh-tu> a pol:Plan ; rdfs:label "Kế hoạch 1-KH/TU"@vi ; pol:source <source/test-a> .\n',
        encoding="utf-8",
    )
    result = invoke("validate", "--document", str(new), "--format", "json", env=env)
    assert result.exit_code == 1, result.output
    focus = {f["focus"] for f in json.loads(result.stdout)["findings"]}
    assert focus == {"https://w3id.org/policykg/id/doc/tu-tinh-a/2026/1-kh-tu"}
    broken = tmp_path / "broken.ttl"
    broken.write_text("<a> <b> .", encoding="utf-8")
    assert_clean_error(invoke("validate", "--document", str(broken), env=env), "broken.ttl")
