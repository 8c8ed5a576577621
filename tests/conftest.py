"""Shared fixtures: a small fresh project (tests/fixtures/project) loaded into an in-memory store."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from app.core.config import Settings
from app.search.index import SearchIndex
from app.store.policy_store import PolicyStore
from tests.support.backends import (  # noqa: F401 - fixtures: API tests on each store backend, Oxigraph servers
    backend_client,
    backend_settings,
    fresh_oxigraph_url,
    fresh_remote_url,
    fresh_virtuoso_url,
    remote_oxigraph_url,
    remote_store_url,
    remote_virtuoso_url,
    virtuoso_scratch,
)
from tests.support.project import PROJECT, ROOT


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep a developer's POLICYKG_* variables out of the tests."""
    for key in list(os.environ):
        if key.startswith("POLICYKG_"):
            monkeypatch.delenv(key)


@pytest.fixture
def settings() -> Settings:
    """Settings rooted at the fixture project."""
    return Settings(root=PROJECT)


@pytest.fixture
def store(settings: Settings) -> Iterator[PolicyStore]:
    """A fresh in-memory store with the fixture project loaded."""
    with PolicyStore.from_settings(settings) as opened:
        opened.load_project(settings)
        yield opened


@pytest.fixture(scope="session")
def shipped_settings() -> Settings:
    """Settings of the real project (ontology/, data/, shapes/, queries/), in memory."""
    return Settings(root=ROOT, store=None)


@pytest.fixture(scope="session")
def shipped_store(shipped_settings: Settings) -> Iterator[PolicyStore]:
    """The shipped ontology and data loaded once for the session; tests must not modify it."""
    with PolicyStore.from_settings(shipped_settings) as opened:
        opened.load_project(shipped_settings)
        yield opened


@pytest.fixture(scope="session")
def shipped_index(shipped_store: PolicyStore) -> SearchIndex:
    """The search index of the shipped data."""
    return SearchIndex.build(shipped_store)
