"""Generate a deterministic benchmark newsroom (and optionally the same corpus as a Hugo site).

Usage: python bench/generate.py OUT_DIR --count N [--seed S] [--hugo HUGO_SITE_DIR]

Everything is derived from ``random.Random(seed)`` and a fixed base date: the same
arguments always give the same bytes. Standard library plus ``tomli_w`` only.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import itertools
import json
import multiprocessing as mp
import os
import random
import re
import sys
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import tomli_w

BASE_URL = "https://bench.example.org/"
SITE_TITLE = "Bench Newsroom"
TIMEZONE = "Europe/Brussels"
MAX_SLUG = 80

# The corpus spans these dates; scheduled articles are published after FUTURE_START.
FIRST_DAY = dt.datetime(2015, 1, 5, 8, 0)
LAST_DAY = dt.datetime(2026, 6, 30, 18, 0)
FUTURE_START = dt.datetime(2027, 1, 4, 9, 0)
FUTURE_DAYS = 360

BODY_MIN_CHARS = 2150
BODY_MAX_CHARS = 3700
SENTENCE_POOL = 200  # per language and topic
CHUNK = 2000  # articles per worker task
MAX_JOBS = 4

STATUS_WEIGHTS: dict[str, int] = {
    "published": 85,
    "draft": 7,
    "review": 3,
    "scheduled": 3,
    "archived": 2,
}
LANG_WEIGHTS: dict[str, int] = {"en": 80, "fr": 12, "de": 8}

AUTHORS: tuple[str, ...] = (
    "Press Office",
    "Anna De Smet",
    "Jonas Verbeke",
    "Claire Martin",
    "Lukas Schneider",
    "Sofia Rossi",
    "Pieter Janssens",
    "Elena García",
)

CATEGORIES: tuple[str, ...] = (
    "news",
    "press-release",
    "statement",
    "event",
    "interview",
    "opinion",
)

TAGS: tuple[str, ...] = (
    "migration",
    "climate",
    "europe",
    "local-government",
    "housing",
    "energy",
    "human-rights",
    "economy",
    "education",
    "health",
    "mobility",
    "digital",
    "transparency",
    "budget",
    "elections",
    "youth",
    "agriculture",
    "trade",
    "security",
    "culture",
    "integration",
    "refugees",
    "un",
    "iom",
    "cohesion",
    "innovation",
    "employment",
    "social-policy",
    "water",
    "biodiversity",
    "rule-of-law",
    "media-freedom",
    "gender-equality",
    "cities",
    "regions",
    "enlargement",
    "ukraine",
    "mediterranean",
    "africa",
    "research",
    "tourism",
    "fisheries",
    "space",
    "data-protection",
    "public-procurement",
    "tax",
    "pensions",
    "sport",
    "disability",
    "anti-corruption",
    "waste",
    "ports",
)

PEOPLE: tuple[str, ...] = (
    "Bart Somers",
    "Marie Dubois",
    "Thomas Weber",
    "Giulia Bianchi",
    "Jan Peeters",
    "Ingrid Larsen",
    "Mateusz Nowak",
    "Ana Costa",
    "Henrik Olsen",
    "Lucia Fernández",
    "Karel Novák",
    "Eva Lindqvist",
)
ROLES: tuple[str, ...] = (
    "our President",
    "the Mayor of Mechelen",
    "our spokesperson",
    "the rapporteur",
    "the group leader",
    "the regional minister",
    "the committee chair",
    "the secretary general",
)
PLACES: tuple[str, ...] = (
    "Brussels",
    "Strasbourg",
    "New York",
    "Geneva",
    "Mechelen",
    "Lisbon",
    "Vienna",
    "Athens",
    "Warsaw",
    "Ghent",
    "Milan",
    "Tallinn",
    "Cutro",
)
EVENTS: tuple[str, ...] = (
    "the UN",
    "the Committee of the Regions",
    "the European Council",
    "the Cities Summit",
    "the Migration Forum",
    "the Climate Conference",
    "the Open Government Week",
    "the Local Democracy Days",
)
ORGS: tuple[tuple[str, str], ...] = (
    ("the European Commission", "commission.europa.example"),
    ("the International Organization for Migration", "iom.example.int"),
    ("the Council of Europe", "coe.example.int"),
    ("Eurocities", "eurocities.example.eu"),
    ("the OECD", "oecd.example.org"),
    ("UNHCR", "unhcr.example.org"),
)

TITLE_TEMPLATES: dict[str, tuple[str, ...]] = {
    "en": (
        "At {event}, {person} discusses {topic}",
        "{person} calls for a new deal on {topic}",
        "No more tragedies like {place}",
        "{place} hosts talks on {topic}",
        "Our group welcomes the agreement on {topic}",
        "{person} presents report on {topic} in {place}",
        "Local leaders demand action on {topic}",
        "Statement on {topic} after the vote in {place}",
        "{person}: {topic} needs a local answer",
        "Five proposals on {topic} for the next term",
    ),
    "fr": (
        "À {place}, {person} plaide pour {topic}",
        "{person} présente un rapport sur {topic}",
        "Déclaration sur {topic} après le vote",
        "Les villes demandent des moyens pour {topic}",
        "{place} accueille un débat sur {topic}",
    ),
    "de": (
        "{person} fordert mehr Einsatz für {topic}",
        "In {place} diskutiert {person} über {topic}",
        "Erklärung zu {topic} nach der Abstimmung",
        "Städte verlangen Mittel für {topic}",
        "{place} lädt zur Konferenz über {topic} ein",
    ),
}

TOPICS: dict[str, tuple[str, ...]] = {
    "en": (
        "migration",
        "climate adaptation",
        "affordable housing",
        "clean energy",
        "digital rights",
        "youth employment",
        "the rule of law",
        "public transport",
        "cohesion funds",
        "water security",
        "media freedom",
        "local democracy",
    ),
    "fr": (
        "la migration",
        "le climat",
        "le logement abordable",
        "l'énergie propre",
        "les droits numériques",
        "l'emploi des jeunes",
        "l'État de droit",
    ),
    "de": (
        "Migration",
        "Klimaschutz",
        "bezahlbaren Wohnraum",
        "saubere Energie",
        "digitale Rechte",
        "Jugendbeschäftigung",
        "Rechtsstaatlichkeit",
    ),
}

SENTENCE_TEMPLATES: dict[str, tuple[str, ...]] = {
    "en": (
        "The meeting at {event} gathered key actors to strengthen cooperation "
        "on {topic} at all levels, including the local level.",
        "{person}, speaking on a panel about {topic}, set out the policies that worked in {place}.",
        "Delegates reviewed the mechanisms in place in several "
        "countries and how they work together on {topic}.",
        "The debate focused on how to streamline governance of {topic} at national and local level.",
        "Prior to the session, {person} met representatives of {org} to discuss the next steps.",
        "The meeting seeks recommendations on building coherence between the various levels of government.",
        "According to {org}, more than {number} people in {place} "
        "are directly affected by decisions on {topic}.",
        "The proposal would give cities and regions a direct say in how {topic} funds are spent.",
        "Our group has long argued that {topic} cannot be solved by national governments alone.",
        "The resolution was adopted with {number} votes in favour after a lively debate in {place}.",
        "Critics warned that the plan lacks funding, while supporters "
        "pointed to results achieved in {place}.",
        "A follow-up conference on {topic} is planned for the autumn, again with the participation of {org}.",
        "The report calls for clear targets, regular monitoring and a stronger role for local authorities.",
        "Civil society organisations were invited to comment on the draft before the final vote.",
        "The figures published this week show that progress on {topic} remains uneven across Europe.",
        "{person} thanked the volunteers and local staff whose work made the programme in {place} possible.",
    ),
    "fr": (
        "La réunion rassemble les acteurs clés afin de renforcer "
        "la coopération sur {topic} à tous les niveaux.",
        "{person} a présenté les politiques menées à {place} lors d'un panel consacré à {topic}.",
        "Selon {org}, plus de {number} personnes à {place} sont concernées par les décisions sur {topic}.",
        "La résolution a été adoptée par {number} voix après un débat animé à {place}.",
        "Le rapport demande des objectifs clairs, un suivi régulier "
        "et un rôle accru pour les collectivités locales.",
        "Une conférence de suivi sur {topic} est prévue à l'automne avec la participation de {org}.",
        "Les organisations de la société civile ont été invitées à commenter le projet avant le vote final.",
        "Notre groupe défend depuis longtemps l'idée que {topic} ne peut être réglé par les seuls États.",
    ),
    "de": (
        "Das Treffen bringt die wichtigsten Akteure zusammen, um die Zusammenarbeit zu {topic} zu stärken.",
        "{person} stellte auf einem Podium zu {topic} die in {place} erfolgreiche Politik vor.",
        "Laut {org} sind in {place} mehr als {number} Menschen "
        "direkt von Entscheidungen zu {topic} betroffen.",
        "Die Entschließung wurde nach einer lebhaften Debatte in {place} mit {number} Stimmen angenommen.",
        "Der Bericht fordert klare Ziele, regelmäßige Kontrolle und eine stärkere Rolle der Kommunen.",
        "Eine Folgekonferenz zu {topic} ist für den Herbst geplant, erneut mit Beteiligung von {org}.",
        "Organisationen der Zivilgesellschaft konnten den Entwurf vor der Schlussabstimmung kommentieren.",
        "Unsere Fraktion vertritt seit langem die Ansicht, dass "
        "{topic} nicht allein national gelöst werden kann.",
    ),
}

SUBHEADINGS: dict[str, tuple[str, ...]] = {
    "en": ("Background", "What happens next", "Key figures", "Our position", "Context"),
    "fr": ("Contexte", "Prochaines étapes", "Chiffres clés", "Notre position"),
    "de": ("Hintergrund", "Wie es weitergeht", "Zahlen und Fakten", "Unsere Position"),
}

LIST_ITEMS: dict[str, tuple[str, ...]] = {
    "en": (
        "a dedicated budget line for {topic}",
        "direct access to funding for cities and regions",
        "yearly reporting on progress in {place}",
        "a permanent dialogue with civil society",
        "simpler procedures for small municipalities",
        "an independent evaluation after three years",
    ),
    "fr": (
        "une ligne budgétaire dédiée à {topic}",
        "un accès direct aux fonds pour les villes",
        "un rapport annuel sur les progrès à {place}",
        "un dialogue permanent avec la société civile",
    ),
    "de": (
        "eine eigene Haushaltslinie für {topic}",
        "direkten Zugang zu Fördermitteln für Städte",
        "einen jährlichen Fortschrittsbericht aus {place}",
        "einen ständigen Dialog mit der Zivilgesellschaft",
    ),
}

QUOTES: dict[str, tuple[str, ...]] = {
    "en": (
        "Cities are where European policy on {topic} succeeds or fails.",
        "We cannot ask mayors to deliver on {topic} without giving them the means.",
        "Today's vote is a first step, not the end of the road.",
    ),
    "fr": (
        "C'est dans les villes que se joue la politique européenne sur {topic}.",
        "Ce vote est un premier pas, pas la fin du chemin.",
    ),
    "de": (
        "In den Städten entscheidet sich, ob die europäische Politik zu {topic} gelingt.",
        "Die heutige Abstimmung ist ein erster Schritt, nicht das Ende des Weges.",
    ),
}

SAID: dict[str, str] = {"en": "said", "fr": "a déclaré", "de": "sagte"}
READ_ALSO: dict[str, str] = {"en": "Read also", "fr": "À lire aussi", "de": "Lesen Sie auch"}
MORE_INFO: dict[str, str] = {
    "en": "More information is available on the website of",
    "fr": "Plus d'informations sur le site de",
    "de": "Weitere Informationen auf der Website von",
}


@dataclass
class Article:
    """One generated article's metadata (its body is made when its file is written)."""

    index: int
    id: str
    title: str
    slug: str
    status: str
    created: dt.datetime
    published: dt.datetime | None
    authors: list[str]
    summary: str | None
    category: str
    tags: list[str]
    lang: str
    topic: str
    translation_of: str | None = None
    related: list[str] = field(default_factory=list)


