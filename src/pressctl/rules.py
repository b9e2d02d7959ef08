"""The rule registry: every validation code, its severity, an example message and the fix.

The README's rule table is generated from RULES (`rules_table()`), and a test keeps
the two in step. Codes are stable: a retired rule keeps its number unused.
"""

from __future__ import annotations

from dataclasses import dataclass

from pressctl.problems import Severity

ERROR = Severity.ERROR
WARNING = Severity.WARNING


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule: what it checks, how bad a finding is, and what to do about it."""

    code: str
    severity: Severity
    title: str
    example: str
    fix: str


_ALL = (
    # -- the file ---------------------------------------------------------------
    Rule("PC001", ERROR, "the record parses: `+++` lines around TOML front matter, not empty",
         "articles/x.md:3: front matter is not valid TOML: Expected '=' after a key in a "
         "key/value pair; check quotes, commas and brackets on that line",
         "start with a line `+++`, then the TOML front matter, a closing `+++` line, then "
         "the body; check quotes, commas and brackets on the line named"),
    Rule("PC002", ERROR, "the file is UTF-8",
         "articles/x.md:7: not valid UTF-8 (byte 0xe9 at offset 211)",
         "save the file as UTF-8 in your editor"),
    Rule("PC003", ERROR, "the record is at most 5 MB",
         "articles/x.md: the record is 6.2 MB, more than the 5 MB limit",
         "move large material to articles/media/ and link to it"),
    Rule("PC004", ERROR, "a symlinked record stays inside the newsroom",
         "articles/x.md: the file is a link to a place outside the newsroom; it is ignored",
         "replace the link with the article file itself"),
    Rule("PC005", WARNING, "no UTF-8 byte order mark (BOM)",
         "articles/x.md:1: the file starts with a UTF-8 byte order mark (BOM)",
         "save the file as UTF-8 without BOM; pressctl drops it whenever it rewrites the file"),
    Rule("PC006", ERROR, "the file can be read",
         "articles/x.md: cannot read: Permission denied; check the file's permissions",
         "check the file's permissions, or whether it was moved or deleted meanwhile"),
    # -- fields -----------------------------------------------------------------
    Rule("PC010", ERROR, "required fields: `title`, `slug`, `status`",
         'articles/x.md:1: title: missing; add a line like title = "Council adopts the budget"',
         "add the field to the front matter"),
    Rule("PC011", ERROR, "every known field has its type",
         'articles/x.md:9: tags: must be a list of strings, like tags = ["a", "b"]; got a string',
         "write the value in the type the contract gives the field"),
    Rule("PC012", ERROR, "the title is not empty and fits on one line",
         "articles/x.md:3: title: is empty; write the headline",
         "write a one-line headline"),
    Rule("PC013", WARNING, "`id` and `created` are set",
         "articles/x.md:1: id: missing; add a line id = \"…\" with a new UUID (`uuidgen` prints one)",
         "add the field (pressctl new writes both)"),
    Rule("PC014", WARNING, "no unknown keys",
         'articles/x.md:8: auther: unknown key, kept but not used; did you mean "authors"?',
         "fix the spelling, or remove the key"),
    Rule("PC015", ERROR, "`lang` is a BCP 47 language tag",
         'articles/x.md:12: lang: "English" is not a BCP 47 language tag; write one like '
         '"en", "fr" or "pt-BR"',
         "write a language tag such as `en`, `fr`, `de-AT`"),
    Rule("PC016", WARNING, "datetimes carry an offset",
         "articles/x.md:6: published: 2026-05-01T09:00:00 has no offset, so it is read in "
         "Europe/Brussels; write 2026-05-01T09:00:00+02:00",
         "add the offset (`+02:00`, `Z` …); a rewrite by pressctl adds it"),
    # -- slugs, ids and aliases -----------------------------------------------------
    Rule("PC020", ERROR, "the slug is lowercase ASCII letters, digits and single hyphens, "
         "at most 80 characters",
         'articles/x.md:4: slug: "Budget_2026" is not a valid slug; use lowercase letters, '
         'digits and single hyphens, like "budget-2026"',
         "write a valid slug; rename the file to match"),
    Rule("PC021", ERROR, "the slug equals the file name without `.md`",
         'articles/budget.md:4: slug: "budget-2026" does not match the file name budget.md; '
         'write slug = "budget", or run: pressctl rename budget budget-2026',
         "make the slug and the file name equal (`pressctl rename` does both)"),
    Rule("PC022", ERROR, "slugs are unique",
         'articles/x.md:4: slug: "budget" is also the slug of articles/budget.md; '
         "slugs must be unique",
         "give one of the articles another slug"),
    Rule("PC023", ERROR, "ids are unique",
         'articles/x.md:2: id: "6f1c…" is also the id of articles/y.md; give the copy a new id',
         "give the copy a new UUID; after an interrupted rename, run the same rename again"),
    Rule("PC024", ERROR, "aliases are slugs",
         'articles/x.md:14: aliases: "Old Name" is not a valid slug; aliases are old slugs '
         'like "old-name"',
         "write the old slug as it was"),
    Rule("PC025", ERROR, "no alias equals an article's slug or another article's alias",
         'articles/x.md:14: aliases: "budget" is the slug of articles/budget.md; remove it '
         "from aliases",
         "remove the alias (or, after an interrupted rename, run the same rename again)"),
    # -- workflow -----------------------------------------------------------------
    Rule("PC030", ERROR, "`status` is one of draft, review, scheduled, published, archived",
         'articles/x.md:5: status: "publised" is not one of draft, review, scheduled, '
         'published, archived; did you mean "published"?',
         "write one of the statuses; move articles with review, publish, unpublish, archive"),
    Rule("PC031", ERROR, "`published` is set for scheduled and published articles",
         'articles/x.md:5: published: missing, but the status is "published"; add the '
         "publication date, or run: pressctl unpublish x && pressctl publish x",
         "add `published`, or move the article with the workflow commands"),
    Rule("PC032", ERROR, "`expires` is after `published`",
         "articles/x.md:8: expires: 2026-01-01T00:00:00+01:00 is not after published "
         "(2026-03-01T09:00:00+01:00); set a later date or remove expires",
         "set a later `expires`, or remove it"),
    Rule("PC033", ERROR, "at least one author from review on",
         'articles/x.md:1: authors: none, but a "review" article needs at least one; run: '
         'pressctl edit x --author "Press Office"',
         "add an author"),
    Rule("PC034", ERROR, "fields listed in `required` (pressctl.toml) are set from review on",
         'articles/x.md:1: summary: required by pressctl.toml for articles in review or '
         'later; run: pressctl edit x --set summary="…"',
         "fill in the field"),
    Rule("PC035", ERROR, "the body is not empty from review on",
         'articles/x.md:14: the body is empty, and a "review" article needs its text; write '
         "it below the closing +++ line",
         "write the article's text (drafts may be empty)"),
    Rule("PC036", WARNING, "a published article's date is not in the future",
         'articles/x.md:6: published: 2027-01-15T09:00:00+01:00 is in the future, but the '
         'status is "published", so the article is live already; to embargo it run: '
         "pressctl unpublish x && pressctl publish x --at 2027-01-15T09:00:00+01:00",
         "schedule it with `publish --at`, or correct the date"),
    # -- references -----------------------------------------------------------------
    Rule("PC040", ERROR, "each `related` entry names an existing article, not itself",
         'articles/x.md:13: related: "budget-2025" is not an article; fix the slug or '
         "remove it",
         "fix or remove the entry (renamed articles: write the new slug)"),
    Rule("PC041", ERROR, "`translation_of` names an existing article, not itself",
         'articles/x.md:13: translation_of: "budget-en" is not an article; fix the slug or '
         "remove it",
         "fix or remove the field"),
    Rule("PC042", ERROR, "links in the body to other articles resolve",
         'articles/x.md:21: link "../budget-2025/" points to no article "budget-2025"; fix '
         "the slug or remove the link",
         "link to an existing slug: `../slug/` or `slug.md`"),
    Rule("PC043", ERROR, "links in the body to local files resolve inside the newsroom",
         'articles/x.md:30: link "media/report.pdf" names a file that does not exist '
         "(articles/media/report.pdf); fix the path (relative to the article file) or add "
         "the file",
         "fix the path (relative to the article file) or add the file"),
    Rule("PC044", ERROR, "`image.src` is an existing file inside the newsroom or an https URL",
         'articles/x.md:17: image.src: "media/somers.jpg" names a file that does not exist '
         "(articles/media/somers.jpg); fix the path (relative to the article file) or add "
         "the file",
         "fix the path (relative to the article file), add the file, or use an https URL"),
    Rule("PC045", ERROR, "an image with `src` has `alt` text",
         "articles/x.md:16: image.alt: missing; describe the picture for readers who cannot "
         'see it: pressctl edit x --set image.alt="…"',
         "add `alt` to the `[image]` table"),
    # -- settings ---------------------------------------------------------------------
    Rule("PC050", ERROR, "`pressctl.toml` can be read and is TOML",
         "pressctl.toml:12: pressctl.toml is not valid TOML: Unclosed array",
         "fix the line named (check quotes, commas and brackets)"),
    Rule("PC051", ERROR, "every setting is known and has its type",
         "pressctl.toml:3: titel: unknown setting 'titel'; known settings are …",
         "fix the spelling or the value's type"),
    Rule("PC052", ERROR, "`required` names article fields",
         'pressctl.toml:20: required: "sumary" is not an article field; did you mean '
         '"summary"?',
         "name fields of the article record"),
    # -- vocabulary -------------------------------------------------------------------
    Rule("PC060", WARNING, "tags are normalised (slugs)",
         'articles/x.md:11: tags: "Local Government" is not normalised; write '
         '"local-government"',
         "write tags as slugs; `pressctl edit --add-tag` normalises them"),
    Rule("PC061", WARNING, "authors are in `authors` of pressctl.toml, when it has the list",
         'articles/x.md:9: authors: "Marta K" is not in the authors of pressctl.toml; did '
         'you mean "Marta Kowalczyk"?',
         "fix the spelling, or add the name to pressctl.toml"),
    Rule("PC062", WARNING, "the category is in `categories` of pressctl.toml, when it has the list",
         'articles/x.md:10: category: "nieuws" is not one of the categories of '
         "pressctl.toml: news, press-release",
         "use a listed category, or add it to pressctl.toml"),
)

RULES: dict[str, Rule] = {rule.code: rule for rule in _ALL}


def severity(code: str) -> Severity:
    """The severity of CODE's findings."""
    return RULES[code].severity


def rules_table() -> str:
    """The README's rule table, in Markdown."""
    rows = ["| code | severity | checks | example | fix |", "|---|---|---|---|---|"]
    for rule in _ALL:
        cells = (f"`{rule.code}`", str(rule.severity), rule.title, f"`{rule.example}`"
                 if "`" not in rule.example else rule.example, rule.fix)
        rows.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(rows) + "\n"
