"""The benchmark's own tools, on a small generated corpus: they must keep measuring what
they say they measure as pressctl's code changes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

BENCH = REPO / "bench"
COUNT = 60


def bench(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return subprocess.run([sys.executable, str(BENCH / script), *args], capture_output=True,
                          text=True, env=env, timeout=300, check=False)


def test_cost_splits_a_cold_export_into_pieces_that_add_up(tmp_path: Path) -> None:
    done = bench("cost.py", "--count", str(COUNT), "--work", str(tmp_path))
    assert done.returncode == 0, done.stderr
    rows = {}
    for line in done.stdout.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 3 and cells[1].replace(".", "").isdigit():
            rows[cells[0]] = float(cells[1])
    # every piece was reached: a renamed function would have stopped the script
    for piece in ("Jinja2", "TOML: splitting the record and tomllib", "Markdown: cmark-gfm",
                  "catalog: entries as JSON", "export state: stored",
                  "writing files (temporary file, rename, digest)"):
        assert piece in rows, done.stdout
    whole = rows.pop("the whole export")
    assert abs(sum(rows.values()) - whole) <= 0.01 * len(rows) + 0.01
    assert not list(tmp_path.glob("corpus-*/trash"))  # what the run set aside is gone


def test_floor_writes_the_article_pages_pressctl_exports(tmp_path: Path) -> None:
    newsroom, floor_out, site = tmp_path / "newsroom", tmp_path / "floor", tmp_path / "site"
    generated = bench("generate.py", str(newsroom), "--count", str(COUNT))
    assert generated.returncode == 0, generated.stderr
    built = bench("floor.py", "--jobs", "2", "--build", str(newsroom), str(floor_out))
    assert built.returncode == 0, built.stderr
    exported = subprocess.run([sys.executable, "-m", "pressctl", "--root", str(newsroom), "export",
                               "--format", "html", "--out", str(site)], capture_output=True, text=True,
                              check=False)
    assert exported.returncode == 0, exported.stderr
    floor_pages = sorted(p.parent.name for p in floor_out.glob("articles/*/index.html"))
    pressctl_pages = sorted(p.parent.name for p in site.glob("articles/*/index.html")
                            if "http-equiv=\"refresh\"" not in p.read_text(encoding="utf-8"))
    assert floor_pages and floor_pages == pressctl_pages
    assert built.stderr.strip() == f"{len(floor_pages)} pages"
    page = (floor_out / "articles" / floor_pages[0] / "index.html").read_text(encoding="utf-8")
    assert "<p>" in page and "&lt;p&gt;" not in page  # the body is rendered, not escaped
