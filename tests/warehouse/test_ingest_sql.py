"""The set-based landing ingest (warehouse.ingest_sql) against the Python path (LandingRecord) it must equal.

Every test loads the same bytes both ways and requires the same documents, keys, sources, history and rejects
(same lines, same reasons): doc_ids, keys and content hashes that differed would duplicate documents in
warehouses built by the other path.
"""

from __future__ import annotations

import gzip
import io
import json
import random
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import assert_identities_unique, landing_record, shared_data
from warehouse import ingest_sql
from warehouse.corpora import ADAPTERS
from warehouse.db import connect_writer
from warehouse.ingest import IngestReport, ingest_file
from warehouse.migrate import migrate

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

# Columns set from the load's clock rather than from the data.
_CLOCK = {"first_seen", "last_seen", "updated_at", "replaced_at", "rejected_at", "loaded_at"}


def _table(con: Any, name: str) -> list[tuple]:
    cols = [r[0] for r in con.execute(f"DESCRIBE {name}").fetchall() if r[0] not in _CLOCK]
    return sorted(map(repr, con.execute(f"SELECT {', '.join(cols)} FROM {name}").fetchall()))


def _state(con: Any) -> dict[str, list[tuple]]:
    out = {t: _table(con, t) for t in ("documents", "document_keys", "document_sources", "document_history")}
    out["rejects"] = sorted(map(repr, con.execute("SELECT line, reason, raw FROM rejects").fetchall()))
    out["sources"] = sorted(map(repr, con.execute("SELECT source_id, kind, documents FROM sources").fetchall()))
    out["landing_files"] = sorted(map(repr, con.execute(
        "SELECT rows_total, rows_loaded, rows_rejected, docs_new, docs_updated, docs_unchanged FROM landing_files"
    ).fetchall()))
    return out


def _load_both(tmp_path: Path, files: list[Path], **kw: Any) -> tuple[dict, dict, list[IngestReport]]:
    states, sql_reports = [], []
    for engine in ("python", "sql"):
        con = connect_writer(tmp_path / f"{engine}.duckdb")
        migrate(con)
        for f in files:
            rep = ingest_file(con, f, engine=engine, **kw)
            if engine == "sql":
                sql_reports.append(rep)
        assert_identities_unique(con)
        states.append(_state(con))
        con.close()
    return states[0], states[1], sql_reports


def _assert_same(py: dict, sql: dict) -> None:
    for table in py:
        assert sql[table] == py[table], f"{table} differs between the Python and the SQL path"


def _write(path: Path, lines: list[Any]) -> Path:
    raw = [ln if isinstance(ln, bytes) else (ln if isinstance(ln, str) else json.dumps(ln, ensure_ascii=False)).encode()
           for ln in lines]
    path.write_bytes(b"\n".join(raw) + b"\n")
    return path


def _rec(n: int, **kw: Any) -> dict[str, Any]:
    return {k: v for k, v in landing_record(n, **kw).items() if v is not _DROP}


_DROP = object()
WS = "\u3000\u00a0\u2028\t\n \u1680\u2009\x85\x0b"


