"""The few words the site itself writes, in the page's language, and dates as people read them.

Languages without strings here get the English ones; templates can override any text.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

_EN: Final = {
    "skip": "Skip to content",
    "site_nav": "Site",
    "news": "News",
    "tags": "Tags",
    "feed": "Feed",
    "latest": "Latest news",
    "other_news": "Other news",
    "page_of": "page {n} of {count}",
    "pages": "Pages",
    "newer": "Newer articles",
    "older": "Older articles",
    "by": "By",
    "updated": "Updated",
    "reading": "{n} min read",
    "tagged": "Articles tagged “{tag}”",
    "all_tags": "All tags",
    "languages": "Languages",
    "translations": "Translations",
    "read_in": "Language:",
    "moved": "This article has moved",
    "preview": "Preview: this article is not live.",
    "credit": "Photo:",
    "empty": "No articles yet.",
    "article_tags": "Tags of this article",
    "count": "{n} articles",
}

STRINGS: Final[dict[str, dict[str, str]]] = {
    "en": _EN,
    "fr": {
        **_EN,
        "skip": "Aller au contenu",
        "site_nav": "Site",
        "news": "Actualités",
        "tags": "Thèmes",
        "feed": "Flux",
        "latest": "Dernières actualités",
        "other_news": "Autres actualités",
        "page_of": "page {n} sur {count}",
        "pages": "Pages",
        "newer": "Articles plus récents",
        "older": "Articles plus anciens",
        "by": "Par",
        "updated": "Mis à jour le",
        "reading": "{n} min de lecture",
        "tagged": "Articles sur le thème « {tag} »",
        "all_tags": "Tous les thèmes",
        "languages": "Langues",
        "translations": "Traductions",
        "read_in": "Langue :",
        "moved": "Cet article a été déplacé",
        "preview": "Aperçu : cet article n’est pas publié.",
        "credit": "Photo :",
        "empty": "Aucun article pour l’instant.",
        "article_tags": "Thèmes de cet article",
        "count": "{n} articles",
    },
    "de": {
        **_EN,
        "skip": "Zum Inhalt springen",
        "site_nav": "Website",
        "news": "Aktuelles",
        "tags": "Themen",
        "feed": "Feed",
        "latest": "Neueste Meldungen",
        "other_news": "Weitere Meldungen",
        "page_of": "Seite {n} von {count}",
        "pages": "Seiten",
        "newer": "Neuere Artikel",
        "older": "Ältere Artikel",
        "by": "Von",
        "updated": "Aktualisiert am",
        "reading": "{n} Min. Lesezeit",
        "tagged": "Artikel zum Thema „{tag}“",
        "all_tags": "Alle Themen",
        "languages": "Sprachen",
        "translations": "Übersetzungen",
        "read_in": "Sprache:",
        "moved": "Dieser Artikel ist umgezogen",
        "preview": "Vorschau: Dieser Artikel ist nicht veröffentlicht.",
        "credit": "Foto:",
        "empty": "Noch keine Artikel.",
        "article_tags": "Themen dieses Artikels",
        "count": "{n} Artikel",
    },
    "nl": {
        **_EN,
        "skip": "Naar de inhoud",
        "news": "Nieuws",
        "tags": "Thema’s",
        "latest": "Laatste nieuws",
        "other_news": "Ander nieuws",
        "page_of": "pagina {n} van {count}",
        "pages": "Pagina’s",
        "newer": "Nieuwere artikels",
        "older": "Oudere artikels",
        "by": "Door",
        "updated": "Bijgewerkt op",
        "reading": "{n} min. lezen",
        "tagged": "Artikels over “{tag}”",
        "all_tags": "Alle thema’s",
        "languages": "Talen",
        "translations": "Vertalingen",
        "read_in": "Taal:",
        "moved": "Dit artikel is verhuisd",
        "preview": "Voorbeeld: dit artikel is niet gepubliceerd.",
        "credit": "Foto:",
        "empty": "Nog geen artikels.",
        "article_tags": "Thema’s van dit artikel",
        "count": "{n} artikels",
    },
}

LANGUAGE_NAMES: Final = {
    "bg": "Български", "ca": "Català", "cs": "Čeština", "da": "Dansk", "de": "Deutsch",
    "el": "Ελληνικά", "en": "English", "es": "Español", "et": "Eesti", "eu": "Euskara",
    "fi": "Suomi", "fr": "Français", "ga": "Gaeilge", "gl": "Galego", "hr": "Hrvatski",
    "hu": "Magyar", "it": "Italiano", "lb": "Lëtzebuergesch", "lt": "Lietuvių", "lv": "Latviešu",
    "mt": "Malti", "nl": "Nederlands", "pl": "Polski", "pt": "Português", "ro": "Română",
    "sk": "Slovenčina", "sl": "Slovenščina", "sv": "Svenska", "uk": "Українська",
}

_MONTHS: Final = {
    "en": "January February March April May June July August September October November December",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "nl": "januari februari maart april mei juni juli augustus september oktober november december",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
    "it": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre",
}
_PATTERNS: Final = {"de": "{d}. {m} {y}", "es": "{d} de {m} de {y}"}


def base(lang: str) -> str:
    """The primary language subtag, lowercase: `pt-BR` -> `pt`."""
    return lang.split("-", 1)[0].lower()


def strings(lang: str) -> dict[str, str]:
    """The interface strings for LANG (English when there are none)."""
    return STRINGS.get(base(lang), _EN)


def language_name(lang: str) -> str:
    """The name of LANG in that language, else the tag itself."""
    return LANGUAGE_NAMES.get(lang.lower(), LANGUAGE_NAMES.get(base(lang), lang))


def format_date(moment: datetime, lang: str) -> str:
    """A date as readers of LANG write it: 19 April 2017, 19 avril 2017 …"""
    months = _MONTHS.get(base(lang))
    if months is None:
        return moment.date().isoformat()
    month = months.split()[moment.month - 1]
    pattern = _PATTERNS.get(base(lang), "{d} {m} {y}")
    return pattern.format(d=moment.day, m=month, y=moment.year)
