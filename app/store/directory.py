"""An on-disk store's directory replaced as a whole: a new store is built beside it and swapped in
with renames, so a crash at any point leaves the old store or the new one, never a mix.

The siblings of ``DIR``: ``DIR.restore-partial`` (being built), ``DIR.restore-ready`` (built and
flushed: from here the replacement is decided) and ``DIR.restore-old`` (the replaced store, until
it is deleted). ``recover`` finishes or undoes a swap that a crash interrupted; ``PolicyStore.open``
runs it before opening ``DIR``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

__all__ = ["commit", "partial", "recover"]


def _sibling(path: Path, role: str) -> Path:
    return path.with_name(f"{path.name}.restore-{role}")


def partial(path: Path) -> Path:
    """An empty directory beside ``path`` to build the replacement store in (a leftover is removed)."""
    building = _sibling(path, "partial")
    shutil.rmtree(building, ignore_errors=True)
    return building


def _sync_parent(path: Path) -> None:
    """Make the renames in ``path``'s parent directory durable."""
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def commit(path: Path) -> None:
    """Swap the store built in ``partial(path)`` (closed and flushed) in for ``path``."""
    _sibling(path, "partial").rename(_sibling(path, "ready"))  # the point of no return
    _sync_parent(path)
    recover(path)


def recover(path: Path) -> None:
    """Finish a swap decided before a crash (a ready store exists) or drop one that was not."""
    building, ready, old = _sibling(path, "partial"), _sibling(path, "ready"), _sibling(path, "old")
    shutil.rmtree(building, ignore_errors=True)
    if ready.exists():
        if path.exists():
            shutil.rmtree(old, ignore_errors=True)
            path.rename(old)
        ready.rename(path)
        _sync_parent(path)
    if old.exists():
        if path.exists():
            shutil.rmtree(old)
        else:  # only if someone removed the new store by hand: the old one is better than none
            old.rename(path)