def _edge_cases() -> list[Any]:
    """Rows chosen to sit on every line the SQL draws between 'ok', 'reject' and 'python'."""
    title6 = "Scalable quantum error correction with surface codes"
    rows: list[Any] = []
    n = iter(range(10_000, 20_000))
    r = lambda **kw: _rec(next(n), **kw)  # noqa: E731
    # the bad-row fixture of test_ingest.py
    rows += [
        b'{"source": "t", "kind": "paper", "title": "broken',
        r(title=""),
        {k: v for k, v in r().items() if k != "title"},
        r(published="next Tuesday"),
        json.dumps(r(title="量子计算"), ensure_ascii=False).encode("gb2312"),
        r(title="x" * 5000),
        r(kind="blog"),
        r(title="Ã©tude \ufffd mojibake"),
        b"[1, 2, 3]",
        r(abstract="y" * 2_100_000),
        b"",
        b"   \t",
        b"\xef\xbb\xbf" + json.dumps(r()).encode(),  # a byte order mark
        json.dumps(r()).encode() + b"\r",  # CRLF
    ]
    # whitespace pydantic strips (and the characters it does not)
    rows += [
        r(title=WS + title6 + WS, source=" src ", source_record_id="  id with spaces  "),
        r(title=title6 + "\u200b"),  # zero-width space: not whitespace
        r(title="\x1c" + title6),  # Python strips U+001C, pydantic does not
        r(abstract=WS, text="  body text  "),
        r(abstract="many   spaces\n\nand\tlines \u3000 here", text="x\r\ny"),
        r(authors="Ann Lee; Bob Ray;;  ; Cy ", affiliations=" MIT ;Fudan", countries="China;China;US"),
        r(authors=["  Ann ", None, "", "Bob", " "], keywords=["b", "a", "b", "\u3000a"], categories=[]),
        r(authors=[1, "x"]), r(authors={"a": 1}), r(authors=5), r(countries=[["x"]]), r(keywords=[None]),
        r(authors=["a"] * 5001), r(categories=";".join(["c"] * 5002)),
    ]
    # dates
    for pub in ["2024", "2024-3", "2024-03-01T10:00:00Z", "2024/3/9", "2024.03.09", "2024年3月", "2024年3月5日",
                "2024年3月5", "Mon, 04 Mar 2024 10:00:00 +0000", 2021, "  2020-01-02  ", "", "   ", None,
                "2024-13-01", "2024-02-30", "1700", "2101-01-01", "0000", "20245", "2024-03/01", "２０２４",
                "2024年3月5日 星期一", -5, 2024.0, True, "2024-3-1-", "1999-12-31 23:59"]:
        rows.append(r(published=pub))
    # fetched_at
    for fetched in ["2024-01-01T10:00:00+01:00", "2024-01-01 10:00:00.5", "2024-01-01T10:00:00Z", "2024-01-01",
                    "2024-02-30T10:00:00", "2024-01-01T10:00:60", 1700000000, None, "garbage"]:
        rows.append(r(fetched_at=fetched))
    # language
    rows += [
        r(language=None, title="上海发布脑机接口产业行动方案", kind="policy", abstract=None),
        r(language=None, title="Brain-computer interfaces move towards the clinic", abstract=None),
        r(language=None, title="東京で量子コンピュータの実証実験を開始", abstract=None, kind="news"),
        r(language=None, title="Der Quantencomputer rechnet schneller als gedacht heute", abstract=None),
        r(language=None, title="AI 芯片", abstract="A short note in English about chips and more chips"),
        r(language=None, title="12345", abstract=None), r(language=None, title="Ok", abstract=None),
        r(language="", title="Empty language field here", abstract=None), r(language="EN"), r(language=" zh "),
        r(language="Ελ"), r(language="x" * 17),
        r(language=None, title="量子", abstract=None, text="长文本" * 400),
    ]
    # identifiers and URLs
    rows += [
        r(source="arxiv", arxiv_id="arXiv:2401.00001v2", doi="https://doi.org/10.1038/S41586-024-00001-1."),
        r(source="crossref", source_record_id=None, doi="10.48550/arXiv.2501.01234", title=title6 + " v2"),
        r(source="crossref", source_record_id=None, doi="10.48550/arxiv.nothing", title=title6 + " v3"),
        r(arxiv_id="hep-th/9901001v3"), r(arxiv_id="HEP-TH/9901001"), r(arxiv_id="not an id"),
        r(pmid="PMID: 000123"), r(pmid="pmid:0"), r(pmid="12a"), r(pmid=" 42 "), r(pmid="１２３"),
        r(doi="10.１２３４/x"), r(doi="doi 10.1234/abc;)"),
        r(source_record_id=None, kind="news", url="https://WWW.Example.com:443/a/b//#frag"),
        r(source_record_id=None, kind="news", url="http://example.com/x?utm_source=a&b=2&a=1&fbclid=z#f"),
        r(source_record_id=None, kind="news", url="https://openreview.net/forum?id=05T81ScPFb"),
        r(source_record_id=None, kind="news", url="https://e.com/p?x=a%20b&y=c+d"),
        r(source_record_id=None, kind="news", url="https://e.com/p?&&k&v=1=2"),
        r(source_record_id=None, kind="news", url="https://www./x"),
        r(source_record_id=None, kind="news", url="https://www.?a=1"),
        r(source_record_id=None, kind="news", url="https://e.com:8080/x"),
        *(r(source_record_id=None, kind="news", url=u, title=f"News item {i} about fusion reactors")
          for i, u in enumerate(["https://e.com/x?", "https://e.com/x?a", "https://e.com/x?utm_x=1", "https://e.com?x=1",
                                 "https://e.com/x?a=1&utm_x=1", "https://e.com/x?b=&a=", "https://e.com/x?=x",
                                 "https://e.com/x#f\nz", "https://e.com/x?a=1#", "https://www.www./x?a=1",
                                 "https://e.com/x?a==1", "https://e.com/x?a=1&b==2", "https://e.com/p?&&k&v=1"])),
        r(source_record_id=None, kind="news", url="ftp://e.com/x"), r(source_record_id=None, kind="news", url=""),
        r(source_record_id=None, kind="news", url="https://e.com/ü?q=ü"),
        r(source_record_id=None, kind="news", url="https://user@e.com/x"),
        r(source_record_id=None, kind="news", url="HTTPS://E.COM"),
        r(source_record_id=None, kind="news", url="item?id=25007697"), r(source_record_id=None, kind="news", url="/a/b"),
        r(source_record_id=None, kind="news", url="httpſ://e.com/x?b=1&a=2"),  # re.I: 'ſ' matches 's'
        r(source_record_id=None, kind="news", title="Keyless news item", url=None),
        r(source_record_id="x" * 130), r(source="s" * 201), r(source=""), r(source_record_id="y" * 2001),
        r(url="u" * 4001), r(doi="1" * 501), r(arxiv_id="2" * 101), r(pmid="3" * 41),
    ]
    # titles and keys
    rows += [
        r(title="Étude de la correction d'erreurs quantiques à grande échelle"),
        r(title="ＡＩ ｃｈｉｐｓ ａｒｅ ｂｅｉｎｇ ｄｅｓｉｇｎｅｄ ｔｏｄａｙ"),  # NFKC matters
        r(title="Straße und Fluß in der Quantenwelt heute gesehen"),  # casefold matters
        r(title="One two three four five"), r(title="One, two; three - four: five! six?"),
        r(kind="news", title=title6), r(title="t" * 1000), r(title=" " + "t" * 1000 + " "),
    ]
    # shape
    rows += [
        r(schema_version=1), r(schema_version="1"), r(schema_version=2), r(schema_version=True),
        r(schema_version=None), r(unknown_field=1), r(title=None), r(source=None), r(kind=None), r(kind=" paper"),
        r(kind=1), r(abstract=5), r(title=123), r(extra=None), r(extra=[]), r(extra={}),
        r(extra={"venue": "3DV", "track": "main", "status": "Poster", "n": None, "points": 12, "ok": True}),
        r(extra={"b": [1, 2], "a": {"z": 1, "y": [None]}}), r(extra={"f": 1.5, "big": 12345678901234567890123}),
        r(extra={" k ": 1}), r(extra={"k": ["a", None, "b"], "e": [], "s": "\u3000x\n"}),
        r(extra={"n": -0, "m": 123456789012345678, "mm": 1234567890123456789, "u": 18446744073709551615}),
        r(extra={"é": "ü", "a\"b": "c\\d", "/": "</script>"}),
        '{"source": "t", "kind": "paper", "title": "Dup keys in this line of a landing file", "title": "second"}',
        '{"source": "t", "kind": "paper", "titl\\u0065": "Escaped key name in this landing record"}',
        '{"source": "t", "kind": "paper", "title": "Trailing comma in this landing record",}',
        '{"source": "t", "kind": "paper", "title": "NaN in this landing record", "extra": {"x": NaN}}',
        '{"source": "t", "kind": "paper", "title": "Nul \\u0000 in this landing record"}',
        '{"source": "t", "kind": "paper", "title": "Sep \\u001c in this landing record"}',
        '{"source": "t", "kind": "paper", "title": "Emoji \\ud83d\\ude00 in this landing record"}',
        '{"source": "t", "kind": "paper", "title": "Lone \\ud800 surrogate in this record"}',
        '{"source": "t", "kind": "paper", "title": "Escapes \\n\\t\\" in this landing record \\/ ok"}',
        '  {"source": "t", "kind": "paper", "title": "Leading spaces before this landing record"}  ',
        '{"source":"t","kind":"paper","title":"Compact separators in this landing record"}',
        '{"source": "t", "kind": "paper", "title": "Array, ] in a title is fine in this record"}',
        "{}", "null", '"a string"', "42",
    ]
    # the same documents again: merges, history, primary record owns text
    rows += [
        r(source="arxiv", source_record_id="2401.00001", arxiv_id="2401.00001", title=title6, abstract="From arXiv."),
        r(source="crossref", source_record_id=None, doi="10.1038/s41586-024-00001-1", arxiv_id=None, title=title6,
          abstract=None, countries=["China"]),
        r(source="mirror", source_record_id="m1", arxiv_id="2401.00001", title=title6, abstract="Mirror text."),
        r(source="arxiv", source_record_id="2401.00001", arxiv_id="2401.00001", title=title6, abstract="Revised."),
        r(source="test", source_record_id="r10000", title="Same record id again, later line"),
    ]
    return rows


