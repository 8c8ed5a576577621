"""The quality report for people (app.quality.report): readable names, maintained in the background."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.config import Settings
from app.core.errors import ReportPending
from app.quality.report import QualityCache
from app.store.policy_store import PolicyStore
from tests.support.project import FIXTURES, ROOT

QUALITY = FIXTURES / "quality"
ID = "https://w3id.org/policykg/id/"


def _project(tmp_path: Path, *fixtures: str, store: str | None = None) -> Settings:
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    text = "".join((QUALITY / name).read_text(encoding="utf-8") + "\n" for name in ("_prefixes.ttl", "_base.ttl", *fixtures))
    (data / "quality.ttl").write_text(text, encoding="utf-8")
    return Settings(root=ROOT, data_dir=data, store=store)


def test_report_names_targets_and_follows_writes(tmp_path: Path) -> None:
    settings = _project(tmp_path, "conflicting-targets.fail.ttl", "source-article-title.fail.ttl")
    with PolicyStore.from_settings(settings) as store:
        store.load_project(settings)
        cache = QualityCache(store, settings)
        cache.start(wait=60)
        first = cache.get()
        assert cache.get() is first  # nothing changed: the same report, not recomputed
        named = {f.focus.label for f in first.findings if f.rule == "conflicting-targets"}
        assert named == {f"Tỷ trọng kinh tế số trong GRDP, 2025 — {n}" for n in ("190-KH/TU", "47/KH-UBND", "48/KH-UBND")}
        assert any(f.rule == "source-article-title" for f in first.findings)
        store.update(f'INSERT DATA {{ GRAPH <{ID}graph/w> {{ <{ID}source/test-b> <http://purl.org/dc/terms/title> "B"@vi }} }}')
        assert cache.wait(60)
        after = cache.get()
        assert not any(f.rule == "source-article-title" for f in after.findings)
        assert {(f.rule, f.focus.iri) for f in after.findings} < {(f.rule, f.focus.iri) for f in first.findings}
        cache.close()


def test_no_report_before_the_first_validation(tmp_path: Path) -> None:
    """A request before the background validation has finished is refused, never made to wait for it."""
    settings = _project(tmp_path)
    with PolicyStore.from_settings(settings) as store:
        store.load_project(settings)
        cache = QualityCache(store, settings)  # not started
        with pytest.raises(ReportPending, match="background"):
            cache.get()


def test_restart_reads_the_persisted_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On an on-disk store the findings are saved at the store's stamp; a restart does not revalidate."""
    settings = _project(tmp_path, "label.fail.ttl", store=str(tmp_path / "store"))
    with PolicyStore.from_settings(settings) as store:
        store.load_project(settings)
        cache = QualityCache(store, settings)
        cache.start(wait=60)
        assert cache.wait(60)
        first = cache.get()
        cache.close()
        assert store.derived_dir is not None and (store.derived_dir / "quality.json").is_file()
    from app.quality import findings

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("revalidated on restart")

    monkeypatch.setattr(findings.Findings, "full", classmethod(refuse))
    with PolicyStore.from_settings(settings) as store:
        assert store.load_project(settings) is False  # kept as it was
        cache = QualityCache(store, settings)
        cache.start()
        again = cache.get()
        assert [(f.rule, f.focus.iri) for f in again.findings] == [(f.rule, f.focus.iri) for f in first.findings]
        cache.close()
