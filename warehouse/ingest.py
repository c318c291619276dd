"""Bulk loading of landing files and real corpora into `documents`, with dedup, history and rejects.

A file loads inside one transaction. Its rows are validated (set-based in DuckDB for landing files, see
warehouse.ingest_sql; row by row in Python for corpora and for the lines SQL leaves), so a bad row is rejected
with its line number and reason while the rest still loads. The prepared rows are buffered, resolved to
document ids, merged, and written with a handful of set-based SQL statements over Arrow tables — never
row-by-row inserts. A file already loaded (same bytes) is skipped, and every write is an upsert, so loading
anything twice changes nothing; a load killed half-way rolls back entirely.

Two engines judge the rows, and both stay: the Python path (`LandingRecord`, row by row) is the contract and
the only one that reads corpora (their adapters are Python) and in-memory records, and it words every reject
SQL cannot; the SQL path judges landing files many times faster and hands it only the lines it cannot judge.
The statements live in warehouse/queries/ingest_*.sql; what stays here is bookkeeping of the load's own
temporary tables and settings.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import hashlib
import json
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pyarrow as pa
from pydantic import ValidationError

from warehouse import identity, ingest_sql
from warehouse.corpora import ADAPTERS, format_for
from warehouse.db import fetch_one, ids_table, query, registered, transaction
from warehouse.landing import MAX_LINE_BYTES, LandingRecord, parse_published
from warehouse.language import detect_language

Progress = Callable[[str, int], None]
MAX_REJECTS_REPORTED = 50



@dataclass
class IngestReport:
    """What one load did: counts, and the first rejects with their line numbers and reasons."""

    path: str
    format: str
    file_sha256: str = ""
    rows_total: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    docs_new: int = 0
    docs_updated: int = 0
    docs_unchanged: int = 0
    skipped: bool = False
    seconds: float = 0.0
    engine: str = "python"  # 'sql' when warehouse.ingest_sql judged the rows
    phase_seconds: dict[str, float] = field(default_factory=dict)  # where a load's time went (the sql engine)
    rows_python: int = 0  # rows validated one by one with LandingRecord (with 'sql': those SQL left to it)
    rejects: list[tuple[int, str]] = field(default_factory=list)

    @property
    def docs_per_second(self) -> float:
        return self.rows_loaded / self.seconds if self.seconds else 0.0


@dataclass(slots=True)
class _Row:
    """A validated record with everything the merge needs already computed."""

    line: int
    source: str
    record_id: str
    kind: str
    title: str
    abstract: str | None
    body: str | None
    url: str | None
    published: dt.date | None
    precision: str | None
    language: str | None
    language_detected: bool
    authors: list[str]
    affiliations: list[str]
    countries: list[str]
    categories: list[str]
    keywords: list[str]
    doi: str | None
    arxiv_id: str | None
    pmid: str | None
    seen: dt.datetime
    extra: dict[str, Any]
    extra_json: str
    content_hash: str
    keys: list[str]

    @property
    def has_text(self) -> bool:
        return bool(self.abstract or self.body)


def content_hash(title: str, abstract: str | None, body: str | None) -> str:
    """sha256 of the whitespace-normalised text; what decides whether a document changed."""
    parts = [" ".join(p.split()) for p in (title, abstract or "", body or "")]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _condense(exc: ValidationError) -> str:
    msgs = []
    for err in exc.errors(include_url=False)[:4]:
        loc = ".".join(str(p) for p in err.get("loc", ())) or "record"
        msgs.append(f"{loc}: {err.get('msg')}")
    return "; ".join(msgs)


_PRECISION = {4: "year", 7: "month", 10: "day"}


def _normalised_date(value: str | None) -> tuple[dt.date | None, str | None]:
    """The model already normalised `published` to YYYY, YYYY-MM or YYYY-MM-DD: read it back cheaply."""
    if not value:
        return None, None
    precision = _PRECISION.get(len(value))
    if precision is None:  # never expected; fall back to the full parser
        parsed = parse_published(value)
        return (parsed[0], parsed[1]) if parsed else (None, None)
    y, m, d = int(value[:4]), int(value[5:7] or 1) if len(value) > 4 else 1, int(value[8:10]) if len(value) > 7 else 1
    return dt.date(y, m, d), precision


def _prepare(rec: LandingRecord, line: int, load_time: dt.datetime) -> _Row:
    published, precision = _normalised_date(rec.published)
    language, detected = rec.language, False
    if not language:
        language = detect_language(" ".join(filter(None, (rec.title, rec.abstract, (rec.text or "")[:500]))))
        detected = language is not None
    doi = identity.normalize_doi(rec.doi)
    arxiv_id = identity.normalize_arxiv_id(rec.arxiv_id)
    pmid = identity.normalize_pmid(rec.pmid)
    canonical = identity.canonical_url(rec.url)
    url = canonical or rec.url
    record_id = rec.source_record_id or ""
    seen = rec.fetched_at.replace(tzinfo=None) if rec.fetched_at else load_time
    extra = {k: v for k, v in rec.extra.items() if v is not None}
    return _Row(
        line=line,
        source=rec.source,
        record_id=record_id,
        kind=rec.kind,
        title=rec.title,
        abstract=rec.abstract,
        body=rec.text,
        url=url,
        published=published,
        precision=precision,
        language=language.lower() if language else None,
        language_detected=detected,
        authors=rec.authors,
        affiliations=rec.affiliations,
        countries=sorted(set(rec.countries)),
        categories=sorted(set(rec.categories)),
        keywords=sorted(set(rec.keywords)),
        doi=doi,
        arxiv_id=arxiv_id,
        pmid=pmid,
        seen=seen,
        extra=extra,
        extra_json=orjson.dumps(extra, default=str, option=orjson.OPT_SORT_KEYS).decode(),
        content_hash=content_hash(rec.title, rec.abstract, rec.text),
        keys=identity.record_keys(
            source=rec.source,
            kind=rec.kind,
            title=rec.title,
            arxiv_id=arxiv_id,
            doi=doi,
            pmid=pmid,
            source_record_id=rec.source_record_id,
            url=canonical,
        ),
    )


def _open_lines(path: Path) -> Iterator[bytes]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:
        yield from fh


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _parse_lines(
    lines: Iterable[bytes],
    fmt: str,
    load_time: dt.datetime,
    report: IngestReport,
    rejects: list[tuple[int, str, str]],
    first_line: int = 1,
) -> Iterator[_Row]:
    return _parse_numbered(enumerate(lines, start=first_line), fmt, load_time, report, rejects)


def _parse_numbered(
    lines: Iterable[tuple[int, bytes]],
    fmt: str,
    load_time: dt.datetime,
    report: IngestReport,
    rejects: list[tuple[int, str, str]],
) -> Iterator[_Row]:
    """Validate (line number, raw line) pairs with the model: the reference for every row the SQL path leaves."""
    adapter = ADAPTERS.get(fmt)
    for n, raw in lines:
        if not raw.strip():
            continue
        report.rows_total += 1
        if len(raw) > MAX_LINE_BYTES:
            rejects.append((n, f"line is {len(raw):,} bytes, over the {MAX_LINE_BYTES:,}-byte limit", ""))
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            rejects.append((n, f"not valid UTF-8 ({exc.reason} at byte {exc.start}); landing files must be UTF-8",
                            raw[:2000].decode("utf-8", "replace")))
            continue
        try:
            obj = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            rejects.append((n, f"bad JSON: {exc}", text[:2000]))
            continue
        if not isinstance(obj, dict):
            rejects.append((n, f"expected a JSON object, got {type(obj).__name__}", text[:2000]))
            continue
        try:
            rec = LandingRecord.model_validate(adapter(obj) if adapter else obj)
        except ValidationError as exc:
            rejects.append((n, _condense(exc), text[:2000]))
            continue
        except (TypeError, ValueError, KeyError, AttributeError) as exc:  # a corpus row of the wrong shape
            rejects.append((n, f"cannot map {fmt} row: {exc!r}", text[:2000]))
            continue
        yield _prepare(rec, n, load_time)


_ROW_SCHEMA = pa.schema(
    [
        ("line", pa.int64()),
        ("doc_id", pa.string()),  # from the row's best key: right unless the row meets another record
        ("source", pa.string()),
        ("record_id", pa.string()),
        ("kind", pa.string()),
        ("title", pa.string()),
        ("abstract", pa.string()),
        ("body", pa.string()),
        ("url", pa.string()),
        ("published", pa.date32()),
        ("precision", pa.string()),
        ("language", pa.string()),
        ("language_detected", pa.bool_()),
        ("authors", pa.list_(pa.string())),
        ("affiliations", pa.list_(pa.string())),
        ("countries", pa.list_(pa.string())),
        ("categories", pa.list_(pa.string())),
        ("keywords", pa.list_(pa.string())),
        ("doi", pa.string()),
        ("arxiv_id", pa.string()),
        ("pmid", pa.string()),
        ("seen", pa.timestamp("us")),
        ("extra_json", pa.string()),
        ("content_hash", pa.string()),
        ("keys", pa.list_(pa.string())),
    ]
)
_ROW_FIELDS = [f for f in _ROW_SCHEMA.names if f != "doc_id"]


def _best_doc_id(row: _Row) -> str:
    return identity.doc_id_from_key(row.keys[0]) if row.keys else "hash:" + row.content_hash[:24]


def _rows_to_table(rows: list[_Row]) -> pa.Table:
    """Validated rows as one Arrow table: cheap to hand between processes and to DuckDB."""
    columns: dict[str, list[Any]] = {name: [getattr(r, name) for r in rows] for name in _ROW_FIELDS}
    columns["doc_id"] = [_best_doc_id(r) for r in rows]
    return pa.table({f.name: pa.array(columns[f.name], f.type) for f in _ROW_SCHEMA}, schema=_ROW_SCHEMA)


def _table_to_rows(table: pa.Table) -> list[_Row]:
    out = []
    for d in table.to_pylist():
        d.pop("doc_id")
        out.append(_Row(**d, extra=orjson.loads(d["extra_json"]) if d["extra_json"] else {}))
    return out


def _parse_block(args: tuple[list[bytes], int, str, dt.datetime]) -> tuple[pa.Table, list[tuple[int, str, str]], int]:
    """Parse one block of raw lines (in a worker process): rows as a table, rejects, lines counted."""
    lines, first_line, fmt, load_time = args
    report = IngestReport(path="", format=fmt)
    rejects: list[tuple[int, str, str]] = []
    rows = list(_parse_lines(lines, fmt, load_time, report, rejects, first_line=first_line))
    return _rows_to_table(rows), rejects, report.rows_total


def _blocks(lines: Iterable[bytes], size: int) -> Iterator[tuple[list[bytes], int]]:
    block: list[bytes] = []
    start = 1
    for n, raw in enumerate(lines, start=1):
        block.append(raw)
        if len(block) >= size:
            yield block, start
            block, start = [], n + 1
    if block:
        yield block, start


def _parallel_chunks(
    lines: Iterable[bytes], fmt: str, load_time: dt.datetime, report: IngestReport,
    rejects: list[tuple[int, str, str]], size: int, workers: int,
) -> Iterator[pa.Table]:
    """Validate blocks of lines in worker processes while this process writes earlier blocks.

    Validation (JSON, the pydantic model, identifiers, hashes) is pure Python and CPU-bound, so on a
    large file it is what limits the load; the writer stays single-threaded, as DuckDB requires.
    """
    import concurrent.futures
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")  # never fork a process that holds a DuckDB connection
    with concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        pending: list[concurrent.futures.Future] = []
        for block, start in _blocks(lines, size):
            pending.append(pool.submit(_parse_block, (block, start, fmt, load_time)))
            if len(pending) > workers * 2:
                rows, rej, total = pending.pop(0).result()
                report.rows_total += total
                rejects.extend(rej)
                yield rows
        for fut in pending:
            rows, rej, total = fut.result()
            report.rows_total += total
            rejects.extend(rej)
            yield rows


def _chunks(rows: Iterator[_Row], size: int) -> Iterator[pa.Table]:
    chunk: list[_Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield _rows_to_table(chunk)
            chunk = []
    if chunk:
        yield _rows_to_table(chunk)


# --------------------------------------------------------------------------------------------------
# Identity resolution and merging


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _lookup_keys(con: duckdb.DuckDBPyConnection, keys: list[str]) -> dict[str, str]:
    if not keys:
        return {}
    with registered(con, "_fs_keys", pa.table({"key": pa.array(keys, pa.string())})):
        found = con.execute(query("ingest_key_owners")).fetchall()
    return dict(found)


def _lookup_docs(con: duckdb.DuckDBPyConnection, doc_ids: list[str]) -> dict[str, tuple[str, str, str, bool]]:
    """Primary record, content hash and whether there is text, of the stored documents among `doc_ids`.

    A few ids go into the query as an IN list of parameters: DuckDB then looks them up in the primary-key
    index and reads the text columns of those rows only, where a join would read them for every stored
    document. The list of `?` marks is the one part built here, as its length is the number of ids.
    """
    if not doc_ids:
        return {}
    if len(doc_ids) <= _INDEX_LOOKUP_MAX:
        sql = query("ingest_stored_facts_listed").replace("__IDS__", ", ".join("?" * len(doc_ids)))
        found = con.execute(sql, doc_ids).fetchall()
    else:
        with registered(con, "_fs_ids", ids_table(doc_ids)):
            found = con.execute(query("ingest_stored_facts_joined")).fetchall()
    return {r[0]: (r[1], r[2], r[3], bool(r[4])) for r in found}


_INDEX_LOOKUP_MAX = 2048  # DuckDB's index_scan_max_count: up to this many matches an IN list uses the index


def _group(rows: list[_Row], existing_keys: dict[str, str]) -> list[tuple[str, list[_Row]]]:
    """Rows that share any key are one document; its id is an existing one or its best key's."""
    uf = _UnionFind(len(rows))
    owner: dict[str, int] = {}
    for i, row in enumerate(rows):
        for key in row.keys:
            if key in owner:
                uf.union(owner[key], i)
            else:
                owner[key] = i
    members: dict[int, list[int]] = {}
    for i in range(len(rows)):
        members.setdefault(uf.find(i), []).append(i)
    groups = []
    rank = {k: n for n, k in enumerate(identity.KEY_PRIORITY)}
    for idx in members.values():
        group_rows = [rows[i] for i in idx]
        keys = sorted({k for r in group_rows for k in r.keys}, key=lambda k: (rank[k.partition(":")[0]], k))
        known = [existing_keys[k] for k in keys if k in existing_keys]
        if known:
            doc_id = known[0]
        elif keys:
            doc_id = identity.doc_id_from_key(keys[0])
        else:
            doc_id = "hash:" + group_rows[0].content_hash[:24]
        groups.append((doc_id, group_rows))
    return groups


