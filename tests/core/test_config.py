"""Settings (app.core.config)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.config import Settings, get_settings


def test_relative_dirs_resolve_against_root(tmp_path: Path) -> None:
    s = Settings(root=tmp_path, data_dir=Path("elsewhere"))
    assert s.ontology_dir == tmp_path / "ontology"
    assert s.data_dir == tmp_path / "elsewhere"
    assert s.queries_dir == tmp_path / "queries"
    assert s.store is None and s.store_path is None


def test_environment_prefix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("POLICYKG_ROOT", str(tmp_path))
    monkeypatch.setenv("POLICYKG_STORE", str(tmp_path / "db"))
    monkeypatch.setenv("POLICYKG_UPDATE_TOKEN", "secret")
    monkeypatch.setenv("POLICYKG_PORT", "9001")
    s = Settings()
    assert s.root == tmp_path.resolve()
    assert s.store_path == tmp_path / "db"
    assert s.update_token == "secret"
    assert s.port == 9001


def test_default_root_is_the_repository() -> None:
    assert (Settings().root / "app" / "core" / "config.py").is_file()
    assert get_settings() is get_settings()


def test_trusted_proxies_are_read_as_a_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYKG_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8 ::1")
    assert Settings().trusted_proxies == ("127.0.0.1", "10.0.0.0/8", "::1")
