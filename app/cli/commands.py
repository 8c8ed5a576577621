"""The ``policykg`` command line: serve the API, run named queries, lineage, stats, validation, reasoning,
ask who is responsible (``who``, ``duties``, ``targets``, ``eval-search``), compare a resolution's cascade
(``cascade``), list duties by deadline (``deadlines``), and draft from a text (``extract``).

Exit codes:
  0  success (validation conforms, ontology consistent, violation query returned no rows)
  1  violations found / ontology inconsistent / a ``*-violation`` query returned rows /
     ``cascade`` flagged a province / ``deadlines`` listed an overdue duty
  2  error: bad input, unreadable data, unknown query, bad --param, store not available

An error prints one line ``error: ...`` on stderr, never a traceback.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import click
import typer

from app import __version__
from app.core.config import Settings
from app.core.errors import PolicyKGError
from app.core.namespaces import compact
from app.export.graph import ExportFormat
from app.linkeddata.dumps import DumpFormat
from app.store.policy_store import PolicyStore, QueryResult
from app.store.restore import RestoreFormat

_R = TypeVar("_R")

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
        typer.Option(
            "--store",
            help="On-disk store directory, or the URL of a remote SPARQL query endpoint (default: in memory). "
            "Env: POLICYKG_STORE.",
        ),
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
    store: Annotated[str | None, typer.Option("--store", help="On-disk store directory or remote SPARQL endpoint URL.")] = None,
) -> None:
    """Serve the HTTP API (uvicorn on h11, with the HTTP limits of app/api/server.py)."""
    with _guard():
        import uvicorn

        from app.api import create_app
        from app.api.server import server_config
        from app.endpoint.catalog import load_catalog
        from app.endpoint.service import denies_network
        from app.store.policy_store import read_rules

        settings = _settings(ctx, store)
        options: _Options = ctx.obj or _Options(store=None, reload=False)
        # Checked before uvicorn starts, so a catalogue or rule error is one line and exit code 2.
        load_catalog(settings.queries_dir)
        read_rules(settings.ontology_dir / "rules")
        # A persistent store is loaded by the app: in the background if it needs (re)building, with
        # /health degraded meanwhile. In memory there is nothing to serve before the load: a data
        # error is exit code 2.
        opened = PolicyStore.from_settings(settings) if settings.store else _open(ctx, settings)
        try:
            app_ = create_app(settings, store=opened, reload=options.reload)
            server = uvicorn.Server(server_config(app_, settings, host, port))
            # SystemExit: uvicorn's own when it cannot bind or start (it logged why), reported below;
            # Ctrl-C is re-raised by uvicorn once it has shut down, and ends the command (0).
            with suppress(SystemExit, KeyboardInterrupt):
                sock = server.config.bind_socket()
                if denies_network(settings, opened):
                    from app.core.sandbox import deny_network

                    # From here on neither this process nor a worker it forks can open an internet
                    # socket; the bound listening socket keeps accepting.
                    deny_network()
                server.run(sockets=[sock])
        finally:
            opened.close()
        if not server.started:
            _fail(f"the server did not start on {server.config.host}:{server.config.port} (see the log above)")


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
        from app.endpoint.catalog import get_query, load_catalog, load_query, run_named

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
        from app.domain.stats import compute_stats

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
def rebuild(ctx: typer.Context) -> None:
    """Re-derive the union default graph and the rules' graph from the named graphs, in full.

    Updates keep both incrementally; this is the check and the cure. Exit 1 when the rebuild
    changed anything (the incremental upkeep had drifted: please report it), 0 when it did not.
    For an on-disk store, stop the server first.
    """
    with _guard():
        store = _open(ctx, _settings(ctx))
        try:
            result = store.rebuild()
        finally:
            store.close()
        typer.echo(f"{result.union_triples} triples in the union, {result.derived_triples} derived", err=True)
        if result.changed:
            typer.echo("the rebuild changed the derived state: incremental upkeep had drifted", err=True)
            raise typer.Exit(1)


@app.command()
def lineage(
    ctx: typer.Context,
    document: Annotated[
        str,
        typer.Argument(
            metavar="DOCUMENT",
            help="A document number as written (190-KH/TU, 52, 'Nghị quyết 52', 'NQ 52'), its key or its IRI.",
        ),
    ],
    issuer: Annotated[
        str | None, typer.Option(help="Issuer IRI, key (quang-tri) or name, when the number repeats.")
    ] = None,
    max_depth: Annotated[int, typer.Option(min=1, help="How many levels to follow.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show what a document carries out (ancestors) and what carries it out (descendants)."""
    with _guard():
        from app.domain.lineage import LineageItem
        from app.domain.lineage import lineage as compute_lineage
        from app.domain.names import resolve_document

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


