"""Settings of policykg, read from the environment (prefix ``POLICYKG_``)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

_PACKAGE_ROOT = Path(__file__).resolve().parent.parent


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
            "IRI prefixes that SERVICE, LOAD, FROM and the protocol's graph parameters may name although they "
            "are not graphs of the store; comma- or space-separated in the environment."
        ),
    )
    max_body_bytes: int = Field(default=1_048_576, gt=0, description="Largest SPARQL request body accepted.")
    query_workers: int = Field(default=2, gt=0, description="Processes that run /sparql queries.")
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

    @field_validator("allowed_remote", mode="before")
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
