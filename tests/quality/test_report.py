"""The quality report for people (app.quality.report): readable names of what is at fault, cached per load."""

from __future__ import annotations

from pathlib import Path

from app.core.config import Settings
from app.quality.report import QualityCache
from app.store.policy_store import PolicyStore
from tests.support.project import FIXTURES, ROOT

QUALITY = FIXTURES / "quality"


def _project(tmp_path: Path, *fixtures: str) -> Settings:
    data = tmp_path / "data"
    data.mkdir()
    text = "".join((QUALITY / name).read_text(encoding="utf-8") + "\n" for name in ("_prefixes.ttl", "_base.ttl", *fixtures))
    (data / "quality.ttl").write_text(text, encoding="utf-8")
    return Settings(root=ROOT, data_dir=data, store=None)


def test_cache_validates_once_per_load(tmp_path: Path) -> None:
    settings = _project(tmp_path, "conflicting-targets.fail.ttl")
    cache = QualityCache()
    with PolicyStore.from_settings(settings) as store:
        store.load_project(settings)
        first = cache.get(store, settings)
        assert cache.get(store, settings) is first
        named = {f.focus.label for f in first.findings if f.rule == "conflicting-targets"}
        assert named == {f"Tỷ trọng kinh tế số trong GRDP, 2025 — {n}" for n in ("190-KH/TU", "47/KH-UBND", "48/KH-UBND")}
        store.load_project(settings, reload=True)
        again = cache.get(store, settings)
        assert again is not first
        assert [(f.rule, f.focus) for f in again.findings] == [(f.rule, f.focus) for f in first.findings]
