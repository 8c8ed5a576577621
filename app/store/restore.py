"""Put a dump back: replace a store's content with a TriG or N-Quads file, all or nothing.

The file is parsed whole first (a syntax error names its line and column, and nothing is
written). Then the store's content is replaced, never added to: blank-node labels are scoped to
the file they are read from, so adding a dump to a store that already holds its data would add
every blank-node triple a second time (the IRI-only ones merge). The union and the derived graph
are rebuilt by the rules, and the load record says the store was restored (``pol:loadSource
"restore"``), so a restart does not rebuild it from the project's files.

- On disk, the new store is built in a sibling directory and swapped in with renames
  (``app.store_directory``): a crash leaves the old store or the new one.
- On a remote engine, the replacement is one SPARQL update request (``DROP ALL``, one
  ``INSERT DATA``, the derivation): atomic where the engine runs a request as one transaction
  (Oxigraph does); the whole dump travels in that request.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import pyoxigraph as ox

from app.core.config import Settings
from app.core.errors import StoreError, StoreLoadError
from app.core.namespaces import SERVICE_GRAPHS
from app.store import directory as store_directory
from app.store.load_record import fingerprint
from app.store.policy_store import PolicyStore, parse_file

__all__ = ["RestoreFormat", "Restored", "read_dump", "restore"]


class RestoreFormat(StrEnum):
    """Formats ``restore`` reads: those of the dumps that keep the named graphs."""

    trig = "trig"
    nq = "nq"


_FORMATS = {RestoreFormat.trig: ox.RdfFormat.TRIG, RestoreFormat.nq: ox.RdfFormat.N_QUADS}
_SERVICE = {ox.NamedNode(g) for g in SERVICE_GRAPHS}


@dataclass(frozen=True, slots=True)
class Restored:
    """What a restore put in the store."""

    quads: int
    graphs: int


def read_dump(path: Path, fmt: RestoreFormat | None = None) -> list[ox.Quad]:
    """Every quad of a dump, parsed whole (StoreLoadError with line and column on bad input).

    Triples outside any graph go to the file's graph (``PolicyStore.graph_for_file``), as when
    loading data; a state graph in the file is ignored: the restore writes its own.
    """
    path = Path(path)
    if fmt is None:
        try:
            fmt = RestoreFormat(path.suffix.lower().lstrip("."))
        except ValueError:
            raise StoreLoadError(
                path, f"cannot tell the format from {path.suffix or 'no extension'!r}: use .trig or .nq, or --format"
            ) from None
    quads = parse_file(path, _FORMATS[fmt], graph=PolicyStore.graph_for_file(path))
    for quad in quads:
        if not isinstance(quad.graph_name, ox.NamedNode):
            raise StoreLoadError(path, f"graph names must be IRIs, not {quad.graph_name}")
    return [q for q in quads if q.graph_name not in _SERVICE]


def restore(settings: Settings, path: Path, fmt: RestoreFormat | None = None) -> Restored:
    """Replace the content of the store ``settings`` name (on disk or remote) with the dump at ``path``."""
    quads = read_dump(path, fmt)
    digest = fingerprint([(Path(path).name, Path(path))])
    rules = settings.ontology_dir / "rules"
    if settings.store_is_remote:
        with PolicyStore.from_settings(settings) as store:
            store.rules_dir = rules
            store.replace_content(quads, digest)
    elif settings.store_path is not None:
        target = settings.store_path.expanduser()
        # Opening the store proves no other process (a server) has it, and finishes an earlier swap.
        PolicyStore.open(target).close()
        building = store_directory.partial(target)
        with PolicyStore.open(building) as store:
            store.rules_dir = rules
            store.replace_content(quads, digest)
        store_directory.commit(target)
    else:
        raise StoreError("restore needs a store that outlives the command: --store DIR or a remote SPARQL endpoint")
    return Restored(quads=len(quads), graphs=len({q.graph_name for q in quads}))
