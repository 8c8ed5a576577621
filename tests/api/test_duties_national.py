"""/api/duties by the exact name of every agency of every province of the synthetic national graph.

The graph of bench/generate_national.py (scale 0.02) has 34 provinces; names ending in the
syllable "ai" (Lào Cai, Gia Lai, Đồng Nai, Quảng Ngãi) once lost it to the question-frame
stripping of free-text search ("… là ai?"), so each of their agencies was a 404 that suggested
that very agency.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.api import create_app
from app.core.config import Settings
from bench.generate_national import PROVINCES, project_data
from tests.support.project import ROOT

ID = "https://w3id.org/policykg/id/"


@pytest.fixture(scope="module")
def national(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The API over the shipped data plus a small synthetic national graph, in memory.

    Non-default setting: one client asks ~900 names here, more than the per-client request budget
    (``rate_burst``) lets through in a burst; the budget is not what is tested.
    """
    data = Path(tmp_path_factory.mktemp("national")) / "data"
    project_data(data, 0.02, 3)
    settings = Settings(root=ROOT, data_dir=data, store=None, rate_burst=100_000)
    with TestClient(create_app(settings)) as client:
        yield client


def _agencies(client: TestClient, area_key: str) -> dict[str, str]:
    """Each agency of a province in the generated graph, by its Vietnamese label."""
    query = f"""PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
    SELECT ?a ?label WHERE {{
      ?a a <https://w3id.org/policykg/ontology#Agency> ; rdfs:label ?label .
      FILTER(STRSTARTS(STR(?a), "{ID}agency/{area_key}/") && LANG(?label) = "vi") }}"""
    response = client.get("/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200
    return {b["label"]["value"]: b["a"]["value"] for b in response.json()["results"]["bindings"]}


@pytest.mark.parametrize(("area_key", "area_name"), PROVINCES, ids=[key for key, _ in PROVINCES])
def test_every_agency_resolves_by_its_exact_name(national: TestClient, area_key: str, area_name: str) -> None:
    agencies = _agencies(national, area_key)
    assert len(agencies) >= 20, area_name
    for label, iri in agencies.items():
        response = national.get("/api/duties", params={"agency": label})
        assert response.status_code == 200, (label, response.json().get("detail"))
        assert response.json()["agency"]["iri"] == iri
