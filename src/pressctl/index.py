"""A cache of parsed front matter, keyed by file name, size, mtime and inode.

A file of the same size under another mtime or inode (a fresh clone of the newsroom in
a pipeline, a restored copy) is read, and its entry kept when its bytes are the ones
it was parsed from.

It lives in `.pressctl/index.sqlite`, is never the source of truth, and is rebuilt
silently when missing, stale, corrupt or unwritable (a read-only checkout simply
runs without it). Bodies are not cached: a record from the cache reads its body
from the file when asked.

A record served from the cache is decoded only when one of its fields is first read.
Until then it carries the line `list --format json` prints for it and its sort
timestamp, so an unfiltered list of 10,000 articles decodes no front matter at all.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import stat
import sys
import time
from collections.abc import Iterable
from datetime import date, datetime
from datetime import time as dtime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pressctl import cachedb, record
from pressctl.errors import RecordError, Refused
from pressctl.record import Record

if TYPE_CHECKING:
    from pressctl.store import Newsroom

FILE = "index.sqlite"
SCHEMA = 3  # 2: each entry also keeps its list row and sort timestamp; 3: its content digest
# Entries whose mtime is this close to now are not cached: a second write in the same
# timestamp tick with the same size would otherwise go unnoticed.
RACY_NS = 2_000_000_000
# Cold scans of at least this many records are parsed by a pool of worker processes.
POOL_MIN = 1000
POOL_WORKERS = 8

Outcome = Record | RecordError
Key = tuple[int, int, int]
# what the cache keeps of a record: the entry, its `list` JSON row and sort timestamp
Frozen = tuple[bytes, str | None, float | None]


def load_all(
    newsroom: Newsroom, names: Iterable[str], *, bodies: bool = False
) -> list[tuple[Path, Outcome]]:
    """Parse the records of `articles/` named NAMES, using and refreshing the cache where
    it is safe."""
    db = _open(newsroom)
    cached = _read(db) if db is not None else {}
    now = time.time_ns()
    folder = newsroom.articles_dir
    # each file is stat'ed by this plain text path: making it from a Path object costs
    # more than the system call (10,000 records: about 15 ms)
    prefix = os.path.join(folder, "")
    fresh: list[tuple[str, int, int, int, bytes, str | None, float | None, str]] = []
    moved: list[tuple[int, int, str]] = []  # copies known by their bytes: new mtime and inode
    out: list[tuple[Path, Outcome]] = []
    misses: list[tuple[int, Path, Key]] = []  # not in the cache: where they go in OUT
    for name in names:
        path = folder / name
        try:
            st = os.lstat(prefix + name)
            link = stat.S_ISLNK(st.st_mode)
            if link:
                st = os.stat(prefix + name)
        except FileNotFoundError:
            continue  # removed while we looked, or a dangling link: not a record
        except OSError as exc:
            out.append((path, RecordError(f"cannot read: {exc.strerror}", path=path)))
            continue
        if link and not newsroom.contains(path):
            out.append((path, RecordError(
                "the file is a link to a place outside the newsroom; it is ignored",
                path=path, code="PC004",
                hint="replace the link with the article file itself")))
            continue
        key: Key = (st.st_size, st.st_mtime_ns, st.st_ino)
        hit = cached.get(name)
        if hit is not None and not bodies:
            if hit[0] == key:
                out.append((path, _defer(hit[1], path)))
                continue
            if hit[2] and hit[0][0] == key[0] and record.same_content(path, hit[2], key):
                out.append((path, _defer(hit[1], path)))
                if now - key[1] > RACY_NS:  # (one too fresh to trust is compared again)
                    moved.append((key[1], key[2], name))
                continue
        misses.append((len(out), path, key))
        out.append((path, _PENDING))
    parsed = _parse_misses([path for _, path, _ in misses], bodies=bodies)
    for (i, path, key), (outcome, frozen, content) in zip(misses, parsed, strict=True):
        out[i] = (path, outcome)
        if db is not None and now - key[1] > RACY_NS:
            fresh.append((path.name, *key, *(frozen if frozen is not None else _freeze(outcome)),
                          content))
    if db is not None:
        _write(db, fresh, moved, {p.name for p, _ in out})
        db.close()
    return out


_PENDING = RecordError("not parsed yet")


def _parse_misses(paths: list[Path], *, bodies: bool) -> list[tuple[Outcome, Frozen | None, str]]:
    """Parse PATHS, with their cache entry when it was made on the way, and the digest of
    the bytes each was parsed from ("" when it could not be read).

    A large cold scan is parsed on every core (TOML parsing is pure Python): on a
    2-core machine this takes a cold `validate` of 10,000 records from about 3.0 s to
    about 2.3 s. The workers send back the cache entry, which the cache stores as it is.
    """
    workers = min(os.cpu_count() or 1, POOL_WORKERS)
    if len(paths) >= POOL_MIN and workers > 1 and not bodies:
        entries = _parse_in_pool(paths, workers)
        if entries is not None:
            return [(_revive(e[0], path), e, content)
                    for path, (e, content) in zip(paths, entries, strict=True)]
    parsed: list[tuple[Outcome, Frozen | None, str]] = []
    for path in paths:
        outcome, content = _parse_with_content(path)
        parsed.append((outcome, None, content))
    return parsed


def _parse_in_pool(paths: list[Path], workers: int) -> list[tuple[Frozen, str]] | None:
    import multiprocessing
    import signal
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    # fork is cheap and safe here (one thread, the workers only parse); elsewhere the
    # platform's default start method applies
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else None)
    try:
        pool = ProcessPoolExecutor(workers, mp_context=context,
                                   initializer=signal.signal,
                                   initargs=(signal.SIGINT, signal.SIG_IGN))
    except (OSError, ValueError):
        return None
    try:
        chunk = max(64, len(paths) // (workers * 8))
        return list(pool.map(_parse_frozen, paths, chunksize=chunk))
    except (OSError, BrokenProcessPool):
        return None  # no processes to be had: the caller parses here
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _parse_frozen(path: Path) -> tuple[Frozen, str]:
    outcome, content = _parse_with_content(path)
    return _freeze(outcome), content


def _parse(path: Path) -> Outcome:
    return _parse_with_content(path)[0]


def _parse_with_content(path: Path) -> tuple[Outcome, str]:
    """The record at PATH (or why it cannot be read), and the digest of its bytes."""
    try:
        data = record.read_bytes(path)
    except RecordError as exc:
        return exc, ""
    except OSError as exc:
        return RecordError(f"cannot read: {exc.strerror}", path=path), ""
    try:
        return record.parse(record.decode(data, path), path), record.content_digest(data)
    except RecordError as exc:
        return exc, record.content_digest(data)


def _freeze(outcome: Outcome) -> Frozen:
    if isinstance(outcome, RecordError):
        state: tuple[object, ...] = ("error", outcome.message, outcome.line, outcome.code,
                                     outcome.hint)
    elif _holds_tag(outcome.meta):  # could not be told from our own tags: read the file
        state = ("uncached",)
    else:
        state = ("record", outcome.meta, outcome.newline, outcome.bom, outcome.lines,
                 outcome.body_line)
        blob = json.dumps(state, default=_encode, ensure_ascii=False).encode("utf-8")
        return blob, list_row(outcome.meta), _stamp(outcome.meta)
    return json.dumps(state, default=_encode, ensure_ascii=False).encode("utf-8"), None, None


def list_row(meta: dict[str, Any]) -> str:
    """The front matter as `list --format json` prints it (before its `path`)."""
    from pressctl.serialize import json_default

    return json.dumps(record.canonical(meta), ensure_ascii=False, default=json_default)


def _stamp(meta: dict[str, Any]) -> float | None:
    """The sort timestamp (`published`, else `created`) when it does not depend on settings."""
    value = meta.get("published") or meta.get("created")
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.timestamp()
    return None  # no date, or one read in the newsroom's timezone: sorted from the record


def _holds_tag(meta: dict[str, Any]) -> bool:
    """True when a table in META has the key the cache uses to tag dates."""
    stack: list[object] = [meta]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if _TAG in item:
                return True
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


# JSON rather than pickle: a cache file planted in a shared folder must not run code.
_TAG = "\x00t"


def _encode(value: object) -> dict[str, str]:
    if isinstance(value, datetime):
        return {_TAG: "datetime", "v": value.isoformat()}
    if isinstance(value, date):
        return {_TAG: "date", "v": value.isoformat()}
    if isinstance(value, dtime):
        return {_TAG: "time", "v": value.isoformat()}
    raise TypeError(f"cannot cache {type(value).__name__}")


_DECODERS = {"datetime": datetime.fromisoformat, "date": date.fromisoformat,
             "time": dtime.fromisoformat}


def _decode(obj: dict[str, Any]) -> object:
    tag = obj.get(_TAG)
    if tag is not None and len(obj) == 2:
        return _DECODERS[tag](obj["v"])
    return obj


def _defer(entry: tuple[bytes, str | None, float | None], path: Path) -> Outcome:
    """A cached record whose fields are decoded only when first read."""
    blob, row, stamp = entry
    if row is None:  # an error or an uncached entry: decode it now
        return _revive(blob, path)
    return Record.deferred(_load_deferred, blob, source=path, row=row, stamp=stamp)


def _load_deferred(blob: bytes, path: Path) -> Record:
    outcome = _revive(blob, path)
    if isinstance(outcome, RecordError):  # a damaged entry whose file no longer parses
        raise outcome
    return outcome


def _revive(blob: bytes, path: Path) -> Outcome:
    try:
        state = json.loads(blob, object_hook=_decode)
        if state[0] == "uncached":
            return _parse(path)
        if state[0] == "error":
            _, message, line, code, hint = state
            return RecordError(message, path=path, line=line, code=code, hint=hint)
        _, meta, newline, bom, lines, body_line = state
        lines = {k: int(v) for k, v in lines.items()}
    except (ValueError, KeyError, TypeError, IndexError, AttributeError):
        return _parse(path)  # an entry that does not decode (planted or damaged): read the file
    return Record(meta, None, newline=newline, bom=bom, lines=lines, body_line=body_line,
                  source=path)


def _open(newsroom: Newsroom) -> sqlite3.Connection | None:
    file = newsroom.state_dir / FILE
    try:
        newsroom.ensure_state_dir()
        return cachedb.connect(file, SCHEMA, {
            "records": "name TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, ino INTEGER, "
                       "data BLOB, row TEXT, stamp REAL, content TEXT"}, timeout=2.0,
            synchronous=None)
    except Refused:  # `.pressctl` leads outside the newsroom: no cache, and touch nothing
        return None
    except (OSError, sqlite3.Error):
        _discard(file)
        return None


def _read(db: sqlite3.Connection) -> dict[str, tuple[Key, Frozen, str]]:
    try:
        rows = db.execute(
            "SELECT name, size, mtime_ns, ino, data, row, stamp, content FROM records").fetchall()
    except sqlite3.Error:
        return {}
    return {name: ((size, mtime, ino), (data, row, stamp), content or "")
            for name, size, mtime, ino, data, row, stamp, content in rows}


def _write(db: sqlite3.Connection,
           fresh: list[tuple[str, int, int, int, bytes, str | None, float | None, str]],
           moved: list[tuple[int, int, str]], present: set[str]) -> None:
    with contextlib.suppress(sqlite3.Error), cachedb.transaction(db):
        if fresh:
            db.executemany("INSERT OR REPLACE INTO records VALUES (?, ?, ?, ?, ?, ?, ?, ?)", fresh)
        if moved:
            db.executemany("UPDATE records SET mtime_ns = ?, ino = ? WHERE name = ?", moved)
        gone = [(n,) for (n,) in db.execute("SELECT name FROM records") if n not in present]
        if gone:
            db.executemany("DELETE FROM records WHERE name = ?", gone)


def _discard(file: Path) -> None:
    """Remove a cache that cannot be opened, so the next run starts afresh."""
    if file.exists():
        cachedb.remove(file)
