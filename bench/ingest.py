"""The cost of an ingest: neighbourhood validation against a full validation, and the whole ingest and retract.

On the shipped data, and on the synthetic national graph of bench/generate_national.py (``--scale``:
0.06 ≈ 100 k quads, 0.6 ≈ 1 M) loaded in memory beside it, prints for a draft of a new province's plan
(``--tasks`` tasks, each led by a new department):

- neighbourhood validation (``validate_quads``: the draft plus what the store says about the IRIs it
  names, in a scratch store) — seconds and triples validated;
- a full validation of the store with the draft in it (``Findings.full``) — what validating the
  whole graph for every ingest would cost;
- the whole ingest (read, parse, validate, one update with its incremental upkeep) and a retract.

    python bench/ingest.py                      # shipped data and scale 0.06
    python bench/ingest.py --scale 0.6          # 1 M quads
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import pyoxigraph as ox
from generate_national import project_data

from app.core.config import Settings
from app.curation.ingest import ingest, retract
from app.quality.findings import Findings, load_rules, validate_quads
from app.store.policy_store import PolicyStore

GRAPH = "https://w3id.org/policykg/graph/source/bench-ingest"


def draft(tasks: int) -> str:
    """A new province's Party plan implementing 57-NQ/TW with ``tasks`` tasks (about 4 triples each)."""
    task_lines = "\n".join(
        f"  <tu-bench/2026/1-kh-tu/task/{i}> a pol:Task ; rdfs:label \"Nhiệm vụ {i}\"@vi ; "
        f"pol:leadAgency ag:so-khcn ; pol:source src:bench-ingest ."
        for i in range(1, tasks + 1)
    )
    owned = " , ".join(f"<tu-bench/2026/1-kh-tu/task/{i}>" for i in range(1, tasks + 1))
    return f"""@base <https://w3id.org/policykg/id/doc/> .
@prefix pol: <https://w3id.org/policykg/ontology#> .
@prefix src: <https://w3id.org/policykg/id/source/> .
@prefix ag: <https://w3id.org/policykg/id/agency/bench/> .
@prefix area: <https://w3id.org/policykg/id/area/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<{GRAPH}> {{
  <tu-bench/2026/1-kh-tu> a pol:Plan ; skos:notation "1-KH/TU" ; rdfs:label "Kế hoạch 1-KH/TU"@vi ;
    pol:documentType <https://w3id.org/policykg/id/document-type/kh> ; pol:issuedBy ag:tinh-uy ;
    pol:issueDate "2026-01-05"^^xsd:date ; pol:jurisdiction area:bench ;
    pol:status <https://w3id.org/policykg/id/status/issued> ;
    pol:implements <bo-chinh-tri/2024/57-nq-tw> ; pol:hasTask {owned} ; pol:source src:bench-ingest .
{task_lines}
  ag:tinh-uy a pol:Agency ; rdfs:label "Tỉnh ủy Bench"@vi ; pol:issuerCode "TU" ; pol:jurisdiction area:bench ;
    pol:level <https://w3id.org/policykg/id/level/provincial> ; pol:source src:bench-ingest .
  ag:so-khcn a pol:Agency ; rdfs:label "Sở Khoa học và Công nghệ tỉnh Bench"@vi ; pol:jurisdiction area:bench ;
    pol:level <https://w3id.org/policykg/id/level/provincial> ; pol:source src:bench-ingest .
  area:bench a pol:AdministrativeArea ; rdfs:label "Tỉnh Bench"@vi ;
    pol:level <https://w3id.org/policykg/id/level/provincial> ; pol:partOfArea area:vn .
  src:bench-ingest a pol:CuratedText ; dcterms:title "Bench"@vi ; pol:sourceFile "bench.trig" .
}}
"""


def measure(label: str, settings: Settings, tasks: int, *, full: bool = True) -> None:
    """Load the project ``settings`` names, then time the validations, the ingest and the retract."""
    store = PolicyStore.open()
    started = time.perf_counter()
    store.load_project(settings)
    print(f"\n== {label}: {store.sizes().triples:,} triples in the union, loaded in {time.perf_counter() - started:.1f} s")
    rules = load_rules(settings)
    text = draft(tasks)
    quads = list(ox.parse(text.encode(), ox.RdfFormat.TRIG))
    report = validate_quads(store, rules, quads)
    print(f"draft: {len(quads)} quads ({tasks} tasks)")
    print(f"neighbourhood validation: {report.seconds:.2f} s over {report.triples:,} triples "
          f"({sum(f.severity == 'Violation' for f in report.findings)} violations)")
    started = time.perf_counter()
    outcome = ingest(store, text, "bench-ingest", settings=settings)
    took = time.perf_counter() - started
    assert outcome.committed, [v.as_text() for v in outcome.violations]
    print(f"whole ingest (validate + one update + incremental upkeep): {took:.2f} s")
    if full:
        started = time.perf_counter()
        findings = Findings.full(store, rules)
        print(f"full validation of the store with the draft in it: {time.perf_counter() - started:.2f} s, "
              f"{len(findings.all()):,} findings")
    started = time.perf_counter()
    retract(store, "bench-ingest", settings=settings)
    print(f"retract: {time.perf_counter() - started:.2f} s")
    store.close()


def main() -> None:
    """Shipped data, then the generated graph at ``--scale``."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, action="append", help="generated graph scale(s); default 0.06")
    parser.add_argument("--tasks", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-full", action="store_true", help="skip the full validation (minutes at 1 M quads)")
    args = parser.parse_args()
    measure("shipped data", Settings(root=ROOT, store=None), args.tasks, full=not args.no_full)
    for scale in args.scale or [0.06]:
        work = Path(tempfile.mkdtemp(prefix="policykg-bench-ingest-"))
        try:
            generated = project_data(work / "data", scale, args.seed)
            print(f"\n(generated {generated:,} quads at scale {scale})")
            measure(f"scale {scale}", Settings(root=ROOT, data_dir=work / "data", store=None), args.tasks,
                    full=not args.no_full)
        finally:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
