"""The ``policykg`` command line: serve the API, run named queries, lineage, stats, validation, reasoning.

Exit codes:
  0  success (validation conforms, ontology consistent, violation query returned no rows)
  1  violations found / ontology inconsistent / a ``*-violation`` query returned rows
  2  error: bad input, unreadable data, unknown query, bad --param, store not available

An error prints one line ``error: ...`` on stderr, never a traceback.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import click
import typer

from app import __version__
from app.config import Settings
from app.errors import PolicyKGError
from app.namespaces import compact
from app.store import PolicyStore, QueryResult

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2

_EPILOG = (
    "Exit codes: 0 ok; 1 violations found or ontology inconsistent; "
    "2 error (bad input, unreadable data, unknown query, bad --param)."
)

app = typer.Typer(
    name="policykg",
    help="policykg: an open knowledge graph of Vietnamese public policy.",
    epilog=_EPILOG,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class QueryFormat(StrEnum):
    """Output formats of ``policykg query``."""

    table = "table"
    json = "json"
    csv = "csv"


class ReportFormat(StrEnum):
    """Output formats of ``policykg validate``."""

    text = "text"
    json = "json"
    turtle = "turtle"


@dataclass(frozen=True, slots=True)
class _Options:
    store: str | None
    reload: bool


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {' '.join(message.splitlines())}", err=True)
    raise typer.Exit(EXIT_ERROR)


@contextmanager
def _guard() -> Iterator[None]:
    """Turn any failure into one line on stderr and exit code 2."""
    try:
        yield
    except (typer.Exit, typer.Abort, click.exceptions.Exit, click.ClickException, click.Abort):
        raise
    except PolicyKGError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc))
    except Exception as exc:  # noqa: BLE001 - the contract is one line on stderr, never a traceback
        _fail(f"internal error ({type(exc).__name__}): {exc}")


def _settings(ctx: typer.Context, store: str | None = None) -> Settings:
    # Built fresh (not the cached get_settings()) so one process can run commands on several roots.
    options: _Options = ctx.obj or _Options(store=None, reload=False)
    settings = Settings()
    chosen = store or options.store
    if chosen:
        settings = settings.model_copy(update={"store": chosen})
    return settings


def _open(ctx: typer.Context, settings: Settings) -> PolicyStore:
    options: _Options = ctx.obj or _Options(store=None, reload=False)
    store = PolicyStore.from_settings(settings)
    try:
        store.load_project(settings, reload=options.reload)
    except BaseException:
        store.close()
        raise
    return store


def _emit_json(value: Any) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def _table(columns: list[str], rows: list[list[str]]) -> str:
    widths = [max([len(c)] + [len(r[i]) for r in rows]) for i, c in enumerate(columns)]
    line = "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()
    rule = "  ".join("-" * w for w in widths)
    body = ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join([line, rule, *body])


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return compact(value) if isinstance(value, str) and "://" in value else str(value)


def _print_result(result: QueryResult, fmt: QueryFormat) -> None:
    rows = result.json_rows()
    if fmt is QueryFormat.json:
        _emit_json({"columns": result.columns, "rows": rows, "truncated": result.truncated})
    elif fmt is QueryFormat.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(result.columns)
        writer.writerows([["" if r[c] is None else r[c] for c in result.columns] for r in rows])
    else:
        typer.echo(_table(result.columns, [[_cell(r[c]) for c in result.columns] for r in rows]))
        typer.echo(f"({len(rows)} row{'s' if len(rows) != 1 else ''})", err=True)
    if result.truncated:
        typer.echo(f"warning: result truncated to {len(rows)} rows (POLICYKG_MAX_RESULTS)", err=True)


def _parse_params(items: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            _fail(f"bad --param {item!r}: expected NAME=VALUE")
        if key in params:
            _fail(f"--param {key!r} is given twice")
        params[key] = value
    return params


@app.callback()
def _root(
    ctx: typer.Context,
    store: Annotated[
        str | None,
        typer.Option("--store", help="On-disk store directory (default: in memory). Env: POLICYKG_STORE."),
    ] = None,
    reload_data: Annotated[
        bool,
        typer.Option("--reload-data", help="Reload ontology and data into an on-disk store that already has data."),
    ] = False,
) -> None:
    """policykg: an open knowledge graph of Vietnamese public policy."""
    ctx.obj = _Options(store=store, reload=reload_data)


@app.command()
def version() -> None:
    """Print the policykg version."""
    typer.echo(__version__)


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Interface to bind (default from POLICYKG_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default from POLICYKG_PORT).")] = None,
    store: Annotated[str | None, typer.Option("--store", help="On-disk store directory.")] = None,
) -> None:
    """Serve the HTTP API (uvicorn)."""
    with _guard():
        import uvicorn

        from app.api import create_app
        from app.catalog import load_catalog

        settings = _settings(ctx, store)
        # Loading before uvicorn starts turns a data or catalogue error into one line and exit code 2.
        load_catalog(settings.queries_dir)
        opened = _open(ctx, settings)
        try:
            uvicorn.run(create_app(settings, store=opened), host=host or settings.host, port=port or settings.port)
        finally:
            opened.close()


@app.command()
def query(
    ctx: typer.Context,
    name: Annotated[
        str, typer.Argument(metavar="NAME|FILE", help="A named query (file stem in queries/) or a .rq file.")
    ],
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="NAME=VALUE, repeatable.")] = None,
    fmt: Annotated[QueryFormat, typer.Option("--format", "-f", help="Output format.")] = QueryFormat.table,
) -> None:
    """Run a named query or a query file. A *-violation query that returns rows exits 1."""
    with _guard():
        from app.catalog import get_query, load_catalog, load_query, run_named

        settings = _settings(ctx)
        params = _parse_params(param or [])
        path = Path(name)
        if path.suffix == ".rq" or path.is_file():
            if not path.is_file():
                _fail(f"no such query file: {path}")
            named = load_query(path)
        else:
            named = get_query(load_catalog(settings.queries_dir), name)
        store = _open(ctx, settings)
        try:
            result = run_named(store, named, params)
        finally:
            store.close()
        _print_result(result, fmt)
        if named.is_violation and result.rows:
            raise typer.Exit(EXIT_FINDINGS)


@app.command()
def stats(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Count triples, graphs, class instances, documents, agencies, tasks and targets."""
    with _guard():
        from app.stats import compute_stats

        store = _open(ctx, _settings(ctx))
        try:
            result = compute_stats(store)
        finally:
            store.close()
        if as_json:
            _emit_json(asdict(result))
            return
        summary = [
            ["triples", str(result.triples)],
            ["documents", str(result.documents)],
            ["agencies", str(result.agencies)],
            ["tasks", str(result.tasks)],
            ["targets", str(result.targets)],
            ["named graphs", str(len(result.graphs))],
        ]
        typer.echo(_table(["what", "count"], summary))
        typer.echo("")
        typer.echo(_table(["class", "instances"], [[compact(c), str(n)] for c, n in result.classes.items()]))
        typer.echo("")
        graphs = [[compact(g), str(n)] for g, n in result.graphs.items()]
        if result.default_graph_triples:
            graphs.append(["(default graph)", str(result.default_graph_triples)])
        typer.echo(_table(["graph", "triples"], graphs))


