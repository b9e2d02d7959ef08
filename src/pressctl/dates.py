"""Dates typed on the command line and dates written out."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone, tzinfo

from pressctl.errors import UsageError


def parse_when(text: str, tz: tzinfo | None, *, option: str = "date") -> datetime:
    """Parse ISO 8601 (`2026-05-01`, `2026-05-01T09:00`, with or without offset).

    Without an offset the newsroom's timezone applies, else the machine's.
    """
    value = text.strip()
    if value.endswith(("z", "Z")):
        value = value[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(value.replace(" ", "T", 1))
    except ValueError:
        raise UsageError(
            f"{option}: {text!r} is not a date",
            hint="use ISO 8601, like 2026-05-01, 2026-05-01T09:00 or 2026-05-01T09:00+02:00",
        ) from None
    if parsed.tzinfo is None:
        parsed = whole_minutes(parsed.replace(tzinfo=tz) if tz else in_machine_zone(parsed))
    return parsed


def whole_minutes(value: datetime) -> datetime:
    """VALUE with its offset pinned and rounded to whole minutes.

    TOML and RFC 3339 cannot write offset seconds, and zones had some before 1900
    (Europe/Brussels kept +00:17:30 until 1892).
    """
    offset = value.utcoffset()
    if offset is None or (offset.seconds % 60 == 0 and not offset.microseconds):
        return value
    return value.replace(tzinfo=timezone(timedelta(minutes=round(offset.total_seconds() / 60))))


def in_machine_zone(naive: datetime) -> datetime:
    """NAIVE read in the machine's zone; for years it cannot place (1, 9999), today's offset."""
    try:
        return naive.astimezone()
    except (ValueError, OverflowError):
        return naive.replace(tzinfo=datetime.now().astimezone().tzinfo)


def now(tz: tzinfo | None) -> datetime:
    """The current time, with an offset, to the second (as records store it)."""
    current = datetime.now(tz) if tz else datetime.now().astimezone()
    return current.replace(microsecond=0)


def rfc3339(value: datetime | date | time) -> str:
    """RFC 3339 text with the offset as written in the record."""
    return value.isoformat()
