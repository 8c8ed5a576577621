"""Validation at national scale: the compiled validator, incremental upkeep, one new document, pySHACL.

Generates the synthetic graph of bench/generate_national.py (``--scale``: 0.06 ≈ 100 k quads,
0.6 ≈ 1 M) next to a copy of data/, loads it into an in-memory store, then prints:

- full validation with the compiled validator (``policykg validate``'s default engine): seconds,
  findings, and the process's peak RSS growth during it;
- time of each compiled check and violation query (the slowest ones);
- incremental revalidation after a small write (a new task group on one document), given the
  touched IRIs, and ``validate_document`` of one new plan (a file of ~200 triples);
- with ``--pyshacl``: pySHACL as ``--engine pyshacl`` runs it, profiled: the rdflib copy of the
  store, the ontology union, and the time spent per SHACL constraint component.

    python bench/quality.py --scale 0.06 --pyshacl      # 100 k quads, with the pySHACL profile
    python bench/quality.py --scale 0.6                 # 1 M quads
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from generate_national import project_data

from app.core.config import Settings
from app.quality.findings import Findings, load_rules, run_check, run_query_rule, validate_document
from app.quality.validation import load_ontology, load_shapes, validate_graph, violation_query_paths
from app.store.policy_store import PolicyStore

NEW_PLAN = """@prefix pol: <https://w3id.org/policykg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@base <https://w3id.org/policykg/id/> .
<doc/ubnd-ha-noi/2026/9999-kh-ubnd> a pol:Plan ; rdfs:label "Kế hoạch 9999/KH-UBND về chuyển đổi số"@vi ;
  skos:notation "9999/KH-UBND" ; pol:issuedBy <agency/ha-noi/ubnd> ; pol:issueDate "2026-01-05"^^xsd:date ;
  pol:documentType <document-type/kh> ; pol:status <status/issued> ; pol:jurisdiction <area/ha-noi> ;
  pol:implements <doc/bo-chinh-tri/2024/57-nq-tw> ; pol:source <source/ha-noi-000> .
"""


def peak_mb() -> float:
    """Peak resident set of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def new_plan_file(path: Path) -> Path:
    """A new plan with 5 task groups of 6 tasks each (~230 triples)."""
    lines = [NEW_PLAN]
    doc = "<doc/ubnd-ha-noi/2026/9999-kh-ubnd>"
    for g in range(1, 6):
        group = f"<https://w3id.org/policykg/id/doc/ubnd-ha-noi/2026/9999-kh-ubnd/task-group/{g}>"
        lines.append(f'{doc} pol:hasTaskGroup {group} . {group} a pol:TaskGroup ; pol:ordinal {g} ; '
                     f'rdfs:label "Nhóm {g}"@vi ; pol:source <source/ha-noi-000> .')
        for t in range(1, 7):
            task = group[:-1] + f"/task/{t}>"
            lines.append(f'{group} pol:hasTask {task} . {task} a pol:Task ; rdfs:label "Nhiệm vụ {g}.{t}"@vi ; '
                         f'pol:leadAgency <agency/ha-noi/so-khcn> ; pol:source <source/ha-noi-000> .')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main() -> None:
    """Generate, load, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=0.06, help="share of 200 documents per province")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pyshacl", action="store_true", help="also profile pySHACL (slow: ~30 min at 1 M quads)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="policykg-bench-quality-"))
    try:
        data = work / "data"
        quads = project_data(data, args.scale, args.seed)
        settings = Settings(root=ROOT, data_dir=data, store=None)
        store = PolicyStore.open()
        started = time.perf_counter()
        store.load_project(settings)
        print(f"{quads:,} generated quads (scale {args.scale}); loaded in {time.perf_counter() - started:.1f} s; "
              f"{store.sizes().triples:,} triples in the union; peak RSS {peak_mb():.0f} MB")
        rules = load_rules(settings)
        print(f"{len(rules.compiled.checks)} compiled checks, {len(rules.queries)} violation queries, "
              f"{len(rules.fallback)} shapes left to pySHACL")

        before = peak_mb()
        started = time.perf_counter()
        findings = Findings.full(store, rules)
        full = time.perf_counter() - started
        report = findings.report()
        print(f"full validation (compiled): {full:.1f} s, {len(report.findings):,} findings {report.counts()}, "
              f"peak RSS {peak_mb():.0f} MB (+{peak_mb() - before:.0f} MB during it)")

        timings = []
        for check in rules.compiled.checks:
            t = time.perf_counter()
            run_check(store, check)
            timings.append((time.perf_counter() - t, check.key, "local" if check.local else "sparql"))
        for rule in rules.queries:
            t = time.perf_counter()
            run_query_rule(store, rule)
            timings.append((time.perf_counter() - t, rule.name, "query"))
        print("slowest checks:")
        for seconds, key, kind in sorted(timings, reverse=True)[:10]:
            print(f"  {seconds:7.2f} s  {key} ({kind})")
        print(f"  rerun on every write (SHACL-SPARQL + violation queries): "
              f"{sum(s for s, _, kind in timings if kind != 'local'):.1f} s")

        doc = "https://w3id.org/policykg/id/doc/ubnd-ha-noi/2026/9999-kh-ubnd"
        path = new_plan_file(work / "new-plan.ttl")
        started = time.perf_counter()
        single = validate_document(store, rules, path)
        print(f"validate_document (one new plan, 36 resources): {time.perf_counter() - started:.2f} s, "
              f"{len(single.findings)} findings {single.counts()}")

        store.update(f"INSERT DATA {{ GRAPH <urn:bench> {{ <{doc}> <https://w3id.org/policykg/ontology#status> "
                     f"<https://w3id.org/policykg/id/status/issued> }} }}")
        touched = frozenset({doc, "https://w3id.org/policykg/id/status/issued"})
        started = time.perf_counter()
        findings.update(store, rules, touched)
        print(f"incremental update after a one-triple write (touched IRIs given): {time.perf_counter() - started:.1f} s")

        if args.pyshacl:
            started = time.perf_counter()
            graph = store.to_rdflib_graph()
            print(f"pySHACL: rdflib copy of the store {time.perf_counter() - started:.1f} s, {len(graph):,} triples, "
                  f"peak RSS {peak_mb():.0f} MB")
            profile = cProfile.Profile()
            started = time.perf_counter()
            profile.enable()
            validate_graph(graph, load_shapes(settings.shapes_dir), violation_query_paths(settings.queries_dir),
                           ont_graph=load_ontology(settings.ontology_dir))
            profile.disable()
            print(f"pySHACL validation: {time.perf_counter() - started:.1f} s, peak RSS {peak_mb():.0f} MB")
            stats = pstats.Stats(profile)
            rows = []
            for (file, _line, name), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
                if name in ("evaluate", "_union", "_query_findings", "_shacl_findings", "focus_nodes",
                            "value_nodes") or (name == "query" and "rdflib/graph.py" in file):
                    rows.append((ct, f"{Path(file).parent.name}/{Path(file).name}:{name}"))
            print("pySHACL cumulative time by function:")
            for ct, where in sorted(rows, reverse=True)[:25]:
                print(f"  {ct:8.1f} s  {where}")
        store.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
