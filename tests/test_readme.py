"""Every example of README.md runs: each fenced shell line, SPARQL block, diagram and layout entry.

The examples are read from README.md itself, so an example added or changed there is run here
as written, without a change to this file:

- a ``sh`` block runs line by line in bash, in a scratch directory of its own (its lines share
  it, so ``extract … > draft.trig`` feeds the ``ingest draft.trig`` after it), with the
  project's ``policykg`` on the PATH; each line must exit 0 and write what it names (``-o``,
  ``--out``, ``>``) or print something. ``[--json]`` options are given.
  ``curl`` lines run against a live server over the shipped data (``http://127.0.0.1:8000`` is
  replaced by its address; ``--fail`` is added so that an HTTP error fails the line);
  ``policykg serve`` runs until its ``/health`` answers (on a free port, not 8000);
- a ``sparql`` block runs against the shipped data: rows, and every selected variable bound in
  some row;
- the ``mermaid`` data model names only classes and properties the ontology defines; the layout
  block names only directories that exist.

What a line needs that the README leaves to the reader (the text a curator has, a review of the
draft) is given in INPUTS and REVIEWS; lines that cannot run here are SKIPPED, each with its
reason, and lines that fail as written are KNOWN_FAILURES (strict xfail: fixing the README makes
them pass, which fails the test until the entry is removed).
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from app.api import create_app
from app.core.config import Settings
from app.store.policy_store import PolicyStore
from tests.support.curation import plan_draft
from tests.support.live import free_port, serve, stop_process
from tests.support.project import ROOT

README = ROOT / "README.md"
BIN = Path(os.environ.get("VIRTUAL_ENV", ROOT / ".venv")) / "bin"
README_HOST = "http://127.0.0.1:8000"

# A plan as a curator has it: the README's `ke-hoach.txt` / `ke-hoach.md`.
PLAN_TEXT = (
    "KẾ HOẠCH số 12/KH-UBND ngày 15/3/2025 của UBND tỉnh Hà Tĩnh thực hiện Nghị quyết số 57-NQ/TW "
    "ngày 22/12/2024 của Bộ Chính trị.\n"
    "Sở Khoa học và Công nghệ chủ trì, phối hợp với Sở Tài chính xây dựng đề án phát triển trung tâm "
    "đổi mới sáng tạo trước ngày 30/6/2025.\n"
    "Phấn đấu đến năm 2030 kinh tế số đạt khoảng 30% GRDP.\n"
)
SOURCE = "ha-tinh-kh-12"


def _new_plan_turtle() -> str:
    """A new province's plan as one Turtle file, valid against the shapes (``validate --document``)."""
    quads = ox.parse(plan_draft("new-plan").encode(), format=ox.RdfFormat.TRIG)
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
    return (ox.serialize(triples, format=ox.RdfFormat.TURTLE) or b"").decode()


#: Files the README's lines read that the reader is expected to have.
INPUTS = {
    "ke-hoach.txt": lambda: PLAN_TEXT,
    "ke-hoach.md": lambda: "# Kế hoạch 12/KH-UBND\n\n" + PLAN_TEXT,
    "new-plan.ttl": _new_plan_turtle,
}
#: The person's review between lines: before a line that starts so, the file holds the reviewed draft.
REVIEWS = {
    f"policykg --store var/store ingest draft.trig --source {SOURCE} --province": ("draft.trig", plan_draft(SOURCE)),
}
#: Placeholders the README writes as an ellipsis, and what the test puts there.
PLACEHOLDERS = {"https://…": "https://example.org/ha-tinh/ke-hoach-12"}
SKIPPED = {
    "make run": "serves until stopped; `policykg serve` is the line run below, and tests/api/test_server.py "
                "starts the server as shipped",
    "make test": "runs this test suite itself",
}
KNOWN_FAILURES: dict[str, str] = {}
#: The SPARQL blocks known to fail, by the variable they never bind (the README's text is the lead's to fix).
KNOWN_SPARQL_FAILURES: dict[str, str] = {}


@dataclass(frozen=True)
class Block:
    """A fenced block of the README: its language, first line number and text."""

    lang: str
    line: int
    text: str


def blocks() -> list[Block]:
    """Every fenced block of README.md."""
    found, lines = [], README.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        if match := re.match(r"^```(\w*)\s*$", lines[i]):
            end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
            found.append(Block(match.group(1), i + 1, "\n".join(lines[i + 1:end])))
            i = end
        i += 1
    return found


