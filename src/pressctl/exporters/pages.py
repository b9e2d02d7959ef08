"""The HTML pages: Jinja2 templates (autoescaped, overridable by name) and what they get.

Templates are looked up in the newsroom's `templates/` folder first, then among the
built-in ones (also reachable as `builtin/<name>`, so that an override can extend the
original). Every page template gets `site`, `page`, `root` (the relative URL of the
site root, like `../../`) and `t` (the interface strings in the page's language);
`article.html`, `list.html`, `tag.html`, `tags.html` and `redirect.html` get more,
described in the README.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from markupsafe import Markup, escape

from pressctl import __version__
from pressctl.exporters import i18n
from pressctl.exporters.bodies import MEDIA_DIR, reading_minutes
from pressctl.exporters.layout import Item, Layout, Page, Tag
from pressctl.settings import Settings

if TYPE_CHECKING:
    from types import CodeType

    import jinja2

    from pressctl.exporters.job import ExportJob

TEMPLATES = ("base.html", "macros.html", "list.html", "article.html", "tag.html", "tags.html",
             "redirect.html")
TEMPLATE_OF = {"home": "list.html", "language": "list.html", "article": "article.html",
               "tag": "tag.html", "tags": "tags.html", "redirect": "redirect.html"}
PAGINATION_WINDOW = 2
CARD_CACHE = 10_000  # cards (and images) kept at once: all of them in most newsrooms
CARD_VARIANTS = 20000
_ROOT, _LEVEL = "\ufdd0", "\ufdd1"  # noncharacters: placeholders in a card's HTML
_PLAIN_PATH = re.compile(r"[A-Za-z0-9/._~-]*")


def builtin_templates() -> Path:
    """The folder of the built-in templates (package data)."""
    return Path(__file__).resolve().parent.parent / "templates"


def builtin_static() -> Path:
    """The folder of the built-in style sheet and icon (package data)."""
    return Path(__file__).resolve().parent.parent / "static"


@dataclass(frozen=True)
class Theme:
    """Where templates come from: the newsroom's overrides, then the built-in ones."""

    overrides: Path | None
    stamp: str = ""  # changes when a template changes: a new environment, not a stale one

    def environment(self) -> jinja2.Environment:
        """A Jinja2 environment with autoescaping on for every template."""
        import jinja2

        builtin = jinja2.FileSystemLoader(str(builtin_templates()))
        loaders: list[jinja2.BaseLoader] = []
        if self.overrides is not None and self.overrides.is_dir():
            loaders.append(jinja2.FileSystemLoader(str(self.overrides)))
        loaders.append(jinja2.PrefixLoader({"builtin": builtin}))
        loaders.append(builtin)
        env = _environment_class()(
            loader=jinja2.ChoiceLoader(loaders),
            autoescape=True,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=False,
        )
        env.globals["cached_card"] = CardCache()
        return env


@functools.cache
def _environment_class() -> type[jinja2.Environment]:
    import jinja2

    dict_names = frozenset(dir(dict))

    class Template(jinja2.Template):
        """A compiled template whose `{{ … }}` are escaped by `escape_output`: the same text.

        Jinja2's compiled code puts every value a template writes through `escape` (and uses
        that name for nothing else), which makes a Markup of each: that costs more than the
        escaping itself.
        """

        @classmethod
        def from_code(cls, environment: jinja2.Environment, code: CodeType,
                      globals: MutableMapping[str, Any],
                      uptodate: Callable[[], bool] | None = None) -> jinja2.Template:
            template = super().from_code(environment, code, globals, uptodate)
            namespace = template.root_render_func.__globals__  # the compiled template's module
            if namespace.get("escape") is escape:
                namespace["escape"] = escape_output
            return template

    class Environment(jinja2.Environment):
        """Jinja2's environment, with `x.name` on a dict looked up as a key straight away.

        Jinja2 tries the attribute first, and a dict has none but its methods: the failed
        lookup and its exception cost more than the rest of rendering a page. A name that
        dicts have as an attribute (`items`, `get` …) still goes the usual way.

        A template's globals are a dict, not Jinja2's ChainMap over the environment's (all set
        before a template is loaded): each render of a template that imports another compares
        their names, which is slow on a ChainMap.

        Loaded templates are kept in a plain dict: a page looks up three (its own, the one it
        extends, the one it imports), and templates never change under an environment (one
        with other templates is a new environment, see `Theme.stamp`).
        """

        template_class = Template
        loaded: dict[tuple[str, str | None], jinja2.Template]

        def get_template(self, name: str | jinja2.Template, parent: str | None = None,
                         globals: MutableMapping[str, Any] | None = None) -> jinja2.Template:
            if globals is not None or type(name) is not str:
                return super().get_template(name, parent, globals)
            try:
                loaded = self.loaded
            except AttributeError:
                loaded = self.loaded = {}
            template = loaded.get((name, parent))
            if template is None:
                template = loaded[name, parent] = super().get_template(name, parent)
            return template

        def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
            return {**self.globals, **(d or {})}

        def getattr(self, obj: Any, attribute: str) -> Any:
            if type(obj) is dict and attribute not in dict_names:
                try:
                    return obj[attribute]
                except KeyError:
                    return self.undefined(obj=obj, name=attribute)
            return super().getattr(obj, attribute)

    return Environment


