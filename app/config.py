"""Settings of policykg, read from the environment (prefix ``POLICYKG_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

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
        default=None, description="None for an in-memory store, else a directory for an on-disk store."
    )
    host: str = "127.0.0.1"
    port: int = 8000
    update_token: str | None = None
    query_timeout: float = Field(default=30.0, gt=0)
    max_results: int = Field(default=10000, gt=0)

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
        """The on-disk store directory, or None for an in-memory store."""
        return Path(self.store).expanduser() if self.store else None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
