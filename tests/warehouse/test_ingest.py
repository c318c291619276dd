"""Landing-file ingest: dedup across sources, history, rejects, idempotence, atomicity."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import assert_identities_unique, shared_data
from warehouse.db import connect_writer
from warehouse.ingest import ingest_file, ingest_records
from warehouse.migrate import migrate

ALL_TABLES = ("documents", "document_keys", "document_sources", "document_history", "rejects", "landing_files", "sources")


def write_jsonl(path: Path, rows: list[Any]) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows) + "\n")
    return path


def snapshot(con: Any) -> dict[str, list[tuple]]:
    return {t: sorted(map(repr, con.execute(f"SELECT * FROM {t}").fetchall())) for t in ALL_TABLES}


def test_ingest_same_file_twice_changes_nothing(warehouse_con: Any, make_record: Any, tmp_path: Path) -> None:
    f = write_jsonl(tmp_path / "a.jsonl", [make_record() for _ in range(5)])
    first = ingest_file(warehouse_con, f)
    assert (first.rows_loaded, first.docs_new, first.rows_rejected) == (5, 5, 0)
    before = snapshot(warehouse_con)
    again = ingest_file(warehouse_con, f)
    assert again.skipped
    assert snapshot(warehouse_con) == before
    forced = ingest_file(warehouse_con, f, force=True)
    assert (forced.docs_new, forced.docs_updated, forced.docs_unchanged) == (0, 0, 5)
    counts = {t: warehouse_con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("documents", "document_sources")}
    assert counts == {"documents": 5, "document_sources": 5}
    assert_identities_unique(warehouse_con)


def test_same_paper_from_arxiv_and_crossref_is_one_document(warehouse_con: Any, make_record: Any) -> None:
    title = "Scalable quantum error correction with surface codes on superconducting qubits"
    arxiv = make_record(source="arxiv", source_record_id="2401.00001", arxiv_id="2401.00001v2", title=title,
                        abstract="From arXiv.", doi="10.1038/s41586-024-00001-1")
    crossref = make_record(source="crossref", source_record_id=None, doi="https://doi.org/10.1038/S41586-024-00001-1",
                           title=title, abstract=None, countries=["China"], affiliations=["Fudan University"])
    ingest_records(warehouse_con, [arxiv])
    rep = ingest_records(warehouse_con, [crossref])
    assert (rep.docs_new, rep.docs_unchanged) == (0, 1)
    docs = warehouse_con.execute("SELECT doc_id, abstract, countries, affiliations, doi FROM documents").fetchall()
    assert docs == [("arxiv:2401.00001", "From arXiv.", ["China"], ["Fudan University"], "10.1038/s41586-024-00001-1")]
    sources = warehouse_con.execute("SELECT source_id FROM document_sources ORDER BY 1").fetchall()
    assert sources == [("arxiv",), ("crossref",)]


def test_crossref_first_then_arxiv_via_arxiv_doi(warehouse_con: Any, make_record: Any) -> None:
    title = "Dexterous humanoid manipulation from a single video demonstration"
    ingest_records(warehouse_con, [make_record(source="crossref", source_record_id=None, doi="10.48550/arXiv.2501.01234",
                                               title=title, abstract=None)])
    ingest_records(warehouse_con, [make_record(source="arxiv", arxiv_id="2501.01234", title=title, abstract="Text.")])
    rows = warehouse_con.execute("SELECT doc_id, abstract, primary_source FROM documents").fetchall()
    # the arXiv record brought the text the document lacked, so it became the primary record
    assert rows == [("arxiv:2501.01234", "Text.", "arxiv")]


def test_changed_text_updates_document_and_keeps_history(warehouse_con: Any, make_record: Any) -> None:
    rec = make_record(source="rss:example", source_record_id=None, url="https://example.com/a?utm_source=x",
                      kind="news", title="Fusion start-up reaches plasma milestone", abstract="First version.")
    ingest_records(warehouse_con, [rec])
    old_hash = warehouse_con.execute("SELECT content_hash FROM documents").fetchone()[0]
    rec2 = dict(rec, url="https://www.example.com/a", abstract="Corrected version.")
    rep = ingest_records(warehouse_con, [rec2])
    assert rep.docs_updated == 1
    doc = warehouse_con.execute("SELECT abstract, version, content_hash FROM documents").fetchone()
    assert doc[0] == "Corrected version." and doc[1] == 2 and doc[2] != old_hash
    hist = warehouse_con.execute("SELECT version, content_hash FROM document_history").fetchall()
    assert hist == [(1, old_hash)]


def test_bad_rows_are_rejected_with_line_and_reason(warehouse_con: Any, make_record: Any, tmp_path: Path) -> None:
    good = make_record()
    lines: list[bytes] = [
        json.dumps(good).encode(),                                             # 1 ok
        b'{"source": "t", "kind": "paper", "title": "broken',                 # 2 bad JSON
        json.dumps(make_record(title="")).encode(),                            # 3 empty title
        json.dumps({k: v for k, v in make_record().items() if k != "title"}).encode(),  # 4 no title
        json.dumps(make_record(published="next Tuesday")).encode(),            # 5 unparseable date
        json.dumps(make_record(title="量子计算"), ensure_ascii=False).encode("gb2312"),              # 6 wrong encoding
        json.dumps(make_record(title="x" * 5000)).encode(),                    # 7 absurd title
        json.dumps(make_record(kind="blog")).encode(),                         # 8 unknown kind
        json.dumps(make_record(title="Ã©tude \ufffd mojibake")).encode(),       # 9 replacement chars
        b"[1, 2, 3]",                                                          # 10 not an object
        json.dumps(make_record(abstract="y" * 2_100_000)).encode(),           # 11 absurd text
    ]
    f = tmp_path / "bad.jsonl"
    f.write_bytes(b"\n".join(lines) + b"\n")
    rep = ingest_file(warehouse_con, f)
    assert rep.rows_loaded == 1 and rep.rows_rejected == 10
    reasons = dict(warehouse_con.execute("SELECT line, reason FROM rejects").fetchall())
    assert set(reasons) == set(range(2, 12))
    assert "bad JSON" in reasons[2]
    assert "title" in reasons[3] and "title" in reasons[4]
    assert "unparseable date" in reasons[5]
    assert "UTF-8" in reasons[6]
    assert "at most 1000" in reasons[7]
    assert "kind" in reasons[8]
    assert "wrong encoding" in reasons[9]
    assert "object" in reasons[10]
    assert "abstract" in reasons[11]
    assert warehouse_con.execute("SELECT count(*) FROM documents").fetchone()[0] == 1
    # rejects are recorded once even when the file is loaded again by force
    ingest_file(warehouse_con, f, force=True)
    assert warehouse_con.execute("SELECT count(*) FROM rejects").fetchone()[0] == 10


def test_language_is_detected_when_absent(warehouse_con: Any, make_record: Any) -> None:
    ingest_records(warehouse_con, [
        make_record(language=None, title="上海发布脑机接口产业行动方案", abstract=None, kind="policy"),
        make_record(language=None, title="Brain-computer interfaces move towards the clinic", abstract=None),
        make_record(language="EN", title="Given language is kept", abstract=None),
    ])
    rows = warehouse_con.execute("SELECT language, language_detected FROM documents ORDER BY title").fetchall()
    assert sorted(rows) == sorted([("zh", True), ("en", True), ("en", False)])


def test_duplicate_rows_within_one_file_collapse(warehouse_con: Any, make_record: Any) -> None:
    rec = make_record(source="arxiv", arxiv_id="2402.00002")
    rep = ingest_records(warehouse_con, [rec, dict(rec), dict(rec, source_record_id="other", source="mirror")])
    assert rep.docs_new == 1
    assert warehouse_con.execute("SELECT count(*) FROM document_sources").fetchone()[0] == 2
    ingest_records(warehouse_con, [rec, dict(rec, source_record_id="other", source="mirror")], origin="again")
    assert warehouse_con.execute("SELECT count(*) FROM document_sources").fetchone()[0] == 2
    assert_identities_unique(warehouse_con)


_KILL_SCRIPT = """
import os, sys
from pathlib import Path
from warehouse import ingest
from warehouse.db import connect_writer
from warehouse.ingest import ingest_file
ingest.SEGMENT_BYTES = int(sys.argv[3])
con = connect_writer(Path(sys.argv[1]))
def die(stage, n):
    if n >= 2000:
        os._exit(9)  # killed half-way, without any cleanup
