"""The newsroom on disk: discovery, loading every record, the lock and the one write path."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import gc
import os
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from pressctl import record, settings
from pressctl.article import Article, is_slug
from pressctl.errors import RecordError, Refused, UsageError, display_path, naming
from pressctl.problems import Problem, error
from pressctl.record import Record

ARTICLES = "articles"
STATE = ".pressctl"
LOCK = "lock"
TMP_SUFFIX = ".tmp"
TEMPORARY = re.compile(r"\.(.+)\.[0-9]+\.[0-9a-f]{8}\.tmp")  # .NAME.PID.RANDOM.tmp
ENV_ROOT = "PRESSCTL_ROOT"


def find_root(explicit: Path | None = None, start: Path | None = None) -> Path:
    """The newsroom root: --root, else $PRESSCTL_ROOT, else the nearest marked parent."""
    if explicit is None and os.environ.get(ENV_ROOT):
        explicit = Path(os.environ[ENV_ROOT])
    if explicit is not None:
        root = explicit.expanduser().resolve()
        if not root.is_dir():
            raise UsageError(f"newsroom folder {explicit} does not exist",
                             hint="create one with: pressctl init DIR")
        return root
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / settings.SETTINGS_FILE).is_file() or (folder / ARTICLES).is_dir():
            return folder
    raise UsageError(
        f"no newsroom here: neither {here} nor a parent folder holds "
        f"{settings.SETTINGS_FILE} or an {ARTICLES}/ folder",
        hint="create one with: pressctl init  (or pass --root DIR, or set PRESSCTL_ROOT)",
    )


@dataclass
class Scan:
    """Every record of the newsroom that could be read, and the problems of the others."""

    articles: list[Article] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def by_slug(self) -> dict[str, Article]:
        """The articles keyed by slug."""
        return {a.slug: a for a in self.articles}


def is_record_name(name: str) -> bool:
    """True for the file name of a record in `articles/`: `*.md`, not hidden (a leftover
    temporary file starts with a dot)."""
    return name.endswith(".md") and not name.startswith(".")


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Keep the cycle collector out of a block that reads every record.

    Reading builds a dozen objects for each record and frees next to none: the collector
    would walk them all again and again, for nothing to collect (10,000 records: about
    40 ms of a 0.45 s `list`). It runs again, as it was, when the block ends.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


class Newsroom:
    """A newsroom folder and its settings."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.settings, self.settings_problems = settings.load(root)
        self.articles_dir = root / ARTICLES
        self.state_dir = root / STATE

    @classmethod
    def discover(cls, explicit: Path | None = None) -> Newsroom:
        """Find the newsroom as git finds a repository."""
        return cls(find_root(explicit))

    # -- reading ---------------------------------------------------------------

    def path_for(self, slug: str) -> Path:
        """The file of SLUG; a malformed slug is a usage error."""
        if not is_slug(slug):
            raise UsageError(
                f"{slug!r} is not a valid slug",
                hint="slugs use lowercase letters a-z, digits and single hyphens, "
                "at most 80 characters, like 'city-council-votes-budget'",
            )
        return self.articles_dir / f"{slug}.md"

    def article(self, rec: Record, path: Path) -> Article:
        """Wrap a record as an article of this newsroom."""
        return Article(path, rec, tz=self.settings.tzinfo, default_lang=self.settings.lang)

    def get(self, slug: str) -> Article:
        """Load one article; an unknown slug is a usage error, a broken one a RecordError."""
        path = self.path_for(slug)
        if path.is_symlink() and not self.contains(path):  # as scan() does: never read it
            raise RecordError("the file is a link to a place outside the newsroom; it is ignored",
                              path=path, code="PC004",
                              hint="replace the link with the article file itself")
        try:
            return self.article(record.load(path), path)
        except FileNotFoundError:
            raise UsageError(
                f"no article {slug!r} (looked for {display_path(path)})",
                hint="list the slugs with: pressctl list --format slugs",
            ) from None
        except OSError as exc:
            raise RecordError(f"cannot read: {exc.strerror}", path=path) from None

    def exists(self, slug: str) -> bool:
        """True when an article file for SLUG exists."""
        return self.path_for(slug).exists()

    def record_names(self) -> list[str]:
        """The file names of every `*.md` record in `articles/`, sorted, leftover temporary
        files ignored."""
        try:
            names = os.listdir(self.articles_dir)
        except FileNotFoundError:
            return []
        return [n for n in sorted(names) if is_record_name(n)]

    def scan(self, *, bodies: bool = False) -> Scan:
        """Load every record; broken ones become problems and never stop the others."""
        from pressctl import index

        result = Scan()
        with collector_paused():
            loaded = index.load_all(self, self.record_names(), bodies=bodies)
            for path, outcome in loaded:
                if isinstance(outcome, RecordError):
                    message = f"{outcome.message}; {outcome.hint}" if outcome.hint else outcome.message
                    result.problems.append(error(path, outcome.code, message, line=outcome.line))
                else:
                    result.articles.append(self.article(outcome, path))
        return result

    def contains(self, path: Path) -> bool:
        """True when PATH, with symlinks resolved, lies inside the newsroom."""
        try:
            path.resolve().relative_to(self.root.resolve())
        except ValueError:
            return False
        return True

    # -- writing ---------------------------------------------------------------

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the newsroom's write lock; a second writer waits. Dies with the process."""
        self.ensure_state_dir()
        fd = os.open(self.state_dir / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            self._clean_leftovers()
            yield
        finally:
            os.close(fd)  # closing releases the flock

    def ensure_state_dir(self) -> Path:
        """Create `.pressctl/` (ignored by git from the inside) and return it."""
        if not self.contains(self.state_dir):  # a link planted to make us write elsewhere
            raise Refused(
                "is a link to a place outside the newsroom; pressctl writes nothing there",
                path=self.state_dir,
                hint=f"delete the link (rm {STATE}): it holds only caches and the lock, "
                "and pressctl makes a new folder",
            )
        self.state_dir.mkdir(exist_ok=True)
        marker = self.state_dir / ".gitignore"
        if not marker.exists():
            with contextlib.suppress(OSError):
                marker.write_text("*\n", encoding="utf-8")
        return self.state_dir

    def _clean_leftovers(self) -> None:
        """Remove temporary files a killed writer left behind (we hold the lock)."""
        with contextlib.suppress(FileNotFoundError):
            for entry in os.scandir(self.articles_dir):
                if entry.name.startswith(".") and entry.name.endswith(TMP_SUFFIX):
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(entry.path)

    def save(self, article: Article, *, create: bool = False) -> None:
        """Write an article atomically; with CREATE, never replace an existing file.

        The text is read back before it is written: a record pressctl could not read
        again is refused and the file on disk stays as it was.
        """
        text = record.dump(article.record)
        if record.dump(record.parse(text, article.path)) != text:
            raise RecordError("the rewritten front matter would not read back the same; "
                              "nothing was written", path=article.path,
                              hint="please report this with the record attached")
        write_atomic(article.path, text.encode("utf-8"), exclusive=create)


class AtomicFile:
    """The open temporary file of `atomic_file`; `discard()` leaves the target as it was."""

    def __init__(self, fh: BinaryIO, path: Path) -> None:
        self.fh = fh
        self.path = path
        self.discarded = False

    def write(self, data: bytes) -> None:
        """Append DATA."""
        with naming(self.path):
            self.fh.write(data)

    def discard(self) -> None:
        """Throw the new content away when the block ends (nothing is replaced)."""
        self.discarded = True


@contextlib.contextmanager
def atomic_file(path: Path, *, exclusive: bool = False) -> Iterator[AtomicFile]:
    """Write PATH through a temporary file in the same folder: fsync, rename, fsync the folder.

    A crash at any moment leaves PATH old or new, never cut. With EXCLUSIVE the file must
    not exist yet (FileExistsError otherwise, even in a race). An existing file's mode is kept.
    """
    folder = path.parent
    tmp = folder / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}{TMP_SUFFIX}"
    mode = 0o644
    with contextlib.suppress(FileNotFoundError):
        mode = path.lstat().st_mode & 0o777 if not path.is_symlink() else mode
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            handle = AtomicFile(fh, path)
            yield handle
            if not handle.discarded:
                with naming(path):
                    fh.flush()
                    os.fsync(fh.fileno())
        if handle.discarded:
            os.unlink(tmp)
            return
        if exclusive:
            os.link(tmp, path)  # fails if PATH exists: no overwrite, even in a race
            os.unlink(tmp)
        else:
            os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    fsync_dir(folder)


