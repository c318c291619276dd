"""Forecasts and outcomes are immutable: writes are insert-if-absent and a rewrite with other content is refused."""

from __future__ import annotations

import datetime as dt
import inspect
import re
from typing import Any

import pytest

from tests.ledger.conftest import NOW, forecast_row
from warehouse import ledger_store as store


def stored(con: Any, forecast_id: str) -> tuple:
    return con.execute("SELECT probability, statement, content_hash FROM forecasts WHERE forecast_id = ?", [forecast_id]).fetchall()[0]


def test_rewriting_a_forecast_with_different_content_is_refused(warehouse_con: Any) -> None:
    first = store.insert_forecasts(warehouse_con, [forecast_row()])
    assert (first.inserted, first.unchanged) == (1, 0)
    before = stored(warehouse_con, "s1/t1/growth_12m")

    # The same forecast again (a re-run of the scan, a later time of writing): nothing changes.
    again = store.insert_forecasts(warehouse_con, [forecast_row(made_at=NOW + dt.timedelta(days=3))])
    assert (again.inserted, again.unchanged, again.refused) == (0, 1, ())

    # Another probability, statement or target for the same id: refused, and the ledger keeps the original.
    for change in ({"probability": 0.9}, {"statement": "T1 shrinks"}, {"target": {"months": 24}},
                   {"resolves_on": dt.date(2022, 1, 1)}):
        with pytest.raises(store.LedgerRewriteRefused, match="immutable"):
            store.insert_forecasts(warehouse_con, [forecast_row(**change)])
        assert stored(warehouse_con, "s1/t1/growth_12m") == before
    assert warehouse_con.execute("SELECT count(*) FROM forecasts").fetchall()[0][0] == 1

    # Lenient mode (what freezing uses) writes new forecasts but still never the changed one.
    res = store.insert_forecasts(
        warehouse_con, [forecast_row(probability=0.9), forecast_row(forecast_id="s1/t2/growth_12m", tech_id="t2")], strict=False
    )
    assert (res.inserted, res.refused) == (1, ("s1/t1/growth_12m",))
    assert stored(warehouse_con, "s1/t1/growth_12m") == before


def test_a_batch_with_a_refused_row_writes_nothing(warehouse_con: Any) -> None:
    store.insert_forecasts(warehouse_con, [forecast_row()])
    with pytest.raises(store.LedgerRewriteRefused):
        store.insert_forecasts(warehouse_con, [forecast_row(forecast_id="s1/t3/growth_12m", tech_id="t3"),
                                               forecast_row(probability=0.1)])
    assert warehouse_con.execute("SELECT count(*) FROM forecasts").fetchall()[0][0] == 1


def test_outcomes_are_immutable_too(warehouse_con: Any) -> None:
    store.insert_forecasts(warehouse_con, [forecast_row()])
    outcome = {"forecast_id": "s1/t1/growth_12m", "resolved_at": NOW, "resolved_as_of": dt.date(2021, 1, 1),
               "outcome": 1, "void_reason": None, "observed": {"rate_ratio": 1.5}, "evidence_doc_ids": ["d1"]}
    assert store.insert_outcomes(warehouse_con, [outcome]).inserted == 1
    assert store.insert_outcomes(warehouse_con, [{**outcome, "resolved_at": NOW + dt.timedelta(days=1)}]).unchanged == 1
    with pytest.raises(store.LedgerRewriteRefused):
        store.insert_outcomes(warehouse_con, [{**outcome, "outcome": 0}])
    row = store.forecasts(warehouse_con)[0]
    assert (row["outcome"], row["observed"], row["evidence_doc_ids"]) == (1, {"rate_ratio": 1.5}, ["d1"])


def test_the_schema_rejects_impossible_rows(warehouse_con: Any) -> None:
    import duckdb

    with pytest.raises(duckdb.ConstraintException):
        store.insert_forecasts(warehouse_con, [forecast_row(probability=1.0)])
    store.insert_forecasts(warehouse_con, [forecast_row()])
    # An outcome must be 0/1 with no reason, or void with a reason.
    with pytest.raises(duckdb.ConstraintException):
        store.insert_outcomes(warehouse_con, [{"forecast_id": "s1/t1/growth_12m", "resolved_at": NOW,
                                               "resolved_as_of": dt.date(2021, 1, 1), "outcome": None, "void_reason": None,
                                               "observed": {}, "evidence_doc_ids": []}])


def test_the_store_offers_no_way_to_edit_or_delete() -> None:
    public = [name for name, _ in inspect.getmembers(store, inspect.isfunction) if not name.startswith("_")]
    assert not [n for n in public if re.search(r"update|delete|remove|replace|edit|set_", n)]
    source = inspect.getsource(store)
    assert not re.search(r"\b(UPDATE|DELETE)\s", source)


