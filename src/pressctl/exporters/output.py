"""The export folder: where it may be, and the incremental writer with its manifest.

The manifest (`.pressctl-manifest.json` in the export folder) lists every file that
pressctl wrote there, with a hash of its bytes, its size and mtime, and a fingerprint
of what the file was made from. A file is rewritten only when its bytes change, so a
re-export of unchanged input leaves every mtime alone; files of the previous export
that are no longer produced are removed, with the folders this leaves empty; any
other file in the folder is never touched.

An existing file is replaced by rename, so a reader never sees half a page; the
folders where that happened are fsynced once at the end, then the manifest is written
atomically. New files are not fsynced one by one: after a crash the next export finds
any file whose size or mtime differs from the manifest and writes it again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pressctl.errors import Refused, UsageError, display_path, naming
from pressctl.store import ARTICLES, STATE, TEMPORARY, TMP_SUFFIX, Newsroom, atomic_file, fsync_dir

MANIFEST = ".pressctl-manifest.json"
MANIFEST_FORMAT = "pressctl-manifest/1"
TEMPLATES = "templates"


# -- where an export may go ----------------------------------------------------------


def check_folder(newsroom: Newsroom, out: Path) -> Path:
    """The resolved export folder; refuses `/`, the newsroom root, `articles/` and their parents.

    Also refused: a folder inside `articles/`, `templates/` or `.pressctl/`, and a path
    that is an existing file.
    """
    target = out.expanduser().resolve()
    root = newsroom.root.resolve()
    protected = {
        root: "the newsroom folder itself",
        (root / ARTICLES).resolve(): "the articles folder",
    }
    hint = (f"export into a folder of its own, like {display_path(root / 'public')} "
            "(the default, set by [export] out in pressctl.toml)")
    if target == Path(target.anchor):
        raise Refused(f"refusing to export into {target}: it is the root of the file system",
                      hint=hint)
    for folder, what in protected.items():
        if target == folder:
            raise Refused(f"refusing to export into {display_path(out)}: it is {what}", hint=hint)
        if _inside(folder, target):
            raise Refused(f"refusing to export into {display_path(out)}: it contains {what}",
                          hint=hint)
    for name in (ARTICLES, TEMPLATES, STATE):
        folder = (root / name).resolve()
        if _inside(target, folder) or target == folder:
            raise Refused(f"refusing to export into {display_path(out)}: it is inside "
                          f"{display_path(root / name)}/", hint=hint)
    if target.exists() and not target.is_dir():
        raise UsageError(f"--out {display_path(out)} is a file; the html export needs a folder")
    return target


def check_file(newsroom: Newsroom, out: Path) -> Path:
    """The resolved path of a json/jsonl export file; never a record, the settings or a folder."""
    target = out.expanduser().resolve()
    root = newsroom.root.resolve()
    if target.is_dir():
        raise UsageError(f"--out {display_path(out)} is a folder; give a file name like export.json")
    for name in (ARTICLES, TEMPLATES, STATE):
        folder = (root / name).resolve()
        if _inside(target, folder):
            raise Refused(f"refusing to write {display_path(out)}: it is inside "
                          f"{display_path(root / name)}/",
                          hint="write the export outside articles/, templates/ and .pressctl/")
    if target == (root / "pressctl.toml").resolve():
        raise Refused(f"refusing to overwrite the settings file {display_path(out)}")
    return target


def _inside(child: Path, parent: Path) -> bool:
    """True when CHILD lies strictly below PARENT."""
    return child != parent and parent in child.parents


# -- the manifest ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Written:
    """What the manifest knows of one file: hash, size, mtime and what it was made from."""

    digest: str
    size: int
    mtime_ns: int
    fingerprint: str | None = None

    def as_list(self) -> list[object]:
        """The compact JSON form."""
        return [self.digest, self.size, self.mtime_ns, self.fingerprint]


@dataclass
class Manifest:
    """The files of the previous export and what the run that wrote them saw."""

    files: dict[str, Written]
    inputs: str | None = None  # digest of what the export was made from (None: do not trust)
    valid_until: str | None = None  # when a scheduled article comes due or one expires
    watch: list[str] = field(default_factory=list)  # media files, relative to the newsroom
    articles: int = 0  # how many articles the export had

    @classmethod
    def parse(cls, data: bytes | None) -> Manifest:
        """A manifest from its bytes; missing or damaged is an empty manifest."""
        if data is None:
            return cls({})
        try:
            raw = json.loads(data)
        except ValueError:
            return cls({})
        if not isinstance(raw, dict) or raw.get("format") != MANIFEST_FORMAT:
            return cls({})
        files: dict[str, Written] = {}
        entries = raw.get("files")
        if isinstance(entries, dict):
            for rel, value in entries.items():
                written = _revive(rel, value)
                if written is not None:
                    files[rel] = written
        inputs, until, watch = raw.get("inputs"), raw.get("valid_until"), raw.get("watch")
        articles = raw.get("articles")
        return cls(files, inputs if isinstance(inputs, str) else None,
                   until if isinstance(until, str) else None,
                   [w for w in watch if isinstance(w, str)] if isinstance(watch, list) else [],
                   articles if isinstance(articles, int) else 0)

    def chunks(self) -> Iterator[bytes]:
        """The manifest's bytes, piece by piece: sorted, so the same export gives the same file."""
        head = {
            "format": MANIFEST_FORMAT,
            "inputs": self.inputs,
            "valid_until": self.valid_until,
            "watch": self.watch,
            "articles": self.articles,
        }
        yield json.dumps(head, ensure_ascii=False, separators=(",", ":"))[:-1].encode() + b',"files":{'
        names = sorted(self.files)
        for i in range(0, len(names), 2000):
            part = {rel: self.files[rel].as_list() for rel in names[i:i + 2000]}
            text = json.dumps(part, ensure_ascii=False, separators=(",", ":"))[1:-1]
            yield (("," if i else "") + text).encode()
        yield b"}}\n"

    def dumps(self) -> bytes:
        """The manifest's bytes."""
        return b"".join(self.chunks())


