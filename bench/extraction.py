"""``python -m bench extraction``: the extractor measured against hand-made gold, beside a naive regex.

Runs ``app.curation.extract.extract`` over every gold text of ``eval/extraction/gold/`` (the twelve
real passages, read from ``../shared/real-texts/``, and our own synthetic texts in
``eval/extraction/texts/``), with the gazetteer of the shipped project (``PolicyStore.open()``,
``load_project``, ``Gazetteer.from_store``) and the gold file's province, and scores its summary
per kind. The same texts go through the peer, one regex for document numbers and nothing else, so
the table shows what the extractor adds. Matching rules (eval/extraction/README.md says why):

- reference: by notation, NFC, whitespace removed, case-folded (``57-NQ/TW`` = ``57 - nq/tw``); a
  document named without a number (``Luật Tổ chức Chính phủ``) is not a reference on either side
  (the guidelines), so a predicted one is neither extra nor matched, nor are relations to it;
- type, date, issuer: per reference; a value counts only on a matched reference and when equal
  (type accent-folded, date as ``YYYY-MM-DD``, issuer by folded label — UBND, HĐND, TW, MTTQ
  expanded, a leading "các" dropped, the text's province allowed after it — or any of the gold's
  alternative labels, or by IRI); a gold value on an unmatched reference is missed, a predicted
  value on an unmatched one is extra, so these F1 never exceed the references';
- relation: by (from, to, kind), notations normalised as above, the text's own number read as ``self``;
- responsibility: agency (folded label or alternative, or IRI; a gold agency marked ``new`` does
  not match one resolved to a known agency), role equal, and task words overlapping with a token
  Jaccard of at least TASK_JACCARD (0.5) after folding; matched one-to-one, best overlap first;
  deliverable (same Jaccard) and deadline (equal) are scored on the matched ones as type is;
- target: indicator words overlapping (share of the shorter's folded tokens found in the other,
  at least INDICATOR_OVERLAP, 0.5), value and value_high equal, year equal; comparator on the
  matched ones;
- self: its four fields (notation, type, issuer, date), each as an attribute.

Precision, recall and F1 per kind, per text and micro-averaged, separately for the real passages
(beside the issue's targets) and our own texts; extraction time per KB. Prints tables and writes
``bench/results/extraction-<timestamp>.json``. Scores are measured, never asserted.

    python -m bench extraction                    # all gold texts
    python -m bench extraction --only 02 s4       # gold files whose name starts so
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.core.config import Settings
from app.core.text import fold, nfc
from app.curation.extract import ExtractionContext, extract
from app.curation.gazetteer import Gazetteer
from app.store.policy_store import PolicyStore

GOLD_DIR = ROOT / "eval" / "extraction" / "gold"
RESULTS_DIR = ROOT / "bench" / "results"
#: Token Jaccard two task texts (and two deliverables) must reach to be the same task.
TASK_JACCARD = 0.5
#: Share of the shorter indicator's tokens the other must hold to be the same indicator.
INDICATOR_OVERLAP = 0.5
KINDS = (
    "reference", "type", "date", "issuer", "relation", "responsibility", "deliverable", "deadline",
    "target", "comparator", "self",
)
#: The issue's targets on the real passages (F1).
TARGETS = {"reference": 0.98, "date": 0.98, "relation": 0.9, "target": 0.9, "responsibility": 0.85}
#: The peer: one regex for Vietnamese document numbers (52-NQ/TW, 47/KH-UBND, 109/2022/NĐ-CP, 3917/UBND).
NAIVE_NUMBER = re.compile(r"(?<!\d)\d+(?:/\d{4})?[/-][A-ZĐ][\wĐđ]*(?:[/-][A-ZĐ0-9][\wĐđ]*)*")

Json = dict[str, Any]


@dataclass
class Counts:
    """True positives, false positives and false negatives of one kind."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Counts) -> None:
        """Add ``other``'s counts to these."""
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    @property
    def gold(self) -> int:
        """How many gold items (or values) there were."""
        return self.tp + self.fn

    @property
    def precision(self) -> float | None:
        """TP / (TP + FP); None when nothing was predicted."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        """TP / (TP + FN); None when there was nothing to find."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        """Harmonic mean of precision and recall; None when there was nothing to find nor predicted."""
        if not self.tp + self.fp + self.fn:
            return None
        return 2 * self.tp / (2 * self.tp + self.fp + self.fn)

    def as_json(self) -> Json:
        """The counts and the three measures."""
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": self.precision,
                "recall": self.recall, "f1": self.f1}


Scores = dict[str, Counts]


# ---------------------------------------------------------------------------------- normalising


def notation_key(notation: str) -> str:
    """A document number for matching: NFC, whitespace removed, case-folded."""
    return re.sub(r"\s+", "", nfc(notation)).casefold()


#: Abbreviations of administrative names, expanded before comparing (folded words).
ABBREVIATIONS = {"ubnd": "uy ban nhan dan", "hdnd": "hoi dong nhan dan", "tw": "trung uong",
                 "mttq": "mat tran to quoc"}


def label_key(label: str) -> str:
    """An agency or issuer name for matching: folded, abbreviations expanded, a leading "các" dropped, letters and digits only."""
    words = re.findall(r"[a-z0-9]+", fold(label))
    words = " ".join(ABBREVIATIONS.get(w, w) for w in words).split()
    if words[:1] == ["cac"]:
        words = words[1:]
    return "".join(words)


def province_key(area: str | None) -> str | None:
    """The key of a province from its area IRI (``…/area/dak-nong`` → ``daknong``), for names that add it."""
    return None if not area else re.sub(r"[^a-z0-9]", "", area.rstrip("/").rsplit("/", 1)[-1])


def tokens(text: str | None) -> set[str]:
    """The folded words of ``text``."""
    return set(re.findall(r"[a-z0-9]+", fold(text or "")))


def jaccard(a: str | None, b: str | None) -> float:
    """Token Jaccard of two texts' folded words (0 when either has none)."""
    x, y = tokens(a), tokens(b)
    return len(x & y) / len(x | y) if x and y else 0.0


