"""Shared fixtures: throwaway newsrooms, a CLI runner, and a fenced-off home folder."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parent.parent

SETTINGS = """\
title = "Test Newsroom"
base_url = "https://news.example.org/"
lang = "en"
timezone = "Europe/Brussels"
"""


@pytest.fixture(autouse=True)
def _isolate(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the user's settings or writes to their home; no colour, no root override."""
    home = tmp_path_factory.mktemp("home")
    home.chmod(0o500)  # any write to the home folder fails loudly
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("PRESSCTL_ROOT", raising=False)
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.delenv("FORCE_COLOR", raising=False)


def record_text(meta: dict[str, Any], body: str = "Body text.\n") -> str:
    """A record's text from META and BODY (front matter written with tomli-w)."""
    return f"+++\n{tomli_w.dumps(meta)}+++\n{body}"


@dataclass
class Room:
    """A throwaway newsroom folder."""

    root: Path

    @property
    def articles(self) -> Path:
        return self.root / "articles"

    def path(self, slug: str) -> Path:
        return self.articles / f"{slug}.md"

    def write(self, slug: str, body: str = "Body text.\n", **meta: Any) -> Path:
        """Write a valid-by-default article; META overrides or adds fields (None removes)."""
        fields: dict[str, Any] = {
            "id": f"00000000-0000-4000-8000-{abs(hash(slug)) % 10**12:012d}",
            "title": slug.replace("-", " ").capitalize(),
            "slug": slug,
            "status": "draft",
            "created": _dt("2026-01-01T09:00:00+01:00"),
            "authors": ["Press Office"],
            "lang": "en",
        }
        fields.update(meta)
        fields = {k: v for k, v in fields.items() if v is not None}
        path = self.path(slug)
        path.write_text(record_text(fields, body), encoding="utf-8")
        return path

    def write_raw(self, name: str, data: str | bytes) -> Path:
        """Write a file in articles/ exactly as given."""
        path = self.articles / name
        if isinstance(data, str):
            path.write_bytes(data.encode("utf-8"))
        else:
            path.write_bytes(data)
        return path

    def read(self, slug: str) -> str:
        return self.path(slug).read_text(encoding="utf-8")


def _dt(text: str) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(text)


@pytest.fixture
def room(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Room:
    """An empty newsroom with settings, as the working directory."""
    root = tmp_path / "newsroom"
    (root / "articles").mkdir(parents=True)
    (root / "pressctl.toml").write_text(SETTINGS, encoding="utf-8")
    monkeypatch.chdir(root)
    return Room(root)


@pytest.fixture
def sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Room:
    """A copy of the sample newsroom that ships with the repository, as the working directory."""
    root = tmp_path / "sample"
    root.mkdir()
    shutil.copy2(REPO / "pressctl.toml", root / "pressctl.toml")
    shutil.copytree(REPO / "articles", root / "articles")
    monkeypatch.chdir(root)
    return Room(root)


@dataclass
class Result:
    """What a CLI run gave: exit code, stdout, stderr."""

    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def cli() -> Iterator[Callable[..., Result]]:
    """Run pressctl in-process with Typer's CliRunner: cli("list", "--format", "json")."""
    from pressctl.cli.app import app

    runner = CliRunner()

    def invoke(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
        result = runner.invoke(app, list(args), input=input, env=env, catch_exceptions=False)
        return Result(result.exit_code, result.stdout, result.stderr)

    yield invoke
