"""``policykg export`` and ``policykg analytics`` on the shipped data."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import networkx as nx
from typer.testing import CliRunner

from app.cli.commands import app
from tests.support.project import ROOT

runner = CliRunner()
ENV = {"POLICYKG_ROOT": str(ROOT)}


def test_export_graphml_to_a_file(tmp_path: Path) -> None:
    out = tmp_path / "lineage.graphml"
    result = runner.invoke(app, ["export", "-f", "graphml", "--root", "190-KH/TU", "--direction", "up", "-o", str(out)], env=ENV)
    assert result.exit_code == 0, result.output
    graph = nx.read_graphml(out, force_multigraph=True)
    assert {d.get("notation") for _, d in graph.nodes(data=True)} >= {"190-KH/TU", "52-NQ/TW"}
    assert result.stderr.strip() == f"{graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges (graphml) to {out}"


def test_export_to_stdout_by_agency_name() -> None:
    result = runner.invoke(app, ["export", "-f", "nodelink", "--agency", "Sở KH&CN Quảng Trị"], env=ENV)
    assert result.exit_code == 0, result.output
    graph = nx.node_link_graph(json.loads(result.stdout), edges="edges")
    assert graph.nodes["https://w3id.org/policykg/id/agency/quang-tri/so-khcn"]["label"] == "Sở Khoa học và Công nghệ tỉnh Quảng Trị"


def test_export_csv_zip_is_binary_on_stdout() -> None:
    result = runner.invoke(app, ["export", "-f", "csv", "--area", "Thanh Hóa"], env=ENV)
    assert result.exit_code == 0
    assert result.stdout_bytes.startswith(b"PK")
    with zipfile.ZipFile(io.BytesIO(result.stdout_bytes)) as archive:
        assert sorted(archive.namelist()) == ["edges.csv", "nodes.csv"]


def test_export_errors_are_one_line_exit_2() -> None:
    for args, needle in (
        (["--root", "190-KH/TX"], "did you mean: 190-KH/TU"),
        (["--agency", "so-khcn"], "names 2 agencies"),
        (["--root", "52-NQ/TW", "--indicator", "GRDP"], "one selector at a time"),
    ):
        result = runner.invoke(app, ["export", *args], env=ENV)
        assert result.exit_code == 2, result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0]
    assert runner.invoke(app, ["export", "--depth", "11", "--root", "52-NQ/TW"], env=ENV).exit_code == 2
    assert runner.invoke(app, ["export", "--format", "svg"], env=ENV).exit_code == 2


def test_analytics_text_and_json() -> None:
    text = runner.invoke(app, ["analytics"], env=ENV)
    assert text.exit_code == 0, text.output
    assert "Sở Khoa học và Công nghệ tỉnh Quảng Trị" in text.stdout
    assert "02-NQ/TW (provincial): 41-CTr/TU" in text.stdout
    as_json = runner.invoke(app, ["analytics", "--json"], env=ENV)
    data = json.loads(as_json.stdout)
    # One count (docs-fragments/resolver.md): the department's total is the task count `duties` prints.
    top = data["agencies"][0]
    duties = json.loads(runner.invoke(app, ["duties", top["iri"], "--json"], env=ENV).stdout)
    assert top["total"] == duties["task_count"] == 34
    assert data["component_count"] == len(data["components"])
