"""Shared helpers of the trust suites: the real `pressctl` in a subprocess, quick
newsrooms of many articles, and snapshots of folders that must not change."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

from tests.conftest import SETTINGS, record_text

PRESSCTL = shutil.which("pressctl", path=str(Path(sys.executable).parent)) or "pressctl"
CREATED = datetime.fromisoformat("2026-01-01T09:00:00+01:00")
TRACEBACK = "Traceback (most recent call last)"


def commands() -> set[str]:
    """The commands the CLI registers right now (the workflow and export land over time)."""
    import typer

    from pressctl.cli.app import app

    group = typer.main.get_command(app)
    return set(getattr(group, "commands", {}))


def child_env(**extra: str) -> dict[str, str]:
    """The environment for a pressctl child: no colour, no root override, no editor."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PRESSCTL_ROOT", "VISUAL", "EDITOR", "FORCE_COLOR")}
    env.update(NO_COLOR="1", COLUMNS="120", **extra)
    return env


def run(*args: str, cwd: Path, timeout: float = 60, input: str | None = None,
        ) -> subprocess.CompletedProcess[str]:
    """Run the installed `pressctl` to the end."""
    return subprocess.run([PRESSCTL, *args], cwd=cwd, capture_output=True, text=True,
                          env=child_env(), timeout=timeout, input=input,
                          stdin=None if input is not None else subprocess.DEVNULL)


def start(*args: str, cwd: Path) -> subprocess.Popen[str]:
    """Start the installed `pressctl` without waiting for it, in a process group of its own
    (so that a kill reaches the worker processes of `export` too)."""
    return subprocess.Popen([PRESSCTL, *args], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
                            env=child_env(), start_new_session=True)


def make_room(root: Path, count: int = 0, *, prefix: str = "story", body_lines: int = 12,
              **meta: object) -> list[str]:
    """A newsroom at ROOT with COUNT valid draft articles; returns their slugs."""
    (root / "articles").mkdir(parents=True, exist_ok=True)
    (root / "pressctl.toml").write_text(SETTINGS, encoding="utf-8")
    return [write_article(root, f"{prefix}-{n:04d}", body_lines=body_lines, **meta)
            for n in range(count)]


def write_article(root: Path, slug: str, *, body_lines: int = 12, **meta: object) -> str:
    """Write one valid article with a recognisable body; META overrides fields."""
    fields: dict[str, object] = {
        "id": f"00000000-0000-4000-8000-{int(hashlib.sha1(slug.encode()).hexdigest()[:10], 16):012d}",
        "title": slug.replace("-", " ").capitalize(),
        "slug": slug,
        "status": "draft",
        "created": CREATED,
        "authors": ["Press Office"],
        "lang": "en",
        "tags": ["trust"],
    }
    fields.update(meta)
    fields = {k: v for k, v in fields.items() if v is not None}
    (root / "articles" / f"{slug}.md").write_text(record_text(fields, body_of(slug, body_lines)),
                                                  encoding="utf-8")
    return slug


def body_of(slug: str, lines: int = 12) -> str:
    """The body write_article gives SLUG: paragraphs that name it, easy to check byte for byte."""
    return "".join(f"Paragraph {n} of {slug}: the council met and voted.\n\n" for n in range(lines))


Entry = tuple[str, int, str]  # kind, size, content digest or link target


def snapshot(top: Path, *, skip: Iterable[Path] = ()) -> dict[str, Entry]:
    """Every file, folder and link under TOP (links not followed), but not under SKIP."""
    skipped = {p.resolve() for p in skip}
    state: dict[str, Entry] = {}
    for folder, dirs, files in os.walk(top):
        here = Path(folder)
        dirs[:] = [d for d in dirs if (here / d).resolve() not in skipped or (here / d).is_symlink()]
        for name in sorted([*dirs, *files]):
            path = here / name
            if path.resolve() in skipped and not path.is_symlink():
                continue
            st = path.lstat()
            key = path.relative_to(top).as_posix()
            if stat.S_ISLNK(st.st_mode):
                state[key] = ("link", 0, os.readlink(path))
            elif stat.S_ISDIR(st.st_mode):
                state[key] = ("dir", 0, "")
            elif stat.S_ISREG(st.st_mode):
                state[key] = ("file", st.st_size, _digest(path))
            else:
                state[key] = ("other", 0, stat.filemode(st.st_mode))
    return state


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def files_under(top: Path) -> list[Path]:
    """Every regular file under TOP, links not followed."""
    out = []
    for folder, _dirs, files in os.walk(top):
        for name in files:
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                out.append(path)
    return out


def temp_files(folder: Path) -> list[str]:
    """pressctl's temporary files (`.NAME.PID.RANDOM.tmp`) left in FOLDER."""
    try:
        return sorted(n for n in os.listdir(folder) if n.startswith(".") and n.endswith(".tmp"))
    except FileNotFoundError:
        return []


def wait_for_change(proc: subprocess.Popen[str], folders: Sequence[Path],
                    timeout: float = 30) -> bool:
    """Wait until PROC changes one of FOLDERS (a file created, renamed or removed in it).

    Returns False when PROC ended first. Polls the folders' mtimes, which move with
    the first temporary file a writer creates.
    """
    def stamps() -> list[int]:
        out = []
        for f in folders:
            try:
                out.append(os.stat(f).st_mtime_ns)
            except FileNotFoundError:
                out.append(-1)
        return out

    before = stamps()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if stamps() != before:
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.0005)
    raise AssertionError(f"{proc.args} changed nothing in {timeout} s")


def kill_after(proc: subprocess.Popen[str], delay: float) -> bool:
    """SIGKILL PROC and its workers DELAY seconds from now; True when it was still running."""
    if delay:
        time.sleep(delay)
    alive = proc.poll() is None
    if alive:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    return alive
