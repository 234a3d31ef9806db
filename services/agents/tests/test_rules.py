"""The rule planner's parts: fuzzy column names, quoted values, conversation references and the
questions it asks instead of guessing."""

from __future__ import annotations

import pytest

from modulardata.agents.columns import ColumnInfo
from modulardata.agents.exceptions import AmbiguousColumn, UnknownColumn
from modulardata.agents.outcomes import Clarification, HeadMove, Planned
from modulardata.agents.rules import RulePlanner
from modulardata.agents.rules.matching import ColumnMatcher
from modulardata.agents.rules.planner import CAPABILITIES
from modulardata.contracts.commands import ChatTurn

COLUMNS = [
    ColumnInfo("customer_id", "int64", ("1001", "1002")),
    ColumnInfo("First Name", "str", ("Ann",)),
    ColumnInfo("last_name", "str", ("Lee",)),
    ColumnInfo("email", "str", ("a@b.co",)),
    ColumnInfo("city", "str", ("Berlin", "Paris")),
    ColumnInfo("signup_date", "str", ("2023-01-15",)),
    ColumnInfo("price", "str", ("$1,250.00", "$3")),
]
MATCHER = ColumnMatcher(COLUMNS)


@pytest.mark.parametrize(
    ("phrase", "column"),
    [
        ("email", "email"),
        ("EMAIL", "email"),
        ("the emails column", "email"),
        ("e-mail", "email"),
        ("emial", "email"),
        ("Cities", "city"),
        ("first name", "First Name"),
        ("first_name", "First Name"),
        ("FirstName", "First Name"),
        ("signup dates", "signup_date"),
        ("signupdate", "signup_date"),
        ("sign up date", "signup_date"),
        ("id", "customer_id"),
        ("prices", "price"),
    ],
)
def test_column_names_match_loosely(phrase: str, column: str) -> None:
    assert MATCHER.resolve(phrase) == column


def test_a_phrase_naming_several_columns_is_ambiguous() -> None:
    with pytest.raises(AmbiguousColumn) as raised:
        MATCHER.resolve("name")
    assert set(raised.value.candidates) == {"First Name", "last_name"}


@pytest.mark.parametrize("phrase", ["salary", "cty of birth", "ab"])
def test_an_unknown_phrase_is_not_forced_onto_a_column(phrase: str) -> None:
    with pytest.raises(UnknownColumn):
        MATCHER.resolve(phrase)


def test_lists_and_all_columns() -> None:
    assert MATCHER.resolve_many("email, city and price") == ("email", "city", "price")
    assert MATCHER.resolve_many("all columns") == ()


def plan(text: str, history: list[ChatTurn] | None = None) -> str:
    outcome = RulePlanner().plan(text, COLUMNS, history or [])
    assert isinstance(outcome, Planned), outcome
    return outcome.plan.compile()


def test_quoted_values_keep_their_case_and_spaces() -> None:
    assert plan("replace 'Berlin ' with \"BERLIN, DE\" in city") == (
        'df["city"] = df["city"].replace({"Berlin ": "BERLIN, DE"})'
    )


def test_unquoted_values_are_read_as_written() -> None:
    assert plan("fill missing city with New York") == 'df["city"] = df["city"].fillna("New York")'
    assert plan("keep rows where price is at least 1,000") == (
        'df["price"] = pd.to_numeric(df["price"].str.replace(r"[$,]", "", regex=True), '
        'errors="coerce")\ndf = df[df["price"] >= 1000]'
    )


def test_a_column_named_in_a_request_keeps_its_exact_name() -> None:
    assert plan("drop the first name column") == 'df = df.drop(columns=["First Name"])'


@pytest.mark.parametrize(
    ("text", "move"),
    [
        ("undo", HeadMove("undo")),
        ("Undo that please", HeadMove("undo")),
        ("oops, go back", HeadMove("undo")),
        ("revert the last 3 changes", HeadMove("undo", 3)),
        ("redo", HeadMove("redo")),
        ("put it back", HeadMove("redo")),
    ],
)
def test_undo_and_redo_move_the_head(text: str, move: HeadMove) -> None:
    assert RulePlanner().plan(text, COLUMNS) == move


def test_the_same_for_another_column_repeats_the_latest_plan() -> None:
    first = RulePlanner().plan("trim spaces in email", COLUMNS)
    assert isinstance(first, Planned)
    history = [
        ChatTurn(role="user", text="trim spaces in email"),
        ChatTurn(role="assistant", text=first.explanation, plan=first.plan),
    ]
    assert plan("same for city and the first name", history) == (
        'df["city"] = df["city"].str.strip()\ndf["First Name"] = df["First Name"].str.strip()'
    )


def test_the_same_without_an_earlier_plan_is_not_understood() -> None:
    outcome = RulePlanner().plan("do the same for city", COLUMNS)
    assert isinstance(outcome, Clarification) and outcome.reason == "not_understood"


def test_an_ambiguous_column_gets_a_question_listing_the_candidates() -> None:
    outcome = RulePlanner().plan("lowercase the name", COLUMNS)
    assert outcome == Clarification(
        "Which column do you mean by 'name': 'First Name' or 'last_name'?", "ambiguous"
    )


def test_a_request_it_cannot_read_gets_the_list_of_what_it_can_do() -> None:
    outcome = RulePlanner().plan("make the data sparkle", COLUMNS)
    assert outcome == Clarification(CAPABILITIES, "not_understood")


def test_an_unknown_column_is_named_with_the_columns_there_are() -> None:
    outcome = RulePlanner().plan("drop the salary column", COLUMNS)
    assert isinstance(outcome, Clarification)
    assert "'salary'" in outcome.question and "'signup_date'" in outcome.question


@pytest.mark.parametrize(
    ("answer", "column"),
    [
        ("last_name", "last_name"),
        ("the First Name one", "First Name"),
        ("I mean 'last_name'", "last_name"),
        ("first", "First Name"),
    ],
)
def test_the_answer_to_which_column_completes_the_earlier_message(answer: str, column: str) -> None:
    planner = RulePlanner()
    asked = planner.plan("trim whitespace in name", COLUMNS)
    assert isinstance(asked, Clarification) and asked.reason == "ambiguous"
    history = (
        ChatTurn(role="user", text="trim whitespace in name"),
        ChatTurn(role="assistant", text=asked.question),
    )
    answered = planner.plan(answer, COLUMNS, history)
    assert isinstance(answered, Planned), answered
    assert answered.plan.referenced_columns() == (column,)


def test_an_answer_that_is_no_option_is_read_as_a_new_message() -> None:
    planner = RulePlanner()
    asked = planner.plan("trim whitespace in name", COLUMNS)
    assert isinstance(asked, Clarification)
    history = (
        ChatTurn(role="user", text="trim whitespace in name"),
        ChatTurn(role="assistant", text=asked.question),
    )
    other = planner.plan("drop the email column", COLUMNS, history)
    assert isinstance(other, Planned) and other.plan.referenced_columns() == ("email",)
    unclear = planner.plan("city", COLUMNS, history)
    assert isinstance(unclear, Clarification)