def last_sunday(year: int, month: int) -> dt.date:
    """Return the last Sunday of a month (months 3 and 10 have 31 days)."""
    day = dt.date(year, month, 31)
    return day - dt.timedelta(days=(day.weekday() + 1) % 7)


def brussels(local: dt.datetime) -> dt.datetime:
    """Attach the Europe/Brussels offset (EU summer-time rule) to a naive local time."""
    start = dt.datetime.combine(last_sunday(local.year, 3), dt.time(2, 0))
    end = dt.datetime.combine(last_sunday(local.year, 10), dt.time(3, 0))
    hours = 2 if start <= local < end else 1
    return local.replace(tzinfo=dt.timezone(dt.timedelta(hours=hours)))


def slugify(text: str) -> str:
    """Lowercase ASCII slug of at most MAX_SLUG characters, single hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > MAX_SLUG:
        slug = slug[:MAX_SLUG].rsplit("-", 1)[0]
    return slug or "article"


def unique_slug(base: str, taken: dict[str, int]) -> str:
    """De-duplicate a slug by suffixing -2, -3, ... within MAX_SLUG characters.

    ``taken`` maps every slug given out to the next suffix to try for it as a base.
    """
    slug, n = base, taken.get(base, 1)
    while slug in taken:
        n += 1
        suffix = f"-{n}"
        slug = base[: MAX_SLUG - len(suffix)].rstrip("-") + suffix
    taken[base] = n
    taken.setdefault(slug, 1)
    return slug


def cumulative(weights: dict[str, int]) -> tuple[list[str], list[int]]:
    """Keys and cumulative weights, for ``random.choices``."""
    return list(weights), list(itertools.accumulate(weights.values()))


STATUS_CUM = cumulative(STATUS_WEIGHTS)
LANG_CUM = cumulative(LANG_WEIGHTS)


def weighted(rng: random.Random, keys_cum: tuple[list[str], list[int]]) -> str:
    """Pick a key with probability proportional to its weight."""
    keys, cum = keys_cum
    return rng.choices(keys, cum_weights=cum)[0]


def tag_weights(count: int) -> list[float]:
    """Zipf-like weights so that a few tags are very common and most are rare."""
    return [1.0 / (rank + 1) ** 1.1 for rank in range(count)]


class Slots(dict[str, str]):
    """Template slots, each drawn from its bank only when the template uses it."""

    def __init__(self, rng: random.Random, topic: str) -> None:
        super().__init__(topic=topic)
        self.rng = rng

    def __missing__(self, key: str) -> str:
        rng = self.rng
        if key == "number":
            return f"{rng.randint(12, 48000):,}"
        if key == "org":
            return rng.choice(ORGS)[0]
        bank = {"person": PEOPLE, "place": PLACES, "event": EVENTS}[key]
        return rng.choice(bank)


def fill(rng: random.Random, template: str, topic: str) -> str:
    """Fill a phrase template's slots from the banks."""
    return template.format_map(Slots(rng, topic))