def shell_lines(block: Block) -> list[str]:
    """The commands of a shell block: continuations joined, comments dropped, ``[opt]`` given."""
    commands: list[str] = []
    for raw in block.text.replace("\\\n", " ").splitlines():
        line = re.sub(r"\s+#\s.*$", "", raw).strip()
        line = re.sub(r"\s+", " ", line)
        if not line:
            continue
        # With every optional part given: the bare form is a prefix of it, and each line costs a load.
        commands.append(re.sub(r"\[([^\]]*)\]", r"\1", line))
    return commands


SHELL = [(block, line) for block in blocks() if block.lang == "sh" for line in shell_lines(block)]
SPARQL = [block for block in blocks() if block.lang == "sparql"]


def _known(table: dict[str, str], line: str) -> str | None:
    return next((reason for start, reason in table.items() if line.startswith(start)), None)


def _params() -> list[object]:
    cases = []
    for block, line in SHELL:
        marks = []
        if reason := _known(SKIPPED, line):
            marks.append(pytest.mark.skip(reason=reason))
        elif reason := _known(KNOWN_FAILURES, line):
            marks.append(pytest.mark.xfail(reason=reason, strict=True))
        cases.append(pytest.param(block, line, marks=marks, id=f"L{block.line}: {line[:70]}"))
    return cases


def test_the_tables_name_only_lines_the_readme_has() -> None:
    """A stale entry (the README line was fixed or removed) must go, so no exception outlives its reason."""
    lines = [line for _, line in SHELL]
    for table in (SKIPPED, KNOWN_FAILURES, REVIEWS):
        for start in table:
            assert any(line.startswith(start) for line in lines), f"no README line starts with {start!r}"
    text = README.read_text(encoding="utf-8")
    for name in INPUTS:
        assert name in text, f"no README line reads {name}"
    assert SHELL and SPARQL, "README.md has no examples to run"


@pytest.fixture(scope="module")
def base_url(shipped_settings: Settings) -> Iterator[str]:
    """A live server over the shipped data for the curl lines."""
    with serve(create_app(shipped_settings)) as url:
        yield url


