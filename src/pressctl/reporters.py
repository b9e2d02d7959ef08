"""How `validate` writes its findings: a registry of plain-text reporters, and the summary.

Paths are relative to the working directory (`Problem.as_dict`), so that GitHub
annotations land on the right file when a workflow runs at the repository's root.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from itertools import groupby

from pressctl.errors import display_path
from pressctl.problems import Problem


def as_text(problems: Sequence[Problem]) -> str:
    """One line a problem, `path:line: severity CODE: field: message`, grouped by file."""
    groups = []
    for _, items in groupby(problems, key=lambda p: p.path):
        groups.append("".join(f"{text_line(p)}\n" for p in items))
    return "\n".join(groups)


def text_line(problem: Problem) -> str:
    """One problem as a line of text."""
    field = f"{problem.field}: " if problem.field else ""
    return f"{problem.location()}: {problem.severity} {problem.code}: {field}{problem.message}"


def as_json(problems: Sequence[Problem]) -> str:
    """A JSON array of problem objects: path, line, field, severity, code, message."""
    return json.dumps([p.as_dict() for p in problems], ensure_ascii=False, indent=2) + "\n"


def as_github(problems: Sequence[Problem]) -> str:
    """GitHub Actions workflow commands: `::error file=…,line=…,title=PC004::message`."""
    lines = []
    for p in problems:
        props = [f"file={_escape_property(display_path(p.path))}"]
        if p.line:
            props.append(f"line={p.line}")
        props.append(f"title={_escape_property(p.code)}")
        field = f"{p.field}: " if p.field else ""
        lines.append(f"::{p.severity} {','.join(props)}::{_escape_data(field + p.message)}\n")
    return "".join(lines)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


Reporter = Callable[[Sequence[Problem]], str]

REPORTERS: dict[str, Reporter] = {
    "text": as_text,
    "json": as_json,
    "github": as_github,
}


def summary(problems: Sequence[Problem], checked: int) -> str:
    """`3 errors, 1 warning in 2 of 240 articles` (plus pressctl.toml when it has problems)."""
    errors = sum(1 for p in problems if p.is_error)
    warnings = len(problems) - errors
    noun = "article" if checked == 1 else "articles"
    if not problems:
        return f"no problems in {checked} {noun}"
    from pressctl.settings import SETTINGS_FILE

    files = {p.path for p in problems if p.path.name != SETTINGS_FILE}
    settings = len(files) < len({p.path for p in problems})
    counts = f"{plural(errors, 'error')}, {plural(warnings, 'warning')}"
    where = f"{len(files)} of {checked} {noun}"
    return f"{counts} in {SETTINGS_FILE} and {where}" if settings else f"{counts} in {where}"


def plural(count: int, noun: str) -> str:
    """COUNT NOUN, with an s when COUNT is not one."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
