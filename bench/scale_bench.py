"""Benchmark: a warehouse of 1,000,000 documents built from the real corpora — ingest rate and profile, views latency, clustering memory, size on disk.

Usage: python bench/scale_bench.py [--docs 1000000] [--base 100000] [--home DIR] [--rescore] [--skip-cluster] [--no-save]
       (figures only, no assertions; hold the shared lock: flock /tmp/futurescan-bench.lock
       python bench/scale_bench.py ...; --docs 20000 --base 4000 --no-save is a short trial that
       leaves bench/results/scale.json alone)

How the million is made: a base of --base real records drawn evenly from every corpus in
../shared/data (each corpus in proportion to its size), then copies of that base, each copy with
new record ids (`id#c`), without the shared identifiers that would merge it back (arXiv id, DOI,
PMID), papers' titles suffixed ` (c)` (else the normalised-title key merges them) and dates moved
back c % 4 years. Everything goes through the real ingest (warehouse.ingest.ingest_file, the set-based
path that judges landing lines in SQL):

1. ingest the base file, then run the real analysis (fake embedder: this measures the warehouse,
   not the model) and the real score stage on it — this gives the warehouse real links, topics
   and scores;
2. ingest the copies (a warehouse growing from --base to --docs);
3. copy each base document's technology links to its copies (the alias linker would find the
   same words in the same text), so evidence grows with the warehouse, then refresh the stored
   evidence the views read (warehouse.evidence_store, as the analysis stage does after linking);
4. time the watchlist and assessment views (warehouse.views through flows.present, as the CLI
   calls them) and the CLI end to end;
5. write synthetic-but-realistic 384-d vectors for every document (real MiniLM vectors of 10,000
   abstracts plus noise, cosine ≈ 0.9 to their source), load them all in a fresh process with the
   stage's loader and, for comparison, with a plain JOIN + ORDER BY, and run the clustering stage on
   all of them in a fresh process, as the analysis stage does (load from DuckDB → PCA → k-means → tidy → centroids):
   wall time and peak memory;
6. report the warehouse's size on disk before and after the vectors.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import inspect
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    ALL_CORPORA,
    CACHE,
    DATA,
    PY,
    ROOT,
    Timer,
    header,
    loadavg,
    peak_rss_mb,
    require_data,
    save,
)

MODEL = "all-MiniLM-L6-v2"


# ───────────────────────────── the landing files ─────────────────────────────


def _shift_published(value: Any, years: int) -> Any:
    if not years or value in (None, ""):
        return value
    if isinstance(value, int):
        return value - years
    s = str(value)
    if len(s) >= 4 and s[:4].isdigit():
        out = f"{int(s[:4]) - years:04d}{s[4:]}"
        return out.replace("-02-29", "-02-28", 1) if out[4:10] == "-02-29" else out
    return value


def _copy(rec: dict[str, Any], c: int, i: int) -> dict[str, Any]:
    rec = dict(rec)
    rid = rec.get("source_record_id")
    rec["source_record_id"] = f"{rid}#{c}" if rid else f"copy{c}-{i}"
    for k in ("arxiv_id", "doi", "pmid"):
        rec.pop(k, None)
    if rec.get("kind") == "paper" and rec.get("title"):
        rec["title"] = f"{rec['title']} ({c})"
    rec["published"] = _shift_published(rec.get("published"), c % 4)
    return rec


def base_records(n: int) -> list[dict[str, Any]]:
    """n real records as landing dicts, every corpus sampled in proportion to its size (evenly spaced)."""
    from warehouse.corpora import ADAPTERS, format_for

    sizes = {}
    for rel in ALL_CORPORA:
        with gzip.open(DATA / rel, "rb") as fh:
            sizes[rel] = sum(1 for _ in fh)
    total = sum(sizes.values())
    out: list[dict[str, Any]] = []
    for rel in ALL_CORPORA:
        want = max(1, round(n * sizes[rel] / total))
        stride = sizes[rel] / want
        adapter = ADAPTERS[format_for(DATA / rel)]
        picks = {int(k * stride) for k in range(want)}
        with gzip.open(DATA / rel, "rt", encoding="utf-8") as fh:
            for i, line in enumerate(fh):
                if i in picks and line.strip():
                    out.append(adapter(json.loads(line)))
    return out[:n] if len(out) > n else out


def build_landing(folder: Path, docs: int, base_n: int) -> tuple[Path, Path, int, int]:
    """(base file, copies file, base rows, copy rows); cached by size under $FUTURESCAN_BENCH_CACHE."""
    base_path = folder / f"scale-base-{base_n}.jsonl"
    copies_path = folder / f"scale-copies-{docs}-{base_n}.jsonl"
    meta = folder / f"scale-{docs}-{base_n}.json"
    if base_path.exists() and copies_path.exists() and meta.exists():
        m = json.loads(meta.read_text())
        return base_path, copies_path, m["base"], m["copies"]
    folder.mkdir(parents=True, exist_ok=True)
    base = base_records(base_n)
    with open(base_path, "w", encoding="utf-8") as fh:
        for rec in base:
            fh.write(json.dumps(rec, ensure_ascii=False, default=str) + "\n")
    n_copies = 0
    with open(copies_path, "w", encoding="utf-8") as fh:
        for c in range(1, math.ceil(docs / len(base))):
            for i, rec in enumerate(base):
                if len(base) + n_copies >= docs:
                    break
                fh.write(json.dumps(_copy(rec, c, i), ensure_ascii=False, default=str) + "\n")
                n_copies += 1
    meta.write_text(json.dumps({"base": len(base), "copies": n_copies}))
    return base_path, copies_path, len(base), n_copies


# ───────────────────────────── ingest, with where the time goes ─────────────────────────────


def timed_ingest(con: Any, path: Path) -> dict[str, Any]:
    """ingest_file with the writer's own time measured (the rest is waiting for judged blocks, and the commit)."""
    import warehouse.ingest as ingest

    spent = {"write_s": 0.0, "calls": 0}
    original = getattr(ingest, "_write_chunk", None)  # the writer's own time, while the ingest still writes through it

    def write_chunk(*a: Any, **k: Any) -> None:
        t0 = time.perf_counter()
        try:
            original(*a, **k)  # type: ignore[misc]
        finally:
            spent["write_s"] += time.perf_counter() - t0
            spent["calls"] += 1

    if original is not None:
        ingest._write_chunk = write_chunk
    try:
        load = loadavg()
        cpu0 = time.process_time()
        with Timer() as t:
            rep = ingest.ingest_file(con, path, fmt="landing")
            con.execute("CHECKPOINT")  # until the rows are in the warehouse file, not only in its write-ahead log
        cpu = time.process_time() - cpu0
    finally:
        if original is not None:
            ingest._write_chunk = original
    return {"rows": rep.rows_loaded, "rejected": rep.rows_rejected, "new": rep.docs_new,
            "merged": rep.docs_updated + rep.docs_unchanged, "seconds": t.s, "docs_per_s": rep.rows_loaded / t.s,
            "cpu_s": cpu, "engine": rep.engine, "rows_python": rep.rows_python,
            "phases": {k: round(v, 2) for k, v in rep.phase_seconds.items()},
            "writer_s": spent["write_s"] if spent["calls"] else None, "loadavg": load}


