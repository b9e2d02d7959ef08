"""The one error hierarchy: each class carries its exit code and renders itself."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path


class PressctlError(Exception):
    """An expected failure: a short message, an optional location and hint, an exit code."""

    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        path: Path | str | None = None,
        line: int | None = None,
        field: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.field = field
        self.hint = hint

    def location(self) -> str:
        """`path:line: field: ` prefix, relative to the working directory where possible."""
        parts = []
        if self.path is not None:
            where = display_path(self.path)
            parts.append(f"{where}:{self.line}" if self.line else where)
        if self.field:
            parts.append(self.field)
        return "".join(f"{p}: " for p in parts)

    def __str__(self) -> str:
        return f"{self.location()}{self.message}"


class Refused(PressctlError):
    """The operation was refused or problems were found (exit 1)."""

    exit_code = 1


class UsageError(PressctlError):
    """A bad argument, an unknown slug, no newsroom (exit 2)."""

    exit_code = 2


class RecordError(PressctlError):
    """A record that cannot be read: bad encoding, front matter or TOML (exit 1)."""

    exit_code = 1

    def __init__(self, message: str, *, code: str = "PC001", **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.code = code


class SettingsError(PressctlError):
    """`pressctl.toml` is broken: unknown or mistyped settings (exit 2)."""

    exit_code = 2


@contextlib.contextmanager
def naming(path: Path | str) -> Iterator[None]:
    """Give PATH to an OSError raised in the block without a file name (a read or write on
    a file already open), so that the message can say which file failed."""
    try:
        yield
    except OSError as exc:
        if exc.filename is None and exc.errno is not None:
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        raise


def display_path(path: Path | str) -> str:
    """A path as users should see it: relative to the working directory when below it."""
    p = Path(path)
    if not p.is_absolute():
        return str(p)
    try:
        return str(p.relative_to(Path.cwd()))
    except ValueError:
        pass
    import os

    try:
        rel = os.path.relpath(p)
    except ValueError:
        return str(p)
    return rel if rel.count("..") <= 2 else str(p)
