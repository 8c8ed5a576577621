"""The search index behind /api/responsible on an on-disk store: an update is found at once, and a
restart reads the index back instead of building it (app.api.deps, app.search.index).

On-disk store: not the default (memory), set in the test. Each run of the server is a process of
its own, as in production: this one would keep the store's RocksDB lock past an app's end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.support.project import PROJECT, ROOT

_TASK = """
PREFIX pol: <https://w3id.org/policykg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
INSERT DATA { GRAPH <https://w3id.org/policykg/graph/source/extra> {
  <https://w3id.org/policykg/id/role/lead> pol:roleProperty pol:leadAgency ; skos:notation "lead" .
  <https://w3id.org/policykg/id/doc/extra/task/1> a pol:Task ; rdfs:label "Phát triển nghề nuôi chim yến"@vi ;
    pol:leadAgency <https://w3id.org/policykg/id/agency/quang-tri/so-khcn> .
} }"""

# Starts the app on the store, optionally updates it, asks a question; prints what happened as JSON.
_RUN = """
import json, logging, sys
from fastapi.testclient import TestClient
from app.api import create_app
from app.core.config import Settings
from app.search.index import SearchIndex
import app.search.index as search_index
wait_for_saves = getattr(search_index, "wait_for_saves", lambda: None)

messages = []
handler = logging.Handler()
handler.emit = lambda record: messages.append(record.getMessage())
logging.getLogger("app.search.index").addHandler(handler)
logging.getLogger("app.search.index").setLevel(logging.INFO)
built = []
real = SearchIndex.build.__func__
SearchIndex.build = classmethod(lambda cls, *a, **k: (built.append(1), real(cls, *a, **k))[1])

def tasks(client):
    response = client.get("/api/responsible", params={"q": "nuôi chim yến"})
    assert response.status_code == 200, response.text
    return sorted(r["task"]["iri"] for r in response.json()["results"])

settings = Settings(root=sys.argv[1], store=sys.argv[2])
out = {}
with TestClient(create_app(settings)) as client:
    out["before"] = tasks(client)
    if len(sys.argv) > 3:
        client.app.state.store.update(sys.argv[3])
        out["after"] = tasks(client)
    wait_for_saves()
out["built"] = len(built)
out["read back"] = any("search index read from" in m for m in messages)
print(json.dumps(out))
"""


def _serve(store: Path, *update: str) -> dict[str, Any]:
    run = subprocess.run(
        [sys.executable, "-c", _RUN, str(PROJECT), str(store), *update],
        check=False,
        capture_output=True,
        text=True,
        timeout=180,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr
    result: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    return result


def test_on_disk_an_update_is_searchable_and_a_restart_reads_the_index_back(tmp_path: Path) -> None:
    task = "https://w3id.org/policykg/id/doc/extra/task/1"
    first = _serve(tmp_path / "store", _TASK)
    assert first["before"] == [] and first["after"] == [task]
    restarted = _serve(tmp_path / "store")
    assert restarted == {"before": [task], "built": 0, "read back": True}
