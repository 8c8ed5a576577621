"""Whether the service's store can be served yet: it is loaded, rebuilt or re-derived at start,
in the background for a persistent store, while ``/health`` says so.

An in-memory store is loaded before the service starts (there is nothing to serve meanwhile). A
persistent store whose load completed starts at once; one that must be (re)built from the files
(empty, an interrupted load, files changed and no update since, ``--reload-data``) or re-derived
(the rules changed) is worked on in a thread: the start waits ``start_wait`` seconds for it, then
serves, so ``/health`` can answer ``degraded`` and a load balancer keeps the replica out until it
is done.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from app.core.config import Settings
from app.core.errors import PolicyKGError
from app.store.load_record import Condition
from app.store.policy_store import PolicyStore

__all__ = ["Phase", "Readiness"]

_log = logging.getLogger("policykg.readiness")


class Phase(StrEnum):
    """Where the start of the service is."""

    rebuilding = "rebuilding"
    #: Serving; the store is what its load record says it should be.
    ready = "ready"
    #: Serving a store whose files changed since it was loaded, kept because updates changed it since.
    stale = "stale"
    #: The (re)build failed: nothing is served until the operator fixes the cause and restarts.
    failed = "failed"


@dataclass(eq=False)
class Readiness:
    """The phase of the store's start and why; ``wait`` blocks until it is servable or has failed."""

    phase: Phase = Phase.ready
    reason: str = "the store is loaded"
    _done: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    @property
    def servable(self) -> bool:
        """True when requests can be answered from the store."""
        return self.phase in (Phase.ready, Phase.stale)

    @property
    def working(self) -> bool:
        """True while the store is being (re)built in the background."""
        return self._thread is not None and self._thread.is_alive()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the start has ended (servable or failed); True when it is servable."""
        self._done.wait(timeout)
        return self.servable

    @classmethod
    def start(
        cls, store: PolicyStore, settings: Settings, *, reload: bool = False, then: Callable[[], None] = lambda: None
    ) -> Readiness:
        """Load ``store`` (``load_project``), then call ``then`` (build caches), in the background when
        it means work on a persistent store; a failure there is logged and ends in ``failed``."""
        readiness = cls()
        if store.loaded or not store.persistent:
            if not store.loaded:
                store.load_project(settings, reload=reload)
            readiness._finish(store, then)
            return readiness
        condition = None if reload else store.condition(settings)
        if condition is not None and condition.condition in (Condition.complete, Condition.stale):
            store.load_project(settings)
            readiness._finish(store, then)
            return readiness
        readiness.phase = Phase.rebuilding
        readiness.reason = "reloading the files (--reload-data)" if condition is None else condition.reason

        def run() -> None:
            try:
                store.load_project(settings, reload=reload)
                readiness._finish(store, then)
            except Exception as exc:  # noqa: BLE001 - whatever it was, /health must say so, not hang
                _log.error("the store could not be loaded: %s", exc, exc_info=not isinstance(exc, PolicyKGError))
                readiness.phase, readiness.reason = Phase.failed, f"the store could not be loaded: {exc}"
                readiness._done.set()

        _log.info("store not ready at start: %s", readiness.reason)
        readiness._thread = threading.Thread(target=run, name="policykg-load", daemon=True)
        readiness._thread.start()
        # A short build (the shipped data) ends before the server answers anything.
        readiness._done.wait(settings.start_wait)
        return readiness

    def _finish(self, store: PolicyStore, then: Callable[[], None]) -> None:
        then()
        state = store.state
        if state is not None and state.condition is Condition.stale:
            self.phase, self.reason = Phase.stale, state.reason
        else:
            self.phase = Phase.ready
            self.reason = state.reason if state is not None else "the store is loaded"
        self._done.set()