def _real_samples(k: int = 150) -> list[Any]:
    """Landing records made from the real corpora (a deterministic sample of each), where ../shared/data is here."""
    rows: list[Any] = []
    root = Path(__file__).resolve().parents[2].parent / "shared" / "data"
    if not root.exists():
        return rows
    for path in sorted(root.glob("*/*.jsonl.gz")):
        from warehouse.corpora import CORPORA, file_stem

        stem = file_stem(path)
        if stem not in CORPORA:
            continue
        adapter = ADAPTERS[CORPORA[stem][0]]
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            lines = [line for _, line in zip(range(4000), fh, strict=False)]
        for line in random.Random(stem).sample(lines, min(k, len(lines))):
            try:
                rec = adapter(json.loads(line))
            except Exception:  # noqa: BLE001 - a corpus row the adapter cannot map is not a landing row
                continue
            rows.append(json.loads(json.dumps(rec, ensure_ascii=False, default=str)))
    return rows


def test_sql_path_equals_python_path_on_edge_cases(tmp_path: Path) -> None:
    f = _write(tmp_path / "edge.jsonl", _edge_cases())
    py, sql, reps = _load_both(tmp_path, [f])
    _assert_same(py, sql)
    assert len(py["rejects"]) > 40 and len(py["documents"]) > 100
    # SQL judged most rows itself (the Python path only took the ones it must)
    rep = reps[0]
    assert rep.rows_python < rep.rows_total / 2, (rep.rows_python, rep.rows_total)


