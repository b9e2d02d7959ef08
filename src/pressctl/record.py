"""The article record: `+++` TOML front matter, then a Markdown body.

Reading is byte-exact about the body: a command that changes only metadata writes the
body back unchanged, with the file's own line endings.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import tomllib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from pressctl.dates import whole_minutes
from pressctl.errors import RecordError, naming

DELIMITER = "+++"
MAX_RECORD_BYTES = 5 * 1024 * 1024
# Tables and arrays nested deeper than this are refused: every consumer (the TOML
# writer, JSON, the index cache) recurses, and no article needs more than a few levels.
MAX_DEPTH = 32
BOM = "\ufeff"

# pressctl owns the layout of what it writes: known keys in this order, then
# unknown keys in the order the record had them; TOML puts tables last.
CANONICAL_ORDER = (
    "id",
    "title",
    "slug",
    "status",
    "created",
    "published",
    "updated",
    "expires",
    "authors",
    "summary",
    "category",
    "tags",
    "lang",
    "translation_of",
    "related",
    "aliases",
    "image",
)
IMAGE_ORDER = ("src", "alt", "credit")

_KEY_LINE = re.compile(r"""^\s*(?P<key>[A-Za-z0-9_-]+|"[^"]*"|'[^']*')\s*(?:\.|=)""")
_TABLE_LINE = re.compile(r"""^\s*\[\[?\s*(?P<name>[^\]]+?)\s*\]\]?\s*(?:#.*)?$""")
# A line that is exactly the delimiter (before "\n", "\r\n" or the end of the text).
_CLOSING = re.compile(rf"^{re.escape(DELIMITER)}\r?$", re.MULTILINE)
_TOML_ERROR_POS = re.compile(r"\(at line (\d+), column (\d+)\)")


class Record:
    """One parsed record: its front matter, its body and where each key stands.

    A record read from the index cache has no body in memory; it is read from
    SOURCE the first time it is asked for.
    """

    __slots__ = ("_body", "_front", "_lines", "_loader", "_stored", "body_line", "bom", "meta", "newline",
                 "row", "source", "stamp")
    _LAZY = frozenset({"meta", "_lines", "_front", "newline", "bom", "body_line"})

    def __init__(
        self,
        meta: dict[str, Any],
        body: str | None,
        *,
        newline: str = "\n",
        bom: bool = False,
        lines: dict[str, int] | None = None,
        front: str | None = None,
        body_line: int = 1,
        source: Path | None = None,
    ) -> None:
        self.meta = meta
        self._body = body
        self.newline = newline
        self.bom = bom
        # file line numbers (1-based) of top-level keys and of `table.key` entries
        self._lines = lines
        # the front matter (starting on the file's line 2), until its lines are asked for
        self._front = front if lines is None else None
        self.body_line = body_line
        self.source = source
        # set only on a record whose fields are read later: what makes them, and from what
        self._loader: Callable[[bytes, Path], Record] | None = None
        self._stored = b""
        # set only on a record fresh from the index cache, until its fields are read:
        # its front matter as `list --format json` prints it, and its sort timestamp
        self.row: str | None = None
        self.stamp: float | None = None

    @classmethod
    def deferred(cls, loader: Callable[[bytes, Path], Record], stored: bytes, *, source: Path,
                 row: str | None, stamp: float | None) -> Record:
        """A record whose fields `LOADER(STORED, SOURCE)` supplies the first time one is read.

        The loader and its data are kept apart, rather than in a closure, so that a list of
        10,000 records leaves fewer objects for the cycle collector to walk.
        ROW and STAMP serve an unfiltered `list` without decoding anything; reading
        any field drops them, since the caller may then change the record.
        """
        rec = cls.__new__(cls)
        rec._body = None
        rec.source = source
        rec._loader = loader
        rec._stored = stored
        rec.row = row
        rec.stamp = stamp
        return rec

    def __getattr__(self, name: str) -> Any:
        # only called for a field not set yet: a deferred record loads them all at once
        loader = object.__getattribute__(self, "_loader") if name in Record._LAZY else None
        if loader is None:
            raise AttributeError(name)
        full = loader(self._stored, self.source)
        self._loader = None
        self._stored = b""
        self.row = None
        self.stamp = None
        for field in Record._LAZY:
            setattr(self, field, getattr(full, field))
        return getattr(self, name)

    @property
    def body(self) -> str:
        """The Markdown body, exactly as in the file."""
        if self._body is None:
            if self.source is None:
                return ""
            self._body = load(self.source).body
        return self._body

    @body.setter
    def body(self, value: str) -> None:
        self._body = value

    @property
    def lines(self) -> dict[str, int]:
        """File line numbers (1-based) of top-level keys and `table.key` entries; found in
        the front matter the first time they are asked for (most records never need them)."""
        if self._lines is None:
            self._lines = key_lines(self._front, first_line=2) if self._front is not None else {}
            self._front = None
        return self._lines

    @lines.setter
    def lines(self, value: dict[str, int]) -> None:
        self._lines = value
        self._front = None

    def line_of(self, key: str) -> int | None:
        """The file line where KEY (or `table.key`) is set, else where its table opens."""
        if key in self.lines:
            return self.lines[key]
        head = key.split(".", 1)[0]
        return self.lines.get(head)