class Corpus:
    """Deterministic generator state: the metadata RNG and the pools derived from it."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        ntags = self.rng.randint(40, 60)
        self.tags = list(TAGS[:ntags])
        self.rng.shuffle(self.tags)
        self.tag_cum = list(itertools.accumulate(tag_weights(ntags)))
        self.sentences = {
            (lang, topic): self._sentence_pool(lang, topic) for lang in LANG_WEIGHTS for topic in TOPICS[lang]
        }

    def _sentence_pool(self, lang: str, topic: str) -> list[str]:
        templates = SENTENCE_TEMPLATES[lang]
        return [fill(self.rng, self.rng.choice(templates), topic) for _ in range(SENTENCE_POOL)]

    def pick_tags(self) -> list[str]:
        """One to five distinct tags, drawn from the skewed distribution."""
        drawn = self.rng.choices(self.tags, cum_weights=self.tag_cum, k=self.rng.randint(1, 5))
        return list(dict.fromkeys(drawn))

    def body_rng(self, index: int) -> random.Random:
        """The RNG of one article's body: independent of the order bodies are made in."""
        return random.Random(f"{self.seed}:body:{index}")


def make_dates(
    rng: random.Random, index: int, count: int, status: str
) -> tuple[dt.datetime, dt.datetime | None]:
    """Created and published times: spread over the corpus span, scheduled ones in the future."""
    span = (LAST_DAY - FIRST_DAY).total_seconds()
    offset = span * index / count + rng.uniform(0, span / count)
    day = (FIRST_DAY + dt.timedelta(seconds=offset)).date()
    created = dt.datetime.combine(day, dt.time(rng.randint(7, 18), rng.randrange(60)))
    if status in ("draft", "review"):
        return brussels(created), None
    if status == "scheduled":
        day = FUTURE_START + dt.timedelta(days=rng.randrange(FUTURE_DAYS), minutes=rng.randrange(600))
        return brussels(created), brussels(day)
    delay = dt.timedelta(minutes=rng.randrange(30, 3 * 24 * 60))
    return brussels(created), brussels(created + delay)


