"""Set-based validation of landing files in DuckDB: the fast path `warehouse.ingest` takes for landing files.

Validating row by row in Python (pydantic, dates, identifiers, hashes) is what limits a load; DuckDB reads and
checks the same lines many times faster (docs/benchmarks.md has the figures). So a landing file is read in
blocks of whole lines (each keeps its line number), and SQL (warehouse/queries/ingest_landing.sql, with
ingest_macros.sql) judges every line:

* rows SQL can prepare exactly as `warehouse.ingest._prepare` would (the common case) are prepared there,
  with the few values SQL cannot compute identically (an odd URL, a non-ASCII paper title, a language to
  detect, extra's formatting) computed by the same Python functions, called only for those values;
* rows that break the contract in a way SQL words exactly as `LandingRecord` does become rejects;
* everything else (bad UTF-8 or JSON, unknown fields, values of unexpected types, dates Python must reject)
  goes through the Python path line by line, so its outcome and reason are the reference's by construction.

`LandingRecord` stays the contract, and the Python path stays beside this one: it reads the corpora and
in-memory records, and takes the lines SQL leaves. tests/warehouse/test_ingest_sql.py loads varied files both
ways and requires identical documents, keys, sources and rejects.
"""

from __future__ import annotations

import collections
import concurrent.futures
import contextlib
import datetime as dt
import functools
import gzip
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import orjson
import pyarrow as pa

from warehouse import identity
from warehouse.db import query, registered
from warehouse.landing import (
    KINDS,
    MAX_LINE_BYTES,
    MAX_LIST_ITEMS,
    MAX_TEXT_CHARS,
    MAX_TITLE_CHARS,
    LandingRecord,
    published_text,
)
from warehouse.language import detect_language

# Whitespace pydantic strips (Rust's char::is_whitespace). Python's str.strip()/split() also strip
# U+001C..U+001F, which JSON can only carry as \u001x escapes: such lines are left to the Python path.
WHITESPACE = "\t\n\x0b\x0c\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"
ASCII_WHITESPACE = " \t\n\r\x0b\x0c"  # what bytes.strip() strips: decides blank lines
FIELDS: tuple[str, ...] = tuple(LandingRecord.model_fields)  # also the order of pydantic's messages
FFFD_MESSAGE = "contains U+FFFD replacement characters (text was decoded with the wrong encoding)"
BLOCK_BYTES = 64 << 20
JUDGE_WORKERS = 2  # blocks judged at once, each on its own connection (see staged_blocks)
_BATCH_ROWS = 8192  # DuckDB scans an Arrow table in parallel by record batch


def _regex_class(chars: str) -> str:
    return "".join({"\t": "\\t", "\n": "\\n", "\r": "\\r", " ": " "}.get(c, f"\\x{{{ord(c):02x}}}") for c in chars)


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _sql_list(items: tuple[str, ...]) -> str:
    return "[" + ", ".join(map(_sql_string, items)) + "]"


def _extra_regex() -> str:
    """A minified JSON object whose values orjson reads back exactly as from the original line (strings, integers
    of at most 18 digits, booleans, null, arrays of strings and nulls), and whose keys pydantic would not strip."""
    ws = _regex_class(WHITESPACE)
    string = r'"(?:[^"\\]|\\.)*"'
    edge = rf'(?:[^"\\{ws}]|\\[^tnrfu])'  # a key's first or last character: no whitespace, nor an escape of one
    key = rf'"(?:{edge}(?:(?:[^"\\]|\\.)*{edge})?)?"'
    value = rf'(?:{string}|-?(?:0|[1-9][0-9]{{0,17}})|true|false|null|\[(?:(?:{string}|null)(?:,(?:{string}|null))*)?\])'
    return rf"\{{(?:{key}:{value}(?:,{key}:{value})*)?\}}"