def decode(data: bytes, path: Path | str | None = None) -> str:
    """Decode UTF-8, naming the line of the first bad byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise RecordError(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})",
            path=path,
            line=line,
            hint="save the file as UTF-8 in your editor",
            code="PC002",
        ) from None


def parse(text: str, path: Path | str | None = None) -> Record:
    """Parse a record's text; raises RecordError naming the file line of any problem."""
    bom = text.startswith(BOM)
    if bom:
        text = text[1:]
    if not text.strip():
        raise RecordError(
            "the file is empty",
            path=path,
            line=1,
            hint=f"a record starts with a line '{DELIMITER}', TOML front matter, "
            f"a closing '{DELIMITER}' line, then the Markdown body",
            code="PC001",
        )
    first_end = text.find("\n")
    first = text if first_end < 0 else text[:first_end]
    newline = "\r\n" if first.endswith("\r") else "\n"
    if first.rstrip("\r") != DELIMITER:
        raise RecordError(
            f"the first line must be exactly '{DELIMITER}' (front matter), "
            f"found {first.rstrip(chr(13))[:40]!r}",
            path=path,
            line=1,
            hint=f"add a line '{DELIMITER}' before the front matter and another after it",
            code="PC001",
        )
    # the closing delimiter line
    close = _CLOSING.search(text, first_end + 1) if first_end >= 0 else None
    if close is None:
        raise RecordError(
            f"the front matter opened on line 1 is never closed by a '{DELIMITER}' line",
            path=path,
            line=1,
            hint=f"add a line that is exactly '{DELIMITER}' between the front matter and the body",
            code="PC001",
        )
    close_start = close.start()
    line_no = 2 + text.count("\n", first_end + 1, close_start)
    body_pos = close.end() + 1  # past its newline (or the end of the text)
    front = text[first_end + 1 : close_start]
    try:
        meta = tomllib.loads(front)
    except tomllib.TOMLDecodeError as exc:
        raise _toml_error(exc, path) from None
    except RecursionError:  # tomllib recurses once per level of nesting
        raise _too_deep(path, None, None) from None
    for key, value in meta.items():
        if _depth_exceeds(value, MAX_DEPTH - 1):
            lines = key_lines(front, first_line=2)
            opened = [n for k, n in lines.items() if k.split(".", 1)[0] == key]  # `[a.b.c]` too
            raise _too_deep(path, key, min(opened, default=None))
    return Record(
        meta,
        text[body_pos:],
        newline=newline,
        bom=bom,
        front=front,
        body_line=line_no + 1,
        source=Path(path) if path is not None else None,
    )