def test_small_and_large_batches_store_the_same_values(warehouse_con: Any) -> None:
    """A scan's few forecasts go in as bound parameters, a replay's many through Arrow: the rows must not differ."""
    # Distinct claims (one per technology), so none is a second freeze of another.
    few = [forecast_row(forecast_id=f"a{i}/ta{i}/growth_12m", scan_id=f"a{i}", tech_id=f"ta{i}") for i in range(3)]
    many = [forecast_row(forecast_id=f"b{i}/tb{i}/growth_12m", scan_id=f"b{i}", tech_id=f"tb{i}")
            for i in range(store._PARAMETER_ROWS + 1)]
    assert store.insert_forecasts(warehouse_con, few).inserted == 3
    assert store.insert_forecasts(warehouse_con, many).inserted == len(many)
    cols = "* EXCLUDE (forecast_id, scan_id, tech_id, content_hash)"
    rows = warehouse_con.execute(
        f"SELECT DISTINCT {cols}, CAST(target AS VARCHAR), CAST(inputs AS VARCHAR) FROM forecasts"
    ).fetchall()
    assert len(rows) == 1  # every stored column equal whichever way it was written
    assert store.insert_forecasts(warehouse_con, [*few, *many]).unchanged == len(few) + len(many)
    outcome = {"forecast_id": "a0/ta0/growth_12m", "resolved_at": NOW, "resolved_as_of": dt.date(2021, 1, 1),
               "outcome": 1, "void_reason": None, "observed": {"rate_ratio": 1.5}, "evidence_doc_ids": []}
    assert store.insert_outcomes(warehouse_con, [outcome]).inserted == 1
    assert warehouse_con.execute("SELECT evidence_doc_ids FROM forecast_outcomes").fetchall() == [([],)]


def test_a_second_freeze_of_the_same_claim_writes_nothing(warehouse_con: Any) -> None:
    """A claim (technology, type, target, as_of, due date, record) is held once, whichever scan freezes it again."""
    assert store.insert_forecasts(warehouse_con, [forecast_row()]).inserted == 1
    # A re-scan on the same as_of freezes the same forecast under its own scan id: nothing is written.
    again = store.insert_forecasts(warehouse_con, [forecast_row(forecast_id="s2/t1/growth_12m", scan_id="s2",
                                                                made_at=NOW + dt.timedelta(hours=2))])
    assert (again.inserted, again.unchanged, again.refused) == (0, 1, ())
    # Saying something else about the same claim is refused like a rewrite; the first forecast stands.
    with pytest.raises(store.LedgerRewriteRefused):
        store.insert_forecasts(warehouse_con, [forecast_row(forecast_id="s2/t1/growth_12m", scan_id="s2", probability=0.7)])
    lenient = store.insert_forecasts(
        warehouse_con, [forecast_row(forecast_id="s2/t1/growth_12m", scan_id="s2", probability=0.7)], strict=False)
    assert (lenient.inserted, lenient.refused) == (0, ("s2/t1/growth_12m",))
    # Other claims are new forecasts: another as_of (next week's scan), another record (a replay), another type.
    others = [
        forecast_row(forecast_id="s3/t1/growth_12m", scan_id="s3", as_of=dt.date(2020, 1, 8), resolves_on=dt.date(2021, 1, 8)),
        forecast_row(forecast_id="asof-2020-01-01/t1/growth_12m", scan_id="asof-2020-01-01", backtest=True),
        forecast_row(forecast_id="s2/t1/growth_48m", scan_id="s2", type="growth_48m"),
    ]
    assert store.insert_forecasts(warehouse_con, others).inserted == 3
    assert warehouse_con.execute("SELECT count(*) FROM forecasts").fetchall()[0][0] == 4
    assert stored(warehouse_con, "s1/t1/growth_12m")[0] == 0.4


def test_claims_frozen_twice_before_claims_were_checked_count_once(warehouse_con: Any) -> None:
    """Ledgers from before the claim check hold a copy per same-day scan: readers see the first one only."""
    store.insert_forecasts(warehouse_con, [forecast_row()])
    row = warehouse_con.execute("SELECT * FROM forecasts").fetchall()[0]
    cols = [c[0] for c in warehouse_con.execute("SELECT * FROM forecasts LIMIT 0").description]
    copy = dict(zip(cols, row, strict=True))
    copy.update(forecast_id="s2/t1/growth_12m", scan_id="s2", made_at=NOW + dt.timedelta(hours=1))
    warehouse_con.execute(f"INSERT INTO forecasts VALUES ({', '.join('?' for _ in cols)})", [copy[c] for c in cols])
    assert [r["forecast_id"] for r in store.forecasts(warehouse_con)] == ["s1/t1/growth_12m"]
    assert store.forecasts(warehouse_con, scan_id="s2") == []
    outcome = {"resolved_at": NOW, "resolved_as_of": dt.date(2021, 1, 1), "outcome": 1, "void_reason": None,
               "observed": {}, "evidence_doc_ids": []}
    store.insert_outcomes(warehouse_con, [{"forecast_id": "s1/t1/growth_12m", **outcome},
                                          {"forecast_id": "s2/t1/growth_12m", **outcome}])
    assert len(store.resolved_record(warehouse_con, backtest=False, known_by=dt.date(2021, 1, 2))) == 1
    assert store.forecasts(warehouse_con, unresolved_only=True) == []