def _with_index(ctx: typer.Context, answer: Callable[[PolicyStore, Any], _R]) -> _R:
    """Open the store, index it, and compute ``answer(store, index)`` before closing the store."""
    from app.search.index import SearchIndex

    store = _open(ctx, _settings(ctx))
    try:
        return answer(store, SearchIndex.build(store))
    finally:
        store.close()


def _short(text: str | None, width: int) -> str:
    text = text or ""
    return text if len(text) <= width else text[: width - 1] + "…"


@app.command("who")
def print_responsible(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(metavar="TEXT", help="What to look for, any accents or abbreviations.")],
    limit: Annotated[int, typer.Option(min=1, max=100, help="How many results.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (the shape of /api/responsible).")] = False,
) -> None:
    """Who is responsible for TEXT: agency, role, task, document and its chain up to the national root."""
    with _guard():
        from app.domain.responsibility import find_responsible

        answer = _with_index(ctx, lambda store, index: find_responsible(index, store, text, limit))
        if as_json:
            _emit_json(asdict(answer))
            return
        rows = [
            [
                str(n),
                _short(r.agency.label, 45),
                r.role,
                _short(r.task.label, 60),
                " ← ".join(s.notation or _short(s.label, 20) for s in r.lineage) or "",
            ]
            for n, r in enumerate(answer.results, start=1)
        ]
        typer.echo(_table(["#", "agency", "role", "task", "document chain"], rows))
        typer.echo(f"({len(rows)} result{'s' if len(rows) != 1 else ''})", err=True)


@app.command()
def duties(
    ctx: typer.Context,
    agency: Annotated[str, typer.Argument(metavar="AGENCY", help="Name, abbreviation, key or IRI: 'Sở KH&CN Quảng Trị'.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (the shape of /api/duties).")] = False,
) -> None:
    """The tasks of AGENCY by document and task group, with its role in each."""
    with _guard():
        from app.domain.names import resolve_agency
        from app.domain.responsibility import duties as agency_duties

        result = _with_index(ctx, lambda store, index: agency_duties(index, resolve_agency(store, agency)))
        if as_json:
            _emit_json({**asdict(result), "task_count": result.task_count})
            return
        typer.echo(f"{result.agency.label} <{result.agency.iri}>: {result.task_count} tasks")
        for block in result.documents:
            doc = block.document
            typer.echo(f"\n{(doc.notation or doc.label) if doc else '(no document)'}")
            for group in block.groups:
                if group.group is not None:
                    typer.echo(f"  {group.ordinal or ''}. {_short(group.group.label, 90)}")
                for task in group.tasks:
                    typer.echo(f"    [{task.role}] {_short(task.label, 100)}")
        if result.drafted:
            typer.echo("\nDrafts:")
            for doc in result.drafted:
                typer.echo(f"  {doc.notation or ''} {_short(doc.label, 100)}".rstrip())


@app.command()
def targets(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(metavar="TEXT", help="Words of the indicator: 'kinh te so', 'GRDP'.")],
    limit: Annotated[int, typer.Option(min=1, max=100, help="How many indicators.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (the shape of /api/indicators).")] = False,
) -> None:
    """Indicators matching TEXT with every target set for them: value, year, place and document."""
    with _guard():
        from app.domain.indicators import find_indicators

        found = _with_index(ctx, lambda store, index: find_indicators(index, store, text, limit))
        if as_json:
            _emit_json({"query": text, "indicators": [asdict(i) for i in found]})
            return
        for indicator in found:
            typer.echo(f"{indicator.label} <{indicator.iri}>")
            rows = [
                [
                    str(t.year or ""),
                    f"{t.comparator or ''} {'' if t.value is None else f'{t.value:g}'} {t.unit or ''}".strip(),
                    t.jurisdiction.label if t.jurisdiction else "",
                    (t.document.notation or _short(t.document.label, 50)) if t.document else "",
                ]
                for t in indicator.targets
            ]
            typer.echo(_table(["year", "target", "place", "document"], rows) + "\n")
        if not found:
            typer.echo("(no indicator matches)", err=True)