def overlap(a: str | None, b: str | None) -> float:
    """Share of the shorter text's folded words found in the other (0 when either has none)."""
    x, y = tokens(a), tokens(b)
    return len(x & y) / min(len(x), len(y)) if x and y else 0.0


def names_match(
    gold: Mapping[str, Any] | None, predicted: Mapping[str, Any] | None, province: str | None = None
) -> bool:
    """A predicted agency or issuer is the gold one: same IRI, or its label is the gold label or an alternative.

    With ``province`` (a ``province_key``), the label may also add the province ("… tỉnh Đắk Nông").
    """
    if gold is None or predicted is None:
        return False
    if gold.get("iri") and predicted.get("iri") == gold["iri"]:
        return True
    label = predicted.get("label")
    if not label:
        return False
    keys = {label_key(gold["label"]), *(label_key(alt) for alt in gold.get("alt", ()))}
    suffixes = ("",) if province is None else ("", province, "tinh" + province, "cuatinh" + province)
    return label_key(label) in {key + suffix for key in keys for suffix in suffixes}


def agency_match(gold: Mapping[str, Any], predicted: Mapping[str, Any], province: str | None = None) -> bool:
    """``names_match``, and a gold agency marked ``new`` is not one the extractor resolved to a known agency."""
    if gold.get("new") and predicted.get("new") is False and predicted.get("iri"):
        return False
    return names_match(gold, predicted, province)


def type_key(value: str | None) -> str | None:
    """A document-type notation for matching (``QĐ`` = ``QD`` = ``qđ``)."""
    return None if value is None else re.sub(r"[^a-z0-9]", "", fold(value))


# ---------------------------------------------------------------------------------- scoring


def _attribute(
    counts: Counts,
    pairs: Iterable[tuple[Mapping[str, Any] | None, Mapping[str, Any] | None]],
    get: Callable[[Mapping[str, Any]], Any],
    same: Callable[[Any, Any], bool],
) -> None:
    """Count one attribute over (gold, predicted) pairs; None on a side is an unmatched item."""
    for gold, predicted in pairs:
        g = None if gold is None else get(gold)
        p = None if predicted is None else get(predicted)
        if g is not None and p is not None and same(g, p):
            counts.tp += 1
            continue
        if g is not None:
            counts.fn += 1
        if p is not None:
            counts.fp += 1


