"""Rendering frees what cmark-gfm allocates: RSS stays flat over thousands of bodies.

cmarkgfm's own wrappers leak the document tree and the returned string
(theacodes/cmarkgfm#53, about 19 KB a call for a body like this one), which a
100,000-article export cannot afford; pressctl.markdown frees both itself.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="reads RSS from /proc")

MEASURE = """
import os, sys
from pressctl import markdown

body = (
    "# Title\\n\\nOur President spoke at the [UN](https://www.un.org/) in *New York*[^1]. "
    "![Panel](media/un%20panel.jpg) See www.iom.int and <https://example.org/a?b=1&c=2>.\\n\\n"
    + "A paragraph of press-release prose with **strong** words, `code` and ~~old~~ text. " * 20
    + "\\n\\n| Party | Seats |\\n|:--|--:|\\n| A | 12 |\\n| B | 7 |\\n\\n"
    + "<figure><img src=\\"media/raw.jpg\\" alt=\\"r\\"><figcaption>Caption</figcaption></figure>\\n\\n"
    + "```python\\nx = 1 < 2\\n```\\n\\n[^1]: Organised by the IOM.\\n"
)

def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

def render(count: int) -> None:
    for i in range(count):
        text = body + f"\\n\\nArticle {i}.\\n"  # a new string each time, as in an export
        markdown.render_body(text, rewrite_url=str)
        markdown.render_markdown(text, rewrite_url=str)
        markdown.render_commonmark(text)
        markdown.word_count(text)

render(300)  # warm up caches, the allocator's arenas and the regex engine
before = rss()
render(int(sys.argv[1]))
print(len(body.encode()), before, rss() - before)
"""


def test_rendering_thousands_of_bodies_does_not_grow_rss() -> None:
    count = 3000
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, str(count)],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": ":".join(sys.path)},
    )
    size, before, growth = map(int, result.stdout.split())
    assert size > 2000
    # Each round renders the body four times, about 12,000 renders in all: a leak of
    # even 1 KB each would add 12 MB (cmarkgfm's wrappers leak about 19 KB each).
    assert growth < 4 * 1024 * 1024, f"RSS grew by {growth / 1024:.0f} KB over {count} rounds (from {before})"
