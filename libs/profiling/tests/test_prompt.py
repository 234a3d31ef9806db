"""to_prompt always fits its budget, drops whole lines by priority and can mask personal data."""

from __future__ import annotations

import pyarrow as pa
import pytest

from modulardata.contracts.profile import Profile
from modulardata.profiling.profile import generate_profile
from modulardata.profiling.prompt import estimate_tokens, to_prompt


@pytest.fixture(scope="module")
def profile() -> Profile:
    rows = 50
    table = pa.table(
        {
            "email": [f"person{i}@example.com" for i in range(rows)],
            "phone": [f"+49 30 {1000000 + i}" for i in range(rows)],
            "city": ["Berlin", "berlin", "Berlin ", "Paris", None] * (rows // 5),
            **{f"extra_{i}": list(range(rows)) for i in range(40)},
        }
    )
    return generate_profile(table)


def test_the_full_text_names_every_column_and_finding(profile: Profile) -> None:
    text = to_prompt(profile, max_tokens=100_000)
    for column in profile.columns:
        assert f"- {column.name} (" in text
    for finding in profile.findings:
        assert finding.message in text
    assert "fix: replace_values(column='city'" in text


@pytest.mark.parametrize("budget", [20, 50, 120, 300, 600, 1200, 2500, 5000])
def test_the_text_always_fits_and_keeps_whole_lines(profile: Profile, budget: int) -> None:
    full_lines = set()
    for detail_budget in (100_000, 2500, 1200, 600):
        full_lines |= set(to_prompt(profile, max_tokens=detail_budget).splitlines())
    text = to_prompt(profile, max_tokens=budget)
    assert estimate_tokens(text) <= budget
    column_lines = [line for line in text.splitlines() if line.startswith("- ") and "(" in line]
    for line in column_lines:
        assert line in full_lines or line.startswith("- ... "), line
    if budget >= 300:
        assert text.startswith("Dataset: 50 rows x 43 columns")


def test_a_tighter_budget_never_gives_a_longer_text(profile: Profile) -> None:
    lengths = [estimate_tokens(to_prompt(profile, max_tokens=b)) for b in (5000, 1200, 300, 50)]
    assert lengths == sorted(lengths, reverse=True)


def test_personal_data_can_be_masked(profile: Profile) -> None:
    plain = to_prompt(profile, max_tokens=100_000)
    masked = to_prompt(profile, max_tokens=100_000, mask_pii=True)
    assert "person0@example.com" in plain and "+49 30 1000000" in plain
    assert "@example.com" not in masked and "+49 30" not in masked
    assert "<email>" in masked and "<phone>" in masked


def test_the_token_estimate_is_conservative() -> None:
    text = "The quick brown fox jumps over 12345 lazy dogs, twice!"
    assert estimate_tokens(text) >= len(text.split()) + 2
    assert estimate_tokens("") == 0
