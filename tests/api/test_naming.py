"""Every way of naming (tests/domain/test_names.py: NAMINGS) through every entry point that takes a name.

For each naming, every CLI command (typer's CliRunner), API route, named query and export that
takes a name of that kind must agree: a resolved name gives the same answer as the entity's IRI
gives at that entry point; a name that fits several things, or none, gives the same message
everywhere, and on HTTP the same status (409, 404) with the same candidates or suggestions.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.cli.commands import app as cli
from app.domain.names import Kind
from tests.domain.test_names import NAMINGS, Naming
from tests.support.project import ROOT

runner = CliRunner()


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one entry point answered: its answer, or the error message (with status and IRIs on HTTP)."""

    answer: Any = None
    detail: str | None = None
    status: int | None = None
    offered: tuple[str, ...] = field(default=())


def _http(response: Any, answer: Callable[[Any], Any]) -> Outcome:
    if response.status_code == 200:
        return Outcome(answer=answer(response))
    body = response.json()
    listed = body.get("candidates") or body.get("suggestions") or []
    return Outcome(detail=body["detail"], status=response.status_code, offered=tuple(c["iri"] for c in listed))


def _cli(env: dict[str, str], args: list[str], answer: Callable[[Any], Any]) -> Outcome:
    result = runner.invoke(cli, args, env=env)
    if result.exit_code == 0:
        return Outcome(answer=answer(result))
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.strip().splitlines()
    return Outcome(detail=line.removeprefix("error: "))


EntryPoint = Callable[[TestClient, dict[str, str], str, str | None], Outcome]


def _issuer(issuer: str | None) -> dict[str, str]:
    return {"issuer": issuer} if issuer else {}


def _issuer_option(issuer: str | None) -> list[str]:
    return ["--issuer", issuer] if issuer else []


def _rows(result: Any) -> Any:
    return json.loads(result.stdout)["rows"]


def _api_export(selector: str) -> EntryPoint:
    def run(client: TestClient, _: dict[str, str], text: str, issuer: str | None) -> Outcome:
        params = {selector: text, "format": "nodelink", **_issuer(issuer)}
        return _http(client.get("/api/export", params=params), lambda r: r.content)

    return run


def _cli_export(option: str) -> EntryPoint:
    def run(_: TestClient, env: dict[str, str], text: str, issuer: str | None) -> Outcome:
        return _cli(env, ["export", "-f", "nodelink", option, text, *_issuer_option(issuer)], lambda r: r.stdout_bytes)

    return run


def _api_query(name: str, param: str) -> EntryPoint:
    def run(client: TestClient, _: dict[str, str], text: str, issuer: str | None) -> Outcome:
        return _http(client.get(f"/api/queries/{name}", params={param: text}), lambda r: r.json()["rows"])

    return run


def _cli_query(name: str, param: str) -> EntryPoint:
    def run(_: TestClient, env: dict[str, str], text: str, issuer: str | None) -> Outcome:
        return _cli(env, ["query", name, "-p", f"{param}={text}", "-f", "json"], _rows)

    return run


def _api_lineage(client: TestClient, _: dict[str, str], text: str, issuer: str | None) -> Outcome:
    response = client.get("/api/lineage", params={"document": text, **_issuer(issuer)})
    return _http(response, lambda r: r.json()["document"]["iri"])


def _cli_lineage(_: TestClient, env: dict[str, str], text: str, issuer: str | None) -> Outcome:
    return _cli(env, ["lineage", text, *_issuer_option(issuer), "--json"], lambda r: json.loads(r.stdout)["document"]["iri"])


def _api_duties(client: TestClient, _: dict[str, str], text: str, issuer: str | None) -> Outcome:
    return _http(client.get("/api/duties", params={"agency": text}), lambda r: r.json()["agency"]["iri"])


def _cli_duties(_: TestClient, env: dict[str, str], text: str, issuer: str | None) -> Outcome:
    return _cli(env, ["duties", text, "--json"], lambda r: json.loads(r.stdout)["agency"]["iri"])


