"""The benchmark's own tools, on a small generated corpus: they must keep measuring what
they say they measure as pressctl's code changes."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import REPO

BENCH = REPO / "bench"
COUNT = 60


def bench(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return subprocess.run([sys.executable, str(BENCH / script), *args], capture_output=True,
                          text=True, env=env, timeout=300, check=False)


def table_rows(text: str) -> dict[str, float]:
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3:
            try:
                rows[cells[0]] = float(cells[1])
            except ValueError:
                continue  # the header and its rule
    return rows


@pytest.fixture
def cost(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(BENCH))
    return importlib.import_module("cost")


def test_cost_gives_each_piece_its_own_cpu_time(cost: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    now = [0.0]
    monkeypatch.setattr(cost.time, "process_time", lambda: now[0])
    meter = cost.Meter()

    def inner() -> None:
        now[0] += 2

    def outer() -> None:
        now[0] += 1
        timed_inner()
        now[0] += 3

    timed_inner, timed_outer = meter.wrap("inner", inner), meter.wrap("outer", outer)
    timed_outer()
    timed_inner()
    assert meter.seconds == {"outer": 4.0, "inner": 4.0}


def test_cost_times_functions_and_methods_and_puts_them_back(cost: ModuleType) -> None:
    from pressctl.exporters.records import Entry

    def originals() -> list[object]:
        return [vars(owner)[name] for owner, name in
                (cost.resolve(module, path) for module, path, _ in cost.PIECES)]

    before = originals()
    meter = cost.Meter()
    with cost.metered(meter):
        during = originals()
        assert all(a is not b for a, b in zip(before, during, strict=True))
        assert isinstance(vars(Entry)["from_json"], classmethod)  # still called on the class
        entry = Entry("x.md", (1, 2, 3))
        assert Entry.from_json("x.md", entry.to_json()).key == (1, 2, 3)
    assert originals() == before
    assert set(meter.seconds) == {"catalog: entries as JSON", "catalog: the rest"}


def test_cost_splits_a_cold_export_into_pieces_that_add_up(tmp_path: Path, cost: ModuleType) -> None:
    done = bench("cost.py", "--count", str(COUNT), "--work", str(tmp_path))
    assert done.returncode == 0, done.stderr
    rows = table_rows(done.stdout)
    # every piece was reached: a piece the export no longer calls would be missing
    assert {label for _, _, label in cost.PIECES} <= set(rows), done.stdout
    whole = rows.pop("the whole export")
    outside = rows.pop("not in a timed piece (start-up, command line)")
    assert outside >= -0.01 and all(seconds >= 0 for seconds in rows.values()), done.stdout
    assert abs(sum(rows.values()) + outside - whole) <= 0.01 * (len(rows) + 2)
    assert not list(tmp_path.glob("corpus-*/trash"))  # what the run set aside is gone


def test_floor_writes_the_article_pages_pressctl_exports(tmp_path: Path) -> None:
    newsroom, floor_out, site = tmp_path / "newsroom", tmp_path / "floor", tmp_path / "site"
    generated = bench("generate.py", str(newsroom), "--count", str(COUNT))
    assert generated.returncode == 0, generated.stderr
    # one article scheduled and due (taken), one published and expired (left out)
    old_ones = [p for p in sorted((newsroom / "articles").glob("*.md"))
                if 'status = "published"' in (text := p.read_text(encoding="utf-8"))
                and "published = 2016-" in text]
    due, expired = old_ones[:2]
    due.write_text(due.read_text(encoding="utf-8").replace(
        'status = "published"', 'status = "scheduled"'), encoding="utf-8")
    expired.write_text(expired.read_text(encoding="utf-8").replace(
        'status = "published"', 'status = "published"\nexpires = 2020-01-01T00:00:00Z'),
        encoding="utf-8")
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
    assert due.stem in floor_pages and expired.stem not in floor_pages
    assert built.stderr.strip() == f"{len(floor_pages)} pages"
    page = (floor_out / "articles" / floor_pages[0] / "index.html").read_text(encoding="utf-8")
    assert "<p>" in page and "&lt;p&gt;" not in page  # the body is rendered, not escaped


def test_the_clone_scenario_exports_a_fresh_copy_with_its_caches(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """`html-clone` measures what a pipeline sees: before each run, a new copy of the newsroom
    (new inodes and mtimes) with the `.pressctl/` caches that an earlier export left, and an
    empty output folder."""
    monkeypatch.syspath_prepend(str(BENCH))
    run = importlib.import_module("run")
    corpus = run.Corpus(tmp_path / "corpus")
    generated = bench("generate.py", str(corpus.newsroom), "--count", str(COUNT))
    assert generated.returncode == 0, generated.stderr
    tools = run.Tools([sys.executable, "-m", "pressctl"], ["hugo"])
    scenario = run.build_scenario("html-clone", tools, corpus)
    side = scenario.pressctl
    for argv in side.setup:
        assert subprocess.run(argv, cwd=side.cwd, capture_output=True, check=False).returncode == 0
    for n in range(2):
        side.prepare(n)
        record = sorted((corpus.clone / "articles").glob("*.md"))[0]
        original = corpus.newsroom / "articles" / record.name
        assert record.read_bytes() == original.read_bytes()
        assert record.stat().st_ino != original.stat().st_ino
        assert (corpus.clone / ".pressctl" / "export-catalog.sqlite").is_file()
        assert not corpus.out_clone.exists()
        done = subprocess.run(side.argv, cwd=side.cwd, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
        assert (corpus.out_clone / "index.html").is_file()
    assert scenario.hugo is not None and scenario.target.max_ratio is None
    assert scenario.cleanup is not None
    scenario.cleanup()  # the copy and its site go to the trash, emptied after the last scenario
    assert not corpus.clone.exists() and not corpus.out_clone.exists()


def test_a_scenario_without_a_target_shows_its_ratio_to_hugo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(BENCH))
    run = importlib.import_module("run")
    mine, hugo = run.Outcome("pressctl"), run.Outcome("hugo")
    mine.runs = [run.Run(3.0, 100.0, 0, "", cpu=5.0)]
    hugo.runs = [run.Run(4.0, 600.0, 0, "", cpu=6.0)]
    side = run.Side(["true"], Path("."))
    scenario = run.Scenario("html-clone", side, side, run.Target("— (no target)"))
    assert run.judge(scenario, mine, hugo) == ("0.750", "—")
