"""Links in a Markdown body, found cheaply: which name other articles, which local files.

Two forms name another article, so that a link works both on the exported site and
when the Markdown files are browsed (in an editor, on GitHub):

- `../SLUG/` or `../SLUG` (the exported page `articles/SLUG/`, seen from another one);
- `SLUG.md` or `./SLUG.md` (the record file next to this one).

An optional `#fragment` or `?query` is ignored. Other relative links (`media/x.pdf`)
name files relative to the article file. Absolute URLs (`https:`, `mailto:` …),
site-absolute paths (`/about/`) and fragments (`#top`) are not checked. Inline links
and images, and reference definitions (`[x]: target`), are found; links inside code
(fenced blocks and `code spans`) are not links.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

_INLINE = re.compile(r"\]\(\s*(<[^>\n]*>|[^\s()<>]+(?:\([^\s()]*\)[^\s()<>]*)*)")
_REFDEF = re.compile(r"^ {0,3}\[[^\]\n]+\]:[ \t]*(<[^>\n]*>|\S+)", re.M)
_FENCE_OPEN = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_FENCE_CLOSE = re.compile(r"^ {0,3}(`{3,}|~{3,})[ \t]*$")
_CODE_SPAN = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)", re.S)
_NOT_NEWLINE = re.compile(r"[^\n]")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_ARTICLE_DIR = re.compile(r"^\.\./([^/.]+)/?$")
_ARTICLE_FILE = re.compile(r"^(?:\./)?([^/]+)\.md$")


@dataclass(frozen=True, slots=True)
class ArticleLink:
    """A link to another article, by slug."""

    slug: str


@dataclass(frozen=True, slots=True)
class FileLink:
    """A link to a local file, relative to the article file."""

    path: str


@dataclass(frozen=True, slots=True)
class Link:
    """One link of a body: as written, where it starts in the body, what it names."""

    raw: str
    offset: int
    target: ArticleLink | FileLink

    def line(self, body: str) -> int:
        """The link's line in BODY (1-based)."""
        return body.count("\n", 0, self.offset) + 1


def body_links(body: str) -> list[Link]:
    """The checkable links of BODY, in order."""
    if "](" not in body and "]:" not in body:
        return []
    text = _blank_code(body) if "`" in body or "~~~" in body else body
    found = list(_INLINE.finditer(text))
    if "]:" in text:
        found.extend(_REFDEF.finditer(text))
        found.sort(key=lambda m: m.start(1))
    out = []
    for match in found:
        raw = match.group(1)
        target = classify(raw)
        if target is not None:
            out.append(Link(raw.strip("<>"), match.start(1), target))
    return out


def classify(raw: str) -> ArticleLink | FileLink | None:
    """What the link destination RAW names; None for what is not checked."""
    target = raw[1:-1].strip() if raw.startswith("<") and raw.endswith(">") else raw
    if not target or target[0] in "#/?" or _SCHEME.match(target):
        return None
    target = target.split("#", 1)[0].split("?", 1)[0]
    if not target:
        return None
    match = _ARTICLE_DIR.match(target) or _ARTICLE_FILE.match(target)
    if match:
        return ArticleLink(unquote(match.group(1)))
    return FileLink(unquote(target))


def links_to(body: str, slug: str) -> list[Link]:
    """The links of BODY that name the article SLUG."""
    return [link for link in body_links(body)
            if isinstance(link.target, ArticleLink) and link.target.slug == slug]


def _blank_code(body: str) -> str:
    """BODY with code blocks and spans blanked out, keeping every offset and line."""
    text = body
    if "```" in text or "~~~" in text:
        lines = text.split("\n")
        fence: str | None = None
        for i, line in enumerate(lines):
            if fence is not None:
                close = _FENCE_CLOSE.match(line)
                if close and close.group(1)[0] == fence[0] and len(close.group(1)) >= len(fence):
                    fence = None
                lines[i] = " " * len(line)
            else:
                opened = _FENCE_OPEN.match(line)
                if opened:
                    fence = opened.group(1)
                    lines[i] = " " * len(line)
        text = "\n".join(lines)
    if "`" in text:
        text = _CODE_SPAN.sub(lambda m: _NOT_NEWLINE.sub(" ", m.group()), text)
    return text