@functools.cache
def _query(name: str) -> str:
    """A query file with this path's constants filled in (they live in Python, next to the model)."""
    text = query(name)
    if "@PATHS@" in text:  # the query reads the fields by position: t[1] is schema_version ... t[20] is extra
        assert FIELDS[:3] == ("schema_version", "source", "source_record_id") and FIELDS[-1] == "extra", FIELDS
        assert len(FIELDS) == 20, FIELDS
    kind_choices = ", ".join(f"'{k}'" for k in KINDS[:-1]) + f" or '{KINDS[-1]}'"
    ascii_ws = [c for c in WHITESPACE if c.isascii()]
    subs = {
        "@HAS_ASCII_WS(s)@": "(" + " OR ".join(f"contains(s, chr({ord(c)}))" for c in ascii_ws if c != " ") + ")",
        "@TRACKING_RE@": identity._TRACKING.pattern,
        "@EXTRA_RE@": _extra_regex(),
        "@WS_CLASS_NONASCII@": _regex_class("".join(c for c in WHITESPACE if not c.isascii())),
        "@WS@": WHITESPACE.replace("'", "''"),
        "@WS_CLASS@": _regex_class(WHITESPACE),
        "@WS_CLASS_NOSPACE@": _regex_class(WHITESPACE.replace(" ", "")),
        "@ASCII_WS@": ASCII_WHITESPACE,
        "@PATHS@": _sql_list(tuple(f"$.{f}" for f in FIELDS)),
        "@KINDS@": _sql_list(KINDS),
        "@KIND_CHOICES@": kind_choices.replace("'", "''"),
        "@FFFD_MESSAGE@": FFFD_MESSAGE,
        "@MAX_LINE_BYTES@": str(MAX_LINE_BYTES),
        "@MAX_TITLE_CHARS@": str(MAX_TITLE_CHARS),
        "@MAX_TEXT_CHARS@": str(MAX_TEXT_CHARS),
        "@MAX_LIST_ITEMS@": str(MAX_LIST_ITEMS),
    }
    for key, value in subs.items():
        text = text.replace(key, value)
    return text


# --------------------------------------------------------------------------------------------------
# The Python originals, as vectorised DuckDB functions (called only on the rows that need them)


def _published(value: str) -> str | None:
    """published_text, or None where it raises."""
    try:
        return published_text(value)
    except ValueError:
        return None  # the row goes to the Python path, which words the reason