def escape_output(value: object) -> str:
    """What a template writes for VALUE: markupsafe's `escape`, as text.

    A plain string is escaped into a plain string (with markupsafe's replacements), Markup
    and whole numbers are written as they are; nothing needs to be Markup once written, as
    a page is joined into one string.
    """
    if type(value) is str:
        if "&" in value or "<" in value or ">" in value or "'" in value or '"' in value:
            return (value.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
                    .replace("'", "&#39;").replace('"', "&#34;"))
        return value
    if type(value) is Markup:
        return value
    if type(value) is int:
        return str(value)
    return escape(value)


class CardCache:
    """`cached_card(macro)`: MACRO, a card macro, with its cards made once and reused.

    An article's card is on many pages (the home page, its language's, its tags', other
    articles' "Other news"): it is made once per page language, with placeholders where
    `root` and `level` go, which are then filled in. So the macro must write `root` and
    `level` as they are and not otherwise depend on them (the built-in `_card` does).
    """

    def __init__(self) -> None:
        self.html: dict[tuple[object, ...], str] = {}

    def __call__(self, macro: Callable[..., Any]) -> CachedCard:
        return CachedCard(macro, self.html)


class CachedCard:
    """A card macro called through its cache: `card(item, level, root, lang)`.

    A call with keywords, or with an item that is not a dict of plain values, goes
    straight to the macro.
    """

    def __init__(self, macro: Callable[..., Any], html: dict[tuple[object, ...], str]) -> None:
        self.macro = macro
        self.html = html

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs or len(args) != 4:
            return self.macro(*args, **kwargs)
        item, level, root, lang = args
        if type(item) is not dict or type(lang) is not str:
            return self.macro(*args)
        try:
            key = (self.macro, lang, *item.items())
            html = self.html.get(key)
        except TypeError:  # a value that cannot be a key
            return self.macro(*args)
        if html is None:
            if any(isinstance(v, str) and (_ROOT in v or _LEVEL in v) for v in (lang, *item.values())):
                return self.macro(*args)
            if len(self.html) >= CARD_VARIANTS:
                self.html.clear()  # bounded, like the cards of Contexts
            html = self.html[key] = str(self.macro(item, _LEVEL, _ROOT, lang))
        return Markup(html.replace(_ROOT, escape_output(root)).replace(_LEVEL, escape_output(level)))


_environments: dict[Theme, jinja2.Environment] = {}


def render(theme: Theme, template: str, context: dict[str, Any]) -> bytes:
    """Render TEMPLATE with CONTEXT (one environment per process and theme)."""
    env = _environments.get(theme)
    if env is None:
        _environments.clear()  # templates changed: the old environment is stale
        env = _environments[theme] = theme.environment()
    return env.get_template(template).render(context).encode("utf-8")


def root_of(path: str) -> str:
    """The relative URL from the page at PATH (`articles/x/`) to the site root."""
    depth = path.count("/")
    return "../" * depth if depth else "./"


