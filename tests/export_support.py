"""Helpers for the export tests: schema validation, output snapshots, golden files."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jsonschema import Draft202012Validator

from pressctl.exporters.document import schema

if TYPE_CHECKING:
    from tests.conftest import Result

GOLDEN = Path(__file__).parent / "data" / "golden"
UPDATE_GOLDEN = os.environ.get("PRESSCTL_UPDATE_GOLDEN") == "1"
DATETIME_FIELDS = ("created", "published", "updated", "expires")
MANIFEST = ".pressctl-manifest.json"

_validator = Draft202012Validator(schema())


def export_html(cli: Callable[..., Result], out: Path, *args: str) -> Result:
    """`pressctl export --format html --out OUT ARGS…`, which must succeed."""
    result = cli("export", "--format", "html", "--out", str(out), *args)
    assert result.exit_code == 0, result.stderr
    return result


def validate_document(doc: dict[str, Any]) -> None:
    """Fail unless DOC is valid against `export --schema`, with RFC 3339 datetimes."""
    errors = sorted(_validator.iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])
    if doc["generated"] is not None:
        assert_rfc3339(doc["generated"])
    for article in doc["articles"]:
        check_article_datetimes(article)


def validate_article(article: dict[str, Any]) -> None:
    """Fail unless ARTICLE is valid against `$defs/article` (one jsonl line)."""
    full = schema()
    validator = Draft202012Validator({"$schema": full["$schema"], "$defs": full["$defs"],
                                      "$ref": "#/$defs/article"})
    errors = list(validator.iter_errors(article))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])
    check_article_datetimes(article)


def check_article_datetimes(article: dict[str, Any]) -> None:
    """Every datetime field is RFC 3339 with an offset."""
    for key in DATETIME_FIELDS:
        if key in article:
            assert_rfc3339(article[key])


def assert_rfc3339(text: str) -> None:
    """TEXT is a date-time with a time zone offset."""
    assert "T" in text, text
    parsed = datetime.fromisoformat(text)
    assert parsed.utcoffset() is not None, text


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file below FOLDER with its (mtime_ns, inode), as the benchmark sees rewrites."""
    found: dict[str, tuple[int, int]] = {}
    for base, _dirs, files in os.walk(folder):
        for name in files:
            path = Path(base) / name
            st = path.lstat()
            found[path.relative_to(folder).as_posix()] = (st.st_mtime_ns, st.st_ino)
    return found


def rewritten(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]) -> set[str]:
    """Files created or rewritten between two snapshots (the manifest left out)."""
    return {rel for rel, key in after.items() if before.get(rel) != key and rel != MANIFEST}


def tree_bytes(folder: Path) -> dict[str, bytes]:
    """Every file below FOLDER with its bytes (the manifest left out: it records mtimes)."""
    return {rel: (folder / rel).read_bytes() for rel in snapshot(folder) if rel != MANIFEST}


def check_golden(name: str, text: str) -> None:
    """Compare TEXT with tests/data/golden/NAME (PRESSCTL_UPDATE_GOLDEN=1 rewrites it)."""
    path = GOLDEN / name
    if UPDATE_GOLDEN or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if not UPDATE_GOLDEN:
            raise AssertionError(f"wrote the missing golden file {path}; check it and commit it")
    expected = path.read_text(encoding="utf-8")
    assert text == expected, (f"{name} differs from {path}; if the change is intended, run "
                              "PRESSCTL_UPDATE_GOLDEN=1 pytest and review the diff")


def loads(text: str) -> Any:
    """JSON text as data."""
    return json.loads(text)
