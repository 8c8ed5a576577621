"""`python -m bench scale` at 1e5 quads on a reduced set of steps: a smoke test for CI (no time asserted).

The run must end by itself and its JSON must hold the machine, the planted defects and every row
of the selected steps with a figure: a number, or an explicit "timeout after …" / "not available …"
(an error or a missing figure fails). Needs the oxigraph binary of the test extras (the peer).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

from bench.generate_national import generate
from tests.support.oxigraph_server import require_oxigraph
from tests.support.project import ROOT

STEPS = ["cold-start", "health", "sparql-throughput", "memory", "update", "incremental-validation"]
#: The rows those steps write, and whether each has a peer figure.
ROWS = {
    "cold-start": True,
    "health-p50": False,
    "health-p99": False,
    "sparql-throughput": True,
    "memory-pss": True,
    "memory-rss-sum": True,
    "update": True,
    "responsible-after-update": False,
    "search-sees-update": False,
    "lineage-sees-update": False,
    "incremental-validation": False,
}
DEFECT_KINDS = {"task-without-agency", "link-to-undescribed-agency", "duplicate-number-same-issuer", "target-without-year"}


def measured(value: object) -> bool:
    """A figure: a number, or a row that says it timed out or is not available."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    return isinstance(value, str) and value.startswith(("timeout after ", "not available"))


def test_scale_benchmark_writes_every_selected_row(tmp_path: Path) -> None:
    require_oxigraph()
    results = tmp_path / "results"
    command = [
        sys.executable, "-m", "bench", "scale", "--quads", "1e5", "--work", str(tmp_path / "work"),
        "--results", str(results), "--only", ",".join(STEPS), "--clients", "4", "--warmup", "1", "--duration", "2",
        "--requests", "20", "--timeout", "300",
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    [written] = results.glob("scale-1e5-*.json")
    result = json.loads(written.read_text(encoding="utf-8"))

    for key in ("cpu", "cores", "memory_gib", "os", "python", "pyoxigraph", "oxigraph", "git_commit"):
        assert result["machine"][key], key
    assert result["data"]["generated_quads"] > 50_000
    planted = result["data"]["planted_defects"]
    assert set(planted) == DEFECT_KINDS and all(n > 0 for n in planted.values()), planted
    assert sum(result["data"]["expected_violations_by_rule"].values()) >= sum(planted.values())

    rows = {row["key"]: row for row in result["rows"]}
    assert set(rows) == set(ROWS), done.stdout[-3000:]
    for key, has_peer in ROWS.items():
        row = rows[key]
        assert measured(row["ours"]), (key, row)
        assert row["unit"], key
        if has_peer:
            assert measured(row["peer"]), (key, row)
            if isinstance(row["ours"], int | float) and isinstance(row["peer"], int | float) and row["peer"]:
                assert row["ratio"] == round(row["ours"] / row["peer"], 3), row


def test_generated_graph_is_the_same_for_the_same_seed_and_plants_each_defect() -> None:
    # Nine documents a province reach every planted position (documents 2, 3, 6 and 8 of each).
    planted: list[Counter[str]] = [Counter(), Counter()]
    first, second = (
        "".join(generate(0, 7, documents=9, complete=True, planted=counts)) for counts in planted
    )
    assert first == second
    assert planted[0] == planted[1] == Counter(dict.fromkeys(DEFECT_KINDS, 34))
    assert first != "".join(generate(0, 8, documents=9, complete=True))