class Contexts:
    """Builds what each template gets; cards of articles are built once and shared."""

    def __init__(self, job: ExportJob, layout: Layout) -> None:
        from pressctl.markdown import strip_control_chars

        self.job = job
        self.layout = layout
        self.settings: Settings = job.settings
        self.base_url = job.settings.base_url
        self.clean = strip_control_chars
        self._cards: dict[str, dict[str, Any]] = {}
        self._images: dict[str, dict[str, Any] | None] = {}
        self._tag_links: dict[str, dict[str, str]] = {}
        self._site: dict[str, Any] | None = None
        self.logo = self._logo()

    # -- shared pieces --------------------------------------------------------------

    def absolute(self, path: str) -> str | None:
        """The absolute URL of a site path, when base_url is set."""
        return absolute_url(self.base_url, path)

    def site(self) -> dict[str, Any]:
        """`site`: the newsroom's name, description, language, logo and languages."""
        if self._site is None:
            s = self.settings
            self._site = {
                "title": self.clean(s.title),
                "description": self.clean(s.description),
                "lang": s.lang,
                "base_url": s.base_url,
                "logo": self.logo,
                "languages": [{"code": code, "name": i18n.language_name(code), "path": f"{code}/"}
                              for code in self.layout.languages] if self.layout.multilingual else [],
                "has_tags": bool(self.layout.tags),
                "generator": f"pressctl {__version__}",
            }
        return self._site

    def _logo(self) -> str | None:
        logo = self.settings.logo
        if not logo:
            return None
        if logo.startswith("https://"):
            return logo
        found = self.job.resolver.local_file(str(Path("..") / logo), images_only=True)
        return found.rel if found is not None else None

    def card(self, item: Item) -> dict[str, Any]:
        """An article as lists show it: title, page, date, summary."""
        card = self._cards.get(item.slug)
        if card is None:
            if len(self._cards) >= CARD_CACHE:
                self._cards.clear()  # bounded: a newsroom of 100,000 articles stays small
            article = item.article
            lang = item.lang
            card = self._cards[item.slug] = {
                "slug": item.slug,
                "title": self.clean(article.title),
                "path": item.path,
                "lang": lang,
                "date": item.date.isoformat() if item.date else None,
                "date_text": i18n.format_date(item.date, lang) if item.date else "",
                "summary": self.summary(item),
                "category": category_label(self.clean(article.text("category"))),
            }
        return card

    def summary(self, item: Item) -> str:
        """The article's summary, else the first paragraph of its body."""
        summary = item.article.text("summary")
        if summary:
            return self.clean(summary)
        info = item.chosen.entry.body
        return info.first_paragraph if info else ""

    def page(self, page: Page, *, lang: str, title: str, description: str = "",
             kind: str = "website") -> dict[str, Any]:
        """`page`: what the page's head needs."""
        site_title = self.site()["title"]
        feeds = [{"type": "application/atom+xml", "title": site_title, "path": "feed.xml"},
                 {"type": "application/feed+json", "title": site_title, "path": "feed.json"}]
        if page.kind == "language":
            name = i18n.language_name(page.key)
            feeds = [{"type": "application/atom+xml", "title": f"{site_title} ({name})",
                      "path": f"{page.key}/feed.xml"},
                     {"type": "application/feed+json", "title": f"{site_title} ({name})",
                      "path": f"{page.key}/feed.json"}, *feeds]
        return {
            "path": page.path,
            "title": title,
            "description": description,
            "lang": lang,
            "canonical": self.absolute(page.path),
            "type": kind,
            "image": None,
            "alternates": [],
            "feeds": feeds,
            "noindex": False,
            "prev": None,
            "next": None,
        }

    def pagination(self, page: Page, base: str) -> dict[str, Any]:
        """`pagination`: the page number, the page count and the neighbours' paths."""

        def path(number: int) -> str:
            return base if number == 1 else f"{base}page/{number}/"

        numbers = sorted({1, page.count, *range(max(1, page.number - PAGINATION_WINDOW),
                                                 min(page.count, page.number + PAGINATION_WINDOW) + 1)})
        pages: list[dict[str, Any] | None] = []
        for n in numbers:
            if pages and pages[-1] is not None and n - pages[-1]["number"] > 1:
                pages.append(None)  # a gap: an ellipsis
            pages.append({"number": n, "path": path(n), "current": n == page.number})
        return {
            "number": page.number,
            "count": page.count,
            "prev": path(page.number - 1) if page.number > 1 else None,
            "next": path(page.number + 1) if page.number < page.count else None,
            "pages": pages,
        }

    # -- page contexts ------------------------------------------------------------------

    def context(self, page: Page) -> dict[str, Any]:
        """Everything PAGE's template gets (an article's body as a cache key, `body_key`)."""
        maker = getattr(self, f"_{page.kind}")
        ctx: dict[str, Any] = maker(page)
        return with_shared(ctx, self.site())

    def _listing(self, page: Page, heading: str, base: str, lang: str) -> dict[str, Any]:
        t = i18n.strings(lang)
        title = heading
        if page.number > 1:
            title += " · " + t["page_of"].format(n=page.number, count=page.count)
        head = self.page(page, lang=lang, title=f"{title} — {self.site()['title']}",
                         description=self.settings.description)
        pagination = self.pagination(page, base)
        head["prev"], head["next"] = pagination["prev"], pagination["next"]
        return {
            "page": head,
            "heading": heading,
            "articles": [self.card(i) for i in page.items],
            "pagination": pagination,
            "kind": page.kind,
        }

    def _home(self, page: Page) -> dict[str, Any]:
        lang = self.settings.lang
        ctx = self._listing(page, i18n.strings(lang)["latest"], "", lang)
        if page.number == 1:
            ctx["page"]["title"] = self.site()["title"]
        return ctx

    def _language(self, page: Page) -> dict[str, Any]:
        lang = page.key
        ctx = self._listing(page, i18n.strings(lang)["latest"], f"{lang}/", lang)
        ctx["language"] = {"code": lang, "name": i18n.language_name(lang)}
        return ctx

    def _tag(self, page: Page) -> dict[str, Any]:
        tag = self.layout.tags[page.key]
        lang = self.settings.lang
        name = self.clean(tag.name)
        heading = i18n.strings(lang)["tagged"].format(tag=name)
        ctx = self._listing(page, heading, tag.path, lang)
        ctx["tag"] = {"name": name, "slug": tag.slug, "path": tag.path, "count": len(tag.items)}
        return ctx

    def _tags(self, page: Page) -> dict[str, Any]:
        lang = self.settings.lang
        t = i18n.strings(lang)
        return {
            "page": self.page(page, lang=lang, title=f"{t['all_tags']} — {self.site()['title']}"),
            "tags": [{"name": self.clean(tag.name), "slug": tag.slug, "path": tag.path,
                      "count": len(tag.items)} for tag in self.layout.tags.values()],
        }

    def _redirect(self, page: Page) -> dict[str, Any]:
        target = page.target
        assert target is not None
        card = self.card(target)
        ctx = {
            "page": self.page(page, lang=target.lang, title=card["title"]),
            "target": {"title": card["title"], "path": target.path,
                       "url": self.absolute(target.path)},
        }
        ctx["page"]["canonical"] = self.absolute(target.path)
        ctx["page"]["noindex"] = True
        return ctx

    def _article(self, page: Page) -> dict[str, Any]:
        item = page.items[0]
        article = item.article
        card = self.card(item)  # its date is the published one, when there is one
        lang = item.lang
        published, updated = item.chosen.published, item.chosen.updated
        image = self.image(item)
        words = item.chosen.entry.body.words if item.chosen.entry.body else 0
        data = {
            "slug": item.slug,
            "path": item.path,
            "url": self.absolute(item.path),
            "title": card["title"],
            "summary": card["summary"] if article.text("summary") else "",
            "description": card["summary"],
            "lang": lang,
            "status": article.status,
            "live": item.live,
            "category": card["category"],
            "authors": [self.clean(a) for a in article.authors],
            "published": card["date"] if published else None,
            "published_text": card["date_text"] if published else "",
            "updated": updated.isoformat() if updated else None,
            "updated_text": i18n.format_date(updated, lang) if updated else "",
            "tags": [self.tag_link(t) for t in item.tags],
            "image": image,
            "word_count": words,
            "reading_minutes": reading_minutes(words),
        }
        translations = [{"lang": i.lang, "name": i18n.language_name(i.lang), "title": self.card(i)["title"],
                         "path": i.path, "current": i is item}
                        for i in self.layout.translations(item)]
        ctx_page = self.page(page, lang=lang, title=f"{data['title']} — {self.site()['title']}",
                             description=data["description"], kind="article")
        ctx_page["image"] = image["url"] if image else None
        ctx_page["noindex"] = not data["live"]
        ctx_page["alternates"] = [{"lang": tr["lang"], "href": self.absolute(tr["path"])
                                   or root_of(page.path) + tr["path"]} for tr in translations]
        ctx_page["og_title"] = data["title"]
        return {
            "page": ctx_page,
            "article": data,
            "body_key": self.job.html_key(item.chosen),
            "other_news": [self.card(i) for i in self.layout.other_news(item)],
            "translations": translations,
        }

    def tag_link(self, tag: Tag) -> dict[str, str]:
        """A tag as an article shows it: name, slug, page."""
        link = self._tag_links.get(tag.slug)
        if link is None:
            link = self._tag_links[tag.slug] = {"name": self.clean(tag.name), "slug": tag.slug,
                                                "path": tag.path}
        return link

    def image(self, item: Item) -> dict[str, Any] | None:
        """The article's `image`: its URL on the page, its absolute URL, alt text and credit."""
        if item.slug not in self._images:
            if len(self._images) >= CARD_CACHE:
                self._images.clear()
            self._images[item.slug] = self._image(item)
        return self._images[item.slug]

    def _image(self, item: Item) -> dict[str, Any] | None:
        image = item.article.meta.get("image")
        if not isinstance(image, dict) or not isinstance(image.get("src"), str):
            return None
        src: str = image["src"]
        absolute: str | None
        if src.startswith("https://"):
            page_src = absolute = src
        else:
            found = self.job.resolver.local_file(src, images_only=True)
            if found is None:
                return None
            rel = quote(found.rel, safe="/")
            page_src = "../../" + rel
            absolute = self.absolute(found.rel)
        return {
            "src": page_src,
            "url": absolute,
            "alt": self.clean(str(image.get("alt") or "")),
            "credit": self.clean(str(image.get("credit") or "")),
        }