def _union_lists(*lists: list[str]) -> list[str]:
    return sorted({v for lst in lists for v in lst})


def _merge(doc_id: str, rows: list[_Row], existing: tuple[str, str, str, bool] | None) -> dict[str, Any]:
    """One document row from the group's records, and what to do with the stored one.

    A document's text comes from one primary record (source + record id): the first record seen
    with text. Only a new version of that same record replaces the text (keeping the old hash in
    history); other records, from other sources or duplicates, only fill what is missing. This
    makes re-loading any mix of files in any order converge instead of flip-flopping.
    """
    if existing:
        primary_source, primary_record, stored_hash, stored_has_text = existing
        primary_rows = [r for r in rows if r.source == primary_source and r.record_id == primary_record]
        if not stored_has_text and not primary_rows:
            # A second record brings text the document never had: adopt it as the new primary.
            texty = [r for r in rows if r.has_text]
            if texty:
                primary_rows = [texty[0]]
        primary = primary_rows[-1] if primary_rows else None
        action = "replace" if primary is not None and primary.content_hash != stored_hash else "fill"
        base = primary or rows[-1]
    else:
        texty = [r for r in rows if r.has_text]
        first = texty[0] if texty else rows[0]
        base = [r for r in rows if r.source == first.source and r.record_id == first.record_id][-1]
        action = "insert"
    doc = {
        "doc_id": doc_id,
        "action": action,
        "kind": base.kind,
        "language": base.language,
        "language_detected": base.language_detected,
        "title": base.title,
        "abstract": base.abstract,
        "body": base.body,
        "published": base.published,
        "date_precision": base.precision,
        "authors": base.authors,
        "affiliations": base.affiliations,
        "countries": base.countries,
        "categories": base.categories,
        "keywords": base.keywords,
        "url": base.url,
        "arxiv_id": base.arxiv_id,
        "doi": base.doi,
        "pmid": base.pmid,
        "primary_source": base.source,
        "primary_record": base.record_id,
        "extra": base.extra,
        "content_hash": base.content_hash,
        "seen_first": base.seen,
        "seen_last": base.seen,
    }
    if len(rows) > 1:
        others = [r for r in rows if r is not base]
        if doc["published"] is None and (dated := [r for r in others if r.published is not None]):
            doc["published"], doc["date_precision"] = dated[0].published, dated[0].precision
        for name in ("url", "arxiv_id", "doi", "pmid"):
            doc[name] = doc[name] or next((getattr(r, name) for r in others if getattr(r, name)), None)
        doc["authors"] = doc["authors"] or next((r.authors for r in others if r.authors), [])
        for name in ("affiliations", "countries", "categories", "keywords"):
            doc[name] = _union_lists(*(getattr(r, name) for r in rows))
        extra: dict[str, Any] = {}
        for r in others:
            extra.update(r.extra)
        extra.update(base.extra)
        doc["seen_first"] = min(r.seen for r in rows)
        doc["seen_last"] = max(r.seen for r in rows)
        doc["extra"] = orjson.dumps(extra, default=str, option=orjson.OPT_SORT_KEYS).decode()
    else:
        doc["extra"] = base.extra_json
    return doc