def _map(fn: Callable[[str], str | None]) -> Callable[[pa.Array], pa.Array]:
    """A string function as a vectorised DuckDB function (nulls stay null), called once per distinct value:
    fields such as extra repeat across a file's rows (a venue, a track), and the call is the costly part."""

    def udf(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        encoded = arr.dictionary_encode()
        values = pa.array([fn(v) for v in encoded.dictionary.to_pylist()], pa.string())
        return values.take(encoded.indices)

    return udf


def _extra_json(text: str) -> str:
    """extra as warehouse.ingest._prepare writes it: nulls dropped, keys sorted, orjson's formatting."""
    extra = {k: v for k, v in orjson.loads(text).items() if v is not None}
    return orjson.dumps(extra, default=str, option=orjson.OPT_SORT_KEYS).decode()


_UDFS: dict[str, Callable[[pa.Array], pa.Array]] = {
    "fs_py_published": _map(_published),
    "fs_py_canonical_url": _map(identity.canonical_url),
    "fs_py_title_key": _map(identity.title_key),
    "fs_py_detect_language": _map(detect_language),
    "fs_py_extra_json": _map(_extra_json),
}


def parser_connection(threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """A private in-memory DuckDB with the macros and Python functions the queries use.

    Lines are judged there, not on the warehouse connection: a thread can judge the next block while the
    warehouse writes this one, and no temporary object ever touches the warehouse's transaction.
    """
    con = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    con.execute("SET enable_progress_bar = false")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    con.execute(_query("ingest_macros"))
    for name, fn in _UDFS.items():
        con.create_function(name, fn, ["VARCHAR"], "VARCHAR", type="arrow", null_handling="special", side_effects=False)
    return con


def _close(con: duckdb.DuckDBPyConnection) -> None:
    for name in _UDFS:  # Python functions left registered at exit make nanobind report leaks
        with contextlib.suppress(duckdb.Error):
            con.remove_function(name)
    con.close()


# --------------------------------------------------------------------------------------------------
# Reading whole lines, numbered as Python numbers them


def _block_table(buf: bytes | memoryview, ends: np.ndarray, first_line: int) -> pa.Table:
    """(line, raw) for the lines of `buf` ending at `ends` (exclusive offsets), without copying the bytes."""
    offsets = np.concatenate(([0], ends)).astype(np.int64)
    raw = pa.Array.from_buffers(pa.large_binary(), len(ends), [None, pa.py_buffer(offsets), pa.py_buffer(buf)])
    line = pa.array(np.arange(first_line, first_line + len(ends), dtype=np.int64))
    return pa.Table.from_arrays([line, raw], names=["line", "raw"]).combine_chunks()


def line_blocks(path: Path, block_bytes: int = BLOCK_BYTES, max_lines: int | None = None) -> Iterator[pa.Table]:
    """Blocks of whole lines of a (possibly gzip-compressed) file as Arrow (line, raw) tables.

    A line is what iterating the file in binary mode yields: it ends after each b'\\n' and keeps it, so
    numbers and byte lengths are the Python path's. Blocks hold about `block_bytes` (more for a longer
    line) and at most `max_lines` lines when given.
    """
    opener = gzip.open if path.suffix == ".gz" else open
    line = 1
    rest = b""
    with opener(path, "rb") as fh:
        while True:
            data = fh.read(block_bytes)
            if not data:
                break
            buf = rest + data if rest else data
            ends = np.flatnonzero(np.frombuffer(buf, dtype=np.uint8) == 10) + 1
            if len(ends) == 0:
                rest = buf
                continue
            view = memoryview(buf)
            step = max_lines or len(ends)
            start = 0
            for i in range(0, len(ends), step):
                part = ends[i : i + step]
                yield _block_table(view[start : int(part[-1])], part - start, line)
                line += len(part)
                start = int(part[-1])
            rest = buf[start:]
    if rest:
        yield _block_table(rest, np.array([len(rest)]), line)


def _batched(table: pa.Table) -> pa.Table:
    return pa.Table.from_batches(table.to_batches(max_chunksize=_BATCH_ROWS), schema=table.schema)


@dataclass
class StagedBlock:
    """One block judged by SQL."""

    first_line: int
    last_line: int
    rows_judged: int  # non-blank lines SQL decided (prepared or rejected)
    table: pa.Table  # the prepared rows, in the writer's row layout (warehouse.ingest._ROW_SCHEMA names)
    rejects: list[tuple[int, str, str]]  # (line, reason, first 2,000 characters)
    python_lines: list[tuple[int, bytes]]  # lines for the Python path


def _text_column(raw: pa.Array) -> pa.Array:
    """The lines as UTF-8 text; null where a line is not valid UTF-8 or is over MAX_LINE_BYTES (the Python path
    words those rejects). Arrow validates a whole block at once; only a block with a bad line is checked per line."""
    import pyarrow.compute as pc

    try:
        text = raw.cast(pa.large_string())
    except pa.ArrowInvalid:
        valid = []
        for value in raw.to_pylist():
            try:
                value.decode("utf-8")
                valid.append(True)
            except UnicodeDecodeError:
                valid.append(False)
        raw = pc.if_else(pa.array(valid), raw, pa.scalar(None, raw.type))
        text = raw.cast(pa.large_string())
    too_long = pc.greater(pc.binary_length(raw), MAX_LINE_BYTES)
    if pc.any(too_long).as_py():
        text = pc.if_else(too_long, pa.scalar(None, text.type), text)
    return text


_ROUTE_COLUMNS = ("route", "reason", "raw_head")


def stage_block(con: duckdb.DuckDBPyConnection, block: pa.Table, now: dt.datetime) -> StagedBlock:
    """Judge one block of lines on a `parser_connection` (one query, read straight into Arrow)."""
    import pyarrow.compute as pc

    raw = block.column("raw").combine_chunks()
    lines = block.column("line")
    with registered(con, "_fs_block", _batched(pa.table({"line": lines, "txt": _text_column(raw)}))):
        judged = con.sql(_query("ingest_landing"), params={"now": now}).to_arrow_table()
    route = judged.column("route")
    ok = pc.equal(route, "ok")
    first = lines[0].as_py()
    if pc.all(ok).as_py() is not False:  # every line prepared (or none left): nothing to split off
        rejected, python = judged.slice(0, 0), []
    else:
        rejected = judged.filter(pc.equal(route, "reject")).select(["line", "reason", "raw_head"]).sort_by("line")
        python = sorted(judged.filter(pc.equal(route, "python")).column("line").to_pylist())
        judged = judged.filter(ok)
    return StagedBlock(
        first_line=first,
        last_line=lines[-1].as_py(),
        rows_judged=judged.num_rows + rejected.num_rows,
        table=judged.drop_columns(list(_ROUTE_COLUMNS)),
        rejects=list(zip(*(rejected.column(c).to_pylist() for c in ("line", "reason", "raw_head")), strict=True)),
        python_lines=[(n, raw[n - first].as_py()) for n in python],
    )


def _staged(blocks: Iterator[pa.Table], now: dt.datetime) -> Iterator[StagedBlock]:
    """Judge blocks one after another on one connection, in the caller's thread."""
    con = parser_connection()
    try:
        for block in blocks:
            yield stage_block(con, block, now)
    finally:
        _close(con)


def staged_blocks(
    path: Path,
    now: dt.datetime,
    *,
    block_bytes: int = BLOCK_BYTES,
    max_lines: int | None = None,
    workers: int = JUDGE_WORKERS,
) -> Iterator[StagedBlock]:
    """A file's blocks, judged by `workers` threads (each with its own parser connection), in file order.

    Each block's query has parts that run on one core: binding it, compiling its regular expressions again on
    every DuckDB thread, Arrow conversions, and the Python functions (they hold the GIL). A single connection
    judging one block at a time leaves a core idle for those; two blocks in flight keep both busy. These parts
    cost a fixed amount of CPU per block, hence large blocks (BLOCK_BYTES) rather than small ones. Reading the next block happens here, in the consumer's thread, while the workers judge. An error in a
    worker is raised here; a consumer that stops early interrupts the workers. With `workers` 0 each block is
    judged when the consumer asks for it, in the consumer's thread.
    """
    blocks = line_blocks(path, block_bytes, max_lines)
    if workers <= 0:
        yield from _staged(blocks, now)
        return
    local = threading.local()
    cons: list[duckdb.DuckDBPyConnection] = []
    lock = threading.Lock()

    def judge(block: pa.Table) -> StagedBlock:
        con = getattr(local, "con", None)
        if con is None:
            con = local.con = parser_connection()
            with lock:
                cons.append(con)
        return stage_block(con, block, now)

    pool = concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="futurescan-ingest-judge")
    pending: collections.deque[concurrent.futures.Future[StagedBlock]] = collections.deque()
    finished = False
    try:
        for block in blocks:
            pending.append(pool.submit(judge, block))
            del block
            if len(pending) > workers:  # `workers` blocks being judged while the oldest is handed over
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
        finished = True
    finally:
        for future in pending:
            future.cancel()
        if not finished:
            with lock:
                for con in cons:
                    con.interrupt()
        pool.shutdown(wait=True)
        for con in cons:
            _close(con)