def test_sql_path_equals_python_path_on_real_records(tmp_path: Path) -> None:
    rows = [json.loads(line) for line in (FIXTURES / "corpus" / "arxiv_sample.jsonl").read_text().splitlines()]
    rows += _real_samples()
    f = _write(tmp_path / "real.jsonl", rows)
    py, sql, reps = _load_both(tmp_path, [f])
    _assert_same(py, sql)
    assert reps[0].rows_python <= reps[0].rows_total * 0.1, reps[0].rows_python


def test_sql_path_equals_python_path_across_files_and_reloads(tmp_path: Path) -> None:
    """Loading into a warehouse that already holds the documents: merges, history, idempotence, both ways."""
    edge = _write(tmp_path / "a.jsonl", _edge_cases())
    real = _write(tmp_path / "b.jsonl", [json.loads(line) for line in
                                          (FIXTURES / "corpus" / "arxiv_sample.jsonl").read_text().splitlines()][:120])
    changed = _write(tmp_path / "c.jsonl", [dict(_rec(10_000 + i), abstract=f"Changed text {i}.") for i in range(60)]
                     + [json.loads(line) | {"abstract": "Replaced abstract."} for line in
                        (FIXTURES / "corpus" / "arxiv_sample.jsonl").read_text().splitlines()[:50]])
    py, sql, _ = _load_both(tmp_path, [edge, real, changed, edge], force=True)
    _assert_same(py, sql)
    assert py["document_history"], "the changed file must have replaced some text"


