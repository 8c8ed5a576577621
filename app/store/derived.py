"""Derived state persisted beside an on-disk store, trusted only at the stamp it was saved at.

The search index's records, the document-number table and the counts are functions of the data;
recomputing them at 1 M quads takes tens of seconds, so they are saved in ``store.derived_dir``
after they are computed and read back at the next start when the store's ``stamp`` (the
identifier of its last derivation, rewritten by every load and update) is the one they were
saved at. Anything else (another stamp, another format version, a damaged or foreign file) reads
as absent and the caller recomputes.

Format: pickle, because it is the fastest way Python has to write and read back a few hundred
thousand small records (JSON costs several times as much on both sides). Unpickling can run code
named by the file, so files are read with an unpickler that resolves only dataclasses defined in
``app`` modules and a few builtin containers: a file planted in the directory cannot call
anything else. The directory is the operator's own, beside the store, with the store's rights.
Writes go to a temporary file in the same directory, then ``os.replace``: a reader or a crash
sees the old file or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import logging
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["FORMAT", "load_derived", "save_derived"]

log = logging.getLogger(__name__)

#: Bumped whenever what is saved changes shape: an older file then reads as absent.
FORMAT = 1
_BUILTINS = frozenset({"set", "frozenset", "tuple", "list", "dict"})


class _Unpickler(pickle.Unpickler):
    """Resolves only ``app`` dataclasses and builtin containers (never functions)."""

    def find_class(self, module: str, name: str) -> Any:
        if module == "builtins" and name in _BUILTINS:
            return super().find_class(module, name)
        if module == "app" or module.startswith("app."):
            found = super().find_class(module, name)
            if isinstance(found, type) and dataclasses.is_dataclass(found):
                return found
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in derived state")


def _path(directory: Path, name: str) -> Path:
    return directory / f"{name}.pickle"


def save_derived(directory: Path | None, name: str, stamp: str | None, value: object) -> bool:
    """Save ``value`` as ``name`` at ``stamp`` (atomically); False when there is nowhere to save or it failed."""
    if directory is None or stamp is None:
        return False
    temporary: str | None = None
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=f".{name}.", suffix=".tmp", delete=False) as out:
            temporary = out.name
            pickle.dump((FORMAT, stamp, value), out, protocol=pickle.HIGHEST_PROTOCOL)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, _path(directory, name))
    except OSError as exc:
        # A full or read-only disk costs the next start a rebuild, not this request.
        log.warning("could not save derived state %s in %s: %s", name, directory, exc)
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        return False
    return True


def load_derived(directory: Path | None, name: str, stamp: str | None) -> Any:
    """The value saved as ``name`` at exactly ``stamp``, or None (absent, another stamp, unreadable)."""
    if directory is None or stamp is None:
        return None
    path = _path(directory, name)
    try:
        data = path.read_bytes()
    except OSError:
        return None
    try:
        saved = _Unpickler(io.BytesIO(data)).load()
    except Exception as exc:  # noqa: BLE001  # a damaged or foreign file is a miss, whatever unpickling raised
        log.warning("ignoring derived state %s: %s", path, exc)
        return None
    if not (isinstance(saved, tuple) and len(saved) == 3 and saved[0] == FORMAT and saved[1] == stamp):
        return None
    return saved[2]
