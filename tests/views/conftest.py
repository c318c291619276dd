"""Fixtures for the view tests: a scored two-scan warehouse in a private FUTURESCAN_HOME."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.views import scenario


@pytest.fixture(scope="session")
def _scored_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """Built once per session (the tests only read it); each test copies it into its own home."""
    from tests.conftest import make_record as make_record_fixture
    from warehouse.db import connect_writer
    from warehouse.migrate import migrate

    path = tmp_path_factory.mktemp("scored") / "warehouse.duckdb"
    con = connect_writer(path)
    try:
        migrate(con)
        # The factory fixture is function-scoped; its plain function builds the same records once per session.
        factory: Callable[..., dict[str, Any]] = getattr(make_record_fixture, "__wrapped__", make_record_fixture)()
        keys = scenario.build(con, factory)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return path, keys


@pytest.fixture
def scored_home(home: Path, _scored_db: tuple[Path, dict[str, str]]) -> Path:
    """FUTURESCAN_HOME holding the scored warehouse at home/'warehouse.duckdb'."""
    import shutil

    home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_scored_db[0], home / "warehouse.duckdb")
    return home


@pytest.fixture
def doc_keys(_scored_db: tuple[Path, dict[str, str]]) -> dict[str, str]:
    """Scenario key → doc_id."""
    return _scored_db[1]


@pytest.fixture
def con(_scored_db: tuple[Path, dict[str, str]]) -> Iterator[Any]:
    """A read-only connection on the scored warehouse."""
    import duckdb

    c = duckdb.connect(str(_scored_db[0]), read_only=True)
    yield c
    c.close()


def _derived_db(tmp_path_factory: pytest.TempPathFactory, source: Path, name: str, *steps: Callable[[Any], None]) -> Path:
    """A copy of a warehouse file with some writes applied (built once per session)."""
    import shutil

    from warehouse.db import connect_writer

    path = tmp_path_factory.mktemp(name) / "warehouse.duckdb"
    shutil.copyfile(source, path)
    con = connect_writer(path)
    try:
        for step in steps:
            step(con)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return path


@pytest.fixture(scope="session")
def _frozen_db(tmp_path_factory: pytest.TempPathFactory, _scored_db: tuple[Path, dict[str, str]]) -> Path:
    """The scored warehouse with its scans' forecasts frozen: no weekly forecast resolved, the replay's partly."""
    return _derived_db(tmp_path_factory, _scored_db[0], "frozen", scenario.freeze_all)


@pytest.fixture(scope="session")
def _resolved_db(tmp_path_factory: pytest.TempPathFactory, _frozen_db: Path) -> Path:
    """The frozen warehouse after the second scan's resolution, plus hand-built resolved forecasts."""
    return _derived_db(tmp_path_factory, _frozen_db, "resolved", scenario.resolve_some)


@pytest.fixture(scope="session")
def _no_ledger_db(tmp_path_factory: pytest.TempPathFactory, _scored_db: tuple[Path, dict[str, str]]) -> Path:
    """The scored warehouse as an old one: no ledger tables."""

    def drop(con: Any) -> None:
        con.execute("DROP TABLE forecast_outcomes")
        con.execute("DROP TABLE forecasts")

    return _derived_db(tmp_path_factory, _scored_db[0], "noledger", drop)


def _home_with(home: Path, db: Path) -> Path:
    import shutil

    home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(db, home / "warehouse.duckdb")
    return home


@pytest.fixture
def frozen_home(home: Path, _frozen_db: Path) -> Path:
    """FUTURESCAN_HOME holding the frozen warehouse."""
    return _home_with(home, _frozen_db)


@pytest.fixture
def resolved_home(home: Path, _resolved_db: Path) -> Path:
    """FUTURESCAN_HOME holding the warehouse with resolved forecasts."""
    return _home_with(home, _resolved_db)


@pytest.fixture
def no_ledger_home(home: Path, _no_ledger_db: Path) -> Path:
    """FUTURESCAN_HOME holding a warehouse without the ledger tables."""
    return _home_with(home, _no_ledger_db)


def open_read_only(path: Path) -> Any:
    import duckdb

    return duckdb.connect(str(path), read_only=True)