def _revive(rel: str, value: object) -> Written | None:
    """A manifest entry, or None when its path or fields are not ones pressctl writes."""
    if not safe_relpath(rel) or not isinstance(value, list) or len(value) != 4:
        return None
    digest, size, mtime, fingerprint = value
    if not (isinstance(digest, str) and isinstance(size, int) and isinstance(mtime, int)
            and (fingerprint is None or isinstance(fingerprint, str))):
        return None
    return Written(digest, size, mtime, fingerprint)


def safe_relpath(rel: str) -> bool:
    """True for a plain relative path below the export folder: no `..`, no absolute path."""
    if not rel or rel[0] == "/" or "\\" in rel or "\x00" in rel or rel == MANIFEST:
        return False
    return all(part not in ("", ".", "..") for part in rel.split("/"))


def digest_of(data: bytes | bytearray) -> str:
    """The hash the manifest records (128 bits of BLAKE2b)."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


# -- writing ---------------------------------------------------------------------------


class Folder:
    """Writes files below the export folder, never through a symlink and only when bytes change.

    Used in the main process and in workers alike: it holds no state but a cache of
    the folders it has checked.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._prefix = f"{root}/"
        self._checked: set[str] = set()
        self._created: set[str] = set()

    def unchanged(self, rel: str, before: Written | None) -> bool:
        """True when the file at REL is still exactly what BEFORE records (size and mtime)."""
        if before is None:
            return False
        try:
            st = os.lstat(self._prefix + rel)
        except OSError:
            return False
        return (stat.S_ISREG(st.st_mode) and st.st_size == before.size
                and st.st_mtime_ns == before.mtime_ns)

    def write(self, rel: str, data: bytes | bytearray, before: Written | None,
              fingerprint: str | None = None) -> tuple[Written, bool]:
        """Put DATA at REL unless the file already holds it; returns its entry and whether it was written."""
        digest = digest_of(data)
        if before is not None and before.digest == digest and self.unchanged(rel, before):
            return Written(digest, before.size, before.mtime_ns, fingerprint), False
        path = self._prefix + rel
        st = None
        if not self._ensure_parent(rel):  # a folder made just now holds no file to compare
            with contextlib.suppress(FileNotFoundError):
                st = os.lstat(path)
        if st is not None and stat.S_ISREG(st.st_mode) and st.st_size == len(data):
            with contextlib.suppress(OSError), open(path, "rb") as fh:
                if fh.read(len(data) + 1) == data:
                    return Written(digest, st.st_size, st.st_mtime_ns, fingerprint), False
        if st is not None and stat.S_ISDIR(st.st_mode):
            raise Refused(f"cannot write {display_path(path)}: a folder of that name is in the way",
                          hint="remove or rename that folder, then export again")
        name = rel.rpartition("/")[2]
        tmp = f"{path[:len(path) - len(name)]}.{name}.{os.getpid()}.{secrets.token_hex(4)}{TMP_SUFFIX}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            with naming(path):
                size, mtime = _write_fd(fd, data)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        return Written(digest, size, mtime, fingerprint), True

    def copy(self, rel: str, source: Path, before: Written | None,
             fingerprint: str) -> tuple[Written, bool]:
        """Copy the file SOURCE to REL, unless the copy there is already the one BEFORE records."""
        if before is not None and before.fingerprint == fingerprint and self.unchanged(rel, before):
            return before, False
        return self.write(rel, source.read_bytes(), before, fingerprint)

    def _ensure_parent(self, rel: str) -> bool:
        """Create the folders above REL, refusing to go through a symlink.

        True when the folder right above REL was created by this process.
        """
        parent = rel.rpartition("/")[0]
        if not parent:
            return False
        if parent in self._checked:
            return parent in self._created
        so_far = ""
        for part in parent.split("/"):
            so_far = f"{so_far}/{part}" if so_far else part
            if so_far in self._checked:
                continue
            current = self._prefix + so_far
            try:
                os.mkdir(current)
                self._created.add(so_far)
            except FileExistsError:
                st = os.lstat(current)
                if stat.S_ISLNK(st.st_mode):
                    raise Refused(f"refusing to write through the symbolic link {display_path(current)}",
                                  hint="pressctl writes only inside the export folder; remove the link"
                                  ) from None
                if not stat.S_ISDIR(st.st_mode):
                    raise Refused(f"cannot write below {display_path(current)}: it is a file, not a "
                                  "folder", hint="remove or rename that file, then export again") from None
            self._checked.add(so_far)
        return parent in self._created


