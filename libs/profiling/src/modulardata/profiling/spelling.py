"""Spellings of one value: case and whitespace variants, and clusters found by key collision.

Keys, after case folding: an accent-, punctuation- and word-order-free fingerprint; the
initials of a multi-word value, matched against an all-capitals short form ('New York City',
'NYC'); a name of the same country (ISO 3166 codes and names), in a column that holds
countries; and one typo (Levenshtein distance 1) away from a value at least five times as common.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from functools import cache

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from modulardata.contracts.profile import ValueCluster, ValueCount
from modulardata.profiling.countries import country_index

CLUSTER_LIMIT = 5000
"""Most distinct values a column may have for spelling clusters to be looked for."""
TYPO_LIMIT = 300
"""Most distinct spellings compared pairwise for typos."""

_STOPWORDS = frozenset({"of", "the", "and", "de", "la", "del", "da", "von", "van", "&"})
_PUNCTUATION = re.compile(r"[^\w\s]")


def case_variants(counts: dict[str, int]) -> list[ValueCluster]:
    """Values that are the same once trimmed and lower-cased, spelled more than one way."""
    groups: dict[str, list[str]] = defaultdict(list)
    for value in counts:
        groups[value.strip().casefold()].append(value)
    return [_cluster(members, counts) for members in groups.values() if len(members) > 1]


def spelling_clusters(counts: dict[str, int]) -> list[ValueCluster]:
    """Groups of case-variant groups that collide on a normalised key."""
    groups: dict[str, list[str]] = defaultdict(list)
    for value in counts:
        groups[value.strip().casefold()].append(value)
    weights = {key: sum(counts[v] for v in members) for key, members in groups.items()}
    parent = {key: key for key in groups}

    def root(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for linked in _collisions(groups, weights):
        first, *rest = linked
        for other in rest:
            parent[root(other)] = root(first)
    clusters: dict[str, list[str]] = defaultdict(list)
    for key in groups:
        clusters[root(key)].append(key)
    return [
        _cluster([value for key in keys for value in groups[key]], counts)
        for keys in clusters.values()
        if len(keys) > 1
    ]


def fingerprint(value: str) -> str:
    """Lower case, accents and punctuation removed, words sorted and deduplicated."""
    folded = unicodedata.normalize("NFKD", value.casefold())
    ascii_only = folded.encode("ascii", "ignore").decode()
    words = _PUNCTUATION.sub("", ascii_only).split()
    return " ".join(sorted(set(words)))


@cache
def country_of() -> dict[str, str]:
    """Fingerprint of any name of a country -> its alpha-3 code (built on first use)."""
    return country_index(fingerprint)


def _collisions(groups: dict[str, list[str]], weights: dict[str, int]) -> Iterable[list[str]]:
    by_key: dict[str, list[str]] = defaultdict(list)
    expansions: dict[str, list[str]] = defaultdict(list)
    abbreviations: dict[str, list[str]] = defaultdict(list)
    fingerprints = {key: fingerprint(key) for key in groups}
    country = country_of()
    countries = sum(f in country for f in fingerprints.values()) >= max(3, len(groups) / 2)
    for key, print_ in fingerprints.items():
        by_key[f"f:{print_}"].append(key)
        if countries and print_ in country:
            by_key[f"c:{country[print_]}"].append(key)
        if any(_is_abbreviation(spelling) for spelling in groups[key]):
            abbreviations[print_.replace(" ", "")].append(key)
        elif initials := _initials(key):
            expansions[initials].append(key)
    yield from (keys for keys in by_key.values() if len(keys) > 1)
    for letters, short in abbreviations.items():
        if letters in expansions:
            yield short + expansions[letters]
    if len(groups) <= TYPO_LIMIT:
        yield from _typos(fingerprints, weights)


def _initials(key: str) -> str | None:
    """The initials of a value of two words or more, short words like 'of' left out."""
    words = [word for word in _PUNCTUATION.sub("", key).split() if word not in _STOPWORDS]
    return "".join(word[0] for word in words) if len(words) >= 2 else None


def _is_abbreviation(spelling: str) -> bool:
    """Two to four capitals, maybe with dots: 'NYC', 'U.S.A.'."""
    letters = _PUNCTUATION.sub("", spelling.strip())
    return 2 <= len(letters) <= 4 and letters.isupper() and letters.isalpha()


def _typos(fingerprints: dict[str, str], weights: dict[str, int]) -> Iterable[list[str]]:
    keys = [key for key, print_ in fingerprints.items() if len(print_) >= 5]
    prints = [fingerprints[key] for key in keys]
    distances = process.cdist(prints, prints, scorer=Levenshtein.distance, score_cutoff=1)
    for common, rare in zip(*np.nonzero(distances == 1), strict=True):
        if weights[keys[rare]] * 5 <= weights[keys[common]]:
            yield [keys[common], keys[rare]]


def _cluster(values: list[str], counts: dict[str, int]) -> ValueCluster:
    ordered = sorted(values, key=lambda value: (-counts[value], value))
    return ValueCluster(
        canonical=ordered[0].strip(),
        variants=[ValueCount(value=value, count=counts[value]) for value in ordered],
    )
