"""Quoted text in a request: a quoted column name is read as the column, and the planner's
internal markers for quoted values never reach a question, an explanation or a plan."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modulardata.agents.columns import ColumnInfo
from modulardata.agents.outcomes import Clarification, HeadMove, Outcome, Planned
from modulardata.agents.rules import RulePlanner
from modulardata.agents.rules.text import has_placeholder, quotes_restored, split_message

COLUMNS = [
    ColumnInfo("First Name", "str", ("Ann",)),
    ColumnInfo("age", "int64", ("3",)),
    ColumnInfo("city", "str", ("Oslo",)),
]
TEMPLATES = [
    "drop the {} column",
    "drop rows where {} is missing",
    "trim {}",
    "sort by {}",
    "lowercase {}",
    "fill missing {} with 0",
    "drop duplicates by {}",
    "remove {}",
    "rename {} to {}",
    "replace {} with {} in {}",
    "keep rows where city is {}",
    "convert {} to numbers",
    "make {} uppercase, then sort by {}",
]
QUOTES = ['"{}"', "'{}'", "`{}`", "“{}”"]


def _texts(outcome: Outcome) -> str:
    if isinstance(outcome, Clarification):
        return outcome.question
    if isinstance(outcome, Planned):
        return outcome.explanation  # (an operation refuses NUL itself)
    assert isinstance(outcome, HeadMove)
    return ""


@pytest.mark.parametrize(
    ("message", "column"),
    [
        ('drop the "age" column', "age"),
        ("trim 'First Name'", "First Name"),
        ("sort by `city`", "city"),
        ("drop rows where “age” is missing", "age"),
    ],
)
def test_a_quoted_column_name_is_the_column(message: str, column: str) -> None:
    outcome = RulePlanner().plan(message, COLUMNS)
    assert isinstance(outcome, Planned), outcome
    assert outcome.plan.referenced_columns() == (column,)


@pytest.mark.parametrize("quote", QUOTES)
def test_a_quoted_column_the_table_lacks_is_named_as_typed(quote: str) -> None:
    outcome = RulePlanner().plan(f"drop rows where {quote.format('email')} is missing", COLUMNS)
    assert isinstance(outcome, Clarification)
    assert outcome.question.startswith("I couldn't find a column called 'email'.")


@pytest.mark.parametrize(
    "message",
    [
        'rename "email" to "mail"',
        "rename email to mail",
        'convert "email" to dates',
        "convert email to numbers",
        'keep rows where "city" is Oslo and "email" is x',
        "keep rows where city is Oslo and email is x",
    ],
)
def test_a_column_the_table_lacks_is_asked_about_never_read_as_a_value(message: str) -> None:
    outcome = RulePlanner().plan(message, COLUMNS)
    assert isinstance(outcome, Clarification), outcome
    assert outcome.question.startswith("I couldn't find a column called 'email'.")


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ('rename "city" to "town"', "Rename 'city' to 'town'."),
        ('convert "age" to text', "Change 'age' to type string."),
        ('rename "Oslo" to "Bergen"', 'Replace "Oslo" with "Bergen" in \'city\'.'),
        (
            "keep rows where city is Tom and Jerry",
            "Keep only rows where 'city' is \"Tom and Jerry\".",
        ),
    ],
)
def test_a_quoted_column_is_renamed_or_converted_and_a_quoted_value_replaced(
    message: str, expected: str
) -> None:
    outcome = RulePlanner().plan(message, COLUMNS)
    assert isinstance(outcome, Planned), outcome
    assert outcome.explanation == expected


@settings(max_examples=300, deadline=None)
@given(
    template=st.sampled_from(TEMPLATES),
    quote=st.sampled_from(QUOTES),
    words=st.lists(
        st.text(st.characters(blacklist_characters="\"'`“”‘’\x00"), max_size=12),
        min_size=3,
        max_size=3,
    ),
)
def test_no_quote_marker_ever_leaves_the_planner(
    template: str, quote: str, words: list[str]
) -> None:
    message = template.format(*(quote.format(word) for word in words))
    assert "\x00" not in _texts(RulePlanner().plan(message, COLUMNS))


def test_a_phrase_written_from_a_clause_gets_its_quoted_text_back() -> None:
    message = "trim 'a b' then sort by \"c\""
    clause = split_message(message)[1]
    assert has_placeholder(clause.text)
    restored = quotes_restored(message, f"Which column is {clause.text}?")
    assert restored == "Which column is sort by c?"
    assert not has_placeholder(restored)