def _greedy(
    gold: Sequence[Json], predicted: Sequence[Json], similarity: Callable[[Json, Json], float | None]
) -> list[tuple[Json | None, Json | None]]:
    """Pair gold and predicted items one-to-one, most similar first; leftovers pair with None."""
    candidates = []
    for i, g in enumerate(gold):
        for j, p in enumerate(predicted):
            s = similarity(g, p)
            if s is not None:
                candidates.append((-s, i, j))
    candidates.sort()
    used_g: set[int] = set()
    used_p: set[int] = set()
    pairs: list[tuple[Json | None, Json | None]] = []
    for _, i, j in candidates:
        if i not in used_g and j not in used_p:
            used_g.add(i)
            used_p.add(j)
            pairs.append((gold[i], predicted[j]))
    pairs += [(g, None) for i, g in enumerate(gold) if i not in used_g]
    pairs += [(None, p) for j, p in enumerate(predicted) if j not in used_p]
    return pairs


def _count_items(pairs: Iterable[tuple[Json | None, Json | None]]) -> Counts:
    counts = Counts()
    for g, p in pairs:
        if g is not None and p is not None:
            counts.tp += 1
        elif g is not None:
            counts.fn += 1
        else:
            counts.fp += 1
    return counts


def _same_document(g: Json, p: Json) -> float | None:
    return 1.0 if notation_key(g["notation"]) == notation_key(p.get("notation") or "") else None


def _same_responsibility(province: str | None) -> Callable[[Json, Json], float | None]:
    def similar(g: Json, p: Json) -> float | None:
        if g["role"] != p.get("role") or not agency_match(g["agency"], p.get("agency") or {}, province):
            return None
        similarity = jaccard(g["task"], p.get("task"))
        return similarity if similarity >= TASK_JACCARD else None

    return similar


