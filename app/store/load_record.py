"""What a persistent store records about its own data, so a restart knows whether to trust it.

The record sits in the state graph (``polg:state``, outside the union, the dumps and VoID), on
the subject ``polg:state#load``:

- ``pol:loadCompleted`` when the load (or restore) that filled the store finished, written in
  the same update request as the derivation that ends the load, so its presence proves the load
  completed;
- ``pol:loadFingerprint``: sha256 over the relative paths and bytes of the files loaded
  (``project`` loads) or of the restored file (``restore``), and ``pol:loadSource`` which of the two;
- ``pol:lastUpdate`` when a SPARQL update last changed the store, written in the update's own
  request: updates are data the files do not hold, so a store that has one is never rebuilt from
  the files without the operator asking (``--reload-data``).

The derivation record (``polg:state``: ``dcterms:identifier``, ``prov:generatedAtTime``) also
keeps ``pol:rulesFingerprint``, the rules it ran, so a change of ``ontology/rules/*.ru`` is
re-derived at the next start, and ``pol:derivationPending`` while an incremental update's second
step (the rules for what it touched) has not run: a restart that finds it re-derives in full.

``polg:state#sizes`` holds ``pol:unionTriples``, the number of triples of the union default graph,
counted by a full derivation and kept by each incremental update from the union's exact gains and
losses, so ``/health`` reads it instead of counting.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import pyoxigraph as ox

from app.core.namespaces import DCTERMS, POL, STATE_GRAPH, XSD
from app.sparql.values import term

__all__ = [
    "LOAD_RECORD",
    "RECORD_QUERY",
    "Condition",
    "LoadRecord",
    "StoreCondition",
    "completion_steps",
    "count_steps",
    "delta_count_steps",
    "derivation_steps",
    "fingerprint",
    "judge",
    "now_literal",
    "pending_steps",
    "update_steps",
]

#: The subject of the load record, in the state graph.
LOAD_RECORD = STATE_GRAPH + "#load"
_STATE = ox.NamedNode(STATE_GRAPH)
_LOAD = ox.NamedNode(LOAD_RECORD)
_COMPLETED = ox.NamedNode(str(POL.loadCompleted))
_FINGERPRINT = ox.NamedNode(str(POL.loadFingerprint))
_SOURCE = ox.NamedNode(str(POL.loadSource))
_LAST_UPDATE = ox.NamedNode(str(POL.lastUpdate))
_RULES = ox.NamedNode(str(POL.rulesFingerprint))
_IDENTIFIER = ox.NamedNode(str(DCTERMS.identifier))
_PENDING = ox.NamedNode(str(POL.derivationPending))
#: The subject of the sizes record, in the state graph.
SIZES_RECORD = STATE_GRAPH + "#sizes"
_SIZES = ox.NamedNode(SIZES_RECORD)
_UNION_TRIPLES = ox.NamedNode(str(POL.unionTriples))

#: One SELECT reads the whole record: the state graph holds a handful of triples, so this is O(1)
#: in the size of the data.
RECORD_QUERY = f"SELECT ?s ?p ?o WHERE {{ GRAPH {_STATE} {{ ?s ?p ?o }} }}"


def now_literal() -> ox.Literal:
    """The current UTC time as an ``xsd:dateTime`` literal."""
    return ox.Literal(dt.datetime.now(dt.UTC).isoformat(), datatype=ox.NamedNode(str(XSD.dateTime)))


def fingerprint(files: Iterable[tuple[str, Path]]) -> str:
    """sha256 over ``(relative name, bytes)`` of each file, in name order: which data was loaded."""
    digest = hashlib.sha256()
    for name, path in sorted(files, key=lambda item: item[0]):
        data = path.read_bytes()
        # Lengths delimit the fields, so no two different file sets hash the same stream.
        digest.update(f"{len(name)}:{name}:{len(data)}:".encode())
        digest.update(data)
    return "sha256:" + digest.hexdigest()


@dataclass(frozen=True, slots=True)
class LoadRecord:
    """The store's record of its load and of the last derivation (all None on a store without one)."""

    completed: str | None = None
    fingerprint: str | None = None
    source: str | None = None
    last_update: str | None = None
    derivation: str | None = None
    rules: str | None = None
    #: True while an incremental update's derivation step has not run.
    pending: bool = False
    #: Triples of the union default graph, as last counted or kept.
    union_triples: int | None = None

    @classmethod
    def from_triples(cls, triples: Iterable[tuple[ox.NamedNode, ox.NamedNode, object]]) -> LoadRecord:
        """Read the record from the state graph's triples."""
        values: dict[tuple[str, str], str] = {}
        for subject, predicate, obj in triples:
            if isinstance(obj, ox.Literal):
                values[(subject.value, predicate.value)] = obj.value
        load, state = LOAD_RECORD, STATE_GRAPH
        counted = values.get((SIZES_RECORD, _UNION_TRIPLES.value))
        return cls(
            pending=values.get((state, _PENDING.value)) == "true",
            union_triples=int(counted) if counted is not None and counted.isdigit() else None,
            completed=values.get((load, _COMPLETED.value)),
            fingerprint=values.get((load, _FINGERPRINT.value)),
            source=values.get((load, _SOURCE.value)),
            last_update=values.get((load, _LAST_UPDATE.value)),
            derivation=values.get((state, _IDENTIFIER.value)),
            rules=values.get((state, _RULES.value)),
        )