def optional(what: str, fn: Any, *args: Any) -> Any:
    """Run a profiling step that reaches into the ingest's internals; None (and a note) when they changed."""
    try:
        return fn(*args)
    except Exception as exc:  # a profile of internals another change reshaped: the run's figures still count
        print(f"   ({what} skipped: the ingest's internals changed: {type(exc).__name__}: {exc})")
        return None


def profile_judging(path: Path, rows: int = 100_000) -> dict[str, Any]:
    """What judging costs alone: `rows` landing lines judged by `ingest_landing.sql` on one DuckDB thread."""
    from warehouse import ingest_sql

    now = dt.datetime.now()
    blocks = list(ingest_sql.line_blocks(path, max_lines=rows))
    con = ingest_sql.parser_connection(threads=1)
    try:
        cpu0 = time.process_time()
        with Timer() as t:
            n = 0
            for block in blocks:
                n += ingest_sql.stage_block(con, block, now).rows_judged
                if n >= rows:
                    break
        cpu = time.process_time() - cpu0
    finally:
        ingest_sql._close(con)
    return {"rows": n, "seconds": t.s, "one_thread_rows_per_s": n / t.s, "cpu_us_per_row": cpu / n * 1e6}


def duckdb_native_parse(path: Path) -> dict[str, Any]:
    """The same landing file read and checked set-based by DuckDB (no Python per row): what a bulk path could reach."""
    import duckdb

    con = duckdb.connect()
    cols = ("{'source': 'VARCHAR', 'source_record_id': 'VARCHAR', 'kind': 'VARCHAR', 'title': 'VARCHAR', "
            "'abstract': 'VARCHAR', 'text': 'VARCHAR', 'url': 'VARCHAR', 'published': 'VARCHAR', "
            "'language': 'VARCHAR', 'authors': 'VARCHAR[]', 'countries': 'VARCHAR[]', 'categories': 'VARCHAR[]', "
            "'doi': 'VARCHAR', 'arxiv_id': 'VARCHAR', 'pmid': 'VARCHAR'}")
    with Timer() as t:
        n, bad = con.execute(f"""
            CREATE TEMP TABLE staged AS
            SELECT *,
                   sha256(concat_ws(chr(10), title, coalesce(abstract, ''), coalesce(text, ''))) AS content_hash,
                   lower(regexp_replace(title, '[^[:alnum:]]+', ' ', 'g')) AS title_key,
                   (title IS NULL OR trim(title) = ''
                    OR kind NOT IN ('paper', 'news', 'policy', 'patent', 'trial', 'company')
                    OR (published IS NOT NULL AND try_cast(left(published, 4) AS INTEGER) IS NULL)) AS reject
            FROM read_json('{path}', format = 'newline_delimited', columns = {cols}, ignore_errors = true);
            SELECT count(*), count(*) FILTER (WHERE reject) FROM staged
        """).fetchone()
    con.close()
    return {"rows": n, "rejects": bad, "seconds": t.s, "rows_per_s": n / t.s}