def _same_number(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(float(a) - float(b)) < 1e-9


def _same_target(g: Json, p: Json) -> float | None:
    if not (_same_number(g["value"], p.get("value")) and _same_number(g.get("value_high"), p.get("value_high"))):
        return None
    if g.get("year") != p.get("year"):
        return None
    similarity = overlap(g["indicator"], p.get("indicator"))
    return similarity if similarity >= INDICATOR_OVERLAP else None


def numbered(notation: str | None) -> bool:
    """Whether a document is named by a number (``52-NQ/TW``, a blank ``/NQ-CP``), not by its title alone."""
    return notation == "self" or any(ch.isdigit() or ch == "/" for ch in notation or "")


def _relation_keys(summary: Json) -> list[tuple[str, str, str]]:
    own = (summary.get("self") or {}).get("notation")
    own_key = notation_key(own) if own else None

    def end(value: str) -> str:
        key = "self" if value == "self" else notation_key(value)
        return "self" if key == own_key else key

    return [(end(r["from"]), end(r["to"]), r["kind"]) for r in summary.get("relations", ())
            if numbered(r["from"]) and numbered(r["to"])]


def score(gold: Json, predicted: Json) -> Scores:
    """Score a predicted summary (``Extraction.as_json()`` shape) against one gold file, per kind."""
    scores = {kind: Counts() for kind in KINDS}
    province = province_key(gold.get("province"))

    def issuer_match(g: Mapping[str, Any], p: Mapping[str, Any]) -> bool:
        return names_match(g, p, province)

    documents = _greedy(gold["documents"], [d for d in predicted.get("documents", []) if numbered(d.get("notation"))],
                        _same_document)
    scores["reference"] = _count_items(documents)
    _attribute(scores["type"], documents, lambda d: type_key(d.get("type")), lambda a, b: a == b)
    _attribute(scores["date"], documents, lambda d: d.get("date"), lambda a, b: a == b)
    _attribute(scores["issuer"], documents, lambda d: d.get("issuer"), issuer_match)

    wanted = _relation_keys(gold)
    found = _relation_keys(predicted)
    remaining = list(found)
    for key in wanted:
        if key in remaining:
            remaining.remove(key)
            scores["relation"].tp += 1
        else:
            scores["relation"].fn += 1
    scores["relation"].fp += len(remaining)

    duties = _greedy(gold["responsibilities"], predicted.get("responsibilities", []),
                    _same_responsibility(province))
    scores["responsibility"] = _count_items(duties)
    _attribute(scores["deliverable"], duties, lambda r: r.get("deliverable"),
               lambda a, b: jaccard(a, b) >= TASK_JACCARD)
    _attribute(scores["deadline"], duties, lambda r: r.get("deadline"), lambda a, b: a == b)

    targets = _greedy(gold["targets"], predicted.get("targets", []), _same_target)
    scores["target"] = _count_items(targets)
    _attribute(scores["comparator"], targets, lambda t: t.get("comparator"), lambda a, b: a == b)

    own = [(gold.get("self"), predicted.get("self"))]
    _attribute(scores["self"], own, lambda s: s.get("notation"), lambda a, b: notation_key(a) == notation_key(b))
    _attribute(scores["self"], own, lambda s: type_key(s.get("type")), lambda a, b: a == b)
    _attribute(scores["self"], own, lambda s: s.get("issuer"), issuer_match)
    _attribute(scores["self"], own, lambda s: s.get("date"), lambda a, b: a == b)
    return scores


def total(runs: Iterable[Scores]) -> Scores:
    """Micro-average: the counts of several texts added up, per kind."""
    summed = {kind: Counts() for kind in KINDS}
    for scores in runs:
        for kind, counts in scores.items():
            summed[kind].add(counts)
    return summed


# ---------------------------------------------------------------------------------- the peer


def naive_regex(text: str) -> Json:
    """The peer: every distinct match of one document-number regex, nothing else."""
    seen: dict[str, str] = {}
    for match in NAIVE_NUMBER.finditer(nfc(text)):
        seen.setdefault(notation_key(match.group()), match.group())
    documents = [{"notation": n, "type": None, "issuer": None, "date": None} for n in seen.values()]
    return {"self": None, "documents": documents, "relations": [], "responsibilities": [], "targets": []}


# ---------------------------------------------------------------------------------- the run


@dataclass
class GoldText:
    """One gold file and the text it annotates."""

    name: str
    gold: Json
    text: str
    real: bool


@dataclass
class TextRun:
    """What the extractor and the peer scored on one text, and how long the extractor took."""

    text: GoldText
    extractor: Scores
    peer: Scores
    seconds: float
    warnings: list[str] = field(default_factory=list)


def load_gold(directory: Path = GOLD_DIR, only: Sequence[str] = ()) -> tuple[list[GoldText], list[str]]:
    """The gold files of ``directory`` with their texts; and why any was skipped (a text not found)."""
    texts: list[GoldText] = []
    skipped: list[str] = []
    for path in sorted(directory.glob("*.json")):
        if only and not any(path.stem.startswith(prefix) for prefix in only):
            continue
        gold = json.loads(path.read_text(encoding="utf-8"))
        source = (ROOT / gold["text_file"]).resolve()
        if not source.is_file():
            skipped.append(f"{path.name}: text {gold['text_file']} not found (relative to {ROOT})")
            continue
        real = not gold["text_file"].startswith("eval/")
        texts.append(GoldText(path.stem, gold, source.read_text(encoding="utf-8"), real))
    return texts, skipped


def project_gazetteer() -> Gazetteer:
    """The gazetteer of the shipped project (ontology and data loaded into an in-memory store)."""
    with PolicyStore.open() as store:
        store.load_project(Settings(root=ROOT))
        return Gazetteer.from_store(store)


def run(texts: Sequence[GoldText], gazetteer: Gazetteer, repeat: int = 1) -> list[TextRun]:
    """Extract every text (fastest of ``repeat`` runs timed) and score it and the peer against its gold."""
    runs = []
    for item in texts:
        context = ExtractionContext(gazetteer, province=item.gold.get("province"), source=item.name)
        best = float("inf")
        for _ in range(max(1, repeat)):
            started = time.perf_counter()
            extraction = extract(item.text, context)
            best = min(best, time.perf_counter() - started)
        summary = extraction.as_json()
        runs.append(TextRun(item, score(item.gold, summary), score(item.gold, naive_regex(item.text)),
                            best, list(summary.get("warnings", []))))
    return runs


def _fmt(value: float | None) -> str:
    return "   –" if value is None else f"{value:.2f}"


def _kb(runs: Sequence[TextRun]) -> float:
    return sum(len(r.text.text.encode("utf-8")) for r in runs) / 1024


def report(runs: Sequence[TextRun]) -> Json:
    """The results as JSON: per subset and overall (micro), per text, for the extractor and the peer."""
    def subset(selected: Sequence[TextRun]) -> Json:
        extractor = total(r.extractor for r in selected)
        peer = total(r.peer for r in selected)
        seconds = sum(r.seconds for r in selected)
        kb = _kb(selected)
        return {
            "texts": [r.text.name for r in selected],
            "kb": round(kb, 2),
            "extraction_seconds": seconds,
            "ms_per_kb": 1000 * seconds / kb if kb else None,
            "extractor": {k: c.as_json() for k, c in extractor.items()},
            "naive_regex": {k: c.as_json() for k, c in peer.items()},
        }

    real = [r for r in runs if r.text.real]
    own = [r for r in runs if not r.text.real]
    real_scores = total(r.extractor for r in real)
    return {
        "matching": {"task_jaccard": TASK_JACCARD, "indicator_overlap": INDICATOR_OVERLAP},
        "targets_on_real_passages": {
            kind: {"target": goal, "f1": real_scores[kind].f1,
                   "met": (real_scores[kind].f1 or 0.0) >= goal}
            for kind, goal in TARGETS.items()
        },
        "real_passages": subset(real),
        "own_texts": subset(own),
        "all": subset(runs),
        "per_text": {
            r.text.name: {
                "real": r.text.real,
                "kb": round(_kb([r]), 2),
                "extraction_seconds": r.seconds,
                "warnings": r.warnings,
                "extractor": {k: c.as_json() for k, c in r.extractor.items()},
                "naive_regex": {k: c.as_json() for k, c in r.peer.items()},
            }
            for r in runs
        },
    }


def print_tables(runs: Sequence[TextRun], out: Any = sys.stdout) -> None:
    """Per subset: P/R/F1 per kind for the extractor, F1 of the peer, the target; then F1 per text."""
    for title, selected, goals in (
        ("Real passages (../shared/real-texts)", [r for r in runs if r.text.real], TARGETS),
        ("Own synthetic texts (eval/extraction/texts)", [r for r in runs if not r.text.real], {}),
    ):
        if not selected:
            continue
        extractor = total(r.extractor for r in selected)
        peer = total(r.peer for r in selected)
        seconds = sum(r.seconds for r in selected)
        kb = _kb(selected)
        print(f"\n{title}: {len(selected)} texts, {kb:.1f} KB, extraction {1000 * seconds / kb:.2f} ms/KB",
              file=out)
        print(f"  {'kind':<15}{'gold':>5}{'P':>7}{'R':>7}{'F1':>7}{'regex F1':>10}{'target':>8}", file=out)
        for kind in KINDS:
            c, p = extractor[kind], peer[kind]
            goal = goals.get(kind)
            mark = "" if goal is None else f"{goal:>6.2f} {'ok' if (c.f1 or 0) >= goal else '--'}"
            print(f"  {kind:<15}{c.gold:>5}{_fmt(c.precision):>7}{_fmt(c.recall):>7}{_fmt(c.f1):>7}"
                  f"{_fmt(p.f1):>10}  {mark}", file=out)
    short = ("reference", "date", "issuer", "relation", "responsibility", "target")
    print("\nF1 per text (extractor; – where the text has nothing of that kind and nothing was predicted)",
          file=out)
    print(f"  {'text':<34}" + "".join(f"{k[:8]:>9}" for k in short) + f"{'ms':>8}", file=out)
    for r in runs:
        print(f"  {r.text.name[:33]:<34}" + "".join(f"{_fmt(r.extractor[k].f1):>9}" for k in short)
              + f"{1000 * r.seconds:>8.1f}", file=out)


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line of ``python -m bench extraction``."""
    parser = argparse.ArgumentParser(prog="python -m bench extraction", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gold", type=Path, default=GOLD_DIR, help="directory of gold JSON files")
    parser.add_argument("--only", nargs="*", default=[], metavar="PREFIX",
                        help="only the gold files whose name starts with one of these")
    parser.add_argument("--repeat", type=int, default=3, help="time the fastest of N extractions per text")
    parser.add_argument("--results", type=Path, default=RESULTS_DIR, help="where the JSON goes")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> Path:
    """Run the benchmark, print the tables, write the JSON; return its path."""
    args = parse(argv)
    texts, skipped = load_gold(args.gold, args.only)
    for reason in skipped:
        print(f"skipped {reason}", file=sys.stderr)
    if not texts:
        sys.exit(f"no gold text to score in {args.gold}")
    started = time.perf_counter()
    gazetteer = project_gazetteer()
    gazetteer_seconds = time.perf_counter() - started
    runs = run(texts, gazetteer, args.repeat)
    print_tables(runs)
    results = {
        "benchmark": "extraction",
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "gazetteer_seconds": gazetteer_seconds,
        "gazetteer": {"documents": len(gazetteer.documents), "agencies": len(gazetteer.agencies)},
        "skipped": skipped,
        **report(runs),
    }
    Path(args.results).mkdir(parents=True, exist_ok=True)
    out = Path(args.results) / f"extraction-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"\nwrote {out}")
    return out


if __name__ == "__main__":
    main()