@app.command()
def lineage(
    ctx: typer.Context,
    document: Annotated[
        str, typer.Argument(metavar="NOTATION", help="A document number as written (190-KH/TU) or an IRI.")
    ],
    issuer: Annotated[
        str | None, typer.Option(help="Issuer IRI, key (quang-tri) or name, when the number repeats.")
    ] = None,
    max_depth: Annotated[int, typer.Option(min=1, help="How many levels to follow.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show what a document carries out (ancestors) and what carries it out (descendants)."""
    with _guard():
        from app.lineage import LineageItem, resolve_document
        from app.lineage import lineage as compute_lineage

        store = _open(ctx, _settings(ctx))
        try:
            result = compute_lineage(store, resolve_document(store, document, issuer), max_depth)
        finally:
            store.close()
        if as_json:
            _emit_json(
                {
                    "document": asdict(result.document),
                    "ancestors": [asdict(i) for i in result.ancestors],
                    "descendants": [asdict(i) for i in result.descendants],
                }
            )
            return

        def show(item: LineageItem) -> str:
            who = item.issuer_label or (compact(item.issuer) if item.issuer else "?")
            when = f", {item.date}" if item.date else ""
            rel = f"[{item.relation}] " if item.relation else ""
            return f"{'  ' * item.depth}{rel}{item.notation or item.label or compact(item.iri)} ({who}{when})"

        typer.echo(show(result.document))
        if result.document.label:
            typer.echo(f"  {result.document.label}")
        typer.echo(f"  <{result.document.iri}>")
        for title, items in (("Ancestors", result.ancestors), ("Descendants", result.descendants)):
            typer.echo(f"\n{title} ({len(items)}):")
            for item in items:
                typer.echo(show(item))


def _finding_dict(finding: Any) -> dict[str, Any]:
    # Read by attribute so any Finding shape from app.validation prints without a to_json().
    out: dict[str, Any] = {}
    for key in ("severity", "rule", "message", "focus", "focus_label", "focus_notation"):
        value = getattr(finding, key, None)
        out[key] = value if value is None or isinstance(value, str | int | float | bool) else str(value)
    return out


@app.command()
def validate(
    ctx: typer.Context,
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f", help="Report format.")] = ReportFormat.text,
) -> None:
    """Check the data against the SHACL shapes and violation queries; exit 1 when it does not conform."""
    with _guard():
        try:
            from app.validation import validate as run_validation
        except ImportError as exc:
            _fail(f"validation is not available: {exc}")
        settings = _settings(ctx)
        store = _open(ctx, settings)
        try:
            report = run_validation(store, settings)
        finally:
            store.close()
        if fmt is ReportFormat.turtle:
            typer.echo(report.to_turtle())
        elif fmt is ReportFormat.json:
            payload = report.to_json() if hasattr(report, "to_json") else None
            if payload is None:
                payload = {"conforms": report.conforms, "findings": [_finding_dict(f) for f in report.findings]}
            typer.echo(payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False, indent=2))
        else:
            for f in report.findings:
                d = _finding_dict(f)
                what = d["focus_notation"] or d["focus_label"] or (compact(d["focus"]) if d["focus"] else "")
                typer.echo(f"{d['severity']:<9} {d['rule']}  {what}: {d['message']}")
            counts: dict[str, int] = {}
            for f in report.findings:
                counts[str(f.severity)] = counts.get(str(f.severity), 0) + 1
            tally = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "no findings"
            typer.echo(f"{'conforms' if report.conforms else 'does not conform'} ({tally})")
        if not report.conforms:
            raise typer.Exit(EXIT_FINDINGS)


@app.command()
def reason(ctx: typer.Context) -> None:
    """Check the ontology and data for logical consistency; exit 1 when inconsistent."""
    with _guard():
        try:
            from app.reasoning import check_consistency
        except ImportError as exc:
            _fail(f"reasoning is not available: {exc}")
        settings = _settings(ctx)
        store = _open(ctx, settings)
        try:
            result = check_consistency(store, settings)
        finally:
            store.close()
        state = "consistent" if result.consistent else "INCONSISTENT"
        typer.echo(f"{state} ({result.reasoner})" + (f": {result.message}" if result.message else ""))
        for cls in result.unsatisfiable:
            typer.echo(f"  unsatisfiable: {compact(cls)}")
        if not result.consistent:
            raise typer.Exit(EXIT_FINDINGS)


def main() -> None:
    """Entry point of the ``policykg`` console script."""
    app(prog_name="policykg")


if __name__ == "__main__":
    main()
