"""Schemathesis over every operation of the OpenAPI schema, against a live server on the shipped data.

Each answer must be no 5xx and must match what the schema documents: its status among the
operation's responses, its Content-Type, its headers and its body. Positive and negative
(schema-violating) requests alike; the update routes as shipped, without a token (403).

Bounded for CI: ``POLICYKG_FUZZ_EXAMPLES`` (default 50) examples per operation, a fifth of that
for ``/sparql`` (each query goes through a worker process); derandomised, so a run is repeatable.
Raise it locally for a longer hunt: ``POLICYKG_FUZZ_EXAMPLES=500 pytest tests/api/test_openapi_fuzz.py``.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from app.api import create_app
from app.core.config import Settings
from tests.support.live import serve
from tests.support.project import ROOT

EXAMPLES = int(os.environ.get("POLICYKG_FUZZ_EXAMPLES", "50"))
SPARQL_EXAMPLES = max(EXAMPLES // 5, 3)


def _shipped() -> Settings:
    """The shipped defaults (in-memory store, no update token), whatever the developer's environment says."""
    with pytest.MonkeyPatch.context() as env:
        for key in [k for k in os.environ if k.startswith("POLICYKG_")]:
            env.delenv(key)
        return Settings(root=ROOT)


# Every check runs with its defaults, but for two rules OpenAPI cannot state, the schema-valid
# requests these two operations may refuse: a SPARQL text that is not SPARQL (400) or a format the
# kind of result lacks (406, JSON for a CONSTRUCT); an export selection larger than its
# max_elements (413, a fact of the data) or two selectors at once (422, a rule between parameters).
_ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]
CONFIG = schemathesis.config.SchemathesisConfig.from_dict({
    "operations": [
        {"include-path": "/sparql",
         "checks": {"positive_data_acceptance": {"expected-statuses": [*_ACCEPTED, "400", "406"]}}},
        {"include-path": "/api/export",
         "checks": {"positive_data_acceptance": {"expected-statuses": [*_ACCEPTED, "413", "422"]}}},
        # A text that is binary or not UTF-8, a province that names no area, a summary whose relation
        # names no listed document: rules of the content the schema cannot state (422). And any text is
        # a text: a "schema-violating" body (an object where a string is due) reaches the wire as the
        # characters of its JSON, which the route rightly reads.
        {"include-path": "/api/extract",
         "checks": {"positive_data_acceptance": {"expected-statuses": [*_ACCEPTED, "422"]},
                    "negative_data_rejection": {"enabled": False}}},
        # Duties by deadline: an agency or a province, one of the two; a period that does not end
        # before it starts; a day that the calendar has (2025-02-30 fits the pattern): rules
        # between parameters and of the calendar (422).
        {"include-path": "/api/deadlines",
         "checks": {"positive_data_acceptance": {"expected-statuses": [*_ACCEPTED, "422"]}}},
        {"include-path-regex": "^/api/extract/",
         "checks": {"positive_data_acceptance": {"expected-statuses": [*_ACCEPTED, "422", "501"]}}},
    ]
})
# SPARQL bodies sent directly (application/sparql-query, application/sparql-update) and TriG drafts
# (POST /api/ingest) are UTF-8 text.
schemathesis.serializer.alias(["application/sparql-query", "application/sparql-update", "application/trig"], "text/plain")
# The schema as the app publishes it at /openapi.json (building it needs no store).
SPEC = create_app(_shipped()).openapi()


def _schema(keep: Callable[[str], bool]) -> schemathesis.schemas.BaseSchema:
    """The schema with the paths ``keep`` accepts (split by hand: ``schema.include`` ignores its
    filter once the config names operations)."""
    return schemathesis.openapi.from_dict(
        {**SPEC, "paths": {path: item for path, item in SPEC["paths"].items() if keep(path)}}, config=CONFIG
    )


sparql_schema = _schema(lambda path: path == "/sparql")
rest_schema = _schema(lambda path: path != "/sparql")


# Answers per operation and status, printed at the end of the module (visible with ``pytest -s``).
TALLY: Counter[tuple[str, str]] = Counter()


@pytest.fixture(scope="module")
def live_url() -> Iterator[str]:
    """A uvicorn server on loopback over the shipped data, for the whole module."""
    started = time.monotonic()
    with serve(create_app(_shipped())) as url:
        yield url
    operations = sorted({label for label, _ in TALLY})
    print(f"\nfuzzed {len(operations)} operations, {TALLY.total()} requests in {time.monotonic() - started:.0f} s")
    for label in operations:
        statuses = ", ".join(f"{code}: {n}" for (op, code), n in sorted(TALLY.items()) if op == label)
        print(f"  {label}: {statuses}")


def _call(case: schemathesis.Case, base_url: str) -> None:
    response = case.call(base_url=base_url)
    # Probes of methods the operation does not have (405 expected) are counted apart.
    probe = "" if case.method.upper() == case.operation.method.upper() else "other methods "
    TALLY[(case.operation.label, f"{probe}{response.status_code}")] += 1
    case.validate_response(response, transport_kwargs={"base_url": base_url})


# Health checks judge the generation (slow on a busy 2-core runner), not the API: off.
_SETTINGS = {"deadline": None, "derandomize": True, "database": None, "suppress_health_check": list(HealthCheck)}


@rest_schema.parametrize()
@settings(max_examples=EXAMPLES, **_SETTINGS)
def test_api_conforms(case: schemathesis.Case, live_url: str) -> None:
    """Every route but /sparql: no server error, every answer as documented."""
    _call(case, live_url)


@sparql_schema.parametrize()
@settings(max_examples=SPARQL_EXAMPLES, **_SETTINGS)
def test_sparql_conforms(case: schemathesis.Case, live_url: str) -> None:
    """/sparql GET and POST with arbitrary text: no server error, every answer as documented."""
    _call(case, live_url)