def intended(path: str | Path) -> Path:
    """The file that the temporary file PATH was to become (PATH itself for any other file)."""
    path = Path(path)
    final = TEMPORARY.fullmatch(path.name)
    return path.with_name(final[1]) if final else path


_OS_HINTS = {
    errno.ENOSPC: "free some space on that disk, then run the command again",
    errno.EDQUOT: "free some space (your disk quota is used up), then run the command again",
    errno.EACCES: "check the permissions there",
    errno.EPERM: "check the permissions there",
    errno.EROFS: "that disk is mounted read-only",
    errno.ENOTDIR: "a file stands where a folder is needed: move it away",
    errno.EISDIR: "a folder stands where a file is needed: move it away",
}


def os_error(exc: OSError) -> Refused:
    """The file system's refusal EXC as users see it: the file (not a temporary one), what
    went wrong and, where it helps, what to do."""
    name = os.fsdecode(exc.filename) if isinstance(exc.filename, str | bytes | os.PathLike) else None
    message = exc.strerror or str(exc)
    if name:
        message = f"{display_path(intended(name))}: {message}"
    return Refused(message, hint=_OS_HINTS.get(exc.errno or 0))


def write_atomic(path: Path, data: bytes, *, exclusive: bool = False) -> None:
    """Write DATA to PATH atomically (see `atomic_file`)."""
    with atomic_file(path, exclusive=exclusive) as out:
        out.write(data)


def fsync_dir(folder: Path) -> None:
    """Make a rename in FOLDER durable."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError as exc:  # some filesystems refuse fsync on folders
        if exc.errno not in (errno.EINVAL, errno.EBADF, errno.ENOTSUP):
            raise
    finally:
        os.close(fd)