class TableFormat(StrEnum):
    """Output formats of ``policykg cascade`` and ``policykg deadlines``."""

    table = "table"
    json = "json"
    csv = "csv"


def _target(target: Any) -> str:
    """``at-least 30`` or, for a range, ``range 16-18``."""
    value = "" if target.value is None else f"{target.value:g}"
    if target.value_high is not None:
        value += f"-{target.value_high:g}"
    return f"{target.comparator or ''} {value}".strip()


@app.command()
def cascade(
    ctx: typer.Context,
    document: Annotated[str, typer.Argument(metavar="DOCUMENT", help="A national resolution: 57-NQ/TW, or an IRI.")],
    issuer: Annotated[str | None, typer.Option(help="Issuer of DOCUMENT when its number repeats.")] = None,
    fmt: Annotated[TableFormat, typer.Option("--format", "-f", help="table, json (the shape of /api/cascade) or csv.")] = TableFormat.table,
) -> None:
    """Each province's documents and targets below DOCUMENT, next to the national targets.

    Exit code 1 when a province is flagged (sets no target the nation sets, a lower one, or two
    contradicting ones), 0 when none is, 2 on error.
    """
    with _guard():
        from app.api.routers.cascade import CascadeResponse
        from app.domain.cascade import cascade as compare
        from app.domain.cascade import cascade_csv, resolve_national_document

        store = _open(ctx, _settings(ctx))
        try:
            result = compare(store, resolve_national_document(store, document, issuer))
        finally:
            store.close()
        if fmt is TableFormat.json:
            _emit_json(CascadeResponse.model_validate(result, from_attributes=True).model_dump(mode="json"))
        elif fmt is TableFormat.csv:
            typer.echo(cascade_csv(result).replace("\r\n", "\n"), nl=False)
        else:
            top = result.document
            typer.echo(f"{top.notation or top.label} <{top.iri}>")
            if result.national_documents:
                typer.echo("national: " + ", ".join(d.notation or _short(d.label, 40) for d in result.national_documents))
            columns = {c.iri: c for c in result.indicators}
            rows = []
            for province in result.provinces:
                for cell in province.cells:
                    column = columns[cell.indicator]
                    if not cell.targets and not cell.flags:
                        continue
                    national = "; ".join(f"{_target(t)} ({t.year or '?'})" for t in column.national)
                    mine = "; ".join(
                        f"{_target(t)} ({t.year or '?'}, {t.document_notation or _short(t.document_label, 20)})"
                        for t in cell.targets
                    )
                    rows.append([_short(province.area.label, 22), _short(column.label, 40), column.unit or "", national, mine or "-", ", ".join(cell.flags)])
            typer.echo(_table(["province", "indicator", "unit", "national", "province's targets", "flags"], rows))
            typer.echo(f"({len(result.provinces)} provinces, {result.flag_count} flagged cells)", err=True)
        if result.flag_count:
            raise typer.Exit(EXIT_FINDINGS)


