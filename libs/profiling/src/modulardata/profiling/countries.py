"""Every name a country goes by, from ISO 3166 (pycountry): codes, short, official and common
names, the names in the languages customer tables are often written in, and a few colloquial
names the standard lacks."""

from __future__ import annotations

import gettext
from collections import defaultdict
from collections.abc import Callable, Iterator

import pycountry

LANGUAGES = tuple("cs da de es fi fr ga hu it nb_NO nl pl pt sv tr".split())
"""Locales whose names count too ('Deutschland', 'España', 'Österreich', 'Česko', 'Éire')."""

COLLOQUIAL: dict[str, tuple[str, ...]] = {
    "ARE": ("uae",),
    "CHN": ("prc",),
    "CIV": ("ivory coast",),
    "CPV": ("cape verde",),
    "GBR": ("uk", "great britain", "britain"),
    "KOR": ("korea",),
    "NLD": ("the netherlands", "holland"),
    "RUS": ("russia",),
    "SWZ": ("swaziland",),
    "TUR": ("turkey",),
    "USA": ("america",),
}
"""Alpha-3 code -> everyday names ISO 3166 does not carry."""


def country_index(key: Callable[[str], str]) -> dict[str, str]:
    """`key(name)` -> alpha-3 code for every name of every country. ISO's own names and the
    colloquial ones win over translations; a translated name two countries share is left out."""
    index = {key(name): code for name, code in _own_names()}
    translated: dict[str, set[str]] = defaultdict(set)
    for name, code in _translated_names():
        translated[key(name)].add(code)
    for name, codes in translated.items():
        if name not in index and len(codes) == 1:
            index[name] = codes.pop()
    return index


def _names(country: object) -> Iterator[str]:
    for attribute in ("name", "official_name", "common_name"):
        if name := getattr(country, attribute, None):
            yield name


def _own_names() -> Iterator[tuple[str, str]]:
    for country in pycountry.countries:
        yield country.alpha_2, country.alpha_3
        yield country.alpha_3, country.alpha_3
        for name in _names(country):
            yield name, country.alpha_3
    for code, names in COLLOQUIAL.items():
        for name in names:
            yield name, code


def _translated_names() -> Iterator[tuple[str, str]]:
    for language in LANGUAGES:
        catalog = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language])
        for country in pycountry.countries:
            for name in _names(country):
                yield catalog.gettext(name), country.alpha_3
