"""``policykg extract FILE|-``: the summary (or the draft) of a text; exit 2 with one line for what is no text."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli.commands import app
from app.core.config import Settings
from app.curation.draft import reviewed_draft
from app.curation.extract import ExtractionContext, extract
from app.curation.gazetteer import Gazetteer
from app.store.policy_store import PolicyStore
from tests.support.cli import assert_clean_error
from tests.support.extraction import SAMPLE
from tests.support.project import POLID, PROJECT

runner = CliRunner()
ENV = {"POLICYKG_ROOT": str(PROJECT)}


def expected(text: str, province: str | None = None, source: str | None = None) -> dict[str, object]:
    """What the real extractor makes of ``text`` over the fixture project."""
    settings = Settings(root=PROJECT)
    with PolicyStore.from_settings(settings) as store:
        store.load_project(settings)
        gazetteer = Gazetteer.from_store(store)
    return extract(text, ExtractionContext(gazetteer, province, source)).as_json()


def expected_draft(text: str, source: str) -> str:
    """The draft TriG of what the extractor reads in ``text``, in the graph of ``source`` (as /api/extract/draft writes it)."""
    settings = Settings(root=PROJECT)
    with PolicyStore.from_settings(settings) as store:
        store.load_project(settings)
        extraction = extract(text, ExtractionContext(Gazetteer.from_store(store), None, source))
        return reviewed_draft(store, extraction, None, source)



def test_a_file_prints_the_real_summary(tmp_path: Path) -> None:
    path = tmp_path / "ke-hoach.md"
    path.write_text(unicodedata.normalize("NFD", SAMPLE), encoding="utf-8")
    result = runner.invoke(app, ["extract", str(path), "--province", "Hà Tĩnh", "--source", "ht-kh-1"], env=ENV)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["text"] == unicodedata.normalize("NFC", SAMPLE)
    assert summary == expected(str(path.read_text(encoding="utf-8")), POLID + "area/ha-tinh", "ht-kh-1")


def test_stdin_is_read_with_a_dash() -> None:
    result = runner.invoke(app, ["extract", "-"], input=SAMPLE.encode(), env=ENV)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == expected(SAMPLE)


def test_draft_prints_only_the_trig(tmp_path: Path) -> None:
    path = tmp_path / "plan.txt"
    path.write_text(SAMPLE, encoding="utf-8")
    result = runner.invoke(app, ["extract", str(path), "--draft"], env=ENV)
    assert result.exit_code == 0, result.output
    draft = expected_draft(SAMPLE, "plan")
    assert "<https://w3id.org/policykg/graph/source/plan> {" in draft and "52-NQ/TW" in draft
    assert result.stdout.rstrip("\n") == draft.rstrip("\n")
    assert not result.stdout.lstrip().startswith("{")


def test_out_writes_the_summary_and_the_draft(tmp_path: Path) -> None:
    path = tmp_path / "plan.txt"
    path.write_text(SAMPLE, encoding="utf-8")
    out = tmp_path / "drafts"
    result = runner.invoke(app, ["extract", str(path), "--out", str(out), "--source", "qt-kh-1"], env=ENV)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    draft = expected_draft(SAMPLE, "qt-kh-1")
    summary = json.loads((out / "qt-kh-1.json").read_text(encoding="utf-8"))
    assert summary == {**expected(SAMPLE, None, "qt-kh-1"), "draft": draft}
    assert (out / "qt-kh-1.trig").read_text(encoding="utf-8") == draft
    assert "qt-kh-1.json" in result.stderr
    # Without --source, the file's stem names them.
    assert runner.invoke(app, ["extract", str(path), "--out", str(out)], env=ENV).exit_code == 0
    assert (out / "plan.json").is_file() and (out / "plan.trig").is_file()


@pytest.mark.parametrize(("content", "needles"), [
    (b"", ("is empty",)),
    (b"  \n ", ("only whitespace",)),
    (b"%PDF-1.4\n%\xe2\xe3", ("a PDF file", "not text")),
    (b"PK\x03\x04\x14\x00", ("zip archive",)),
    (b"abc\x00\x00\x01", ("binary",)),
    ("Kê hoach".encode("cp1258"), ("not valid UTF-8", "offset 1")),
])
def test_what_is_no_text_exits_2_with_one_line(tmp_path: Path, content: bytes, needles: tuple[str, ...]) -> None:
    path = tmp_path / "input.txt"
    path.write_bytes(content)
    assert_clean_error(runner.invoke(app, ["extract", str(path)], env=ENV), str(path), *needles)


def test_unreadable_inputs_exit_2(tmp_path: Path) -> None:
    assert_clean_error(runner.invoke(app, ["extract", str(tmp_path / "missing.txt")], env=ENV), "missing.txt")
    assert_clean_error(runner.invoke(app, ["extract", str(tmp_path)], env=ENV), "is a directory")
    assert_clean_error(runner.invoke(app, ["extract", "-"], input=b"", env=ENV), "standard input is empty")
    path = tmp_path / "plan.txt"
    path.write_text(SAMPLE, encoding="utf-8")
    assert_clean_error(runner.invoke(app, ["extract", str(path), "--province", "http://example.org/x"], env=ENV),
                       "province")