def make_article(corpus: Corpus, index: int, count: int, taken: dict[str, int]) -> Article:
    """Generate one article's metadata (the body comes later, once all slugs exist)."""
    rng = corpus.rng
    lang = weighted(rng, LANG_CUM)
    status = weighted(rng, STATUS_CUM)
    topic = rng.choice(TOPICS[lang])
    title = fill(rng, rng.choice(TITLE_TEMPLATES[lang]), topic)
    title = title[0].upper() + title[1:]
    created, published = make_dates(rng, index, count, status)
    summary = None
    if rng.random() < 0.75:
        summary = fill(rng, rng.choice(SENTENCE_TEMPLATES[lang]), topic)
    return Article(
        index=index,
        id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        title=title,
        slug=unique_slug(slugify(title), taken),
        status=status,
        created=created,
        published=published,
        authors=rng.sample(AUTHORS, rng.choices((1, 2, 3), cum_weights=(70, 95, 100))[0]),
        summary=summary,
        category=rng.choice(CATEGORIES),
        tags=corpus.pick_tags(),
        lang=lang,
        topic=topic,
    )


def link_articles(corpus: Corpus, articles: list[Article]) -> None:
    """Set ``related`` (0-3 earlier published slugs) and some ``translation_of``."""
    rng = corpus.rng
    published_en: list[str] = []
    published_any: list[str] = []
    for art in articles:
        window = published_any[-400:]
        if window:
            k = min(len(window), rng.choice((0, 1, 1, 2, 2, 3)))
            art.related = rng.sample(window, k)
        if art.lang != "en" and published_en and rng.random() < 0.5:
            art.translation_of = rng.choice(published_en[-50:])
        if art.status == "published":
            published_any.append(art.slug)
            if art.lang == "en":
                published_en.append(art.slug)