def test_sql_path_equals_python_path_on_oversized_and_empty_files(tmp_path: Path) -> None:
    huge = _rec(1, abstract="z" * 9_000_000)  # a line over MAX_LINE_BYTES
    big = _write(tmp_path / "big.jsonl", [huge, _rec(2), " " * 9_000_001])  # ... and an over-long blank line
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    py, sql, reps = _load_both(tmp_path, [big, empty])
    _assert_same(py, sql)
    assert [(r.rows_total, r.rows_loaded) for r in reps] == [(2, 1), (0, 0)]
    assert "over the 8,000,000-byte limit" in reps[0].rejects[0][1]


def test_sql_path_is_idempotent_and_skips_loaded_files(tmp_path: Path) -> None:
    f = _write(tmp_path / "a.jsonl", _edge_cases())
    con = connect_writer(tmp_path / "w.duckdb")
    migrate(con)
    first = ingest_file(con, f, engine="sql")
    before = _state(con)
    assert ingest_file(con, f, engine="sql").skipped
    again = ingest_file(con, f, engine="sql", force=True)
    assert again.docs_new == 0 and again.docs_updated == 0
    after = _state(con)
    assert after.pop("landing_files") == before.pop("landing_files")
    assert after == before
    assert first.rows_loaded > 0


@pytest.mark.parametrize("max_lines", [None, 7])
def test_sql_path_chunking_keeps_line_numbers(tmp_path: Path, max_lines: int | None) -> None:
    rows = [_rec(i) for i in range(40)]
    rows[5] = b'{"broken'
    rows[33] = _rec(33, kind="blog")
    data = b"\n".join(json.dumps(x).encode() if isinstance(x, dict) else x for x in rows)  # no final newline
    f = tmp_path / "a.jsonl.gz"
    with gzip.open(f, "wb") as fh:
        fh.write(b"\n" + data)  # a blank first line
    con = connect_writer(tmp_path / "w.duckdb")
    migrate(con)
    rep = ingest_file(con, f, fmt="landing", engine="sql", chunk_size=max_lines, block_bytes=300)
    assert (rep.rows_total, rep.rows_loaded, rep.rows_rejected) == (40, 38, 2)
    assert [n for n, _ in rep.rejects] == [7, 35]


def test_line_blocks_number_lines_as_python_does(tmp_path: Path) -> None:
    data = b"a\r\nb\n\nc\rd\n" + b"x" * 1000 + b"\nlast"
    f = tmp_path / "x.jsonl"
    f.write_bytes(data)
    for size, cap in [(4, None), (64, 2), (1 << 20, None)]:
        got = []
        for block in ingest_sql.line_blocks(f, size, cap):
            assert cap is None or block.num_rows <= cap
            got += list(zip(block.column("line").to_pylist(), block.column("raw").to_pylist(), strict=True))
        assert got == list(enumerate(io.BytesIO(data), start=1))  # what `for line in open(f, 'rb')` yields


def test_real_corpus_landing_file_loads_through_sql(tmp_path: Path) -> None:
    """A real corpus written as a landing file: SQL judges nearly every row and agrees with the corpus path."""
    path = shared_data("papers_frontier_fields", "frontier_papers.jsonl.gz")
    adapter = ADAPTERS["frontier_papers"]
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        rows = [adapter(json.loads(line)) for line in fh]
    f = _write(tmp_path / "frontier-landing.jsonl", [json.loads(json.dumps(r, default=str)) for r in rows])
    py, sql, reps = _load_both(tmp_path, [f])
    _assert_same(py, sql)
    assert reps[0].rows_python <= reps[0].rows_total * 0.05


def test_auto_engine_takes_sql_for_landing_files_only(tmp_path: Path) -> None:
    f = _write(tmp_path / "a.jsonl", [_rec(1), b"{bad"])
    con = connect_writer(tmp_path / "w.duckdb")
    migrate(con)
    rep = ingest_file(con, f)
    assert rep.engine == "sql" and rep.rows_python == 1
    with pytest.raises(ValueError, match="landing files only"):
        ingest_file(con, f, fmt="hn_frontpage", engine="sql")