@app.command()
def deadlines(
    ctx: typer.Context,
    agency: Annotated[str | None, typer.Option(help="An agency: name, abbreviation or IRI.")] = None,
    province: Annotated[str | None, typer.Option(help="A province (or any area): key, name or IRI.")] = None,
    start: Annotated[str | None, typer.Option("--from", help="First day of the period: 2025, 2025-06 or 2025-06-01.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day of the period: 2025, 2025-06 or 2025-06-30.")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only the overdue duties.")] = False,
    today: Annotated[str | None, typer.Option(help="The day to judge overdue on, YYYY-MM-DD (default: today).")] = None,
    fmt: Annotated[TableFormat, typer.Option("--format", "-f", help="table, json (the shape of /api/deadlines) or csv.")] = TableFormat.table,
) -> None:
    """The duties of an agency or a province due in a period, and those past their deadline not reported done.

    Exit code 1 when a listed duty is overdue, 0 when none is, 2 on error.
    """
    import datetime as dt

    with _guard():
        from app.api.routers.deadlines import DeadlinesResponse
        from app.domain.deadlines import deadlines as due
        from app.domain.deadlines import deadlines_csv, parse_day, period_bound, resolve_scope

        first = period_bound(start, name="--from", end=False)
        last = period_bound(end, name="--to", end=True)
        day = parse_day(today, name="--today") or dt.date.today()
        result = _with_index(
            ctx,
            lambda store, index: due(
                store, index, resolve_scope(store, index, agency, province), today=day, start=first, end=last, overdue_only=overdue
            ),
        )
        if fmt is TableFormat.json:
            _emit_json(DeadlinesResponse.model_validate(result, from_attributes=True).model_dump(mode="json"))
        elif fmt is TableFormat.csv:
            typer.echo(deadlines_csv(result).replace("\r\n", "\n"), nl=False)
        else:
            typer.echo(f"{result.scope.label} <{result.scope.iri}>, as of {result.today}")
            rows = [
                [d.due, d.deadline, d.status, _short(d.agency.label, 35), d.role, (d.document.notation or _short(d.document.label, 20)) if d.document else "", _short(d.task.label, 60)]
                for d in result.duties
            ]
            typer.echo(_table(["due", "deadline", "status", "agency", "role", "document", "task"], rows))
            typer.echo(f"({len(rows)} duties, {result.overdue_count} overdue, {result.without_deadline} without a deadline)", err=True)
        if result.overdue_count:
            raise typer.Exit(EXIT_FINDINGS)


@app.command("eval-search")
def eval_search(
    ctx: typer.Context,
    questions: Annotated[
        Path | None, typer.Option(help="Questions file (default: eval/questions.json of the project).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Ask the evaluation questions and print hit@1 and hit@3 of 'who is responsible'."""
    with _guard():
        from app.domain.evaluation import evaluate, load_questions

        settings = _settings(ctx)
        cases = load_questions(questions or settings.root / "eval" / "questions.json")
        report = _with_index(ctx, lambda store, index: evaluate(index, store, cases))
        if as_json:
            _emit_json(
                {
                    "questions": len(report.outcomes),
                    "hit_at_1": report.hit_at(1),
                    "hit_at_3": report.hit_at(3),
                    "passed_within": report.passed,
                    "by_form": report.by_form(),
                    "misses": [
                        {"q": o.question.q, "agency": o.question.agency, "rank": o.rank}
                        for o in report.outcomes
                        if o.rank != 1
                    ],
                }
            )
            return
        for o in report.outcomes:
            if o.rank != 1:
                typer.echo(f"rank {o.rank or '-'}: {o.question.q}  (expects {compact(o.question.agency)})")
        typer.echo(
            f"{len(report.outcomes)} questions: hit@1 {report.hit_at(1):.1%}, hit@3 {report.hit_at(3):.1%}, "
            f"{report.passed} within their own limit ({report.seconds * 1000:.0f} ms)"
        )


class Engine(StrEnum):
    """Validators of ``policykg validate``."""

    fast = "fast"
    pyshacl = "pyshacl"


@app.command()
def validate(
    ctx: typer.Context,
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f", help="Report format.")] = ReportFormat.text,
    engine: Annotated[
        Engine,
        typer.Option(help="fast: the shapes compiled to SPARQL, run by the store; pyshacl: the reference engine (slow)."),
    ] = Engine.fast,
    document: Annotated[
        Path | None,
        typer.Option(
            "--document", "-d", exists=True, dir_okay=False,
            help="Validate this new RDF file merged with the store's data; report only findings about its resources.",
        ),
    ] = None,
) -> None:
    """Check the data against the SHACL shapes and violation queries; exit 1 when it does not conform."""
    with _guard():
        from app.quality.findings import load_rules, validate_document, validate_fast
        from app.quality.validation import validate as run_pyshacl

        settings = _settings(ctx)
        if document is not None and engine is Engine.pyshacl:
            _fail("--document is validated by the fast engine only")
        store = _open(ctx, settings)
        try:
            if document is not None:
                report = validate_document(store, load_rules(settings), document)
            elif engine is Engine.pyshacl:
                report = run_pyshacl(store, settings)
            else:
                report = validate_fast(store, load_rules(settings))
        finally:
            store.close()
        if fmt is ReportFormat.turtle:
            typer.echo(report.to_turtle())
        elif fmt is ReportFormat.json:
            typer.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
        else:
            typer.echo(report.to_text(), nl=False)
        if not report.conforms:
            raise typer.Exit(EXIT_FINDINGS)


@app.command()
def reason(ctx: typer.Context) -> None:
    """Check the ontology and data for logical consistency; exit 1 when inconsistent."""
    with _guard():
        from app.quality.reasoning import check_consistency

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


@app.command()
def dump(
    ctx: typer.Context,
    fmt: Annotated[
        DumpFormat, typer.Option("--format", "-f", help="trig and nq keep the named graphs; ttl is the union graph.")
    ] = DumpFormat.trig,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="File to write (default: standard output).")] = None,
) -> None:
    """Write the whole dataset: TriG or N-Quads (one named graph per source article) or Turtle (union)."""
    with _guard():
        from app.linkeddata.dumps import write_dump

        store = _open(ctx, _settings(ctx))
        try:
            if out is None:
                stdout = typer.get_binary_stream("stdout")
                write_dump(store, fmt, stdout)
                stdout.flush()
                return
            # Written beside the target and renamed, so a failed dump never leaves a truncated file.
            partial = out.with_name(out.name + ".part")
            try:
                with partial.open("wb") as handle:
                    written = write_dump(store, fmt, handle)
                partial.replace(out)
            finally:
                partial.unlink(missing_ok=True)
            typer.echo(f"wrote {written} bytes ({fmt.value}) to {out}", err=True)
        finally:
            store.close()


@app.command()
def restore(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A dump: TriG (.trig) or N-Quads (.nq).")],
    fmt: Annotated[
        RestoreFormat | None, typer.Option("--format", "-f", help="trig or nq (default: by the file's extension).")
    ] = None,
) -> None:
    """Replace the store's content with a dump, all or nothing, then derive (the server must be stopped).

    Needs --store DIR or a remote endpoint. A bad file is reported with its line and column and
    changes nothing.
    """
    with _guard():
        from app.store.restore import restore as restore_dump

        settings = _settings(ctx)
        result = restore_dump(settings, file, fmt)
        typer.echo(f"restored {result.quads} quads in {result.graphs} named graphs from {file}", err=True)


class IngestAs(StrEnum):
    """What ``policykg ingest`` reads FILE as."""

    auto = "auto"
    draft = "draft"
    text = "text"


def _name_of(file: Path) -> str:
    """A source name from a file name: its stem, lowercase ASCII (``Hà Tĩnh KH.txt`` → ``ha-tinh-kh``)."""
    from app.core.text import slug

    return slug(file.stem) or "source"


@app.command("ingest")
def ingest_source(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A reviewed draft (.trig) or a text (.txt, .md, .html); - reads stdin.")],
    source: Annotated[str | None, typer.Option("--source", "-s", help="The source's name (default: FILE's stem).")] = None,
    province: Annotated[str | None, typer.Option(help="The text's province: IRI, key or name (new ones are proposed).")] = None,
    url: Annotated[str | None, typer.Option(help="The page where a reader checks the text (dcat:landingPage); 'unknown' if the source gives none.")] = None,
    curator: Annotated[str | None, typer.Option(help="Who reviewed it (default POLICYKG_CURATOR).")] = None,
    replace: Annotated[bool, typer.Option("--replace", help="Replace the source if it exists (else an error).")] = False,
    publisher: Annotated[str | None, typer.Option(help="Who published the text, by name (pol:publisher); 'unknown' if not stated.")] = None,
    published: Annotated[str | None, typer.Option(help="When it was published: YYYY, YYYY-MM or YYYY-MM-DD (dcterms:issued); 'unknown' if not stated.")] = None,
    retrieved: Annotated[str | None, typer.Option(help="When the text was retrieved: YYYY-MM-DD or a date-time (pav:retrievedOn); 'unknown' if not stated.")] = None,
    read_as: Annotated[IngestAs, typer.Option("--as", help="auto: .trig is a draft, anything else a text.")] = IngestAs.auto,
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f", help="text or json (turtle: as text).")] = ReportFormat.text,
) -> None:
    """Validate a source with the neighbourhood it touches and commit it all or nothing; exit 1 on violations."""
    with _guard():
        from app.curation.ingest import ingest

        settings = _settings(ctx)
        from app.core.errors import PayloadTooLarge

        stdin = str(file) == "-"
        limit = settings.ingest_max_bytes
        if not stdin and (size := file.stat().st_size) > limit:
            raise PayloadTooLarge(f"{file} has {size} bytes; the limit is {limit} (POLICYKG_INGEST_MAX_BYTES)")
        # One byte past the limit is enough to refuse it: a larger file is never read whole.
        content = sys.stdin.buffer.read(limit + 1) if stdin else file.read_bytes()
        name = source or (None if stdin else _name_of(file))
        if name is None:
            _fail("--source NAME is needed when FILE is -")
        raw = read_as is IngestAs.text or (read_as is IngestAs.auto and (stdin or file.suffix.lower() != ".trig"))
        store = _open(ctx, settings)
        try:
            report = ingest(
                store, content, name, raw=raw, province=province, url=url, curator=curator, replace=replace,
                file_name=None if stdin else file.name, settings=settings,
                publisher=publisher, published=published, retrieved=retrieved,
            )
            persistent = store.persistent
        finally:
            store.close()
        if fmt is ReportFormat.json:
            _emit_json(asdict(report))
        else:
            for problem in (*report.violations, *report.warnings):
                typer.echo(problem.as_text())
            if report.committed:
                verb = "replaced" if report.replaced else "ingested"
                typer.echo(f"{verb} source {report.source}: {report.quads} quads in <{report.graph}>", err=True)
            else:
                typer.echo(f"{len(report.violations)} violation(s): nothing was written", err=True)
        if report.committed and not persistent:
            typer.echo("note: the store is in memory, nothing persists (give --store DIR)", err=True)
        if not report.committed:
            raise typer.Exit(EXIT_FINDINGS)


@app.command("retract")
def retract_source(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(metavar="SOURCE", help="The source's name (its graph is polg:source/SOURCE).")],
    curator: Annotated[str | None, typer.Option(help="Who retracts it (default POLICYKG_CURATOR).")] = None,
) -> None:
    """Remove one source in one transaction and log it; an unknown source is an error (exit 2)."""
    with _guard():
        from app.curation.ingest import retract

        settings = _settings(ctx)
        store = _open(ctx, settings)
        try:
            report = retract(store, source, curator=curator, settings=settings)
        finally:
            store.close()
        typer.echo(f"retracted source {report.source}: {report.quads} quads from <{report.graph}>", err=True)


class LineageDirection(StrEnum):
    """Which way ``policykg export --root`` follows a lineage."""

    both = "both"
    up = "up"
    down = "down"


@app.command("export")
def export_graph(
    ctx: typer.Context,
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f", help="File format.")] = ExportFormat.graphml,
    root: Annotated[str | None, typer.Option(help="Lineage of this document: notation (190-KH/TU) or IRI.")] = None,
    issuer: Annotated[str | None, typer.Option(help="Issuer of --root when its number repeats.")] = None,
    direction: Annotated[LineageDirection, typer.Option(help="Lineage direction from --root.")] = LineageDirection.both,
    depth: Annotated[int, typer.Option(min=0, max=10, help="Lineage levels from --root.")] = 10,
    province: Annotated[str | None, typer.Option("--province", "--area", help="One area: IRI, key or name.")] = None,
    agency: Annotated[str | None, typer.Option(help="One agency's duties: IRI, key or name.")] = None,
    indicator: Annotated[str | None, typer.Option(help="One indicator's targets: IRI, key or name.")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="File to write (default: standard output).")] = None,
) -> None:
    """Export the whole graph, or one selection, for Gephi, Cytoscape, yEd, Graphviz, Mermaid or RDF tools.

    csv writes a zip holding nodes.csv and edges.csv.
    """
    with _guard():
        from app.export.graph import Selection, export

        selection = Selection(
            root=root, issuer=issuer, direction=direction.value, depth=depth,
            province=province, agency=agency, indicator=indicator,
        )
        store = _open(ctx, _settings(ctx))
        try:
            result = export(store, selection, fmt)
        finally:
            store.close()
        if out is None:
            stdout = typer.get_binary_stream("stdout")
            stdout.write(result.body)
            stdout.flush()
        else:
            out.write_bytes(result.body)
        typer.echo(f"{result.nodes} nodes, {result.edges} edges ({fmt.value})" + (f" to {out}" if out else ""), err=True)