class BodyWriter:
    """Makes one article's body from its own RNG: lead, paragraphs, extras, links."""

    def __init__(self, corpus: Corpus, art: Article, link_pool: Sequence[Article]) -> None:
        self.rng = corpus.body_rng(art.index)
        self.pool = corpus.sentences[art.lang, art.topic]
        self.art = art
        self.link_pool = link_pool

    def paragraph(self, sentences: int) -> str:
        """Sentences drawn without repetition from the pool of the article's language and topic."""
        return " ".join(self.rng.sample(self.pool, sentences))

    def extra_block(self) -> str:
        """A subheading, a list, a blockquote or an internal link."""
        rng, art, lang = self.rng, self.art, self.art.lang
        kind = rng.randrange(4)
        if kind == 0:
            return f"## {rng.choice(SUBHEADINGS[lang])}"
        if kind == 1:
            items = rng.sample(LIST_ITEMS[lang], rng.randint(3, min(5, len(LIST_ITEMS[lang]))))
            return "\n".join(f"- {fill(rng, item, art.topic)}" for item in items)
        if kind == 2:
            quote = fill(rng, rng.choice(QUOTES[lang]), art.topic)
            return f"> “{quote}” {SAID[lang]} {rng.choice(PEOPLE)}, {rng.choice(ROLES)}."
        if self.link_pool:
            other = rng.choice(self.link_pool)
            return f"{READ_ALSO[lang]}: [{other.title}](../{other.slug}/)."
        return self.paragraph(2)

    def body(self) -> str:
        """A 2-4 KB press-release body ending with an external link."""
        rng, art, lang = self.rng, self.art, self.art.lang
        target = rng.randint(BODY_MIN_CHARS, BODY_MAX_CHARS)
        org, domain = rng.choice(ORGS)
        page = art.slug[:40].rstrip("-")
        closing = f"{MORE_INFO[lang]} [{org}](https://www.{domain}/{page})."
        lead = fill(rng, rng.choice(SENTENCE_TEMPLATES[lang]), art.topic)
        blocks = [f"{art.title}. {lead}"]
        size = len(blocks[0]) + len(closing)
        extras = rng.randint(1, 3)
        while size < target:
            if extras and rng.random() < 0.35:
                block = self.extra_block()
                extras -= 1
            else:
                block = self.paragraph(rng.randint(2, 4))
            if size + len(block) > BODY_MAX_CHARS:
                block = self.paragraph(1)
            blocks.append(block)
            size += len(block) + 2
        blocks.append(closing)
        return "\n\n".join(blocks) + "\n"


