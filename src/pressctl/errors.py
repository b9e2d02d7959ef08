"""The one error hierarchy: each class carries its exit code and renders itself."""

from __future__ import annotations

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