_DOC_SCHEMA = pa.schema(
    [
        ("doc_id", pa.string()),
        ("action", pa.string()),
        ("kind", pa.string()),
        ("language", pa.string()),
        ("language_detected", pa.bool_()),
        ("title", pa.string()),
        ("abstract", pa.string()),
        ("body", pa.string()),
        ("published", pa.date32()),
        ("date_precision", pa.string()),
        ("authors", pa.list_(pa.string())),
        ("affiliations", pa.list_(pa.string())),
        ("countries", pa.list_(pa.string())),
        ("categories", pa.list_(pa.string())),
        ("keywords", pa.list_(pa.string())),
        ("url", pa.string()),
        ("arxiv_id", pa.string()),
        ("doi", pa.string()),
        ("pmid", pa.string()),
        ("primary_source", pa.string()),
        ("primary_record", pa.string()),
        ("extra", pa.string()),
        ("content_hash", pa.string()),
        ("seen_first", pa.timestamp("us")),
        ("seen_last", pa.timestamp("us")),
    ]
)

MAX_HELD_ROWS = 200_000  # rows held for the final merge before they are merged at once (memory)


class _Deferred:
    """Rows that meet another record, held back and merged together, in line order, when the load ends.

    A merge runs a few statements that each scan the documents table (and the rows the load has added so far), so
    merging once per load instead of once per chunk saves most of the merge time on a large warehouse. Later rows sharing a key with a held row are held too, so every merge still happens
    in line order (the later text wins). Past `MAX_HELD_ROWS` held rows, they are merged at once, which keeps that
    order and bounds the memory they take.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.tables: list[pa.Table] = []
        con.execute("CREATE OR REPLACE TEMP TABLE _fs_deferred_keys (key VARCHAR)")

    @property
    def rows(self) -> int:
        return sum(t.num_rows for t in self.tables)

    def hold(self, table: pa.Table) -> None:
        self.tables.append(table)
        with registered(self.con, "_fs_held", table.select(["keys"])):
            self.con.execute(query("ingest_hold_keys"))

    def merge(self, now: dt.datetime, report: IngestReport) -> None:
        """Merge what is held (in line order) into the warehouse."""
        if self.tables:
            held = pa.concat_tables(self.tables).sort_by("line")
            self.tables = []
            _write_merged(self.con, _table_to_rows(held), now, report)
            self.con.execute("DELETE FROM _fs_deferred_keys")

    def finish(self, now: dt.datetime, report: IngestReport) -> None:
        """Merge what is still held and drop the table of held keys: the end of a load."""
        self.merge(now, report)
        self.con.execute("DROP TABLE _fs_deferred_keys")


SEGMENT_BYTES = 1 << 30  # prepared rows (Arrow bytes) buffered before they are written (memory)


class _Segments:
    """Prepared rows buffered and written a segment at a time: a whole file, unless its rows pass SEGMENT_BYTES.

    Written block by block, a file's own duplicates are found only when the later copy arrives, after the first
    was written, and merging them then rewrites rows the load itself wrote. DuckDB commits the rows a transaction
    appended by moving them into the table as they are, unless one of them was deleted or had a list column
    updated (a list update is a delete and an insert): then it appends every row of the load again, one vector
    at a time, which can be most of a commit. Buffered, a file's duplicates are all held before anything is
    written, so the load only ever appends its new documents.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, now: dt.datetime, report: IngestReport) -> None:
        self.con, self.now, self.report = con, now, report
        self.deferred = _Deferred(con)
        self.tables: list[pa.Table] = []
        self.bytes = 0

    def add(self, table: pa.Table) -> None:
        if table.num_rows:
            self.tables.append(table)
            self.bytes += table.nbytes
        if self.bytes >= SEGMENT_BYTES:
            self.flush()

    def flush(self) -> None:
        """Write what is buffered (rows that meet another record are held for the final merge)."""
        if self.tables:
            table = pa.concat_tables(self.tables)
            self.tables, self.bytes = [], 0
            _write_chunk(self.con, table, self.now, self.report, self.deferred)

    def finish(self, phases: dict[str, float] | None = None) -> None:
        """The end of a load: write what is buffered, then merge the held rows; their times go to `phases`
        ('writing', 'merging held rows') when given."""
        mark = time.perf_counter()
        self.flush()
        if phases is not None:
            phases["writing"] = phases.get("writing", 0.0) + time.perf_counter() - mark
        mark = time.perf_counter()
        self.deferred.finish(self.now, self.report)
        if phases is not None:
            phases["merging held rows"] = time.perf_counter() - mark


