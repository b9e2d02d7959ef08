"""`pressctl init`: a new newsroom folder."""

from __future__ import annotations

from pathlib import Path

from pressctl.errors import Refused
from pressctl.settings import SETTINGS_FILE
from pressctl.store import ARTICLES, STATE, write_atomic

SETTINGS_TEMPLATE = """\
# pressctl newsroom settings. Every key is optional; remove the '#' to set one.
# Reference: the "Settings" section of pressctl's README.

title = "{title}"
# description = "News and press releases"
# base_url = "https://press.example.org/"   # needed for feeds, sitemap and canonical links
# logo = "articles/media/logo.svg"           # a path in the newsroom or an https URL
lang = "en"                                  # default language of articles (BCP 47)
# timezone = "Europe/Brussels"               # IANA name; dates without offset use it

# Known values: others are reported as warnings by `pressctl validate`.
# authors = ["Press Office"]
# categories = ["news", "press-release", "statement"]

# Fields that must be set before an article goes to review or is published.
# required = ["summary", "category"]

[export]
out = "public"        # where `pressctl export --format html` writes the site
per_page = 20         # articles per index page
feed_items = 50       # entries in feed.xml and feed.json
"""

GITIGNORE_LINES = (f"{STATE}/", "public/")


def plan(folder: Path) -> list[tuple[Path, str]]:
    """What `init` would create in FOLDER: (path, what) pairs; refuses an existing newsroom."""
    settings_file = folder / SETTINGS_FILE
    if settings_file.exists():
        raise Refused(
            f"{settings_file} already exists: this folder is a newsroom",
            hint="edit pressctl.toml to change its settings",
        )
    actions: list[tuple[Path, str]] = [(settings_file, "settings")]
    if not (folder / ARTICLES).is_dir():
        actions.append((folder / ARTICLES, "folder"))
    gitignore = folder / ".gitignore"
    existing = gitignore.read_text(encoding="utf-8").splitlines() if gitignore.exists() else []
    if any(line not in existing for line in GITIGNORE_LINES):
        actions.append((gitignore, "gitignore"))
    return actions


def create(folder: Path, actions: list[tuple[Path, str]]) -> None:
    """Carry out a plan from `plan`."""
    folder.mkdir(parents=True, exist_ok=True)
    for path, what in actions:
        if what == "folder":
            path.mkdir(exist_ok=True)
        elif what == "settings":
            title = folder.resolve().name.replace("-", " ").replace("_", " ").title()
            text = SETTINGS_TEMPLATE.format(title=title.replace('"', "'") or "Newsroom")
            try:
                write_atomic(path, text.encode("utf-8"), exclusive=True)
            except FileExistsError:
                raise Refused(f"{path} already exists: this folder is a newsroom") from None
        else:
            existing = path.read_text(encoding="utf-8") if path.exists() else ""
            missing = [line for line in GITIGNORE_LINES if line not in existing.splitlines()]
            sep = "" if not existing or existing.endswith("\n") else "\n"
            text = existing + sep + "".join(f"{line}\n" for line in missing)
            write_atomic(path, text.encode("utf-8"))
