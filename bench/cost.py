"""Where the CPU time of a cold html export goes, piece by piece.

Usage: python bench/cost.py [--count 10000] [--seed 1] [--work DIR]

Runs one cold ``export --format html --jobs 1`` of the benchmark corpus inside this
process (caches and output set aside first, as ``run.py`` does), with a timer around
each of the functions below, and prints each piece's own CPU time (user + system,
without the time of the timed pieces it calls). With one job every piece runs here,
so the pieces add up to the whole export. The timers cost about 2 µs a call, some 3%
of the whole at 10,000 articles, which falls on the pieces that make the calls.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import importlib
import io
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import run

# (module, attribute path, what it is): the pieces an export's CPU time is split into.
PIECES: tuple[tuple[str, str, str], ...] = (
    ("pressctl.record", "read_bytes", "reading the record files"),
    ("pressctl.record", "parse", "TOML: splitting the record and tomllib"),
    ("pressctl.exporters.records", "faults", "record checks"),
    ("pressctl.markdown", "_render_article", "Markdown: cmark-gfm, with its syntax tree"),
    ("pressctl.markdown", "_sanitise", "Markdown: nh3, with the link rewriting"),
    ("pressctl.markdown", "_text_of", "Markdown: text of the body"),
    ("pressctl.markdown", "_count_words", "Markdown: word count"),
    ("pressctl.markdown", "_first_paragraph", "Markdown: first paragraph"),
    ("pressctl.markdown", "render_body", "Markdown: the rest"),
    ("pressctl.exporters.bodies", "render", "Markdown: the rest"),
    ("pressctl.exporters.records", "Entry.to_json", "catalog: entries as JSON"),
    ("pressctl.exporters.records", "read_records", "catalog: the rest"),
    ("pressctl.exporters.records", "Entry.from_json", "catalog: the rest"),
    ("pressctl.exporters.catalog", "load", "catalog: the rest"),
    ("pressctl.exporters.bodies", "RenderCache.flush", "render cache"),
    ("pressctl.exporters.bodies", "cached_html", "render cache"),
    ("pressctl.exporters.pages", "render", "Jinja2"),
    ("pressctl.exporters.pages", "Contexts.context", "page contexts"),
    ("pressctl.exporters.pages", "finish_context", "page contexts"),
    ("pressctl.exporters.pages", "kept", "export state: contexts as JSON, to the workers too"),
    ("pressctl.exporters.pages", "with_shared", "export state: contexts as JSON, to the workers too"),
    ("pressctl.exporters.site", "render_pages", "export state: contexts as JSON, to the workers too"),
    ("pressctl.exporters.patch", "Store.put_context", "export state: stored"),
    ("pressctl.exporters.patch", "Store.save", "export state: stored"),
    ("pressctl.exporters.site", "Build._page_fingerprint", "page fingerprints"),
    ("pressctl.exporters.output", "Folder.write", "writing files (temporary file, rename, digest)"),
    ("pressctl.exporters.site", "Inputs.__init__", "start, layout, feeds, sitemap, manifest"),
    ("pressctl.exporters.job", "ExportJob.start", "start, layout, feeds, sitemap, manifest"),
    ("pressctl.exporters.job", "ExportJob.prerender", "start, layout, feeds, sitemap, manifest"),
    ("pressctl.exporters.job", "ExportJob.save", "start, layout, feeds, sitemap, manifest"),
    ("pressctl.exporters.layout", "build", "start, layout, feeds, sitemap, manifest"),
    ("pressctl.exporters.site", "Build._render", "start, layout, feeds, sitemap, manifest"),
    ("pressctl.exporters.site", "Build._feeds", "start, layout, feeds, sitemap, manifest"),
    ("pressctl.exporters.site", "Build._assets", "start, layout, feeds, sitemap, manifest"),
    ("pressctl.exporters.output", "finish", "start, layout, feeds, sitemap, manifest"),
)


@dataclass
class Meter:
    """CPU time per piece, each piece's own: what the timed pieces it calls took is theirs."""

    seconds: dict[str, float] = field(default_factory=dict)
    _open: list[float] = field(default_factory=list)  # time of timed callees, per open call

    def wrap(self, label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.process_time()
            self._open.append(0.0)
            try:
                return fn(*args, **kwargs)
            finally:
                spent = time.process_time() - start
                inner = self._open.pop()
                if self._open:
                    self._open[-1] += spent
                self.seconds[label] = self.seconds.get(label, 0.0) + spent - inner

        return timed


def resolve(module_name: str, path: str) -> tuple[object | None, str]:
    """Where the piece PATH of MODULE_NAME lives (a module or a class; None when the code
    no longer has it), and its name there."""
    owner: object | None = importlib.import_module(module_name)
    *parents, name = path.split(".")
    for parent in parents:
        owner = getattr(owner, parent, None)
    return owner, name


@contextlib.contextmanager
def metered(meter: Meter) -> Iterator[None]:
    """Install the timers of PIECES, and take them out again; a piece the code no longer
    has, or one that is not a function or method, is an error."""
    undo: list[tuple[object, str, object]] = []
    try:
        for module_name, path, label in PIECES:
            owner, name = resolve(module_name, path)
            raw = vars(owner).get(name) if owner is not None else None
            if isinstance(raw, classmethod | staticmethod):
                timed: object = type(raw)(meter.wrap(label, raw.__func__))
            elif callable(raw) and not isinstance(raw, type):
                timed = meter.wrap(label, raw)
            else:
                raise SystemExit(f"cost.py times {module_name}.{path}, which is not a function of pressctl")
            undo.append((owner, name, raw))
            setattr(owner, name, timed)
        yield
    finally:
        for owner, name, raw in reversed(undo):
            setattr(owner, name, raw)


def cold_export(corpus: run.Corpus, meter: Meter) -> float:
    """One cold html export with one job, metered; its whole CPU time."""
    from pressctl.cli import run as pressctl

    out = corpus.root / "out" / "cost-html"
    corpus.discard(out)
    corpus.discard(corpus.newsroom / ".pressctl")
    argv = ["--root", str(corpus.newsroom), "export", "--format", "html", "--jobs", "1", "--out", str(out)]
    start = time.process_time()
    with metered(meter), contextlib.redirect_stdout(io.StringIO()):
        code = pressctl(argv)
    if code:
        raise SystemExit(f"the export failed with exit {code}")
    return time.process_time() - start


def table(meter: Meter, whole: float) -> str:
    """The pieces, largest first, as a Markdown table."""
    lines = ["| piece | CPU s | share |", "|---|---|---|"]
    for label, seconds in sorted(meter.seconds.items(), key=lambda kv: -kv[1]):
        lines.append(f"| {label} | {seconds:.2f} | {seconds / whole:.0%} |")
    rest = whole - sum(meter.seconds.values())
    lines.append(f"| not in a timed piece (start-up, command line) | {rest:.2f} | {rest / whole:.0%} |")
    lines.append(f"| the whole export | {whole:.2f} | 100% |")
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--count", type=int, default=10_000, help="articles in the corpus")
    p.add_argument("--seed", type=int, default=1, help="generator seed")
    p.add_argument("--work", type=Path, default=run.DEFAULT_WORK, help="corpus cache and outputs")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    corpus = run.ensure_corpus(args.work.resolve(), args.count, args.seed)
    meter = Meter()
    try:
        whole = cold_export(corpus, meter)
    finally:
        run.empty_trash(args.work.resolve())
    print(f"Cold html export of {args.count} articles, one job:\n")
    print(table(meter, whole))
    return 0


if __name__ == "__main__":
    sys.exit(main())
