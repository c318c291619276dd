"""The one door configuration enters by: FUTURESCAN_HOME and friends become explicit paths and options.

Library code in spiders/, warehouse/ and scoring/ never reads the environment; the CLI and the
Prefect flows build a :class:`Settings` here and pass plain arguments down. The environment
variables that Prefect and Hugging Face read themselves get their defaults here too
(:func:`apply_environment_defaults`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, MutableMapping
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

    def crawl_credentials(self) -> dict[str, str]:
        """The credentials these settings hold, keyed by the Scrapy setting that carries each to a spider."""
        values = {"FUTURESCAN_EPO_KEY": self.epo_key, "FUTURESCAN_EPO_SECRET": self.epo_secret}
        return {key: value for key, value in values.items() if value}


def apply_environment_defaults(settings: Settings, environ: MutableMapping[str, str] | None = None) -> None:
    """Set the offline-safe defaults of the libraries futurescan drives, where the environment has none.

    Prefect reads its settings, and huggingface_hub / transformers their offline switches, from the
    environment when they are first imported, so these cannot be passed as arguments; the CLI entry
    calls this once, before any command runs. An operator's own values win. The figures behind them
    are in ../shared/STACK.md: without analytics off Prefect logs a traceback every run, its
    ephemeral server needs more than the default 20 s to start on a busy 2-core machine, and a
    model name looked up on the Hub offline retries DNS for ~70 s. Prefect keeps its database in
    PREFECT_HOME, by default <home>/prefect.
    """
    env = os.environ if environ is None else environ
    defaults = {
        "PREFECT_HOME": str(settings.prefect_home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    for key, value in defaults.items():
        env.setdefault(key, value)