@pytest.mark.parametrize(("held", "segment"), [(None, None), (1, None), (None, 1), (1, 1)])
def test_chains_across_chunks_end_in_one_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, held: int | None, segment: int | None
) -> None:
    """A duplicate that brings a new key, a later row that has only that key, a row meeting a document stored by
    an earlier file, a later line rewriting a record: however the file is cut into blocks, the chain ends in
    one document, a later line's text wins, and no key or record is stored twice. With `held` = 1 the rows
    held for the final merge are merged chunk by chunk instead; with `segment` = 1 every chunk is written on
    its own (as in a file larger than a segment) instead of the whole file at once."""
    from warehouse import ingest

    if held is not None:
        monkeypatch.setattr(ingest, "MAX_HELD_ROWS", held)
    if segment is not None:
        monkeypatch.setattr(ingest, "SEGMENT_BYTES", segment)

    base = [_rec(i, doi=f"10.1000/base.{i}") for i in range(12)]
    lines: list[Any] = [_rec(100 + i) for i in range(30)]
    lines[3] = _rec(3, doi="10.1000/base.3", abstract="Newer text from the same record.")  # meets the stored file
    lines[8] = _rec(200, arxiv_id="2501.00001")
    lines[14] = _rec(201, source="mirror", arxiv_id="2501.00001", doi="10.1000/chain")  # brings a new key
    lines[21] = _rec(202, source="third", doi="10.1000/chain", affiliations="Fudan University")  # only that key
    lines[25] = dict(lines[8], abstract="The same record, rewritten later.")
    lines[27] = _rec(5, source="mirror", doi="10.1000/base.5", keywords=["memristor"])
    lines += _edge_cases()
    first = _write(tmp_path / "base.jsonl", base)
    second = _write(tmp_path / "more.jsonl", lines)
    for n, (name, chunk, block) in enumerate([("small blocks", 4, 2000), ("one block", None, 1 << 20)]):
        con = connect_writer(tmp_path / f"w{n}.duckdb")
        migrate(con)
        ingest_file(con, first, engine="sql")
        rep = ingest_file(con, second, engine="sql", chunk_size=chunk, block_bytes=block)
        assert rep.docs_updated >= 1, name  # base.3 takes its newer text
        assert_identities_unique(con)
        chain = con.execute("SELECT d.abstract, d.affiliations, count(DISTINCT s.source_id) FROM documents d "
                            "JOIN document_sources s USING (doc_id) WHERE d.arxiv_id = '2501.00001' GROUP BY ALL").fetchall()
        assert chain == [("The same record, rewritten later.", ["Fudan University"], 3)], name
        newer = con.execute("SELECT abstract FROM documents WHERE doi = '10.1000/base.3'").fetchall()
        assert newer == [("Newer text from the same record.",)], name
        records = con.execute("SELECT count(*), count(DISTINCT (source_id, source_record_id)) FROM document_sources "
                              "WHERE source_record_id <> ''").fetchall()[0]
        assert records[0] == records[1], name
        con.close()


@pytest.mark.parametrize("segment", [None, 1])
@pytest.mark.parametrize("engine", ["sql", "python"])
def test_a_later_line_meeting_a_held_row_is_merged_after_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: str, segment: int | None
) -> None:
    """Rows that meet a stored document are merged when the load ends; a later line that shares only a new key
    with such a row (here the record id) must wait for it, or it would be stored first and the earlier line
    merged over it. Blocks are small; with `segment` = 1 the two lines are also written in different chunks."""
    from warehouse import ingest
    from warehouse.ingest import content_hash

    if segment is not None:
        monkeypatch.setattr(ingest, "SEGMENT_BYTES", segment)

    first = _write(tmp_path / "base.jsonl", [_rec(i, doi=f"10.1000/base.{i}") for i in range(12)])
    lines: list[Any] = [_rec(100 + i) for i in range(30)]
    lines[2] = _rec(3, source="mirror", source_record_id="m1", doi="10.1000/base.3", abstract="Mirror text, first.")
    later = _rec(900, source="mirror", source_record_id="m1", abstract="Mirror text, later.")
    lines[20] = later
    second = _write(tmp_path / "more.jsonl", lines)
    con = connect_writer(tmp_path / "w.duckdb")
    migrate(con)
    ingest_file(con, first, engine=engine)
    rep = ingest_file(con, second, engine=engine, chunk_size=4, block_bytes=2000)
    assert rep.rows_loaded == 30
    assert_identities_unique(con)
    assert con.execute("SELECT count(*) FROM documents").fetchall()[0][0] == 12 + 28
    mirror = con.execute("SELECT d.doi, s.content_hash FROM document_sources s JOIN documents d USING (doc_id) "
                         "WHERE s.source_id = 'mirror'").fetchall()
    assert mirror == [("10.1000/base.3", content_hash(later["title"], later["abstract"], None))]
    con.close()


