"""Settings of policykg, read from the environment (prefix ``POLICYKG_``)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

_PACKAGE_ROOT = Path(__file__).resolve().parent.parent.parent


class Settings(BaseSettings):
    """Where the project files live, which store to use and how to serve it."""

    model_config = SettingsConfigDict(env_prefix="POLICYKG_", extra="ignore")

    root: Path = Field(default=_PACKAGE_ROOT, description="Repository root.")
    ontology_dir: Path = Field(default=Path("ontology"), description="OWL + SKOS Turtle files.")
    data_dir: Path = Field(default=Path("data"), description="TriG data files.")
    shapes_dir: Path = Field(default=Path("shapes"), description="SHACL shapes.")
    queries_dir: Path = Field(default=Path("queries"), description="Named SPARQL queries.")
    store: str | None = Field(
        default=None,
        description=(
            "None for an in-memory store, a directory for an on-disk store, or the http(s) URL of a "
            "remote SPARQL 1.1 query endpoint."
        ),
    )
    host: str = "127.0.0.1"
    port: int = 8000
    update_token: str | None = None
    query_timeout: float = Field(default=30.0, gt=0)
    max_results: int = Field(default=10000, gt=0)
    change_check_seconds: float = Field(
        default=1.0,
        ge=0,
        description=(
            "On a remote store: how often, at most, to ask the engine whether another service replica "
            "changed the data (then the search index and other caches are rebuilt)."
        ),
    )
    query_url: str | None = Field(
        default=None, description="Query endpoint of a remote store (default: the store URL)."
    )
    update_url: str | None = Field(
        default=None,
        description="Update endpoint of a remote store (default: the query URL, with a final /query made /update).",
    )
    graph_store_url: str | None = Field(
        default=None,
        description=(
            "Graph Store Protocol endpoint used to load a remote store (default: a final /query made /store; "
            "without one the data is loaded with INSERT DATA)."
        ),
    )
    allowed_remote: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(),
        description=(
            "IRI prefixes that SERVICE and LOAD may name (graph names are never dereferenced, so they need "
            "none); comma- or space-separated in the environment. Setting it gives the workers the network."
        ),
    )
    max_body_bytes: int = Field(default=1_048_576, gt=0, description="Largest SPARQL request body accepted.")
    query_workers: int = Field(default=2, gt=0, description="Processes that run /sparql queries.")
    network_sandbox: bool = Field(
        default=True,
        description=(
            "Deny the server and its query workers any internet socket once the server's socket is bound "
            "(seccomp), unless the store is remote or POLICYKG_ALLOWED_REMOTE is set, which need the network."
        ),
    )
    max_nesting: int = Field(
        default=64, gt=0,
        description="Deepest nesting of { ( [ in a query or update; deeper texts are refused before any parser runs.",
    )
    max_response_bytes: int = Field(
        default=64 * 1_048_576, gt=0,
        description="Largest /sparql answer in bytes; a longer one is cut to the rows that fit (X-SPARQL-MaxBytes).",
    )
    result_cache_bytes: int = Field(
        default=128 * 1_048_576, ge=0,
        description=(
            "Bytes of /sparql answers kept for the next identical query until the data changes (0: no cache); "
            "an answer larger than a quarter of it is not kept."
        ),
    )
    worker_memory_mb: int = Field(
        default=1024, ge=0,
        description=(
            "Memory a query worker may allocate beyond what it shares with the server, in MiB (0: no cap); "
            "past it the query is stopped with 507 and the worker replaced."
        ),
    )
    start_wait: float = Field(
        default=5.0,
        ge=0,
        description=(
            "How long the start waits for a persistent store's (re)build before the server accepts "
            "connections; a longer build goes on in the background with /health degraded."
        ),
    )
    rebuild_wait: float = Field(
        default=10.0,
        ge=0,
        description=(
            "While a persistent store is (re)built at start, how long a request waits for it before "
            "a 503 with Retry-After (/health answers at once: degraded)."
        ),
    )
    export_concurrency: int = Field(
        default=2,
        gt=0,
        description=(
            "Graph exports (/api/export) computed at once; more wait their turn without holding a thread, "
            "so a burst of exports leaves the CPU and the thread pool to the light routes."
        ),
    )
    export_cache_triples: int = Field(
        default=100_000,
        ge=0,
        description=(
            "Triples, over all kept selections, of the export graphs kept for the next export of the same "
            "data (about 1 KB of memory each; 0 keeps none)."
        ),
    )

    extract_max_bytes: int = Field(
        default=5 * 1_048_576, gt=0,
        description="Largest request body POST /api/extract reads (a text, a JSON object or an upload); past it: 413.",
    )
    extract_concurrency: int = Field(
        default=2, gt=0,
        description=(
            "Extractions (POST /api/extract) run at once, each on a worker thread; more wait their turn, so a burst "
            "of long texts leaves the event loop and the thread pool to the other routes."
        ),
    )

    # HTTP limits of `policykg serve` (app/api/server.py) and of the app's middleware (app/api/limits.py).
    http_max_header_bytes: int = Field(
        default=65_536, ge=1024, description="Largest request head (request line and headers) read; past it: 431."
    )
    http_max_headers: int = Field(default=100, gt=0, description="Most header fields in a request; past it: 431.")
    http_header_timeout: float = Field(
        default=10.0, gt=0, description="Seconds a connection has to send a complete request head, else closed."
    )
    http_body_timeout: float = Field(
        default=15.0, gt=0, description="Seconds a request has to send its whole body after its head, else 408."
    )
    http_keep_alive: int = Field(default=5, gt=0, description="Seconds an idle keep-alive connection stays open.")
    http_max_connections: int = Field(
        default=512, gt=0, description="Open connections served at once; one more is answered 503 and closed."
    )
    http_max_client_connections: int = Field(
        default=50, gt=0, description="Open connections one client address may hold (trusted proxies: no limit)."
    )
    trusted_proxies: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(),
        description=(
            "Addresses or networks of reverse proxies whose X-Forwarded-For/-Proto are believed (the client "
            "address rate limits use); none by default. Comma- or space-separated in the environment."
        ),
    )
    rate_requests: float = Field(
        default=50.0, ge=0, description="Requests a second each client may send on average (0: no limit)."
    )
    rate_burst: float = Field(default=200.0, ge=1, description="Requests a client may send at once (bucket size).")
    rate_query_seconds: float = Field(
        default=1.0, ge=0, description="Seconds of /sparql time a second each client may use on average (0: no limit)."
    )
    rate_query_burst: float = Field(
        default=60.0, gt=0, description="Seconds of /sparql time a client may use at once (bucket size)."
    )
    rate_crash_seconds: float = Field(
        default=10.0, ge=0,
        description="Query seconds charged to a client for each worker its query crashed, on top of the time taken.",
    )
    rate_clients: int = Field(default=10_000, gt=0, description="Clients whose budgets are remembered (LRU).")
    ingest_max_bytes: int = Field(
        default=1_048_576, gt=0,
        description="Largest text or draft `policykg ingest` and POST /api/ingest take (bytes of UTF-8); past it: 413.",
    )
    curator: str = Field(
        default="policykg curator", min_length=1,
        description="Who an ingest or retract is logged as when the caller names no curator.",
    )

    @field_validator("allowed_remote", "trusted_proxies", mode="before")
    @classmethod
    def _split_allowed(cls, value: object) -> object:
        """Read a comma- or space-separated list from the environment."""
        if isinstance(value, str):
            return tuple(part for part in re.split(r"[\s,]+", value) if part)
        return value

    @model_validator(mode="after")
    def _resolve_dirs(self) -> Settings:
        """Make relative project directories relative to ``root`` rather than to the cwd."""
        self.root = self.root.expanduser().resolve()
        for name in ("ontology_dir", "data_dir", "shapes_dir", "queries_dir"):
            value: Path = getattr(self, name).expanduser()
            if not value.is_absolute():
                value = self.root / value
            setattr(self, name, value)
        return self

    @property
    def store_path(self) -> Path | None:
        """The on-disk store directory, or None for an in-memory or remote store."""
        return Path(self.store).expanduser() if self.store and not self.store_is_remote else None

    @property
    def store_is_remote(self) -> bool:
        """True when ``store`` is the URL of a remote SPARQL endpoint."""
        return bool(self.store) and re.match(r"(?i)https?://", self.store or "") is not None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