def front_matter(art: Article) -> dict[str, object]:
    """The pressctl record's front matter, in the canonical key order."""
    fm: dict[str, object] = {
        "id": art.id,
        "title": art.title,
        "slug": art.slug,
        "status": art.status,
        "created": art.created,
    }
    if art.published is not None:
        fm["published"] = art.published
    fm["authors"] = art.authors
    if art.summary is not None:
        fm["summary"] = art.summary
    fm["category"] = art.category
    fm["tags"] = art.tags
    fm["lang"] = art.lang
    if art.translation_of is not None:
        fm["translation_of"] = art.translation_of
    if art.related:
        fm["related"] = art.related
    return fm


def hugo_front_matter(art: Article) -> str:
    """The same article as Hugo's TOML front matter (drafts are everything not published).

    Written by hand rather than with tomli_w: it is the generator's hot path, and JSON
    strings are valid TOML basic strings.
    """
    date = (art.published or art.created).isoformat()
    lines = [
        f"title = {json.dumps(art.title, ensure_ascii=False)}",
        f"date = {date}",
        f"draft = {'false' if art.status == 'published' else 'true'}",
        f'slug = "{art.slug}"',
        f"tags = {json.dumps(art.tags)}",
        f"categories = {json.dumps([art.category])}",
    ]
    if art.summary is not None:
        lines.append(f"summary = {json.dumps(art.summary, ensure_ascii=False)}")
    return "\n".join(lines) + "\n"


def record_text(fm: dict[str, object], body: str) -> str:
    """``+++`` / TOML front matter / ``+++`` / body."""
    return f"+++\n{tomli_w.dumps(fm)}+++\n{body}"


def settings() -> dict[str, object]:
    """The newsroom's pressctl.toml."""
    return {
        "title": SITE_TITLE,
        "description": "A generated newsroom for benchmarking pressctl.",
        "base_url": BASE_URL,
        "lang": "en",
        "timezone": TIMEZONE,
        "authors": list(AUTHORS),
        "categories": list(CATEGORIES),
    }


HUGO_CONFIG = f"""\
baseURL = "{BASE_URL}"
title = "{SITE_TITLE}"
locale = "en"
defaultContentLanguage = "en"
timeZone = "{TIMEZONE}"
enableRobotsTXT = true
# Left on: home, section, taxonomy and term pages (HTML + RSS), sitemap.xml, 404.html.

[pagination]
pagerSize = 20

[outputs]
home = ["HTML", "RSS"]
section = ["HTML", "RSS"]
taxonomy = ["HTML", "RSS"]
term = ["HTML", "RSS"]

[taxonomies]
tag = "tags"
category = "categories"

[services.rss]
limit = 50
"""

HUGO_BASEOF_HEAD = """\
<!doctype html>
<html lang="{{ site.Language.Lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ .Title }} – {{ site.Title }}</title>
{{ with .OutputFormats.Get "rss" -}}
<link rel="alternate" type="application/rss+xml" href="{{ .RelPermalink }}">
{{- end }}
</head>
<body>
<header><a href="{{ site.Home.RelPermalink }}">{{ site.Title }}</a></header>
<main>
"""

HUGO_LIST = (
    HUGO_BASEOF_HEAD
    + """\
<h1>{{ .Title }}</h1>
{{ $pages := .Pages }}
{{ if .IsHome }}{{ $pages = site.RegularPages }}{{ end }}
{{ $pager := .Paginate $pages }}
<ul>
{{ range $pager.Pages }}
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a>
<time datetime="{{ .Date.Format "2006-01-02T15:04:05Z07:00" }}">{{ .Date.Format "2 January 2006" }}</time>
<p>{{ .Summary }}</p></li>
{{ end }}
</ul>
{{ partial "pagination.html" . }}
</main>
</body>
</html>
"""
)