@pytest.mark.parametrize("engine", ["sql", "python"])
def test_a_files_own_duplicates_are_merged_before_anything_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: str
) -> None:
    """A file is written a segment at a time: its own duplicates are found before any row is written, so the
    load only appends new documents (a rewritten row would make DuckDB's commit append the whole load again).
    Written chunk by chunk instead, the same file must end in the same documents, the duplicates counted as
    merges into documents the load had already written (a new version, the earlier text in the history).
    (Where a later line brings a better key or an earlier primary record, the two can differ: a stored
    document keeps its id and its primary record.)"""
    from warehouse import ingest

    lines: list[Any] = [_rec(100 + i) for i in range(30)]
    lines[12] = dict(lines[2], abstract="The same record, rewritten later.", keywords=["memristor"])
    lines[4] = _rec(104, doi="10.1000/dup.4")
    lines[25] = _rec(300, source="mirror", doi="10.1000/dup.4", authors="Li Wei;Zhang San", abstract=None)
    lines[27] = dict(lines[6], categories=["cs.ET"], countries="China")
    lines += [dict(lines[9]), b'{"broken', _rec(302, kind="blog")]
    f = _write(tmp_path / "dups.jsonl", lines)
    states, reports = [], []
    for segment in (None, 1):
        if segment is not None:
            monkeypatch.setattr(ingest, "SEGMENT_BYTES", segment)
        con = connect_writer(tmp_path / f"w{segment}.duckdb")
        migrate(con)
        reports.append(ingest_file(con, f, engine=engine, chunk_size=4, block_bytes=2000))
        assert_identities_unique(con)
        state = _state(con)
        state.pop("landing_files")
        state["versions"] = con.execute("SELECT sum(version - 1) FROM documents").fetchall()
        state["documents"] = sorted(map(repr, con.execute("SELECT * EXCLUDE (version, first_seen, last_seen, updated_at) "
                                                          "FROM documents").fetchall()))
        states.append(state)
        con.close()
    whole, chunked = reports
    assert whole.docs_updated == 0 and states[0].pop("document_history") == [] and states[0].pop("versions") == [(0,)]
    assert len(states[1].pop("document_history")) == states[1].pop("versions")[0][0] >= 1
    assert states[0] == states[1]
    assert whole.docs_updated == whole.docs_unchanged == 0  # every document written once, already merged
    assert chunked.docs_updated + chunked.docs_unchanged >= 2
    assert whole.docs_new == chunked.docs_new == len(states[0]["documents"])


def test_judged_blocks_come_in_file_order_from_several_workers(tmp_path: Path) -> None:
    """Blocks judged on several threads are handed over in file order, as one thread would; a consumer that
    stops early leaves no judging thread behind."""
    import datetime as dt
    import threading

    f = _write(tmp_path / "a.jsonl", [_rec(i) if i % 7 else b"{bad" for i in range(60)])
    now = dt.datetime(2026, 1, 1)

    def summary(workers: int) -> list[tuple]:
        return [(b.first_line, b.last_line, b.table.column("doc_id").to_pylist(), b.python_lines)
                for b in ingest_sql.staged_blocks(f, now, block_bytes=2500, workers=workers)]

    one = summary(0)
    assert len(one) >= 5
    assert summary(3) == one
    blocks = ingest_sql.staged_blocks(f, now, block_bytes=2500, workers=2)
    next(blocks)
    blocks.close()
    assert not [t for t in threading.enumerate() if t.name.startswith("futurescan-ingest-judge")]
