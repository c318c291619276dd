"""Scoring a hand-built warehouse: stored scores and evidence, as-of cut-offs, determinism, weights, overrides."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

from scoring.screening.criteria import INSUFFICIENT
from scoring.screening.run import score_scan, score_technologies
from scoring.screening.weights import WEIGHTS_PATH
from tests.scoring.conftest import AS_OF
from warehouse import scores_store as store


def _scores(con: Any, as_of: dt.date = AS_OF, weights: Path | None = None) -> dict[str, Any]:
    scores, _ = score_technologies(con, as_of=as_of, weights_path=weights)
    return {s.tech.tech_id: s for s in scores}


def test_score_scan_stores_scores_indicators_and_weights_hash(screening_con: Any) -> None:
    summary = score_scan(screening_con, scan_id="asof-2026-01-01", as_of=AS_OF)
    assert summary.technologies == 3 and summary.created_scan
    assert summary.weights_hash == hashlib.sha256(WEIGHTS_PATH.read_bytes()).hexdigest()
    rows = {r["tech_id"]: r for r in store.read_scores(screening_con, "asof-2026-01-01")}
    assert set(rows) == {"neuro_widget", "fusion_gadget", "thin_tech"}
    assert {r["weights_hash"] for r in rows.values()} == {summary.weights_hash}
    assert rows["neuro_widget"]["horizon"] == "near"
    assert rows["fusion_gadget"]["horizon"] == "far"
    assert rows["thin_tech"]["horizon"] == INSUFFICIENT
    assert rows["neuro_widget"]["reasons"]["horizon"]  # every call says why
    # Every indicator carries the documents behind it.
    ind = {i["indicator"]: i for i in store.read_indicators(screening_con, "asof-2026-01-01", "neuro_widget")}
    assert {"volume", "growth", "burst", "novelty", "reach", "coherence", "prominence", "policy_attention",
            "industrialisation", "stage_evidence", "local_fit", "uncertainty"} <= set(ind)
    assert ind["industrialisation"]["doc_ids"] and ind["policy_attention"]["doc_ids"]
    assert ind["policy_attention"]["details"]["policy_documents"] == 1
    scan = screening_con.execute("SELECT as_of, status FROM scans WHERE scan_id = 'asof-2026-01-01'").fetchall()
    assert scan == [(AS_OF, "succeeded")]


def test_as_of_scoring_ignores_later_documents(screening_con: Any, doc_id_of: Any) -> None:
    late = doc_id_of("nw-late")
    now = _scores(screening_con)["neuro_widget"]
    assert all(late not in v.doc_ids for v in now.indicators.values())
    later = _scores(screening_con, as_of=dt.date(2026, 6, 1))["neuro_widget"]
    assert later.evidence_count == now.evidence_count + 1
    # A paper dated only "2025" is published before 2026-01-01 but not before 2025-12-31.
    year_doc = doc_id_of("fg-year-2025")
    before = _scores(screening_con, as_of=dt.date(2025, 12, 31))["fusion_gadget"]
    assert all(year_doc not in v.doc_ids for v in before.indicators.values())
    assert year_doc in _scores(screening_con)["fusion_gadget"].indicators["volume"].doc_ids


def test_scoring_is_deterministic(screening_con: Any) -> None:
    def stored(scan: str) -> list[tuple]:
        score_scan(screening_con, scan_id=scan, as_of=AS_OF, force=True)  # computed each time, never carried over
        rows = screening_con.execute(
            "SELECT tech_id, strategic, disruptive, horizon, horizon_confidence, trl_band, CAST(reasons AS VARCHAR) "
            "FROM tech_scores WHERE scan_id = ? ORDER BY tech_id", [scan]).fetchall()
        inds = screening_con.execute(
            "SELECT tech_id, indicator, value, score, CAST(details AS VARCHAR), doc_ids FROM indicator_values "
            "WHERE scan_id = ? ORDER BY tech_id, indicator", [scan]).fetchall()
        return rows + inds

    assert stored("replay-a") == stored("replay-b")
    # Re-scoring a scan replaces its rows instead of adding to them.
    score_scan(screening_con, scan_id="replay-a", as_of=AS_OF, force=True)
    assert screening_con.execute("SELECT count(*) FROM tech_scores WHERE scan_id = 'replay-a'").fetchall() == [(3,)]


def test_weights_file_changes_scores_and_hash(screening_con: Any, tmp_path: Path) -> None:
    text = WEIGHTS_PATH.read_text(encoding="utf-8")
    text = text.replace("policy_attention = 0.4", "policy_attention = 0.0").replace("local_fit = 0.35", "local_fit = 0.0")
    custom = tmp_path / "weights.toml"
    custom.write_text(text, encoding="utf-8")
    default = _scores(screening_con)
    breadth_only = _scores(screening_con, weights=custom)
    nw, fg = "neuro_widget", "fusion_gadget"
    # Policy and local fit favour the neuro widget (a State Council opinion, Shanghai); breadth alone does not.
    assert default[nw].strategic.score > default[fg].strategic.score
    assert breadth_only[nw].strategic.score == breadth_only[nw].indicators["reach"].score
    assert breadth_only[nw].strategic.score != default[nw].strategic.score
    summary = score_scan(screening_con, scan_id="custom", as_of=AS_OF, weights_path=custom)
    assert summary.weights_hash == hashlib.sha256(custom.read_bytes()).hexdigest()


def test_insufficient_evidence_everywhere_for_a_thin_technology(screening_con: Any) -> None:
    thin = _scores(screening_con)["thin_tech"]
    assert thin.horizon.horizon == INSUFFICIENT
    assert thin.strategic.label == INSUFFICIENT
    assert thin.disruptive.label == INSUFFICIENT
    assert thin.indicators["growth"].score is None
    assert "documents" in thin.indicators["growth"].details["reason"]


def test_overrides_are_kept_beside_computed_values(screening_con: Any) -> None:
    score_scan(screening_con, scan_id="w1", as_of=AS_OF)
    first = store.add_override(screening_con, tech_id="fusion_gadget", field="horizon", value="mid",
                               decided_by="Dr Li", reason="pilot plant announced", at=dt.datetime(2026, 1, 2))
    store.add_override(screening_con, tech_id="fusion_gadget", field="horizon", value="near",
                       decided_by="Dr Wang", reason="second opinion", at=dt.datetime(2026, 1, 3))
    row = {r["tech_id"]: r for r in store.read_scores(screening_con, "w1")}["fusion_gadget"]
    assert row["horizon"] == "far"  # computed value untouched
    assert (row["override_horizon"], row["override_horizon_by"]) == ("near", "Dr Wang")
    history = store.override_history(screening_con, "fusion_gadget")
    assert [h["value"] for h in history] == ["mid", "near"]
    assert history[0]["override_id"] == first and history[0]["computed_value"] == "far"
    # Re-scoring neither reads nor erases judgements.
    score_scan(screening_con, scan_id="w1", as_of=AS_OF)
    again = {r["tech_id"]: r for r in store.read_scores(screening_con, "w1")}["fusion_gadget"]
    assert again["horizon"] == "far" and again["override_horizon"] == "near"
    assert len(store.override_history(screening_con, "fusion_gadget")) == 2
    store.add_override(screening_con, tech_id="fusion_gadget", field="horizon", value="withdrawn",
                       decided_by="Dr Wang", reason="retracted", at=dt.datetime(2026, 1, 4))
    assert {r["tech_id"]: r for r in store.read_scores(screening_con, "w1")}["fusion_gadget"]["override_horizon"] is None


def test_stored_reasons_are_json(screening_con: Any) -> None:
    score_scan(screening_con, scan_id="j", as_of=AS_OF)
    raw = screening_con.execute("SELECT CAST(reasons AS VARCHAR), CAST(horizon_evidence AS VARCHAR) FROM tech_scores "
                                "WHERE scan_id = 'j' AND tech_id = 'neuro_widget'").fetchall()[0]
    reasons, evidence = json.loads(raw[0]), json.loads(raw[1])
    assert set(reasons) == {"strategic", "disruptive", "horizon"}
    assert evidence["drivers"] and all("doc_id" in d for d in evidence["drivers"])
