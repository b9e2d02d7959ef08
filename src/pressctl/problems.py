"""Problems found in records and settings: what validation and loading report."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from pressctl.errors import display_path


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding: where it is, which rule, how bad, and what to do."""

    path: Path
    line: int | None
    field: str | None
    severity: Severity
    code: str
    message: str

    @property
    def is_error(self) -> bool:
        """True for errors, False for warnings."""
        return self.severity is Severity.ERROR

    def location(self) -> str:
        """`path:line` as users see it."""
        where = display_path(self.path)
        return f"{where}:{self.line}" if self.line else where

    def __str__(self) -> str:
        field = f"{self.field}: " if self.field else ""
        return f"{self.location()}: {field}{self.message}"

    def as_dict(self) -> dict[str, object]:
        """The JSON shape scripts read: path, line, field, severity, code, message."""
        return {
            "path": display_path(self.path),
            "line": self.line,
            "field": self.field,
            "severity": str(self.severity),
            "code": self.code,
            "message": self.message,
        }


def error(path: Path, code: str, message: str, *, line: int | None = None,
          field: str | None = None) -> Problem:
    """An error problem."""
    return Problem(path, line, field, Severity.ERROR, code, message)


def warning(path: Path, code: str, message: str, *, line: int | None = None,
            field: str | None = None) -> Problem:
    """A warning problem."""
    return Problem(path, line, field, Severity.WARNING, code, message)