@pytest.fixture(scope="module")
def workdirs(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    """One scratch directory per shell block, shared by its lines in order."""
    return {}


def _workdir(workdirs: dict[int, Path], block: Block, tmp_path_factory: pytest.TempPathFactory) -> Path:
    if block.line not in workdirs:
        workdirs[block.line] = tmp_path_factory.mktemp(f"readme-L{block.line}")
    return workdirs[block.line]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYKG_")}
    return {**env, "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}", "POLICYKG_ROOT": str(ROOT)}


def _serve_until_healthy(line: str, cwd: Path) -> None:
    """Start a ``policykg serve`` line on a free port; it must answer /health; then stop it."""
    port = free_port()
    process = subprocess.Popen(
        ["bash", "-c", f"exec {line} --port {port}"], cwd=cwd, env=_env(),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert process.poll() is None, f"{line} stopped: {process.stderr.read().decode() if process.stderr else ''}"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code in (200, 503):
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        pytest.fail(f"{line} did not answer /health within 120 s")
    finally:
        stop_process(process, grace=10)


def _written(line: str, cwd: Path) -> list[Path]:
    """The files a line says it writes (``-o F``, ``--out F``, ``> F``)."""
    return [cwd / name for name in re.findall(r"(?:^|\s)(?:-o|--out|>)\s+(\S+)", line)]


@pytest.mark.parametrize(("block", "line"), _params())
def test_every_shell_example_runs(
    block: Block, line: str, base_url: str, workdirs: dict[int, Path], tmp_path_factory: pytest.TempPathFactory
) -> None:
    cwd = _workdir(workdirs, block, tmp_path_factory)
    for placeholder, value in PLACEHOLDERS.items():
        line = line.replace(placeholder, value)
    assert "…" not in line, f"a placeholder the test does not fill: {line}"
    for name, content in INPUTS.items():
        if re.search(rf"(?<![\w/.-]){re.escape(name)}\b", line) and not (cwd / name).exists():
            (cwd / name).write_text(content(), encoding="utf-8")
    for start, (name, reviewed) in REVIEWS.items():
        if line.startswith(start):
            (cwd / name).write_text(reviewed, encoding="utf-8")
    if re.match(r"policykg(?: --\S+ \S+)* serve\b", line):
        _serve_until_healthy(line, cwd)
        return
    if line.startswith("curl "):
        line = line.replace(README_HOST, base_url).replace("curl ", "curl --fail --silent --show-error ", 1)
    done = subprocess.run(["bash", "-c", line], check=False, cwd=cwd, env=_env(), capture_output=True, timeout=300)
    output = done.stdout.decode("utf-8", "replace")
    assert done.returncode == 0, f"{line}\nexit {done.returncode}\n{done.stderr.decode('utf-8', 'replace')[-2000:]}"
    written = _written(line, cwd)
    if written:
        for path in written:
            assert path.is_file() and path.stat().st_size > 0, f"{line} wrote no {path.name}"
    else:
        assert output.strip() or done.stderr.strip(), f"{line} printed nothing"


def _sparql_params() -> list[object]:
    cases = []
    for block in SPARQL:
        selected = _selected(block.text)
        unbound = [v for v in selected if not re.search(rf"\?{v[1:]}\b", _where(block.text))]
        marks = [
            pytest.mark.xfail(reason=KNOWN_SPARQL_FAILURES[v], strict=True) for v in unbound if v in KNOWN_SPARQL_FAILURES
        ]
        cases.append(pytest.param(block, marks=marks[:1], id=f"L{block.line}"))
    return cases


def _selected(query: str) -> list[str]:
    """The variables a SELECT names (``*`` names none)."""
    head = re.search(r"SELECT\s+(?:DISTINCT\s+|REDUCED\s+)?(.*?)\s*(?:WHERE\b|\{)", query, re.IGNORECASE | re.DOTALL)
    return re.findall(r"\?\w+", head.group(1)) if head else []


def _where(query: str) -> str:
    return query[query.index("{"):]


@pytest.mark.parametrize("block", _sparql_params())
def test_every_sparql_example_returns_rows_binding_what_it_selects(shipped_store: PolicyStore, block: Block) -> None:
    rows = shipped_store.select(block.text)
    assert rows, f"the SPARQL example at README line {block.line} returns no rows"
    for variable in _selected(block.text):
        assert any(row.get(variable[1:]) is not None for row in rows), (
            f"the SPARQL example at README line {block.line} selects {variable} but never binds it"
        )


def test_the_data_model_diagram_names_what_the_ontology_defines(shipped_store: PolicyStore) -> None:
    (diagram,) = [block for block in blocks() if block.lang == "mermaid"]
    names = sorted(set(re.findall(r"\bpol:(\w+)", diagram.text)))
    assert names
    pol = "https://w3id.org/policykg/ontology#"
    undefined = [n for n in names if not shipped_store.ask(f"ASK {{ <{pol}{n}> a ?kind }}")]
    assert undefined == [], f"the README's diagram names pol: terms the ontology lacks: {undefined}"


def test_the_layout_names_directories_that_exist() -> None:
    (layout,) = [block for block in blocks() if block.lang == "" and re.match(r"^\w+/\s", block.text)]
    named = re.findall(r"^(\w[\w.-]*/)\s", layout.text, re.MULTILINE)
    assert named and [n for n in named if not (ROOT / n).is_dir()] == []


#: What the README's inline HTTP examples leave to the reader, as a reader would fill it in.
HTTP_PLACEHOLDERS = {
    "/api/duties?agency=…": "/api/duties?agency=Sở KH%26CN Quảng Trị",
    "/api/export?format=…": "/api/export?format=graphml&root=190-KH/TU&issuer=Tỉnh ủy Quảng Trị",
    "/api/indicators?q=…": "/api/indicators?q=kinh tế số",
    "/api/queries/{name}?param=…": "/api/queries/lineage-up?doc=https://w3id.org/policykg/id/doc/ubnd-quang-tri/2024/47-kh-ubnd",
    "/api/responsible?q=TEXT&limit=N": "/api/responsible?q=trung tâm đổi mới sáng tạo&limit=5",
    "/api/responsible?q=…": "/api/responsible?q=chuyển đổi số",
}
HTTP_EXAMPLES = sorted(set(re.findall(r"`GET (/[^`\s]*)`", README.read_text(encoding="utf-8"))))


def test_the_http_placeholders_are_the_readmes() -> None:
    assert set(HTTP_PLACEHOLDERS) <= set(HTTP_EXAMPLES), set(HTTP_PLACEHOLDERS) - set(HTTP_EXAMPLES)


@pytest.mark.parametrize("path", HTTP_EXAMPLES)
def test_every_http_example_answers(base_url: str, path: str) -> None:
    """Each `GET /…` the README names answers 200 on the shipped data (a 503 while it warms up is waited out)."""
    target = HTTP_PLACEHOLDERS.get(path, path)
    assert "…" not in target and "{" not in target, f"a placeholder the test does not fill: {path}"
    deadline = time.monotonic() + 120
    while True:
        response = httpx.get(base_url + target, timeout=60)
        if response.status_code != 503 or time.monotonic() > deadline:
            break
        time.sleep(float(response.headers.get("retry-after", "1")))
    assert response.status_code == 200, f"GET {target}: {response.status_code} {response.text[:300]}"
    assert response.content
