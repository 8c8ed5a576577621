"""The API tests of /health, /api/stats, /api/lineage and /api/queries, run again with the store in a
real Oxigraph server (``POLICYKG_STORE=http://…/query``) instead of the embedded one.

The test functions are those of their own modules, imported unchanged: pytest collects them here
and gives them this module's ``client`` fixture, so both backends must pass the very same tests.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.api import create_app
from app.config import Settings
from tests.api.test_health import test_health, test_openapi_lists_routes, test_stats
from tests.api.test_lineage import (
    test_ambiguous_notation_is_409_with_both_candidates,
    test_by_iri_and_bad_input,
    test_issuer_disambiguates,
    test_lineage_by_notation,
    test_unknown_document_is_404_with_suggestions,
)
from tests.api.test_queries import (
    test_bad_params_are_422,
    test_injection_attempt_returns_no_rows,
    test_integer_values_are_json_numbers,
    test_list_queries,
    test_missing_param_is_422_naming_it,
    test_run_query,
    test_unknown_query_is_404,
)
from tests.project import PROJECT

__all__ = [
    "test_ambiguous_notation_is_409_with_both_candidates",
    "test_bad_params_are_422",
    "test_by_iri_and_bad_input",
    "test_health",
    "test_injection_attempt_returns_no_rows",
    "test_integer_values_are_json_numbers",
    "test_issuer_disambiguates",
    "test_lineage_by_notation",
    "test_list_queries",
    "test_missing_param_is_422_naming_it",
    "test_openapi_lists_routes",
    "test_run_query",
    "test_stats",
    "test_unknown_document_is_404_with_suggestions",
    "test_unknown_query_is_404",
]


@pytest.fixture(scope="module")
def client(remote_store_url: str) -> Iterator[TestClient]:
    """The app over the fixture project held by a real Oxigraph server (read-only tests)."""
    with TestClient(create_app(Settings(root=PROJECT, store=remote_store_url))) as test_client:
        yield test_client