HUGO_SINGLE = (
    HUGO_BASEOF_HEAD
    + """\
<article>
<h1>{{ .Title }}</h1>
<time datetime="{{ .Date.Format "2006-01-02T15:04:05Z07:00" }}">{{ .Date.Format "2 January 2006" }}</time>
{{ .Content }}
<ul class="tags">
{{ range .GetTerms "tags" }}<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a></li>{{ end }}
</ul>
</article>
</main>
</body>
</html>
"""
)


def write_hugo_skeleton(site: Path) -> None:
    """hugo.toml and the two templates."""
    (site / "layouts" / "_default").mkdir(parents=True, exist_ok=True)
    (site / "content" / "articles").mkdir(parents=True, exist_ok=True)
    (site / "hugo.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    (site / "layouts" / "_default" / "list.html").write_text(HUGO_LIST, encoding="utf-8")
    (site / "layouts" / "_default" / "single.html").write_text(HUGO_SINGLE, encoding="utf-8")
    section = {"title": "Articles"}
    (site / "content" / "articles" / "_index.md").write_text(record_text(section, ""), encoding="utf-8")


@dataclass
class Job:
    """What the workers need: inherited through fork, never pickled."""

    corpus: Corpus
    articles: list[Article]
    published: list[Article]
    out: Path
    hugo: Path | None


_JOB: Job | None = None


def generate(out: Path, count: int, seed: int, hugo: Path | None = None) -> list[Article]:
    """Write the newsroom (and the Hugo site); return the articles' metadata (bodies go to disk only)."""
    global _JOB
    corpus = Corpus(seed)
    taken: dict[str, int] = {}
    articles = [make_article(corpus, i, count, taken) for i in range(count)]
    link_articles(corpus, articles)
    published = [a for a in articles if a.status == "published"]
    (out / "articles").mkdir(parents=True, exist_ok=True)
    (out / "pressctl.toml").write_text(tomli_w.dumps(settings()), encoding="utf-8")
    if hugo is not None:
        write_hugo_skeleton(hugo)
    _JOB = Job(corpus, articles, published, out, hugo)
    try:
        chunks = [(lo, min(lo + CHUNK, count)) for lo in range(0, count, CHUNK)]
        jobs = min(MAX_JOBS, os.cpu_count() or 1, len(chunks))
        if jobs > 1 and "fork" in mp.get_all_start_methods():
            with mp.get_context("fork").Pool(jobs) as pool:
                pool.map(_write_chunk, chunks)
        else:
            for chunk in chunks:
                _write_chunk(chunk)
    finally:
        _JOB = None
    return articles


def _write_chunk(bounds: tuple[int, int]) -> None:
    """Make the bodies of the articles in ``range(*bounds)`` and write their files."""
    job = _JOB
    assert job is not None
    for art in job.articles[bounds[0] : bounds[1]]:
        before = _published_before(job.published, art)
        body = BodyWriter(job.corpus, art, job.published[max(0, before - 300) : before]).body()
        _write(job.out / "articles" / f"{art.slug}.md", record_text(front_matter(art), body))
        if job.hugo is not None:
            path = job.hugo / "content" / "articles" / f"{art.slug}.md"
            _write(path, f"+++\n{hugo_front_matter(art)}+++\n{body}")


def _published_before(published: list[Article], art: Article) -> int:
    """Number of published articles generated before ``art`` (they are in index order)."""
    return bisect.bisect_left(published, art.index, key=lambda a: a.index)


def _write(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line arguments."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, metavar="OUT_DIR", help="newsroom folder to write")
    parser.add_argument("--count", type=int, required=True, help="number of articles")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--hugo", type=Path, metavar="HUGO_SITE_DIR", help="also write the corpus as a Hugo site"
    )
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error("--count must be at least 1")
    for folder in (args.out, args.hugo):
        if folder is not None and folder.exists() and any(folder.iterdir()):
            parser.error(f"{folder} is not empty; choose an empty or new folder")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point."""
    args = parse_args(argv)
    articles = generate(args.out, args.count, args.seed, args.hugo)
    by_status: dict[str, int] = {}
    for art in articles:
        by_status[art.status] = by_status.get(art.status, 0) + 1
    summary = ", ".join(f"{n} {s}" for s, n in sorted(by_status.items()))
    print(f"wrote {len(articles)} articles to {args.out} ({summary})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
