"""spelling_clusters groups the ways a column spells one value: country names by ISO 3166,
typos of a much more common value."""

from __future__ import annotations

from modulardata.profiling.spelling import spelling_clusters


def _groups(counts: dict[str, int]) -> list[set[str]]:
    return [{v.value for v in cluster.variants} for cluster in spelling_clusters(counts)]


def test_the_spellings_of_the_united_states_are_one_country() -> None:
    counts = {"USA": 5, "U.S.": 2, "United States": 3, "united states of america": 1, "France": 4}
    assert _groups(counts) == [{"USA", "U.S.", "United States", "united states of america"}]


def test_any_iso_country_groups_by_its_codes_and_names() -> None:
    counts = {"Kenya": 6, "KE": 2, "KEN": 1, "Republic of Kenya": 1, "Viet Nam": 3, "Vietnam": 2}
    assert sorted(_groups(counts), key=len) == [
        {"Viet Nam", "Vietnam"},
        {"Kenya", "KE", "KEN", "Republic of Kenya"},
    ]


def test_native_and_colloquial_names_group_with_the_iso_name() -> None:
    counts = {
        "Germany": 4,
        "Deutschland": 2,
        "DE": 1,
        "United Kingdom": 3,
        "UK": 2,
        "Great Britain": 1,
        "Côte d'Ivoire": 1,
        "Ivory Coast": 1,
    }
    assert sorted(_groups(counts), key=sorted) == [
        {"Côte d'Ivoire", "Ivory Coast"},
        {"Germany", "Deutschland", "DE"},
        {"United Kingdom", "UK", "Great Britain"},
    ]


def test_codes_are_read_as_countries_only_in_a_column_of_countries() -> None:
    counts = {"Germany": 1, "DE": 1, "apple": 1, "pear": 1, "plum": 1, "cherry": 1, "fig": 1}
    assert _groups(counts) == []


def test_a_rare_value_one_typo_from_a_common_one_is_a_misspelling() -> None:
    assert _groups({"Frankfurt": 20, "Frankfurth": 1, "Frnkfurt": 3, "Hamburg": 9}) == [
        {"Frankfurt", "Frankfurth", "Frnkfurt"}
    ]
    assert _groups({"Frankfurt": 4, "Frankfurth": 1}) == []