def writer_statements(con: Any, base_path: Path, copy_no: int, rows: int = 20_000) -> dict[str, float]:
    """Milliseconds of each statement the ingest writer runs for one chunk of new rows (rolled back afterwards)."""
    import pyarrow as pa

    import warehouse.ingest as ingest
    from warehouse import ingest_sql
    from warehouse.db import query

    lines = []
    with open(base_path, encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if i >= rows:
                break
            lines.append((json.dumps(_copy(json.loads(line), copy_no, i), ensure_ascii=False) + "\n").encode())
    now = dt.datetime.now()
    block = pa.table({"line": pa.array(range(1, len(lines) + 1), pa.int64()), "raw": pa.array(lines, pa.large_binary())})
    parser = ingest_sql.parser_connection()
    try:
        staged = ingest_sql.stage_block(parser, block, now)
    finally:
        ingest_sql._close(parser)
    table = staged.table.select(ingest._ROW_SCHEMA.names).cast(ingest._ROW_SCHEMA)
    out: dict[str, float] = {}

    def timed(label: str, sql: str, params: dict[str, Any] | None = None) -> None:
        t0 = time.perf_counter()
        con.execute(sql, params) if params else con.execute(sql)
        out[label] = (time.perf_counter() - t0) * 1000

    con.execute("BEGIN TRANSACTION")
    con.register("_fs_rows", table)
    try:
        ingest._Deferred(con)  # the (empty) table of held rows' keys the check reads; rolled back below
        timed("colliding-keys check", query("ingest_colliding_lines"))
        timed("insert documents", query("ingest_insert_simple_documents"), {"now": now})
        timed("insert document_keys", query("ingest_insert_simple_keys"))
        timed("insert document_sources", query("ingest_insert_simple_sources"))
    finally:
        con.execute("ROLLBACK")
        con.unregister("_fs_rows")
    return out


# ───────────────────────────── links, vectors, clustering ─────────────────────────────


def replicate_links(con: Any) -> int:
    """Give every copy the technology links of the base document it copies (same text, same words)."""
    before = con.execute("SELECT count(*) FROM document_technologies").fetchone()[0]
    con.execute(r"""
        INSERT INTO document_technologies
        SELECT c.doc_id, l.tech_id, l.method, l.confidence, l.matched, l.linked_at
        FROM documents c
        JOIN documents b ON b.primary_source = c.primary_source
                        AND b.primary_record = regexp_replace(c.primary_record, '#\d+$', '')
        JOIN document_technologies l ON l.doc_id = b.doc_id
        WHERE regexp_matches(c.primary_record, '#\d+$')
        ON CONFLICT DO NOTHING
    """)
    return con.execute("SELECT count(*) FROM document_technologies").fetchone()[0] - before


def write_vectors(con: Any, seeds_path: Path, chunk: int = 100_000) -> dict[str, Any]:
    """Synthetic-but-realistic vectors for every document: a real abstract's vector plus noise, unit length."""
    import numpy as np

    from warehouse import topics_store as store

    seeds = np.load(seeds_path)
    rng = np.random.default_rng(0)
    ids = con.execute("SELECT doc_id, content_hash FROM documents ORDER BY doc_id").fetchall()
    con.execute("DELETE FROM embeddings")
    sigma = 0.5 / math.sqrt(seeds.shape[1])  # noise of norm ~0.5 → cosine ≈ 0.9 to the seed
    with Timer() as t:
        for start in range(0, len(ids), chunk):
            part = ids[start : start + chunk]
            v = seeds[rng.integers(0, len(seeds), len(part))] + rng.normal(0, sigma, (len(part), seeds.shape[1]))
            v = (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)
            store.write_embeddings(con, model=MODEL, recipe="bench-synthetic", doc_ids=[d for d, _ in part],
                                   content_hashes=[h for _, h in part], text_hashes=[h[:40] for _, h in part],
                                   vectors=v)
    return {"vectors": len(ids), "seconds": t.s}


def child_cluster(db: str, out: str) -> None:
    """The clustering stage on every stored vector, as the analysis stage (scoring/topics/) runs it (fresh process)."""
    import duckdb
    import numpy as np

    from scoring.topics.config import load_topics_config
    from scoring.topics.spaces import clusterer_for as _clusterer
    from warehouse import topics_store as store

    t0 = time.perf_counter()
    # The connection stays open through the fit, as the analysis stage's writer connection does: the blocks
    # DuckDB cached while the vectors streamed count towards the peak.
    con = duckdb.connect(db, read_only=True)
    ids = [r[0] for r in con.execute("SELECT doc_id FROM embeddings WHERE model = ? ORDER BY doc_id", [MODEL]).fetchall()]
    ids, X = store.load_embeddings(con, ids, model=MODEL)
    t_load = time.perf_counter() - t0
    rss_loaded = peak_rss_mb()
    config = load_topics_config()
    c = _clusterer(config.cluster)
    t1 = time.perf_counter()
    c.fit(X)
    t_fit = time.perf_counter() - t1
    labels = c.labels_
    centroids = {}
    for t in range(c.n_topics_):  # as _cluster_space does, for lineage and snapshots
        m = X[labels == t].mean(axis=0)
        centroids[t] = m / (np.linalg.norm(m) or 1.0)
    con.close()
    Path(out).write_text(json.dumps({
        "documents": len(ids), "load_s": t_load, "fit_s": t_fit, "total_s": time.perf_counter() - t0,
        "topics": int(c.n_topics_), "unassigned": float(np.mean(labels < 0)), "n_components": int(c.n_components),
        "peak_rss_mb": peak_rss_mb(), "rss_after_load_mb": rss_loaded, "matrix_mb": X.nbytes / 2**20,
    }))


def child_load(db: str, mode: str, out: str) -> None:
    """Peak memory of loading every vector: the stage's load_embeddings (streamed), or a plain JOIN + ORDER BY."""
    import duckdb
    import numpy as np
    import pyarrow as pa

    from warehouse import topics_store as store

    t0 = time.perf_counter()
    con = duckdb.connect(db, read_only=True)
    ids = [r[0] for r in con.execute("SELECT doc_id FROM embeddings WHERE model = ? ORDER BY doc_id", [MODEL]).fetchall()]
    if mode == "load_embeddings":
        ids, X = store.load_embeddings(con, ids, model=MODEL)
    else:  # for comparison: JOIN and ORDER BY over the vectors, whole Arrow table, combine, flatten
        con.register("_ids", pa.table({"doc_id": pa.array(ids, pa.string())}))
        got = con.sql("SELECT e.doc_id, e.vector FROM embeddings e JOIN _ids USING (doc_id) WHERE e.model = $m "
                      "ORDER BY e.doc_id", params={"m": MODEL}).to_arrow_table()
        arr = got.column("vector").combine_chunks()
        X = arr.flatten().to_numpy(zero_copy_only=False).astype(np.float32, copy=False).reshape(len(arr), -1)
    con.close()
    Path(out).write_text(json.dumps({"mode": mode, "rows": len(ids), "seconds": time.perf_counter() - t0,
                                     "peak_rss_mb": peak_rss_mb(), "matrix_mb": X.nbytes / 2**20}))


def run_load_child(db: Path, mode: str) -> dict[str, Any]:
    out = Path(tempfile.mkdtemp(prefix="fs-scale-load-")) / "load.json"
    code = (f"import sys; sys.path[:0] = [{str(ROOT)!r}, {str(ROOT / 'bench')!r}]; import scale_bench as b; "
            f"b.child_load({str(db)!r}, {mode!r}, {str(out)!r})")
    proc = subprocess.run([PY, "-c", code], capture_output=True, text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    if proc.returncode:
        raise RuntimeError(f"load child failed:\n{proc.stderr[-3000:]}")
    got = json.loads(out.read_text())
    shutil.rmtree(out.parent, ignore_errors=True)
    return got


def run_cluster_child(db: Path) -> dict[str, Any]:
    out = Path(tempfile.mkdtemp(prefix="fs-scale-cluster-")) / "cluster.json"
    code = (f"import sys; sys.path[:0] = [{str(ROOT)!r}, {str(ROOT / 'bench')!r}]; import scale_bench as b; "
            f"b.child_cluster({str(db)!r}, {str(out)!r})")
    load = loadavg()
    with Timer() as t:
        proc = subprocess.run([PY, "-c", code], capture_output=True, text=True,
                              env={**os.environ, "PYTHONWARNINGS": "ignore"})
    if proc.returncode:
        raise RuntimeError(f"clustering child failed:\n{proc.stderr[-3000:]}")
    got = json.loads(out.read_text())
    shutil.rmtree(out.parent, ignore_errors=True)
    return {"wall_s": t.s, "loadavg": load, **got}


# ───────────────────────────── views ─────────────────────────────


def views_latency(home: Path, repeats: int = 5) -> dict[str, Any]:
    """Watchlist and assessment as the CLI builds them, on a read-only connection; first call and warm calls."""
    from flows.present import assessment as asm
    from flows.present import watchlist as wl
    from warehouse import views
    from warehouse.db import connect_reader

    # Python imports the first assessment triggers (numpy, pyarrow, the ledger ...) are paid once per process
    # and are in the CLI figures below; a throwaway connection pays them here, so that "first call" means a
    # cold DuckDB cache for that technology, not this process's imports.
    con, _info = connect_reader(home / "warehouse.duckdb", home / "published" / "warehouse.duckdb")
    wl.build_watchlist(con)
    first_tech = con.execute("SELECT min(tech_id) FROM tech_scores").fetchone()[0]
    asm.build_assessment(con, first_tech, "latest")
    con.close()
    with Timer() as t_open:
        con, _info = connect_reader(home / "warehouse.duckdb", home / "published" / "warehouse.duckdb")
    stored = views.evidence_is_stored(con)
    wl_times = []
    for _ in range(repeats):
        with Timer() as t:
            data = wl.build_watchlist(con)
        wl_times.append(t.s * 1000)
    scan_id = data["scan"]["scan_id"]
    techs = [r[0] for r in con.execute("SELECT tech_id FROM tech_scores WHERE scan_id = ? ORDER BY tech_id",
                                       [scan_id]).fetchall()]
    first, warm, resolve = [], [], []
    for tech in techs:
        with Timer() as t:
            tid = asm.resolve_technology(con, tech)
        resolve.append(t.s * 1000)
        with Timer() as t:
            asm.build_assessment(con, tid, "latest")
        first.append(t.s * 1000)
        with Timer() as t:
            asm.build_assessment(con, tid, "latest")
        warm.append(t.s * 1000)
    con.close()
    worst = techs[max(range(len(first)), key=first.__getitem__)] if first else None
    return {
        "open_ms": t_open.s * 1000, "watchlist_first_ms": wl_times[0], "watchlist_warm_ms": statistics.median(wl_times[1:]),
        "watchlist_items": len(data["items"]) + len(data["insufficient"]),
        "assess_technologies": len(techs), "assess_first_median_ms": statistics.median(first),
        "assess_first_max_ms": max(first), "assess_warm_median_ms": statistics.median(warm),
        "assess_slowest": worst, "resolve_median_ms": statistics.median(resolve), "loadavg": loadavg(),
        "evidence_stored": stored, "assess_first_ms": dict(zip(techs, first, strict=True)),
    }


def assess_breakdown(home: Path, tech: str) -> dict[str, float]:
    """Milliseconds per warehouse.views call inside one assessment (fresh connection): which query costs what."""
    import functools

    from flows.present import assessment as asm
    from warehouse import views
    from warehouse.db import connect_reader

    spent: dict[str, float] = {}
    originals = {}
    for name in dir(views):
        fn = getattr(views, name)
        if (inspect.isfunction(fn) and fn.__module__ == "warehouse.views" and not name.startswith("_")
                and name not in ("sql", "has_table", "one_reading")):
            originals[name] = fn

            def wrap(f: Any, n: str) -> Any:
                @functools.wraps(f)
                def inner(*a: Any, **k: Any) -> Any:
                    t0 = time.perf_counter()
                    try:
                        return f(*a, **k)
                    finally:
                        spent[n] = spent.get(n, 0.0) + (time.perf_counter() - t0) * 1000
                return inner

            setattr(views, name, wrap(fn, name))
    try:
        con, _ = connect_reader(home / "warehouse.duckdb", home / "published" / "warehouse.duckdb")
        t0 = time.perf_counter()
        asm.build_assessment(con, tech, "latest")
        spent["(total)"] = (time.perf_counter() - t0) * 1000
        con.close()
    finally:
        for name, fn in originals.items():
            setattr(views, name, fn)
    return dict(sorted(spent.items(), key=lambda kv: -kv[1]))


def cli_latency(home: Path, tech: str | None) -> dict[str, Any]:
    """`futurescan watchlist` and `futurescan assess` end to end (process start, imports, query, printing)."""
    exe = Path(PY).with_name("futurescan")
    env = {**os.environ, "FUTURESCAN_HOME": str(home)}
    out = {}
    for name, args in (("watchlist", ["watchlist", "--format", "json"]), ("assess", ["assess", tech or "", "--format", "json"])):
        with Timer() as t:
            proc = subprocess.run([str(exe), *args], env=env, capture_output=True, text=True)
        out[f"cli_{name}_s"] = t.s
        out[f"cli_{name}_ok"] = proc.returncode == 0
    return out


def dir_size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 1e6


def table_mb(con: Any, tables: tuple[str, ...]) -> float:
    """Megabytes of storage blocks the given tables hold (after a checkpoint)."""
    parts = [f"SELECT block_id AS b, additional_block_ids AS more FROM pragma_storage_info('{t}') WHERE persistent"
             for t in tables]
    n = con.execute(
        f"WITH s AS ({' UNION ALL '.join(parts)}) "
        "SELECT count(DISTINCT b) FROM (SELECT b FROM s UNION ALL SELECT unnest(more) FROM s) WHERE b >= 0"
    ).fetchone()[0]
    size = con.execute("SELECT block_size FROM pragma_database_size()").fetchone()[0]
    return n * size / 1e6


def _writer_note(r: dict[str, Any]) -> str:
    return f" (writer busy {r['writer_s']:.1f} s)" if r.get("writer_s") is not None else ""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=1_000_000, help="documents in the warehouse (default 1,000,000)")
    parser.add_argument("--base", type=int, default=100_000, help="real records analysed and copied (default 100,000)")
    parser.add_argument("--home", type=Path, help="FUTURESCAN_HOME to build in (default: a new temporary folder, removed at the end)")
    parser.add_argument("--rescore", action="store_true", help="also run the score stage on the full warehouse")
    parser.add_argument("--skip-cluster", action="store_true")
    parser.add_argument("--no-save", action="store_true", help="print only; leave bench/results/scale.json alone (trial runs)")
    return parser.parse_args()


def _statements_line(label: str, statements: dict[str, float] | None) -> None:
    if statements:
        print(f"   writer statements for one 20,000-row chunk {label}: "
              + ", ".join(f"{k} {v:.0f} ms" for k, v in statements.items()))


def step_base(con: Any, base_path: Path, n_base: int, result: dict[str, Any]) -> None:
    """1. Ingest the base, analyse it (fake embedder) and score it: real links, topics and scores."""
    from scoring.screening.run import score_scan
    from scoring.topics.pipeline import run_analysis

    print("\n1. ingest the base, analyse (fake embedder) and score it")
    ib = result["ingest_base"] = timed_ingest(con, base_path)
    print(f"   ingest {n_base:,} rows: {ib['seconds']:.1f} s = {ib['docs_per_s']:,.0f} docs/s{_writer_note(ib)}")
    with Timer() as t:
        summary = run_analysis(con, scan_id="scale-W01", fake_embedder=True)
    result["analysis_base"] = {"seconds": t.s, "stages": summary.seconds, "topics": summary.topics,
                               "links": summary.links}
    print(f"   analysis: {t.s:.0f} s {summary.seconds}")
    with Timer() as t:
        score_scan(con, scan_id="scale-W01")
    result["score_base_s"] = t.s
    print(f"   score: {t.s:.0f} s")
    result["writer_statements_base"] = optional("writer statements", writer_statements, con, base_path, 98)
    _statements_line("at this size", result["writer_statements_base"])


def step_copies(con: Any, base_path: Path, copies_path: Path, n_total: int, result: dict[str, Any]) -> None:
    """2. Ingest the copies, then profile where the ingest time goes."""
    print(f"\n2. ingest the copies: the warehouse grows to {n_total:,} documents")
    ic = result["ingest_copies"] = timed_ingest(con, copies_path)
    print(f"   ingest {ic['rows']:,} rows: {ic['seconds']:.1f} s = {ic['docs_per_s']:,.0f} docs/s"
          f"{_writer_note(ic)}; CPU {ic['cpu_s']:.0f} s; load {ic['loadavg']}")
    print("   phases: " + ", ".join(f"{k} {v:.1f} s" for k, v in ic["phases"].items()))
    rows_all = result["ingest_base"]["rows"] + ic["rows"]
    secs_all = result["ingest_base"]["seconds"] + ic["seconds"]
    result["ingest_docs_per_s"] = rows_all / secs_all
    result["documents"] = con.execute("SELECT count(*) FROM documents").fetchone()[0]
    print(f"   overall: {rows_all:,} rows in {secs_all:.0f} s = {result['ingest_docs_per_s']:,.0f} docs/s; "
          f"{result['documents']:,} documents")
    result["writer_statements_full"] = optional("writer statements", writer_statements, con, base_path, 99)
    _statements_line(f"at {result['documents']:,} documents", result["writer_statements_full"])
    print("\n   where the ingest time goes:")
    prof = result["judging_profile"] = optional("judging profile", profile_judging, copies_path)
    if prof:
        print(f"   one DuckDB thread judges {prof['one_thread_rows_per_s']:,.0f} rows/s "
              f"({prof['cpu_us_per_row']:.0f} µs of CPU a row, {prof['rows']:,} rows)")
    native = result["duckdb_native_parse"] = duckdb_native_parse(copies_path)
    print(f"   for reference, DuckDB read_json with a few checks and the hash over the same file: {native['rows']:,} rows "
          f"in {native['seconds']:.1f} s = {native['rows_per_s']:,.0f} rows/s")


def step_links(con: Any, db: Path, rescore: bool, result: dict[str, Any]) -> None:
    """3. Copy the base's links to its copies, refresh the stored evidence, optionally re-score; size on disk."""
    from scoring.screening.run import score_scan
    from warehouse import evidence_store

    print("\n3. copy links to the copies, then the evidence the views read (cues and tech_evidence)")
    with Timer() as t:
        added = replicate_links(con)
    n_links = con.execute("SELECT count(*) FROM document_technologies").fetchone()[0]
    result["links"] = {"added": added, "total": n_links, "seconds": t.s}
    print(f"   {added:,} links added in {t.s:.1f} s ({n_links:,} in all)")
    # What the analysis stage does after it writes links (here the links were copied by hand).
    ev = evidence_store.refresh(con)
    again = evidence_store.refresh(con)
    result["evidence"] = {"seconds": ev.seconds, "rows": ev.rows, "cues_computed": ev.cues_computed,
                          "noop_seconds": again.seconds}
    print(f"   evidence refreshed in {ev.seconds:.1f} s: {ev.rows:,} (technology, document) pairs, cues found for "
          f"{ev.cues_computed:,} documents; a second refresh with nothing changed: {again.seconds * 1000:.0f} ms")
    if rescore:
        with Timer() as t:
            score_scan(con, scan_id="scale-W02")
        result["score_full_s"] = t.s
        print(f"   score stage on the full warehouse: {t.s:.0f} s")
        evidence_store.refresh(con)  # nothing to do unless the score stage touched links or documents
    con.execute("CHECKPOINT")
    result["size_mb_without_vectors"] = dir_size_mb(db)
    result["size_mb_evidence"] = table_mb(con, ("document_cues", "tech_evidence"))


def step_views(home: Path, result: dict[str, Any]) -> None:
    """4. The watchlist and assessment views on the full warehouse, in process and through the CLI."""
    print("\n4. views on the full warehouse")
    v = result["views"] = views_latency(home)
    v.update(cli_latency(home, v.get("assess_slowest")))
    v["assess_breakdown_ms"] = assess_breakdown(home, v["assess_slowest"]) if v.get("assess_slowest") else {}
    print(f"   open {v['open_ms']:.0f} ms; watchlist {v['watchlist_first_ms']:.0f} ms first, "
          f"{v['watchlist_warm_ms']:.0f} ms warm; assess ({v['assess_technologies']} technologies) median "
          f"{v['assess_first_median_ms']:.0f} ms, slowest {v['assess_first_max_ms']:.0f} ms ({v['assess_slowest']}), "
          f"warm {v['assess_warm_median_ms']:.0f} ms; stored evidence read: {v['evidence_stored']}")
    print(f"   CLI end to end: watchlist {v['cli_watchlist_s']:.1f} s, assess {v['cli_assess_s']:.1f} s")
    print(f"   one assessment of {v.get('assess_slowest')} by query (ms): "
          + ", ".join(f"{k} {x:.0f}" for k, x in list(v["assess_breakdown_ms"].items())[:8]))


def step_cluster(db: Path, result: dict[str, Any], keep: Any) -> None:
    """5. Vectors for every document, both loaders, then the clustering stage, each in a fresh process."""
    from cluster_bench import embeddings

    from warehouse.db import connect_writer

    print("\n5. vectors for every document, then the clustering stage in a fresh process")
    seeds, _ = embeddings(10_000)
    con = connect_writer(db)
    result["vectors"] = write_vectors(con, seeds)
    con.execute("CHECKPOINT")
    con.close()
    result["size_mb_with_vectors"] = dir_size_mb(db)
    print(f"   {result['vectors']['vectors']:,} vectors written in {result['vectors']['seconds']:.0f} s")
    result["load"] = {m: run_load_child(db, m) for m in ("load_embeddings", "join_order_by")}
    for m, r in result["load"].items():
        print(f"   loading all vectors ({m}): {r['seconds']:.0f} s, peak {r['peak_rss_mb']:,.0f} MB "
              f"(the matrix itself {r['matrix_mb']:,.0f} MB)")
    keep(result)
    c = result["cluster"] = run_cluster_child(db)
    print(f"   clustering {c['documents']:,} x 384: {c['wall_s']:.0f} s in a fresh process (load {c['load_s']:.0f} s, "
          f"fit {c['fit_s']:.0f} s), {c['topics']} topics, unassigned {c['unassigned']:.1%}, peak memory "
          f"{c['peak_rss_mb']:,.0f} MB")


def main() -> None:
    args = parse_args()
    require_data()
    header(f"scale: {args.docs:,} documents")
    from warehouse.db import connect_writer
    from warehouse.migrate import migrate

    def keep(result: dict[str, Any], partial: bool = True) -> None:
        if not args.no_save:
            save("scale", {**result, "partial": True} if partial else result, quiet=partial)

    result: dict[str, Any] = {"docs_target": args.docs, "base": args.base}
    with Timer() as t:
        base_path, copies_path, n_base, n_copies = build_landing(CACHE, args.docs, args.base)
    print(f"landing files: {n_base:,} base + {n_copies:,} copies ({t.s:.0f} s, cached in {CACHE})")
    home = args.home or Path(tempfile.mkdtemp(prefix="fs-scale-home-"))
    db = home / "warehouse.duckdb"
    if db.exists():
        sys.exit(f"{db} exists: give an empty --home")
    t_run = time.perf_counter()
    con = connect_writer(db)
    migrate(con)
    step_base(con, base_path, n_base, result)
    keep(result)
    step_copies(con, base_path, copies_path, n_base + n_copies, result)
    keep(result)
    step_links(con, db, args.rescore, result)
    con.close()
    keep(result)
    step_views(home, result)
    keep(result)
    if not args.skip_cluster:
        step_cluster(db, result, keep)
    print(f"\n6. size on disk: {result['size_mb_without_vectors']:,.0f} MB without vectors"
          f" (of which the stored evidence {result['size_mb_evidence']:,.0f} MB)"
          + (f", {result['size_mb_with_vectors']:,.0f} MB with 384-d vectors" if "size_mb_with_vectors" in result else ""))
    result["home"] = str(home)
    result["peak_rss_mb"] = peak_rss_mb()
    result["wall_s"] = time.perf_counter() - t_run
    print(f"whole run (after the landing files): {result['wall_s'] / 60:.1f} minutes")
    keep(result, partial=False)
    if args.home is None:  # a temporary warehouse of a few GB: do not leave it behind
        shutil.rmtree(home, ignore_errors=True)
        print(f"removed the temporary warehouse {home} (pass --home to keep one)")

if __name__ == "__main__":
    main()
