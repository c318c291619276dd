"""The one door configuration enters by: FUTURESCAN_HOME and friends become explicit paths and options.

Library code in spiders/, warehouse/ and scoring/ never reads the environment; the CLI and the
Prefect flows build a :class:`Settings` here and pass plain arguments down.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_HOME = Path.home() / ".futurescan"
DEFAULT_MODEL = "all-MiniLM-L6-v2"


@dataclass(frozen=True)
class Settings:
    """Where futurescan keeps its state, and the few options that are not per-command flags."""

    home: Path
    model_name: str = DEFAULT_MODEL
    contact: str = "futurescan-operator@example.org"
    epo_key: str | None = None  # EPO Open Patent Services credentials, for the optional patent spider
    epo_secret: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Settings from the environment: FUTURESCAN_HOME, FUTURESCAN_MODEL, FUTURESCAN_CONTACT."""
        env = os.environ if env is None else env
        home = Path(env.get("FUTURESCAN_HOME") or DEFAULT_HOME).expanduser().resolve()
        return cls(
            home=home,
            model_name=env.get("FUTURESCAN_MODEL") or DEFAULT_MODEL,
            contact=env.get("FUTURESCAN_CONTACT") or cls.contact,
            epo_key=env.get("FUTURESCAN_EPO_KEY") or None,
            epo_secret=env.get("FUTURESCAN_EPO_SECRET") or None,
        )

    # Everything lives under one home, so tests, benchmarks and two installs never collide.
    @property
    def db_path(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def published_path(self) -> Path:
        return self.home / "published" / "warehouse.duckdb"

    @property
    def landing_dir(self) -> Path:
        return self.home / "landing"

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"

    @property
    def cache_dir(self) -> Path:
        return self.home / "cache"

    @property
    def prefect_home(self) -> Path:
        return self.home / "prefect"
