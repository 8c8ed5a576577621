"""One error tree (app/core/errors.py) and one mapping of it to HTTP (app/api/errors.py).

Data-driven over every ``PolicyKGError`` subclass in the code: each is defined in the core, has
its own status in the one table, and becomes that status with a body carrying ``detail`` (and
what lets a client recover) through the app's handler; the CLI reports each as one line, exit 2.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

import app
from app.api.errors import STATUS, error_body, install
from app.core import errors as e

# Import every module (but the CLI's __main__, which runs it), so a PolicyKGError subclass
# defined anywhere in app/ is seen.
for _module in pkgutil.walk_packages(app.__path__, "app."):
    if not _module.name.endswith("__main__"):
        importlib.import_module(_module.name)


def _subclasses(cls: type[e.PolicyKGError]) -> Iterator[type[e.PolicyKGError]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


ERRORS = sorted({e.PolicyKGError, *_subclasses(e.PolicyKGError)}, key=lambda cls: cls.__name__)
DOC = e.DocumentRef("https://w3id.org/policykg/id/doc/x", "1/KH", "Kế hoạch 1", None, None, "2020-01-01")
AGENCY = e.EntityRef("https://w3id.org/policykg/id/agency/vn/x", "Sở X")

#: One instance of each error, as its raiser builds it; a new class needs a row here (and in STATUS).
SAMPLES: dict[type[e.PolicyKGError], Callable[[], e.PolicyKGError]] = {
    e.StoreLoadError: lambda: e.StoreLoadError(Path("data/x.trig"), "bad token", 3, 4),
    e.WorkerCrashed: lambda: e.WorkerCrashed("the worker died", signal="SIGSEGV"),
    e.QueryOutOfMemory: lambda: e.QueryOutOfMemory("out of memory", signal="SIGKILL"),
    e.NotAcceptable: lambda: e.NotAcceptable("no format fits", formats={"ttl": "text/turtle"}),
    e.ParameterError: lambda: e.ParameterError("limit is not a number", name="limit"),
    e.UnknownQuery: lambda: e.UnknownQuery("nope", ["a", "b"]),
    e.AmbiguousDocument: lambda: e.AmbiguousDocument("1/KH", [DOC, DOC]),
    e.UnknownDocument: lambda: e.UnknownDocument("1/KX", [DOC]),
    e.UnknownResource: lambda: e.UnknownResource("https://w3id.org/policykg/id/x", []),
    e.AmbiguousAgency: lambda: e.AmbiguousAgency("Sở X", [AGENCY, AGENCY]),
    e.UnknownAgency: lambda: e.UnknownAgency("Sở Y", [AGENCY]),
    e.AmbiguousEntity: lambda: e.AmbiguousEntity("area", "X", [AGENCY, AGENCY]),
    e.UnknownEntity: lambda: e.UnknownEntity("indicator", "Y", [AGENCY]),
    e.SelectionTooLarge: lambda: e.SelectionTooLarge(120, 100, counted="60 nodes and 60 edges"),
    e.InvalidSummary: lambda: e.InvalidSummary(("documents", 2, "date"), "must be a date YYYY-MM-DD or null"),
}
def _sample(cls: type[e.PolicyKGError]) -> e.PolicyKGError:
    return SAMPLES[cls]() if cls in SAMPLES else cls(f"a {cls.__name__}")


@pytest.mark.parametrize("cls", ERRORS, ids=lambda cls: cls.__name__)
def test_every_domain_error_is_in_the_core_tree_with_its_own_status(cls: type[e.PolicyKGError]) -> None:
    assert cls.__module__ == "app.core.errors", f"{cls.__name__} is defined in {cls.__module__}"
    assert cls in STATUS, f"{cls.__name__} has no status in app.api.errors.STATUS"
    assert 400 <= STATUS[cls] <= 599


@pytest.fixture(scope="module")
def raising_client() -> Iterator[TestClient]:
    """An app with the project's error handlers and one route that raises the error it is named."""
    api = FastAPI()
    install(api)
    by_name = {cls.__name__: cls for cls in ERRORS}

    @api.get("/raise/{name}")
    def raise_it(name: str) -> None:
        raise _sample(by_name[name])

    with TestClient(api, raise_server_exceptions=False) as client:
        yield client


@pytest.mark.parametrize("cls", ERRORS, ids=lambda cls: cls.__name__)
def test_every_domain_error_answers_its_status_and_body(raising_client: TestClient, cls: type[e.PolicyKGError]) -> None:
    response = raising_client.get(f"/raise/{cls.__name__}")
    assert response.status_code == STATUS[cls]
    body = response.json()
    assert body["detail"] == str(_sample(cls))
    assert body == error_body(_sample(cls)).model_dump()
    if cls is e.NotAcceptable:
        assert response.headers["vary"] == "Accept"


NO_PLACE = {"kind": None, "area": None, "area_label": None}


@pytest.mark.parametrize(
    ("cls", "field", "expected"),
    [
        (e.NotAcceptable, "formats", {"ttl": "text/turtle"}),
        (e.UnknownQuery, "available", ["a", "b"]),
        (e.SelectionTooLarge, "limit", 100),
        (e.AmbiguousDocument, "candidates", [{"iri": DOC.iri, "notation": "1/KH", "label": "Kế hoạch 1",
                                              "issuer": None, "issuer_label": None, "date": "2020-01-01",
                                                  "kind": "document"}] * 2),
        (e.UnknownAgency, "suggestions", [{"iri": AGENCY.iri, "label": "Sở X", **NO_PLACE}]),
        (e.AmbiguousEntity, "candidates", [{"iri": AGENCY.iri, "label": "Sở X", **NO_PLACE}] * 2),
        (e.ParameterError, "errors", [{"loc": ["query", "limit"], "msg": "limit is not a number", "type": "value_error"}]),
        (e.InvalidSummary, "errors", [{"loc": ["body", "documents", 2, "date"], "msg": "must be a date YYYY-MM-DD or null",
                                       "type": "value_error"}]),
    ],
    ids=lambda value: value.__name__ if isinstance(value, type) else None,
)
def test_bodies_carry_what_a_client_recovers_with(
    raising_client: TestClient, cls: type[e.PolicyKGError], field: str, expected: object
) -> None:
    assert raising_client.get(f"/raise/{cls.__name__}").json()[field] == expected


def test_reasoner_failures_are_domain_errors_for_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    """The CLI turns any PolicyKGError into one line and exit 2, without calling it an internal error."""
    import click
    import typer

    from app.cli.commands import _guard

    for cls in (e.ReasonerError, e.ReasonerUnavailable):
        with pytest.raises((typer.Exit, click.exceptions.Exit)) as info, _guard():
            raise cls("HermiT needs Java")
        assert info.value.exit_code == 2
        assert capsys.readouterr().err == "error: HermiT needs Java\n"