def _write_chunk(
    con: duckdb.DuckDBPyConnection, table: pa.Table, now: dt.datetime, report: IngestReport, deferred: _Deferred
) -> None:
    """Write one chunk of prepared rows (`_ROW_SCHEMA`): rows that meet no other record go straight in with
    set-based SQL; rows sharing a key with another row, a stored document or a held row are held in `deferred`."""
    with registered(con, "_fs_rows", table):
        con.execute(query("ingest_colliding_lines"))
        colliding = con.execute("SELECT count(*) FROM _fs_colliding").fetchall()[0][0]
        total = table.num_rows
        if total > colliding:
            con.execute(query("ingest_insert_simple_documents"), {"now": now})
            con.execute(query("ingest_insert_simple_keys"))
            con.execute(query("ingest_insert_simple_sources"))
            report.docs_new += total - colliding
            report.rows_loaded += total - colliding
        if colliding:
            deferred.hold(con.sql(query("ingest_held_rows")).to_arrow_table())
        con.execute("DROP TABLE _fs_colliding")
    if deferred.rows >= MAX_HELD_ROWS:
        deferred.merge(now, report)


def _write_merged(con: duckdb.DuckDBPyConnection, rows: list[_Row], now: dt.datetime, report: IngestReport) -> None:
    """Group rows into documents (with stored ones), merge each group, and upsert the result."""
    all_keys = sorted({k for r in rows for k in r.keys})
    groups = _group(rows, _lookup_keys(con, all_keys))
    existing = _lookup_docs(con, [doc_id for doc_id, _ in groups])
    columns: dict[str, list[Any]] = {name: [] for name in _DOC_SCHEMA.names}
    fields = list(columns.values())
    counts = {"insert": 0, "replace": 0, "fill": 0}
    for doc_id, grp in groups:
        doc = _merge(doc_id, grp, existing.get(doc_id))
        values = tuple(doc[name] for name in _DOC_SCHEMA.names)
        counts[values[1]] += 1
        for col, v in zip(fields, values, strict=True):
            col.append(v)
    key_rows = {(k, doc_id) for doc_id, grp in groups for r in grp for k in r.keys}
    src_rows: dict[tuple[str, str, str], dict[str, Any]] = {}
    for doc_id, grp in groups:
        for r in grp:  # later lines win for the same (document, source, record)
            pk = (doc_id, r.source, r.record_id)
            prev = src_rows.get(pk)
            src_rows[pk] = {
                "doc_id": doc_id, "source_id": r.source, "source_record_id": r.record_id, "url": r.url,
                "content_hash": r.content_hash,
                "seen_first": min(r.seen, prev["seen_first"]) if prev else r.seen,
                "seen_last": max(r.seen, prev["seen_last"]) if prev else r.seen,
            }
    docs_tbl = pa.table({f.name: pa.array(columns[f.name], f.type) for f in _DOC_SCHEMA}, schema=_DOC_SCHEMA)
    keys_tbl = pa.table(
        {"key": [k for k, _ in key_rows], "doc_id": [d for _, d in key_rows]},
        schema=pa.schema([("key", pa.string()), ("doc_id", pa.string())]),
    )
    srcs_tbl = pa.Table.from_pylist(list(src_rows.values()))
    with registered(con, "_fs_docs", docs_tbl), registered(con, "_fs_keys_new", keys_tbl), \
            registered(con, "_fs_srcs", srcs_tbl):
        params = {"now": now}
        if counts["replace"]:
            con.execute(query("ingest_keep_history"), params)
        if counts["replace"] or counts["fill"]:
            con.execute(query("ingest_merge_macros"))
            con.execute(query("ingest_new_values"), params)
            scalars, lists = con.execute(
                "SELECT count(*) FILTER (WHERE scalars_change), count(*) FILTER (WHERE lists_change) FROM _fs_new"
            ).fetchall()[0]
            if scalars:
                con.execute(query("ingest_update_scalars"))
            if lists:
                con.execute(query("ingest_update_lists"))
            con.execute("DROP TABLE _fs_new")
        if counts["insert"]:
            con.execute(query("ingest_insert_merged_documents"), params)
        con.execute(query("ingest_insert_new_keys"))
        con.execute(query("ingest_upsert_document_sources"))
    report.docs_new += counts["insert"]
    report.docs_updated += counts["replace"]
    report.docs_unchanged += counts["fill"]
    report.rows_loaded += len(rows)