# What every page's context holds alike, derived from the site and the page itself.
SHARED = frozenset({"site", "t", "root"})


def with_shared(context: dict[str, Any], site: dict[str, Any]) -> dict[str, Any]:
    """CONTEXT with the SHARED parts: `site`, `root` (the way up to the site root), `t` (strings)."""
    context["site"] = site
    context["root"] = root_of(context["page"]["path"])
    context["t"] = i18n.strings(context["page"]["lang"])
    return context


def kept(context: dict[str, Any]) -> str:
    """An article page's CONTEXT as the export state keeps it: JSON text, without the SHARED
    parts (`with_shared` puts them back)."""
    return _JSON.encode({k: v for k, v in context.items() if k not in SHARED})


def with_body(context: dict[str, Any], key: str, words: int) -> dict[str, Any]:
    """An article page's CONTEXT for another body of the same article: what comes of the
    body (its cache key, word count, reading time and the JSON-LD word count) replaced."""
    context["body_key"] = key
    context["article"]["word_count"] = words
    context["article"]["reading_minutes"] = reading_minutes(words)
    return context


def absolute_url(base_url: str | None, path: str) -> str | None:
    """The absolute URL of a site path, when there is a base_url."""
    if not base_url:
        return None
    return base_url + (path if _PLAIN_PATH.fullmatch(path) else quote(path, safe="/#"))