def completion_steps(fingerprint_: str, source: str) -> list[str]:
    """Update operations that replace the load record with a completed one (no update since)."""
    return [
        f"DELETE WHERE {{ GRAPH {_STATE} {{ {_LOAD} ?p ?o }} }}",
        (
            f"INSERT DATA {{ GRAPH {_STATE} {{ {_LOAD} {_COMPLETED} {now_literal()} ; "
            f"{_FINGERPRINT} {term(ox.Literal(fingerprint_))} ; {_SOURCE} {term(ox.Literal(source))} }} }}"
        ),
    ]


def update_steps() -> list[str]:
    """Update operations that note that an update changed the store (sent with the update itself)."""
    return [
        f"DELETE WHERE {{ GRAPH {_STATE} {{ {_LOAD} {_LAST_UPDATE} ?t }} }}",
        f"INSERT DATA {{ GRAPH {_STATE} {{ {_LOAD} {_LAST_UPDATE} {now_literal()} }} }}",
    ]


def derivation_steps(stamp: str, rules: str | None) -> list[str]:
    """Update operations that replace the derivation record (the load record is left alone)."""
    rules_triple = f" ; {_RULES} {term(ox.Literal(rules))}" if rules is not None else ""
    return [
        f"DELETE WHERE {{ GRAPH {_STATE} {{ {_STATE} ?p ?o }} }}",
        (
            f"INSERT DATA {{ GRAPH {_STATE} {{ {_STATE} {_IDENTIFIER} {term(ox.Literal(stamp))} ; "
            f"<http://www.w3.org/ns/prov#generatedAtTime> {now_literal()}{rules_triple} }} }}"
        ),
    ]


def pending_steps() -> list[str]:
    """Update operations that mark the derivation as waiting for an incremental update's second step."""
    return [f"INSERT DATA {{ GRAPH {_STATE} {{ {_STATE} {_PENDING} true }} }}"]


def count_steps() -> list[str]:
    """Update operations that count the union default graph into the sizes record (a full derivation's)."""
    return [
        f"DELETE WHERE {{ GRAPH {_STATE} {{ {_SIZES} ?p ?o }} }}",
        f"INSERT {{ GRAPH {_STATE} {{ {_SIZES} {_UNION_TRIPLES} ?n }} }} WHERE {{ SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o }} }}",
    ]


def delta_count_steps(gained: str, lost: str) -> list[str]:
    """Update operations that move the sizes record by what the ``gained`` and ``lost`` subqueries count."""
    return [
        f"DELETE {{ GRAPH {_STATE} {{ {_SIZES} {_UNION_TRIPLES} ?old }} }} "
        f"INSERT {{ GRAPH {_STATE} {{ {_SIZES} {_UNION_TRIPLES} ?new }} }} WHERE {{ "
        f"GRAPH {_STATE} {{ {_SIZES} {_UNION_TRIPLES} ?old }} {{ {gained} }} {{ {lost} }} "
        f"BIND(?old + ?gained - ?lost AS ?new) }}"
    ]


class Condition(StrEnum):
    """What a restart finds in a persistent store."""

    empty = "empty"
    #: Data but no record of a finished load: a load was interrupted. Rebuilt from the files.
    incomplete = "incomplete"
    #: Loaded from files that have changed since, and never updated: rebuilt from the files.
    outdated = "outdated"
    #: Loaded from files that have changed since, but updated through SPARQL after: kept as is.
    stale = "stale"
    #: The load finished; the rules changed since the last derivation: re-derived, nothing reloaded.
    rules_changed = "rules_changed"
    #: An update's incremental derivation was interrupted: re-derived in full, nothing reloaded.
    underived = "underived"
    complete = "complete"


@dataclass(frozen=True, slots=True)
class StoreCondition:
    """A condition and the sentence that explains it to an operator."""

    condition: Condition
    reason: str
    record: LoadRecord

    @property
    def needs_load(self) -> bool:
        """True when the store is (re)built from the project files."""
        return self.condition in (Condition.empty, Condition.incomplete, Condition.outdated)


def judge(record: LoadRecord, *, empty: bool, files: str, rules: str | None) -> StoreCondition:
    """The condition of a store holding ``record``, given the fingerprints of the project's files now.

    Only a store nothing but the files ever wrote is rebuilt from them: a store an update has
    changed is kept, however old its files, and the operator decides (``--reload-data``).
    """
    if empty:
        return StoreCondition(Condition.empty, "the store is empty: loading the project", record)
    if record.completed is None and record.derivation is None:
        # A derivation ends every load, so its record (even from a version that wrote no load
        # record) proves the files were all loaded; without either, the load was interrupted.
        return StoreCondition(
            Condition.incomplete, "the store holds a load that did not finish: rebuilding it from the files", record
        )
    if record.source == "project" and record.fingerprint is not None and record.fingerprint != files:
        if record.last_update is None:
            return StoreCondition(
                Condition.outdated, "the ontology or data files changed since the store was loaded: rebuilding", record
            )
        return StoreCondition(
            Condition.stale,
            f"the ontology or data files changed since the store was loaded, and SPARQL updates changed it "
            f"since (last at {record.last_update}): kept as is; run with --reload-data to reload the files "
            f"(this drops the updates: `policykg dump` them first)",
            record,
        )
    if record.pending:
        return StoreCondition(
            Condition.underived, "an update stopped before its derivation finished: re-deriving", record
        )
    if rules is not None and record.rules != rules:
        return StoreCondition(Condition.rules_changed, "the rules changed since the last derivation: re-deriving", record)
    return StoreCondition(Condition.complete, "the store's load completed", record)
