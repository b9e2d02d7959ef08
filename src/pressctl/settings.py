"""Newsroom settings from `pressctl.toml`: typed, with every mistake collected."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pressctl import record
from pressctl.errors import RecordError
from pressctl.problems import Problem, error

SETTINGS_FILE = "pressctl.toml"

_STRING_KEYS = ("title", "description", "base_url", "logo", "lang", "timezone")
_LIST_KEYS = ("authors", "categories", "required")
_EXPORT_INT_KEYS = ("per_page", "feed_items")


@dataclass(frozen=True)
class ExportSettings:
    """The `[export]` table."""

    out: str = "public"
    per_page: int = 20
    feed_items: int = 50


@dataclass(frozen=True)
class Settings:
    """Everything `pressctl.toml` may set, with defaults."""

    title: str = "Newsroom"
    description: str = ""
    base_url: str | None = None
    logo: str | None = None
    lang: str = "en"
    timezone: str | None = None
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    export: ExportSettings = field(default_factory=ExportSettings)
    path: Path | None = None

    @cached_property
    def tzinfo(self) -> ZoneInfo | None:
        """The newsroom's timezone, or None to use the machine's."""
        return ZoneInfo(self.timezone) if self.timezone else None


def load(root: Path) -> tuple[Settings, list[Problem]]:
    """Read `pressctl.toml` under ROOT; defaults apply without it. Never raises."""
    path = root / SETTINGS_FILE
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return Settings(), []
    except OSError as exc:
        return Settings(), [error(path, "PC050", f"cannot read the settings: {exc.strerror}")]
    try:
        text = record.decode(data, path)
        raw = tomllib.loads(text.removeprefix(record.BOM))
    except RecordError as exc:
        return Settings(), [error(path, "PC050", exc.message, line=exc.line)]
    except tomllib.TOMLDecodeError as exc:
        rec_err = record._toml_error(exc, path)
        line = rec_err.line - 1 if rec_err.line else None  # no front matter offset here
        msg = rec_err.message.replace("front matter", "pressctl.toml")
        return Settings(), [error(path, "PC050", msg, line=line)]
    return from_dict(raw, path, record.key_lines(text))


def from_dict(
    raw: dict[str, Any], path: Path, lines: dict[str, int]
) -> tuple[Settings, list[Problem]]:
    """Build Settings from parsed TOML, collecting a problem for each bad key."""
    problems: list[Problem] = []

    def bad(key: str, message: str) -> None:
        problems.append(error(path, "PC051", message, line=lines.get(key), field=key))

    values: dict[str, Any] = {"path": path}
    export_values: dict[str, Any] = {}
    known = set(_STRING_KEYS) | set(_LIST_KEYS) | {"export"}
    for key, value in raw.items():
        if key not in known:
            bad(key, f"unknown setting {key!r}; known settings are {', '.join(sorted(known))}")
        elif key in _STRING_KEYS:
            if isinstance(value, str):
                values[key] = value
            else:
                bad(key, f"must be a string, got {_kind(value)}")
        elif key in _LIST_KEYS:
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                values[key] = tuple(value)
            else:
                bad(key, f'must be a list of strings, like {key} = ["a", "b"]')
        elif not isinstance(value, dict):
            bad(key, "must be a table: [export]")
        else:
            for sub, subvalue in value.items():
                name = f"export.{sub}"
                if sub == "out":
                    if isinstance(subvalue, str) and subvalue.strip():
                        export_values["out"] = subvalue
                    else:
                        bad(name, "must be a folder name (a non-empty string)")
                elif sub in _EXPORT_INT_KEYS:
                    if isinstance(subvalue, int) and not isinstance(subvalue, bool) and subvalue > 0:
                        export_values[sub] = subvalue
                    else:
                        bad(name, "must be a whole number greater than 0")
                else:
                    bad(name, f"unknown setting {name!r}; [export] knows out, per_page, feed_items")
    tz = values.get("timezone")
    if tz is not None:
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            bad("timezone", f"{tz!r} is not an IANA timezone name, like \"Europe/Brussels\"")
            values.pop("timezone")
    base_url = values.get("base_url")
    if base_url is not None:
        if not base_url.startswith(("https://", "http://")):
            bad("base_url", f"{base_url!r} must be an absolute http(s) URL")
            values.pop("base_url")
        elif not base_url.endswith("/"):
            values["base_url"] = base_url + "/"
    values["export"] = ExportSettings(**export_values)
    return Settings(**values), problems


def _kind(value: object) -> str:
    return {
        bool: "true/false",
        int: "a number",
        float: "a number",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)
