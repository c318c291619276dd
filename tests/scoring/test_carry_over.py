"""Scores carried over between scans whose inputs are equal: the copy equals a recompute; any changed input recomputes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from scoring.screening.run import score_scan
from scoring.screening.weights import WEIGHTS_PATH
from tests.scoring.conftest import AS_OF, insert_links, stored_scores
from warehouse import scores_store as store
from warehouse.ingest import ingest_records


def test_unchanged_inputs_carry_scores_over_equal_to_a_recompute(screening_con: Any) -> None:
    first = score_scan(screening_con, scan_id="w1", as_of=AS_OF)
    assert first.reused_from is None
    again = score_scan(screening_con, scan_id="w2", as_of=AS_OF)
    assert again.reused_from == "w1" and again.input_digest == first.input_digest
    assert (again.technologies, again.horizons, again.strategic_yes, again.disruptive_yes, again.documents_read) == (
        first.technologies, first.horizons, first.strategic_yes, first.disruptive_yes, first.documents_read)
    forced = score_scan(screening_con, scan_id="w3", as_of=AS_OF, force=True)
    assert forced.reused_from is None and forced.input_digest == first.input_digest
    carried = stored_scores(screening_con, "w2")
    assert carried and carried == stored_scores(screening_con, "w3") == stored_scores(screening_con, "w1")
    assert store.score_run(screening_con, "w2")["reused_from"] == "w1"
    # The carried-over scan is the latest scored one, as a recomputed one would be.
    w2_at = screening_con.execute("SELECT max(scored_at) FROM tech_scores WHERE scan_id = 'w2'").fetchall()[0][0]
    w1_at = screening_con.execute("SELECT max(scored_at) FROM tech_scores WHERE scan_id = 'w1'").fetchall()[0][0]
    assert w2_at > w1_at
    # Scoring a scan again from the same inputs keeps its rows (no duplicates, nothing rewritten).
    kept = score_scan(screening_con, scan_id="w2", as_of=AS_OF)
    assert kept.reused_from == "w2"
    assert stored_scores(screening_con, "w2") == carried
    assert screening_con.execute("SELECT count(*) FROM tech_scores WHERE scan_id = 'w2'").fetchall() == [(3,)]


def test_a_new_linked_document_recomputes(screening_con: Any) -> None:
    first = score_scan(screening_con, scan_id="w1", as_of=AS_OF)
    ingest_records(screening_con, [{
        "source": "src_news", "source_record_id": "fg-news-new", "kind": "news", "language": "en",
        "title": "Fusion gadget reaches ignition in a new experiment", "published": "2025-12-01",
    }], origin="test")
    doc = screening_con.execute("SELECT doc_id FROM documents WHERE primary_record = 'fg-news-new'").fetchall()[0][0]
    insert_links(screening_con, [(doc, "fusion_gadget", 1.0, "fusion gadget")])
    second = score_scan(screening_con, scan_id="w2", as_of=AS_OF)
    assert second.reused_from is None
    assert "evidence" in second.changed and "weights" not in second.changed
    assert second.documents_read == first.documents_read + 1
    score_scan(screening_con, scan_id="w3", as_of=AS_OF, force=True)
    assert stored_scores(screening_con, "w2") == stored_scores(screening_con, "w3") != stored_scores(screening_con, "w1")


def test_edited_weights_recompute(screening_con: Any, tmp_path: Path) -> None:
    score_scan(screening_con, scan_id="w1", as_of=AS_OF)
    custom = tmp_path / "weights.toml"
    custom.write_text(WEIGHTS_PATH.read_text(encoding="utf-8").replace("local_fit = 0.35", "local_fit = 0.0"), encoding="utf-8")
    second = score_scan(screening_con, scan_id="w2", as_of=AS_OF, weights_path=custom)
    assert second.reused_from is None and second.changed == ("weights",)
    assert stored_scores(screening_con, "w2") != stored_scores(screening_con, "w1")
    # Back on the default weights, the first scan's scores are what a recompute gives: carried over.
    third = score_scan(screening_con, scan_id="w3", as_of=AS_OF)
    assert third.reused_from == "w1"


def test_link_confidence_document_fields_and_as_of_each_recompute(screening_con: Any, doc_id_of: Any) -> None:
    score_scan(screening_con, scan_id="w1", as_of=AS_OF)
    # A day later: the indicators' windows end at as_of to the day.
    later = score_scan(screening_con, scan_id="w2", as_of=AS_OF + dt.timedelta(days=1))
    assert later.reused_from is None and "as_of" in later.changed
    assert stored_scores(screening_con, "w2") != stored_scores(screening_con, "w1")  # so the digest keeps the exact day
    # A link's confidence.
    screening_con.execute(
        "UPDATE document_technologies SET confidence = 0.8 WHERE doc_id = ? AND tech_id = 'neuro_widget'",
        [doc_id_of("nw-news-0")],
    )
    weaker = score_scan(screening_con, scan_id="w3", as_of=AS_OF)
    assert weaker.reused_from is None and "evidence" in weaker.changed
    # A linked document's field outside its content hash (countries feed the local-fit indicator).
    screening_con.execute("UPDATE documents SET countries = ['China'] WHERE doc_id = ?", [doc_id_of("fg-news-0")])
    moved = score_scan(screening_con, scan_id="w4", as_of=AS_OF)
    assert moved.reused_from is None and moved.changed == ("evidence",)
    # An unlinked document changes only the corpus baselines (counts by source and kind, the baseline sample).
    screening_con.execute("UPDATE documents SET kind = 'news' WHERE doc_id = ?", [doc_id_of("bg-paper-3")])
    background = score_scan(screening_con, scan_id="w5", as_of=AS_OF)
    assert background.reused_from is None
    assert "kind_counts" in background.changed and "evidence" not in background.changed
    score_scan(screening_con, scan_id="w6", as_of=AS_OF, force=True)
    assert stored_scores(screening_con, "w5") == stored_scores(screening_con, "w6")


def test_a_dismissed_technology_recomputes(screening_con: Any) -> None:
    score_scan(screening_con, scan_id="w1", as_of=AS_OF)
    screening_con.execute("UPDATE technologies SET status = 'dismissed' WHERE tech_id = 'thin_tech'")
    second = score_scan(screening_con, scan_id="w2", as_of=AS_OF)
    assert second.reused_from is None and second.technologies == 2
    assert "technologies" in second.changed
