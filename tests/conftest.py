"""Shared fixtures: a private FUTURESCAN_HOME, a migrated temporary warehouse, a record factory."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def shared_data(*parts: str) -> Path:
    """A path under ../shared/data, skipping the calling test when it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"../shared/data not available ({path})")
    return path


def assert_identities_unique(con: Any) -> None:
    """No key, and no (document, source, record), stored twice: the ingest guarantees it, no index does."""
    dup_keys = con.execute("SELECT key FROM document_keys GROUP BY key HAVING count(*) > 1 LIMIT 5").fetchall()
    assert not dup_keys, f"keys stored twice: {dup_keys}"
    dup_sources = con.execute(
        "SELECT doc_id, source_id, source_record_id FROM document_sources"
        " GROUP BY ALL HAVING count(*) > 1 LIMIT 5"
    ).fetchall()
    assert not dup_sources, f"source rows stored twice: {dup_sources}"
    orphans = con.execute("SELECT count(*) FROM document_keys ANTI JOIN documents USING (doc_id)").fetchone()[0]
    assert orphans == 0, f"{orphans} keys point at no document"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private FUTURESCAN_HOME for one test."""
    h = tmp_path / "fshome"
    monkeypatch.setenv("FUTURESCAN_HOME", str(h))
    return h


@pytest.fixture
def warehouse_con(tmp_path: Path) -> Iterator[Any]:
    """A migrated writer connection on a temporary warehouse file."""
    from warehouse.db import connect_writer
    from warehouse.migrate import migrate

    con = connect_writer(tmp_path / "test.duckdb")
    migrate(con)
    yield con
    con.close()


_counter = itertools.count(1)


def landing_record(n: int, **overrides: Any) -> dict[str, Any]:
    """Valid landing record number `n` as a dict; keyword arguments override fields."""
    record: dict[str, Any] = {
        "source": "test",
        "source_record_id": f"r{n}",
        "kind": "paper",
        "title": f"A study of spiking neural networks on neuromorphic hardware, part {n}",
        "abstract": "We evaluate spiking neural networks on memristor crossbars.",
        "published": "2025-03-01",
        "language": "en",
    }
    record.update(overrides)
    return record


@pytest.fixture
def make_record() -> Callable[..., dict[str, Any]]:
    """Build a valid landing record as a dict; keyword arguments override fields."""

    def factory(**overrides: Any) -> dict[str, Any]:
        return landing_record(next(_counter), **overrides)

    return factory