def category_label(category: str) -> str:
    """A category as readers see it: `press-release` -> `Press release`."""
    text = category.replace("-", " ").replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def json_ld(site: dict[str, Any], data: dict[str, Any]) -> str:
    """The article DATA (an article page's `article`) as a schema.org NewsArticle in JSON-LD,
    safe inside <script>: `<`, `>` and `&` escaped."""
    image = data["image"]
    doc: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": data["title"],
        "inLanguage": data["lang"],
    }
    if data["description"]:
        doc["description"] = data["description"]
    if data["published"]:
        doc["datePublished"] = data["published"]
        doc["dateModified"] = data["updated"] or data["published"]
    if data["authors"]:
        doc["author"] = [{"@type": "Person", "name": a} for a in data["authors"]]
    publisher: dict[str, Any] = {"@type": "Organization", "name": site["title"]}
    if site["logo"] and site["base_url"]:
        logo = (site["logo"] if site["logo"].startswith("https://")
                else absolute_url(site["base_url"], site["logo"]))
        publisher["logo"] = {"@type": "ImageObject", "url": logo}
    doc["publisher"] = publisher
    if data["url"]:
        doc["url"] = data["url"]
        doc["mainEntityOfPage"] = {"@type": "WebPage", "@id": data["url"]}
    if image and image["url"]:
        doc["image"] = [image["url"]]
    if data["category"]:
        doc["articleSection"] = data["category"]
    if data["tags"]:
        doc["keywords"] = [t["name"] for t in data["tags"]]
    doc["wordCount"] = data["word_count"]
    return script_json(doc)


_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def script_json(doc: object) -> str:
    """JSON that cannot end a <script> element or open a comment in it."""
    text = _JSON.encode(doc)
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def finish_context(context: dict[str, Any], body_html: str | None) -> dict[str, Any]:
    """Put the body HTML and the JSON-LD (made from `article` and `site`) into an article
    page's CONTEXT as markup (both are safe as they are)."""
    if "body_key" in context:
        context["article"]["body_html"] = Markup(body_html or "")
        context["jsonld"] = Markup(json_ld(context["site"], context["article"]))
    return context


__all__ = ["MEDIA_DIR", "SHARED", "TEMPLATES", "Contexts", "Theme", "absolute_url", "finish_context",
           "kept", "render", "with_body", "with_shared"]