@app.command()
def analytics(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (the shape of /api/analytics).")] = False,
) -> None:
    """Agencies by duties, documents by fan-out, chains that stop before a national document, components."""
    with _guard():
        from app.export.analytics import analyse

        result = _with_index(ctx, analyse)
        if as_json:
            _emit_json({**asdict(result), "component_count": result.component_count})
            return

        def name(doc: Any) -> str:
            return doc.notation or _short(doc.label, 50)

        typer.echo(f"{result.nodes} nodes, {result.edges} edges\n\nDuties per agency:")
        rows = [[_short(a.label, 55), str(a.total), *(str(a.roles.get(r, 0)) for r in result.roles)] for a in result.agencies]
        typer.echo(_table(["agency", "total", *result.roles], rows))
        typer.echo("\nDocuments carried out by others (fan-out):")
        typer.echo(_table(["document", "direct", "transitive"],
                          [[name(f.document), str(f.direct), str(f.transitive)] for f in result.documents]))
        typer.echo("\nChains that stop before a national document:")
        for stop in result.chain_stops:
            below = ", ".join(name(b) for b in stop.below) or "nothing below"
            typer.echo(f"  {name(stop.document)} ({stop.document.level or '?'}): {below}")
        typer.echo("Documents that reach no national document: " + (", ".join(name(d) for d in result.unanchored) or "none"))
        sizes = ", ".join(str(c.size) for c in result.components)
        typer.echo(f"\n{result.component_count} weakly connected components, sizes {sizes}")
        for component in result.components[1:]:
            typer.echo(f"  {component.size}: {'; '.join(component.hubs)}")