ingest_file(con, Path(sys.argv[2]), chunk_size=1000, progress=die)
"""


@pytest.mark.parametrize("segment_bytes", [1 << 30, 1])  # 1: chunks already written when the load dies
def test_load_killed_half_way_leaves_warehouse_as_it_was(tmp_path: Path, make_record: Any, segment_bytes: int) -> None:
    db = tmp_path / "w.duckdb"
    con = connect_writer(db)
    migrate(con)
    ingest_records(con, [make_record(title=f"Existing document number {i} about fusion") for i in range(3)])
    before = snapshot(con)
    con.close()
    big = write_jsonl(tmp_path / "big.jsonl", [make_record() for _ in range(5000)])
    proc = subprocess.run([sys.executable, "-c", _KILL_SCRIPT, str(db), str(big), str(segment_bytes)], cwd=Path(__file__).parents[2],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 9, proc.stderr
    con = connect_writer(db)
    assert snapshot(con) == before


def test_gzip_corpus_file_loads(warehouse_con: Any, tmp_path: Path) -> None:
    rows = [{"id": "hn:1", "title": "Show HN: a tokamak simulator", "published": "2021-03-01", "url": "https://e.com/t",
             "max_upvotes": 120, "max_comments": 33, "language": "en", "field": "fusion", "domain_hits": ["fusion"]}]
    f = tmp_path / "hn_frontpage.jsonl.gz"
    with gzip.open(f, "wt") as fh:
        fh.write(json.dumps(rows[0]) + "\n")
    rep = ingest_file(warehouse_con, f)
    assert rep.format == "hn_frontpage" and rep.docs_new == 1
    kind, extra = warehouse_con.execute("SELECT kind, extra FROM documents").fetchone()
    assert kind == "news"
    extra = json.loads(extra)
    assert extra["points"] == 120
    # the corpus' own topic labels never reach the warehouse
    assert "field" not in extra and "domain_hits" not in extra


def test_term_rates_are_refused_with_a_reason(warehouse_con: Any, tmp_path: Path) -> None:
    f = write_jsonl(tmp_path / "pubmed_term_rates.jsonl", [{"term": "CRISPR"}])
    with pytest.raises(ValueError, match="not documents"):
        ingest_file(warehouse_con, f)


@pytest.mark.parametrize(
    "folder,name",
    [
        ("policy_zh", "policy_zh.jsonl.gz"),
        ("news_en_startup_funding", "startup_funding_frontier.jsonl.gz"),
        ("trials_ctgov_stemcell_gene", "trials_stemcell_gene.jsonl.gz"),
        ("companies_frontier_fields", "companies_frontier.jsonl.gz"),
        ("news_zh_ruanyf_weekly", "ruanyf_weekly_news_items.jsonl.gz"),
        ("papers_frontier_fields", "frontier_papers.jsonl.gz"),
    ],
)
def test_real_corpora_load_without_rejects(warehouse_con: Any, folder: str, name: str) -> None:
    path = shared_data(folder, name)
    rep = ingest_file(warehouse_con, path)
    assert rep.rows_total > 100
    assert rep.rows_rejected <= rep.rows_total * 0.01, rep.rejects[:5]
    assert rep.docs_new >= rep.rows_loaded * 0.9
    nulls = warehouse_con.execute("SELECT count(*) FROM documents WHERE title IS NULL OR language IS NULL").fetchone()[0]
    assert nulls == 0
    assert os.path.exists(path)


def test_a_bulk_load_commits_into_the_warehouse_file_and_restores_the_settings(tmp_path: Path, make_record: Any) -> None:
    """A large load checkpoints at commit (its rows compressed into the file, not copied into the write-ahead
    log first), and the settings it changes for that are put back afterwards."""
    db = tmp_path / "w.duckdb"
    con = connect_writer(db)
    migrate(con)
    settings = "SELECT current_setting('checkpoint_threshold'), current_setting('enable_optimistic_write')"
    before = con.execute(settings).fetchall()
    text = "We evaluate spiking neural networks on memristor crossbars at scale. " * 40
    big = write_jsonl(tmp_path / "big.jsonl", [make_record(abstract=text) for _ in range(3000)])
    rep = ingest_file(con, big)
    assert rep.rows_loaded == 3000
    wal = db.with_name(db.name + ".wal")
    assert not wal.exists() or wal.stat().st_size < 1_000_000
    assert db.stat().st_size > 1_000_000
    assert con.execute(settings).fetchall() == before
    con.close()


@pytest.mark.parametrize("engine", ["sql", "python"])
def test_crawled_ids_with_quotes_are_values_not_sql(
    warehouse_con: Any, make_record: Any, tmp_path: Path, engine: str
) -> None:
    """A record id carrying SQL reaches the stored-document lookup as a bound value and is merged like any other."""
    record_id = "o'brien'); DROP TABLE documents; --"
    first = make_record(kind="news", source_record_id=record_id, abstract="First version.")
    ingest_file(warehouse_con, write_jsonl(tmp_path / "a.jsonl", [first]), engine=engine)
    second = {**first, "abstract": "Second version, with more text."}
    report = ingest_file(warehouse_con, write_jsonl(tmp_path / "b.jsonl", [second]), engine=engine)
    assert (report.docs_new, report.docs_updated) == (0, 1)
    rows = warehouse_con.execute("SELECT doc_id, abstract, version FROM documents").fetchall()
    assert rows == [(f"test:{record_id}", "Second version, with more text.", 2)]
