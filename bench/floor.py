"""A floor for the cold html export: what the article pages alone cost on pressctl's stack.

Usage: python bench/floor.py [--count 10000] [--repeat 5] [--jobs N] [--work DIR]

The floor does, on every core, only what each article page cannot do without: read the
record, parse its front matter with ``tomllib``, render its body with cmark-gfm, sanitise
it with nh3, fill a Jinja2 template as small as the Hugo site's single-page template,
and write ``articles/<slug>/index.html``. It takes the articles an export takes
(published, or scheduled and due; not expired). Nothing else: no checks, no links
resolved, no list, tag or feed pages, no caches for the next run, no temporary files
or fsync. A pressctl cold export does all of this and more, through the same libraries,
so the floor is a lower-bound estimate of its time on the same machine.

The floor and Hugo run alternately on the benchmark corpus, the same way ``run.py``
measures ``html-cold``; the table gives both medians and their ratio.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import tomllib
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import run

# As small as the Hugo site's layouts/_default/single.html (see generate.py).
SINGLE = """<!doctype html>
<html lang="{{ lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} – {{ site_title }}</title>
</head>
<body>
<header><a href="../../">{{ site_title }}</a></header>
<main>
<article>
<h1>{{ title }}</h1>
{% if published %}
<time datetime="{{ published.isoformat() }}">{{ published.strftime("%-d %B %Y") }}</time>
{% endif %}
{{ body }}
<ul class="tags">
{% for tag in tags %}<li><a href="../../tags/{{ tag }}/">{{ tag }}</a></li>{% endfor %}
</ul>
</article>
</main>
</body>
</html>
"""
CHUNK = 48


def build_chunk(task: tuple[str, str, str, list[str]]) -> int:
    """Render and write the pages of one chunk of records; the number written."""
    import cmarkgfm
    import nh3
    from markupsafe import Markup

    articles, zone, out, names = task
    template = _template()
    tz = ZoneInfo(zone) if zone else None
    now = datetime.now(UTC)
    written = 0
    for name in names:
        with open(os.path.join(articles, name), encoding="utf-8") as fh:
            text = fh.read()
        _, front, body = text.split("+++\n", 2)
        meta = tomllib.loads(front)
        published = _aware(meta.get("published"), tz)
        if not _live(meta.get("status"), published, _aware(meta.get("expires"), tz), now):
            continue
        html = nh3.clean(cmarkgfm.github_flavored_markdown_to_html(body))
        page = template.render(lang=meta.get("lang", "en"), title=meta["title"], site_title="Bench Newsroom",
                               published=published, body=Markup(html), tags=meta.get("tags", []))
        folder = os.path.join(out, "articles", name[:-3])
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "index.html"), "w", encoding="utf-8") as fh:
            fh.write(page)
        written += 1
    return written


# The floor measures the stack, not pressctl: it imports nothing of pressctl, and so has
# its own copy of the two rules below (pressctl.article.aware and Article.is_live).
def _aware(value: object, tz: ZoneInfo | None) -> datetime | None:
    """A front matter date or datetime with an offset (naive ones in the newsroom's zone)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=tz) if tz else value.astimezone()
    return value


def _live(status: object, published: datetime | None, expires: datetime | None, now: datetime) -> bool:
    """pressctl's rule for what an export takes: published, or scheduled and due; not expired."""
    if status == "scheduled" and (published is None or published > now):
        return False
    return status in ("published", "scheduled") and (expires is None or expires > now)


@functools.cache
def _template() -> Any:
    import jinja2

    return jinja2.Environment(autoescape=True).from_string(SINGLE)


def build(newsroom: Path, out: Path, jobs: int) -> int:
    """Write every live article's page of NEWSROOM into OUT; the number written."""
    import multiprocessing

    articles = str(newsroom / "articles")
    with open(newsroom / "pressctl.toml", "rb") as fh:
        zone = str(tomllib.load(fh).get("timezone") or "")
    names = sorted(n for n in os.listdir(articles) if n.endswith(".md") and not n.startswith("."))
    tasks = [(articles, zone, str(out), names[i:i + CHUNK]) for i in range(0, len(names), CHUNK)]
    if jobs == 1:
        return sum(map(build_chunk, tasks))
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        return sum(pool.imap_unordered(build_chunk, tasks))


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--count", type=int, default=10_000, help="articles in the corpus")
    p.add_argument("--seed", type=int, default=1, help="generator seed")
    p.add_argument("--repeat", type=int, default=5, help="runs per side")
    p.add_argument("--jobs", type=int, default=run.nproc(), help="processes (default: every core)")
    p.add_argument("--work", type=Path, default=run.DEFAULT_WORK, help="corpus cache and outputs")
    p.add_argument("--hugo-bin", metavar="CMD", help="how to call Hugo")
    p.add_argument("--timeout", type=float, default=3600.0)
    p.add_argument("--build", nargs=2, metavar=("NEWSROOM", "OUT"), help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.build:  # one measured run
        written = build(Path(args.build[0]), Path(args.build[1]), args.jobs)
        print(f"{written} pages", file=sys.stderr)
        return 0
    tools = run.Tools(["true"], run.find_hugo(args.hugo_bin))
    corpus = run.ensure_corpus(args.work.resolve(), args.count, args.seed)
    out = corpus.root / "out" / "floor-html"
    floor = run.Side([sys.executable, str(Path(__file__).resolve()), "--jobs", str(args.jobs),
                      "--build", str(corpus.newsroom), str(out)],
                     corpus.root, lambda _: corpus.discard(out))
    hugo = run.Side(run.hugo_build(tools, corpus), corpus.root, lambda _: run.clean_hugo(corpus))
    scenario = run.Scenario("floor", floor, hugo, run.Target("none"))
    try:
        outcomes = run.run_scenario(scenario, args.repeat, args.timeout)
    finally:
        run.empty_trash(args.work)
    mine, theirs = outcomes
    for o in outcomes:
        if o.failed:
            print(f"{'floor' if o is mine else 'hugo'} failed: {run.last_message(o.failed.stderr)}")
            return 1
    print(f"| {args.count} articles, {args.jobs} jobs | median s | min–max s | CPU s |")
    print("|---|---|---|---|")
    for label, o in (("Python floor", mine), ("Hugo", theirs)):
        times = [r.seconds for r in o.runs]
        print(f"| {label} | {o.median:.2f} | {min(times):.2f}–{max(times):.2f} "
              f"| {o.cpu_median:.2f} |")
    print(f"\nfloor / Hugo: {mine.median / theirs.median:.2f}× wall time, "
          f"{mine.cpu_median / theirs.cpu_median:.2f}× CPU time; "
          f"the floor wrote {run.last_message(mine.runs[-1].stderr)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