@app.command("extract")
def extract_text(
    ctx: typer.Context,
    file: Annotated[str, typer.Argument(metavar="FILE|-", help="The document's text (.txt, .md, .html); - reads stdin.")],
    province: Annotated[
        str | None, typer.Option(help="The province the text is about: key (ha-tinh), name or area IRI.")
    ] = None,
    source: Annotated[str | None, typer.Option(help="The source's name (a file stem) the draft's graph is named by.")] = None,
    draft_only: Annotated[bool, typer.Option("--draft", help="Print only the draft TriG.")] = False,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", file_okay=False, help="Write NAME.json (the summary) and NAME.trig (the draft) here."),
    ] = None,
) -> None:
    """Read documents, relations, responsibilities and targets from a text: the JSON summary and a draft TriG.

    Nothing is written to the store. NAME is --source, else the file's stem (stdin: "stdin").
    """
    with _guard():
        from app.curation.extract import ExtractionContext, extract
        from app.curation.gazetteer import Gazetteer
        from app.curation.intake import decode_text

        if file == "-":
            data, what, stem = typer.get_binary_stream("stdin").read(), "standard input", "stdin"
        else:
            path = Path(file)
            if path.is_dir():
                _fail(f"{path} is a directory, not a text file")
            data, what, stem = path.read_bytes(), str(path), path.stem
        text = decode_text(data, what=what)
        name = source or stem
        store = _open(ctx, _settings(ctx))
        try:
            gazetteer = Gazetteer.from_store(store)
            context = ExtractionContext(gazetteer, gazetteer.province(province) if province else None, source)
            result = extract(text, context)
            if not result.draft and (out is not None or draft_only):
                # The extractor reads; the draft TriG is written from what it read, as POST /api/extract/draft does.
                from app.curation.draft import reviewed_draft

                result = replace(result, draft=reviewed_draft(store, result, province, name))
        finally:
            store.close()
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            summary, draft = out / f"{name}.json", out / f"{name}.trig"
            summary.write_text(json.dumps(result.as_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            draft.write_text(result.draft, encoding="utf-8")
            typer.echo(f"wrote {summary} and {draft}", err=True)
        elif draft_only:
            typer.echo(result.draft, nl=not result.draft.endswith("\n"))
        else:
            _emit_json(result.as_json())
        for warning in result.warnings:
            typer.echo(f"warning: {warning}", err=True)


def main() -> None:
    """Entry point of the ``policykg`` console script."""
    app(prog_name="policykg")


if __name__ == "__main__":
    main()
