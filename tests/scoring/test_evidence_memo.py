"""Evidence-only results kept between scans: a scan a week later reuses them and stores what a cold recompute stores."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import random
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pytest

from scoring.screening.criteria import _prob_at_least
from scoring.screening.indicators import compute_indicators
from scoring.screening.indicators.coherence import Vocabulary, mean_pairwise_cosine
from scoring.screening.run import gather, open_memo, score_scan
from scoring.screening.weights import load_weights
from tests.scoring.conftest import AS_OF, stored_scores
from warehouse import scores_store as store
from warehouse.migrate import migrate

# The fixture's documents dated 2023-01-01 leave the three-year windows on AS_OF + 1 day; after that
# no document crosses a window edge for weeks, as in a weekly scan with nothing new.
FIRST = AS_OF + dt.timedelta(days=1)
WEEK_LATER = FIRST + dt.timedelta(days=7)
PER_DOCUMENT = ("stage_text", "local_text", "contested_text")


def _copy(con: Any, tmp_path: Path, name: str) -> Any:
    """A second warehouse file with the same rows (what the connection holds now)."""
    con.execute("CHECKPOINT")
    src = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchall()[0][0]
    dst = tmp_path / f"{name}.duckdb"
    shutil.copyfile(src, dst)
    other = duckdb.connect(str(dst))
    migrate(other)
    return other


def _add_vectors(con: Any, seed: int = 7) -> None:
    """A unit vector for every linked document, so novelty measures distance on embeddings."""
    rng = np.random.default_rng(seed)
    ids = [r[0] for r in con.execute("SELECT DISTINCT doc_id FROM document_technologies ORDER BY 1").fetchall()]
    now = dt.datetime(2026, 1, 1)
    for doc_id in ids:
        v = rng.normal(size=8)
        v = (v / np.linalg.norm(v)).astype(np.float32).tolist()
        con.execute("INSERT INTO embeddings VALUES (?, 'test-model', 'h', 'r', 't', 8, ?, ?)", [doc_id, v, now])


def test_a_scan_a_week_later_reuses_text_results_and_stores_what_a_cold_recompute_stores(
    screening_con: Any, tmp_path: Path
) -> None:
    _add_vectors(screening_con)
    cold_con = _copy(screening_con, tmp_path, "cold")  # nothing scored, nothing kept
    first = score_scan(screening_con, scan_id="w1", as_of=FIRST)
    assert all(first.evidence_memo[f]["computed"] > 0 for f in (*PER_DOCUMENT, "coherence_text", "novelty_text"))
    later = score_scan(screening_con, scan_id="w2", as_of=WEEK_LATER)
    assert later.reused_from is None and later.changed == ("as_of",)
    # Nothing new and no document crossed a window edge: every text result was kept, none computed.
    for family in (*PER_DOCUMENT, "coherence_text", "novelty_text"):
        assert later.evidence_memo[family] == {"reused": first.evidence_memo[family]["computed"], "computed": 0}
    # Ageing alone moves stored values, so equal rows below are not equal by accident.
    assert stored_scores(screening_con, "w2") != stored_scores(screening_con, "w1")
    cold = score_scan(cold_con, scan_id="c2", as_of=WEEK_LATER)
    assert all(v["reused"] == 0 for v in cold.evidence_memo.values())
    assert stored_scores(screening_con, "w2") == stored_scores(cold_con, "c2")
    # A forced recompute reads nothing kept and stores the same.
    forced = score_scan(screening_con, scan_id="w3", as_of=WEEK_LATER, force=True)
    assert all(v["reused"] == 0 for v in forced.evidence_memo.values())
    assert stored_scores(screening_con, "w3") == stored_scores(screening_con, "w2")
    cold_con.close()


def test_kept_results_are_what_the_scores_read(screening_con: Any) -> None:
    score_scan(screening_con, scan_id="w1", as_of=AS_OF)
    honest = score_scan(screening_con, scan_id="w2", as_of=WEEK_LATER)
    assert honest.evidence_memo["stage_text"]["reused"] > 0
    # Rewrite every kept stage reading to "mass production": the next scan's horizon calls follow it.
    screening_con.execute(
        "UPDATE score_memo SET value = '[[9, \"mass_production\", \"mass-produced\"], []]' WHERE family = 'stage_text'"
    )
    tampered = score_scan(screening_con, scan_id="w3", as_of=WEEK_LATER + dt.timedelta(days=1))
    assert tampered.evidence_memo["stage_text"]["computed"] == 0
    families = screening_con.execute(
        "SELECT details->'$.signal_families' FROM indicator_values WHERE scan_id = 'w3' AND indicator = 'industrialisation'"
    ).fetchall()
    assert families and all(set(json.loads(f[0])) <= {"mass_production", "clinical", "funding"} for f in families)
    honest_recompute = score_scan(screening_con, scan_id="w4", as_of=WEEK_LATER + dt.timedelta(days=1), force=True)
    assert honest_recompute.evidence_memo["stage_text"]["reused"] == 0
    assert stored_scores(screening_con, "w3") != stored_scores(screening_con, "w4")
    # The forced recompute rewrote the kept rows: the next scan reads honest ones and stores what a recompute does.
    repaired = score_scan(screening_con, scan_id="w5", as_of=WEEK_LATER + dt.timedelta(days=2))
    assert repaired.evidence_memo["stage_text"]["computed"] == 0
    score_scan(screening_con, scan_id="w6", as_of=WEEK_LATER + dt.timedelta(days=2), force=True)
    assert stored_scores(screening_con, "w5") == stored_scores(screening_con, "w6")
    # An unreadable kept row is computed again, not trusted.
    screening_con.execute("UPDATE score_memo SET value = 'not json' WHERE family = 'local_text'")
    unreadable = score_scan(screening_con, scan_id="w7", as_of=WEEK_LATER + dt.timedelta(days=3))
    assert unreadable.evidence_memo["local_text"]["reused"] == 0 and unreadable.evidence_memo["local_text"]["computed"] > 0


def test_a_changed_document_or_vector_is_computed_again(screening_con: Any, doc_id_of: Any, tmp_path: Path) -> None:
    _add_vectors(screening_con)
    score_scan(screening_con, scan_id="w1", as_of=FIRST)
    doc = doc_id_of("nw-news-5")
    screening_con.execute("UPDATE documents SET title = 'Neuro widget recall: regulators doubt safety' WHERE doc_id = ?", [doc])
    screening_con.execute("UPDATE embeddings SET vector = [1, 0, 0, 0, 0, 0, 0, 0] WHERE doc_id = ?", [doc_id_of("nw-paper-0")])
    later = score_scan(screening_con, scan_id="w2", as_of=WEEK_LATER)
    memo = later.evidence_memo
    assert memo["stage_text"]["computed"] == 1 and memo["local_text"]["computed"] == 1
    assert memo["contested_text"]["computed"] == 1
    assert memo["novelty_text"]["computed"] >= 1  # the vectors' digest is part of every novelty key
    # The document is also in the baseline sample every technology is compared with.
    assert memo["coherence_text"] == {"reused": 0, "computed": 2}
    cold_con = _copy(screening_con, tmp_path, "cold")
    score_scan(cold_con, scan_id="c2", as_of=WEEK_LATER, force=True)
    assert stored_scores(screening_con, "w2") == stored_scores(cold_con, "c2")
    cold_con.close()


def test_kept_novelty_results_leave_the_vectors_unread(screening_con: Any) -> None:
    _add_vectors(screening_con)
    score_scan(screening_con, scan_id="w1", as_of=AS_OF)
    params, _ = load_weights()
    for read, loaded in ((True, False), (False, True)):
        evidence, ctx = gather(screening_con, as_of=AS_OF, params=params, memo=open_memo(screening_con, params, read=read))
        for ev in evidence:
            compute_indicators(ev, ctx)
        assert ctx.memo.stats()["novelty_text"]["computed" if loaded else "reused"] > 0
        assert ctx.embeddings.loaded is loaded  # type: ignore[attr-defined]


def test_kept_rows_are_upserted_once_and_pruned_when_unused(screening_con: Any) -> None:
    score_scan(screening_con, scan_id="w1", as_of=AS_OF)
    n = screening_con.execute("SELECT count(*) FROM score_memo").fetchall()[0][0]
    assert n > 0
    score_scan(screening_con, scan_id="w2", as_of=AS_OF, force=True)  # the same keys again
    assert screening_con.execute("SELECT count(*) FROM score_memo").fetchall()[0][0] == n
    stale = dt.datetime.now() - store.MEMO_RETENTION - dt.timedelta(days=1)
    screening_con.execute("UPDATE score_memo SET used_at = ? WHERE family = 'stage_text'", [stale])
    kept = store.save_memo(screening_con, {("local_text", "k"): "[[], false]"}, used_at=dt.datetime.now())
    families = {r[0] for r in screening_con.execute("SELECT DISTINCT family FROM score_memo").fetchall()}
    assert "stage_text" not in families and "local_text" in families
    assert kept == screening_con.execute("SELECT count(*) FROM score_memo").fetchall()[0][0] < n + 1


def test_array_cosine_equals_the_reference_bit_for_bit() -> None:
    rng = random.Random(1)
    for _ in range(200):
        terms = [f"t{i}" for i in range(rng.randint(1, 200))]
        docs = [Counter(rng.choice(terms) for _ in range(rng.randint(0, 30))) for _ in range(rng.randint(0, 40))]
        idf = {t: rng.random() * 5 + 0.1 for t in terms if rng.random() < 0.95}
        drop = {t for t in terms if rng.random() < 0.1}
        vocab = Vocabulary()
        vocab.encode([Counter({t: 1}) for t in rng.sample(terms, len(terms))])  # ids in another order
        by_id = sorted(vocab.ids, key=vocab.ids.__getitem__)
        got = vocab.encode(docs).mean_pairwise_cosine(np.array([idf.get(t, 1.0) for t in by_id]), vocab.mask(drop))
        assert got == mean_pairwise_cosine(docs, idf, drop)  # exactly, not approximately


def test_beta_tail_equals_scipy_stats() -> None:
    stats = pytest.importorskip("scipy.stats")
    for p, n, share in itertools.product((0.0, 0.13, 0.5, 0.97, 1.0), (0.0, 1.5, 12.0, 300.0), (0.05, 0.25, 0.6)):
        expected = float(stats.beta.sf(share, p * n + 0.5, (1.0 - p) * n + 0.5))
        assert _prob_at_least(p, n, share) == expected
    assert _prob_at_least(0.3, 10.0, 0.0) == 1.0 and _prob_at_least(0.3, 10.0, 1.0) == 0.0
    assert math.isclose(_prob_at_least(0.5, 1000.0, 0.5), 0.5, abs_tol=0.01)