def _depth_exceeds(value: object, limit: int) -> bool:
    """True when VALUE nests tables or arrays more than LIMIT levels (found without recursion)."""
    if not isinstance(value, dict | list):
        return False
    stack: list[tuple[dict[str, Any] | list[Any], int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        if children and depth >= limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def _too_deep(path: Path | str | None, key: str | None, line: int | None) -> RecordError:
    return RecordError(
        f"front matter is nested more than {MAX_DEPTH} levels deep"
        + (f" under {key!r}" if key else ""),
        path=path,
        line=line,
        hint="flatten those tables and arrays; an article needs only a few levels",
        code="PC001",
    )


def _toml_error(exc: tomllib.TOMLDecodeError, path: Path | str | None) -> RecordError:
    msg = str(exc)
    match = _TOML_ERROR_POS.search(msg)
    line = None
    if match:
        line = int(match.group(1)) + 1  # front matter starts on the file's line 2
        msg = msg[: match.start()].rstrip()
    return RecordError(
        f"front matter is not valid TOML: {msg}",
        path=path,
        line=line,
        hint='check quotes, commas and brackets on that line (strings need "quotes")',
        code="PC001",
    )


def key_lines(front: str, first_line: int = 1) -> dict[str, int]:
    """Map each top-level key, table and `table.key` to its line number."""
    lines: dict[str, int] = {}
    table: str | None = None
    for offset, raw in enumerate(front.splitlines()):
        number = first_line + offset
        m = _TABLE_LINE.match(raw)
        if m and not raw.lstrip().startswith("#"):
            table = m.group("name").strip().strip("\"'")
            lines.setdefault(table, number)
            continue
        m = _KEY_LINE.match(raw)
        if m:
            key = m.group("key").strip("\"'")
            lines.setdefault(f"{table}.{key}" if table else key, number)
    return lines


def read_bytes(path: Path) -> bytes:
    """Read a record's bytes, refusing one larger than the limit without reading it."""
    return read_with_stat(path)[0]


def read_with_stat(path: Path) -> tuple[bytes, os.stat_result]:
    """`read_bytes`, with the status of the file that was read (taken before reading)."""
    # O_NONBLOCK: a FIFO named like a record must not hang us waiting for a writer
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise RecordError(
                "not a regular file (a folder, a pipe or a device); it is ignored",
                path=path,
                hint="articles/ holds one file per article, named <slug>.md",
                code="PC006",
            )
        if st.st_size > MAX_RECORD_BYTES:
            raise RecordError(
                f"the record is {st.st_size / 1024 / 1024:.1f} MB, more than the "
                f"{MAX_RECORD_BYTES // 1024 // 1024} MB limit",
                path=path,
                hint="move large material to articles/media/ and link to it",
                code="PC003",
            )
        with naming(path):
            data = _read_to_end(fd, st.st_size)
    finally:
        os.close(fd)
    if len(data) > MAX_RECORD_BYTES:  # grew while being read
        raise RecordError(
            "the record is larger than the 5 MB limit", path=path, code="PC003"
        )
    return data, st


def _read_to_end(fd: int, size: int) -> bytes:
    """The rest of the file FD of SIZE bytes, or more if it grew (then past the limit at most).

    One read of the expected size and one that finds the end: a buffer sized for the
    limit would cost more than reading a few kilobytes.
    """
    parts: list[bytes] = []
    total = 0
    while total <= MAX_RECORD_BYTES:
        chunk = os.read(fd, size - total + 1 if total <= size else 1 << 16)
        if not chunk:
            break
        parts.append(chunk)
        total += len(chunk)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def load(path: Path) -> Record:
    """Read and parse the record at PATH."""
    return parse(decode(read_bytes(path), path), path)


def content_digest(data: bytes) -> str:
    """A digest of a record file's bytes: what a cache entry was parsed from.

    A copy of the newsroom (a fresh clone in a pipeline, a restored backup) gives every
    file a new mtime and inode; with the same bytes, its cached entries still hold.
    """
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def same_content(path: Path, content: str, key: tuple[int, int, int]) -> bool:
    """True when the file at PATH is still the one KEY (size, mtime, inode) names and has
    the bytes whose digest is CONTENT (a file put in its place since is not taken for it)."""
    try:
        data, st = read_with_stat(path)
    except (RecordError, OSError):
        return False
    return (st.st_size, st.st_mtime_ns, st.st_ino) == key and content_digest(data) == content


def canonical(meta: dict[str, Any]) -> dict[str, Any]:
    """Front matter in canonical key order; unknown keys keep their relative order."""
    out: dict[str, Any] = {}
    for key in CANONICAL_ORDER:
        if key in meta and meta[key] is not None:
            out[key] = meta[key]
    for key, value in meta.items():
        if key not in out and value is not None:
            out[key] = value
    image = out.get("image")
    if isinstance(image, dict):
        ordered = {k: image[k] for k in IMAGE_ORDER if k in image}
        ordered.update({k: v for k, v in image.items() if k not in ordered})
        out["image"] = ordered
    return out


def _whole_minute_offsets(meta: dict[str, Any]) -> dict[str, Any]:
    """TOML offsets are whole minutes, but a zone gives local mean time before about 1900
    (Brussels: +00:17:30): round such an offset, keeping the wall-clock time."""
    return {k: whole_minutes(v) if isinstance(v, datetime) else v for k, v in meta.items()}


def dump(record: Record) -> str:
    """Serialise a record: canonical front matter, the body exactly as it was."""
    import tomli_w

    try:
        front = tomli_w.dumps(_whole_minute_offsets(canonical(record.meta)))
    except (TypeError, ValueError) as exc:  # a value TOML cannot hold
        raise RecordError(f"the front matter cannot be written as TOML: {exc}",
                          path=record.source, code="PC001") from None
    if record.newline != "\n":
        front = front.replace("\n", record.newline)
    nl = record.newline
    return f"{DELIMITER}{nl}{front}{DELIMITER}{nl}{record.body}"