def _record_sources(con: duckdb.DuckDBPyConnection, sources: dict[str, str], now: dt.datetime) -> None:
    if not sources:
        return
    with registered(con, "_fs_sources", pa.table({"source_id": list(sources), "kind": list(sources.values())})):
        con.execute(query("ingest_record_sources"), {"now": now})
        con.execute(query("ingest_count_source_documents"))


def _record_rejects(
    con: duckdb.DuckDBPyConnection, sha: str, path: str, rejects: list[tuple[int, str, str]], now: dt.datetime
) -> None:
    if not rejects:
        return
    tbl = pa.table(
        {
            "file_sha256": [sha] * len(rejects),
            "path": [path] * len(rejects),
            "line": [r[0] for r in rejects],
            "reason": [r[1] for r in rejects],
            "raw": [r[2] for r in rejects],
        }
    )
    with registered(con, "_fs_rejects", tbl):
        con.execute(query("ingest_record_rejects"), {"now": now})


def already_loaded(con: duckdb.DuckDBPyConnection, sha: str) -> tuple[str, dt.datetime] | None:
    """(path, loaded_at) when a file with these bytes was loaded before."""
    row = fetch_one(con, query("ingest_already_loaded"), [sha])
    return (row[0], row[1]) if row else None


@contextlib.contextmanager
def _bulk_settings(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Settings for the length of one load, restored after it.

    * no progress bar: a long commit would otherwise draw one into the CLI's output;
    * no optimistic writes: DuckDB would otherwise compress and write row groups as they fill, and then again
      at commit as soon as the load rewrites a row it wrote itself (a file's own duplicates across segments).
      Kept in memory, the new rows are compressed once, at commit. The cost is memory until the commit;
    * the commit checkpoints (compresses the new rows into the warehouse file) instead of first copying them,
      uncompressed, into the write-ahead log: with the default thresholds DuckDB writes a large file's rows
      to the log and compresses them all again at the next checkpoint.
    """
    names = (
        "enable_progress_bar", "enable_optimistic_write", "checkpoint_threshold", "auto_checkpoint_skip_wal_threshold",
    )
    before = con.execute("SELECT " + ", ".join(f"current_setting('{n}')::VARCHAR" for n in names)).fetchall()[0]
    con.execute("SET enable_progress_bar = false")
    con.execute("SET enable_optimistic_write = false")
    con.execute("SET checkpoint_threshold = '1MB'")
    con.execute("SET auto_checkpoint_skip_wal_threshold = 1")
    try:
        yield
    finally:
        for name, value in zip(names, before, strict=True):
            con.execute(f"SET {name} = ?", [value])


def _finish(
    con: duckdb.DuckDBPyConnection,
    report: IngestReport,
    rejects: list[tuple[int, str, str]],
    sources: dict[str, str],
    now: dt.datetime,
    started: float,
    progress: Progress | None,
) -> None:
    """What every load ends with, inside its transaction: sources, rejects and the landing_files row."""
    _record_sources(con, sources, now)
    _record_rejects(con, report.file_sha256, report.path, rejects, now)
    report.rows_rejected = len(rejects)
    report.rejects = [(n, why) for n, why, _ in rejects[:MAX_REJECTS_REPORTED]]
    report.seconds = time.perf_counter() - started
    con.execute(
        query("ingest_record_landing_file"),
        [
            report.file_sha256, report.path, report.format, now, report.rows_total, report.rows_loaded,
            report.rows_rejected, report.docs_new, report.docs_updated, report.docs_unchanged, report.seconds,
        ],
    )
    if progress:
        progress("committing", report.rows_total)


def _load(
    con: duckdb.DuckDBPyConnection,
    lines: Iterable[bytes],
    report: IngestReport,
    *,
    chunk_size: int,
    progress: Progress | None,
    workers: int = 1,
) -> None:
    """The Python path: every row through LandingRecord (and, for corpora, their adapters)."""
    now = dt.datetime.now().replace(microsecond=0)
    started = time.perf_counter()
    rejects: list[tuple[int, str, str]] = []
    sources: dict[str, str] = {}
    with _bulk_settings(con), transaction(con):
        segments = _Segments(con, now, report)
        if workers > 1:
            chunks = _parallel_chunks(lines, report.format, now, report, rejects, chunk_size, workers)
        else:
            chunks = _chunks(_parse_lines(lines, report.format, now, report, rejects), chunk_size)
        for chunk in chunks:
            if chunk.num_rows:
                pairs = chunk.select(["source", "kind"]).group_by(["source", "kind"], use_threads=False).aggregate([])
                for pair in pairs.to_pylist():  # in order of first appearance: a new source takes its first kind
                    sources.setdefault(pair["source"], pair["kind"])
            segments.add(chunk)
            if progress:
                progress("rows", report.rows_total)
        segments.finish()
        report.rows_python = report.rows_total
        _finish(con, report, rejects, sources, now, started, progress)


def _load_sql(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    report: IngestReport,
    *,
    block_bytes: int,
    max_lines: int | None,
    progress: Progress | None,
) -> None:
    """The set-based path for landing files (see warehouse.ingest_sql): SQL judges and prepares the rows in
    background threads, the Python path takes the lines SQL leaves, and the prepared rows are written a segment
    at a time (`_Segments`)."""
    now = dt.datetime.now().replace(microsecond=0)
    started = time.perf_counter()
    rejects: list[tuple[int, str, str]] = []
    sources: dict[str, str] = {}
    report.engine = "sql"
    phases = report.phase_seconds
    with _bulk_settings(con), transaction(con):
        segments = _Segments(con, now, report)
        blocks = ingest_sql.staged_blocks(path, now, block_bytes=block_bytes, max_lines=max_lines)
        while True:
            mark = time.perf_counter()
            staged = next(blocks, None)
            phases["waiting for judged blocks"] = phases.get("waiting for judged blocks", 0.0) + time.perf_counter() - mark
            if staged is None:
                break
            mark = time.perf_counter()
            report.rows_total += staged.rows_judged
            rejects.extend(staged.rejects)
            chunk = staged.table.select(_ROW_SCHEMA.names).cast(_ROW_SCHEMA)
            if staged.python_lines:
                before = report.rows_total
                rows = list(_parse_numbered(staged.python_lines, report.format, now, report, rejects))
                report.rows_python += report.rows_total - before
                if rows:
                    chunk = pa.concat_tables([chunk, _rows_to_table(rows)])
            if chunk.num_rows:
                pairs = chunk.select(["line", "source", "kind"]).sort_by("line").select(["source", "kind"])
                for pair in pairs.group_by(["source", "kind"], use_threads=False).aggregate([]).to_pylist():
                    sources.setdefault(pair["source"], pair["kind"])
            segments.add(chunk)
            phases["writing"] = phases.get("writing", 0.0) + time.perf_counter() - mark
            if progress:
                progress("rows", report.rows_total)
        segments.finish(phases)
        rejects.sort(key=lambda r: r[0])
        _finish(con, report, rejects, sources, now, started, progress)
        mark = time.perf_counter()
    phases["commit"] = time.perf_counter() - mark


ENGINES = ("auto", "sql", "python")


def ingest_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    *,
    fmt: str = "auto",
    force: bool = False,
    chunk_size: int | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
    engine: str = "auto",
    block_bytes: int = ingest_sql.BLOCK_BYTES,
) -> IngestReport:
    """Load one landing file or corpus file (JSON Lines, optionally .gz) in one transaction.

    `fmt` is 'auto' (a known corpus by file name, else the landing format), 'landing', or a corpus
    name from :data:`warehouse.corpora.ADAPTERS`. A file whose bytes were loaded before is skipped
    unless `force` is set (and even then the upserts change nothing but last-seen times).

    `engine` 'auto' validates landing files set-based in DuckDB (`warehouse.ingest_sql`, blocks of about
    `block_bytes`, at most `chunk_size` lines each when given) and corpora row by row in Python ('python':
    chunks of `chunk_size` rows, default 20,000; `workers` processes validate in parallel, default all cores
    for files over 20 MB). Both give the same documents, keys, sources and rejects.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such landing file: {path}")
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    chosen = format_for(path) if fmt == "auto" else fmt
    if chosen != "landing" and chosen not in ADAPTERS:
        raise ValueError(f"unknown format {chosen!r}; choose 'landing' or one of: {', '.join(sorted(ADAPTERS))}")
    if engine == "sql" and chosen != "landing":
        raise ValueError(f"the sql engine reads landing files only, not {chosen!r} corpus rows")
    report = IngestReport(path=str(path), format=chosen, file_sha256=_file_sha256(path))
    if not force and already_loaded(con, report.file_sha256):
        report.skipped = True
        return report
    if chosen == "landing" and engine != "python":
        _load_sql(con, path, report, block_bytes=block_bytes, max_lines=chunk_size, progress=progress)
        return report
    if workers is None:
        import os

        big = path.stat().st_size > (5 if path.suffix == ".gz" else 20) * 1_000_000
        workers = min(os.cpu_count() or 1, 4) if big else 1
    _load(con, _open_lines(path), report, chunk_size=chunk_size or 20_000, progress=progress, workers=workers)
    return report


def ingest_records(
    con: duckdb.DuckDBPyConnection,
    records: Iterable[dict[str, Any] | LandingRecord],
    *,
    origin: str = "records",
    chunk_size: int = 50_000,
) -> IngestReport:
    """Load in-memory landing records (tests, adapters) through exactly the same path as a file."""
    payload = [
        (r.model_dump_json() if isinstance(r, LandingRecord) else json.dumps(r, ensure_ascii=False, default=str))
        for r in records
    ]
    data = "\n".join(payload).encode()
    report = IngestReport(path=f"<{origin}>", format="landing", file_sha256=hashlib.sha256(data).hexdigest())
    _load(con, data.splitlines(), report, chunk_size=chunk_size, progress=None)
    return report


def ingest_paths(
    con: duckdb.DuckDBPyConnection,
    paths: Sequence[Path],
    *,
    fmt: str = "auto",
    force: bool = False,
    progress: Progress | None = None,
) -> list[IngestReport]:
    """Load several files, each in its own transaction, in the order given."""
    return [ingest_file(con, Path(p), fmt=fmt, force=force, progress=progress) for p in paths]
