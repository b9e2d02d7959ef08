"""The SQLite files in `.pressctl/`: caches that are never the source of truth.

Each is opened in WAL mode, so that readers never wait for a writer, and carries its
format in `user_version`: a file of another format has its tables made anew. A file
that is not a database at all (damaged, or something else under that name) can be
replaced, as losing a cache only costs the work of filling it again.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator, Mapping
from pathlib import Path


def connect(file: Path, version: int, tables: Mapping[str, str], *, timeout: float = 30.0,
            synchronous: str | None = "NORMAL") -> sqlite3.Connection:
    """A connection to FILE, whose TABLES (name: column definitions) are made anew unless
    it is of format VERSION. Raises sqlite3.Error (sqlite3.DatabaseError when FILE is not
    a database) or OSError."""
    db = sqlite3.connect(file, timeout=timeout, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        if synchronous is not None:
            db.execute(f"PRAGMA synchronous={synchronous}")
        if db.execute("PRAGMA user_version").fetchone()[0] != version:
            for name in tables:
                db.execute(f"DROP TABLE IF EXISTS {name}")
            for name, columns in tables.items():
                db.execute(f"CREATE TABLE {name} ({columns})")
            db.execute(f"PRAGMA user_version={version}")
    except BaseException:
        db.close()
        raise
    return db


def connect_or_replace(file: Path, version: int, tables: Mapping[str, str], *,
                       synchronous: str | None = "NORMAL") -> sqlite3.Connection:
    """`connect`, after removing FILE (and its WAL) when it is not a database."""
    try:
        return connect(file, version, tables, synchronous=synchronous)
    except sqlite3.DatabaseError as exc:
        if isinstance(exc, sqlite3.OperationalError):
            raise  # busy, or not writable: the file may be fine
        remove(file)
        return connect(file, version, tables, synchronous=synchronous)


@contextlib.contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[None]:
    """One transaction around the block (the connections run in autocommit mode, where each
    statement, and each row of an `executemany`, would otherwise commit on its own)."""
    db.execute("BEGIN")
    try:
        yield
        db.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            if db.in_transaction:
                db.execute("ROLLBACK")
        raise


def remove(file: Path) -> None:
    """Remove the database FILE with its WAL and shared-memory files."""
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(OSError):
            os.unlink(f"{file}{suffix}")