#: Every entry point that takes a name, by kind. Named queries take no issuer: namings with one
#: go only where an issuer can be given.
ENTRY_POINTS: dict[Kind, dict[str, EntryPoint]] = {
    "document": {
        "GET /api/lineage": _api_lineage,
        "policykg lineage": _cli_lineage,
        "GET /api/export?root=": _api_export("root"),
        "policykg export --root": _cli_export("--root"),
        "GET /api/queries/lineage-up?doc=": _api_query("lineage-up", "doc"),
        "policykg query lineage-up -p doc=": _cli_query("lineage-up", "doc"),
    },
    "agency": {
        "GET /api/duties": _api_duties,
        "policykg duties": _cli_duties,
        "GET /api/export?agency=": _api_export("agency"),
        "policykg export --agency": _cli_export("--agency"),
        "GET /api/queries/agency-duties?agency=": _api_query("agency-duties", "agency"),
        "policykg query agency-duties -p agency=": _cli_query("agency-duties", "agency"),
    },
    "indicator": {
        "GET /api/export?indicator=": _api_export("indicator"),
        "policykg export --indicator": _cli_export("--indicator"),
        "GET /api/queries/targets-by-indicator?indicator=": _api_query("targets-by-indicator", "indicator"),
        "policykg query targets-by-indicator -p indicator=": _cli_query("targets-by-indicator", "indicator"),
    },
    "area": {
        "GET /api/export?province=": _api_export("province"),
        "GET /api/export?area=": _api_export("area"),
        "policykg export --province": _cli_export("--province"),
    },
}
_TAKES_ISSUER = {"GET /api/lineage", "policykg lineage", "GET /api/export?root=", "policykg export --root"}
# The answer each entry point gives for an entity's IRI, asked once (several namings share an entity).
_BY_IRI: dict[tuple[str, str], Outcome] = {}


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The CLI over an on-disk store of the shipped data, loaded once (each command then opens it)."""
    env = {"POLICYKG_ROOT": str(ROOT), "POLICYKG_STORE": str(Path(tmp_path_factory.mktemp("names")) / "store")}
    assert runner.invoke(cli, ["stats"], env=env).exit_code == 0
    yield env


@pytest.mark.parametrize("naming", NAMINGS, ids=lambda n: n.id)
def test_every_entry_point_agrees(shipped_client: TestClient, cli_env: dict[str, str], naming: Naming) -> None:
    points = {
        name: run
        for name, run in ENTRY_POINTS[naming.kind].items()
        if naming.issuer is None or name in _TAKES_ISSUER
    }
    outcomes = {name: run(shipped_client, cli_env, naming.text, naming.issuer) for name, run in points.items()}
    if naming.iri is not None:
        for name, run in points.items():
            # The entity's own IRI is the reference answer of the same entry point.
            key = (name, naming.iri)
            by_iri = _BY_IRI[key] = _BY_IRI.get(key) or run(shipped_client, cli_env, naming.iri, None)
            assert outcomes[name].detail is None, f"{name}: {outcomes[name].detail}"
            assert outcomes[name].answer == by_iri.answer, name
            if name in ("GET /api/lineage", "policykg lineage", "GET /api/duties", "policykg duties"):
                assert outcomes[name].answer == naming.iri, name
        return
    details = {name: o.detail for name, o in outcomes.items()}
    assert len(set(details.values())) == 1 and None not in details.values(), details
    over_http = {name: o for name, o in outcomes.items() if o.status is not None}
    expected_status = 409 if naming.candidates else 404
    assert {o.status for o in over_http.values()} == {expected_status}, {n: o.status for n, o in over_http.items()}
    assert len({o.offered for o in over_http.values()}) == 1, {n: o.offered for n, o in over_http.items()}
    offered = set(next(iter(over_http.values())).offered)
    if naming.candidates:
        assert naming.candidates <= offered
    else:
        assert naming.suggests in offered
