"""Concurrent writers: several real `pressctl` processes on one newsroom at once.

The processes are launched back to back and then waited for (an external command
cannot wait on a barrier); with a few hundred milliseconds of start-up each, their
work overlaps. Whatever the interleaving: no change is lost, no record is mixed from
two writers, one racer wins a slug and the others are refused, and a lock whose holder
died never blocks anyone.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from pressctl import record
from pressctl.store import Newsroom
from tests.trust_harness import (
    TRACEBACK,
    body_of,
    child_env,
    make_room,
    run,
    start,
    temp_files,
)

WAIT = 120  # seconds any one process may take, on a busy machine


def finish(procs: list[subprocess.Popen[str]]) -> list[tuple[int, str, str]]:
    """Wait for every process; their exit codes, stdout and stderr."""
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=WAIT)
        assert TRACEBACK not in err, err[-2000:]
        results.append((proc.returncode, out, err))
    return results


def assert_whole(root: Path, count: int) -> dict[str, record.Record]:
    """Every record parses, none is left half-written, `list` sees COUNT of them."""
    articles = root / "articles"
    assert temp_files(articles) == []
    records = {p.stem: record.load(p) for p in sorted(articles.glob("*.md"))}
    scan = Newsroom(root).scan()
    assert not scan.problems and len(scan.articles) == count == len(records)
    return records


def test_twelve_new_with_different_titles_at_once(tmp_path: Path) -> None:
    root = tmp_path / "newsroom"
    make_room(root)
    titles = [f"Council story number {n} of the day" for n in range(12)]
    procs = [start("new", title, "-a", f"Desk {n}", "-t", "council", cwd=root)
             for n, title in enumerate(titles)]
    results = finish(procs)
    assert [code for code, _, _ in results] == [0] * 12, [err for _, _, err in results]
    records = assert_whole(root, 12)
    for n, (title, (_, out, _)) in enumerate(zip(titles, results, strict=True)):
        rec = record.load(root / out.strip())
        assert rec.meta["title"] == title and rec.meta["authors"] == [f"Desk {n}"]
    assert len({r.meta["id"] for r in records.values()}) == 12


def test_eight_new_racing_for_one_slug_one_wins(tmp_path: Path) -> None:
    root = tmp_path / "newsroom"
    make_room(root)
    procs = [start("new", "Mayor opens the new library", "-a", f"Racer {n}", cwd=root)
             for n in range(8)]
    results = finish(procs)
    winners = [n for n, (code, _, _) in enumerate(results) if code == 0]
    assert len(winners) == 1, results
    for n, (code, out, err) in enumerate(results):
        if n in winners:
            assert out.strip() == "articles/mayor-opens-the-new-library.md"
            continue
        assert code == 1, (code, err)
        assert out == ""
        assert "the slug 'mayor-opens-the-new-library' is taken" in err
        assert "--slug mayor-opens-the-new-library-2" in err  # the usual hint
    records = assert_whole(root, 1)
    assert records["mayor-opens-the-new-library"].meta["authors"] == [f"Racer {winners[0]}"]


def test_two_bulk_publishes_and_edits_of_the_same_articles_lose_nothing(tmp_path: Path) -> None:
    root = tmp_path / "newsroom"
    first = make_room(root, 90, prefix="first")
    second = make_room(root, 90, prefix="second")
    make_room(root, 0)
    edited = first[::15] + second[::15]  # 12 articles that a publisher moves meanwhile
    procs = [start("publish", *first, cwd=root), start("publish", *second, cwd=root)]
    procs += [start("edit", slug, "--set", f"summary=Edited while {slug} was published", cwd=root)
              for slug in edited]
    procs += [start("new", f"Fresh story {n}", "-a", "Desk", cwd=root) for n in range(4)]
    results = finish(procs)
    assert [code for code, _, _ in results] == [0] * len(procs), [err for _, _, err in results]
    records = assert_whole(root, 184)
    for slug in first + second:
        rec = records[slug]
        assert rec.meta["status"] == "published", slug
        assert rec.body == body_of(slug)
        if slug in edited:  # both writers' changes are there: neither overwrote the other
            assert rec.meta["summary"] == f"Edited while {slug} was published"
        else:
            assert "summary" not in rec.meta
    assert sum(slug.startswith("fresh-story-") for slug in records) == 4
    print(f"concurrency: {len(procs)} processes at once, all exited 0")


HOLD = """
import sys, time
from pathlib import Path
from pressctl.store import Newsroom
with Newsroom(Path(sys.argv[1])).lock():
    print("held", flush=True)
    time.sleep(600)
"""


def test_a_writer_waits_for_a_live_lock_and_not_for_a_dead_one(tmp_path: Path) -> None:
    """The lock is an flock on .pressctl/lock: a writer waits while its holder lives, and
    goes on the moment the holder dies, however it dies (here: kill -9)."""
    root = tmp_path / "newsroom"
    make_room(root, 1)
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(root)], stdout=subprocess.PIPE,
                              text=True, env=child_env())
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        writer = start("edit", "story-0000", "--set", "summary=After the crash", cwd=root)
        time.sleep(1.0)
        assert writer.poll() is None, "the writer did not wait for the lock"
        assert "summary" not in (root / "articles" / "story-0000.md").read_text()
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=WAIT)
    _, err = writer.communicate(timeout=WAIT)
    assert writer.returncode == 0, err
    assert record.load(root / "articles" / "story-0000.md").meta["summary"] == "After the crash"
    # the lock file a dead process leaves behind is no obstacle either
    assert (root / ".pressctl" / "lock").exists()
    result = run("edit", "story-0000", "--set", "summary=Again", cwd=root, timeout=WAIT)
    assert result.returncode == 0, result.stderr
