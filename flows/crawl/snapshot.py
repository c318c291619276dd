"""The shipped snapshot of recorded responses: unpacked once under the cache, served from 127.0.0.1."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import tarfile
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from flows.crawl.plan import CrawlError
from spiders.replay import serve

SNAPSHOT_ARCHIVE = Path(str(resources.files("spiders") / "snapshot" / "futurescan-snapshot.tar.gz"))


def unpack_snapshot(cache_dir: Path, archive: Path = SNAPSHOT_ARCHIVE) -> Path:
    """Unpack the shipped snapshot under the cache (once per archive version); returns its folder.

    Crawls of several sources may start at once (Prefect runs one task per source, in threads and
    processes), so the unpacking is serialised by a file lock and a finished folder is never touched.
    """
    if not archive.exists():
        raise CrawlError(f"no snapshot archive at {archive}")
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()[:12]
    target = cache_dir / "snapshot" / digest
    folder = target / "snapshot"
    if (target / ".complete").exists():
        return folder
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (target / ".complete").exists():  # another crawl unpacked it while we waited
            return folder
        tmp = target.with_name(f".{digest}.{os.getpid()}.tmp")
        if tmp.exists():
            shutil.rmtree(tmp)
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(tmp, filter="data")
        if target.exists():  # a half-unpacked earlier attempt (no .complete marker)
            shutil.rmtree(target)
        os.replace(tmp, target)
        (target / ".complete").write_text(digest)
    return folder


def snapshot_args(folder: Path) -> dict[str, dict[str, str]]:
    """Per-source spider arguments pinned by the snapshot (file arguments made absolute)."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    out: dict[str, dict[str, str]] = {}
    for source, args in manifest["crawls"].items():
        out[source] = {k: str(folder / v) if k.endswith("_file") else str(v) for k, v in args.items()}
    return out


@contextlib.contextmanager
def snapshot_server(
    cache_dir: Path, archive: Path = SNAPSHOT_ARCHIVE
) -> Iterator[tuple[str, dict[str, dict[str, str]]]]:
    """Serve the unpacked snapshot on 127.0.0.1 (a random port) for a block: (base URL, pinned args)."""
    folder = unpack_snapshot(cache_dir, archive)
    with serve(folder) as server:
        yield server.base_url, snapshot_args(folder)
