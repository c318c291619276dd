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