def _write_fd(fd: int, data: bytes | bytearray) -> tuple[int, int]:
    """Write DATA to the open file FD and close it; its size and mtime."""
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        st = os.fstat(fd)
    finally:
        os.close(fd)
    return st.st_size, st.st_mtime_ns


def remove_stale(root: Path, stale: Iterable[str]) -> int:
    """Remove the files pressctl wrote before but no longer produces, and folders left empty."""
    removed = 0
    folders: set[Path] = set()
    for rel in stale:
        path = root / rel
        try:
            st = os.lstat(path)
        except OSError:
            continue
        if not stat.S_ISREG(st.st_mode) or not _below_without_links(root, path.parent):
            continue  # replaced by something else since: not ours to remove
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
            removed += 1
        folders.add(path.parent)
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        _remove_empty(root, folder)
    return removed


def _below_without_links(root: Path, folder: Path) -> bool:
    current = folder
    while current != root:
        if current.is_symlink() or root not in current.parents:
            return False
        current = current.parent
    return True


def _remove_empty(root: Path, folder: Path) -> None:
    current = folder
    while current != root and root in current.parents:
        try:
            os.rmdir(current)
        except OSError:
            return  # not empty (or not ours): stop here
        current = current.parent


def finish(root: Path, manifest: Manifest, previous: str | None, replaced: set[str]) -> str:
    """Make replacements durable (one fsync per folder), then save the manifest if it changed.

    PREVIOUS is the digest of the manifest's bytes as the export found them; the digest
    of the manifest as it is now is returned. New files
    are not synced one by one: should a crash lose one, its size or mtime no longer
    matches the manifest, and the next export writes it again.
    """
    for folder in sorted(replaced):
        fsync_dir(root / folder if folder else root)
    h = hashlib.blake2b(digest_size=16)
    with atomic_file(root / MANIFEST) as out:
        for chunk in manifest.chunks():  # written as made: 100,000 entries never in one string
            h.update(chunk)
            out.write(chunk)
        if h.hexdigest() == previous:
            out.discard()
    return h.hexdigest()


def running_marker(state_dir: Path | None, root: Path) -> Path | None:
    """The file that says an export into ROOT is running (in `.pressctl/`, not in the site)."""
    if state_dir is None:
        return None
    name = hashlib.blake2b(str(root).encode("utf-8"), digest_size=8).hexdigest()
    return state_dir / f"export-{name}.running"


def begin(marker: Path | None) -> bool:
    """Mark an export as running; True when the marker of one that died is there.

    Without a state folder to keep the marker in, every export cleans up after itself.
    """
    if marker is None:
        return True
    if marker.is_file():
        return True
    with contextlib.suppress(OSError):
        marker.touch()
    return False


def end(marker: Path | None) -> None:
    """The export finished: remove the marker."""
    if marker is not None:
        with contextlib.suppress(FileNotFoundError):
            marker.unlink()


def interrupted(marker: Path | None) -> bool:
    """True when an export died before it finished (or nothing can tell)."""
    return marker is None or marker.is_file()


def clean_temporary(root: Path, folders: Iterable[str]) -> int:
    """Remove the temporary files an export killed mid-write left in FOLDERS (and ROOT)."""
    removed = 0
    for folder in sorted({"", *folders}):
        path = root / folder if folder else root
        try:
            entries = list(os.scandir(path))
        except OSError:
            continue
        for entry in entries:
            if TEMPORARY.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)
                    removed += 1
    return removed


def load_manifest(root: Path) -> tuple[Manifest, str | None]:
    """The export folder's manifest, and the digest of its bytes (None when there is none)."""
    data = read_manifest_bytes(root)
    return Manifest.parse(data), (digest_of(data) if data is not None else None)


def read_manifest_bytes(root: Path) -> bytes | None:
    """The manifest file's bytes, or None."""
    try:
        return (root / MANIFEST).read_bytes()
    except OSError:
        return None


def walk_files(root: Path) -> Iterator[str]:
    """Every regular file below ROOT, as a relative POSIX path (for tests and diagnostics)."""
    for folder, dirs, files in os.walk(root):
        base = Path(folder).relative_to(root).as_posix()
        dirs.sort()
        for name in sorted(files):
            yield name if base == "." else f"{base}/{name}"
