"""Every operation kind compiles to a snippet that, run with plain `exec`, gives the right frame."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, get_args

import numpy as np
import pandas as pd
import pytest
from pydantic import TypeAdapter, ValidationError

from modulardata.contracts import operations as ops


def frame() -> pd.DataFrame:
    """A small messy table: stray spaces, placeholders, money and dates as text, a duplicate."""
    return pd.DataFrame(
        {
            "name": [" Ann Lee ", "bob  ray", None, "bob  ray"],
            "age": ["34", "n/a", "29", "n/a"],
            "price": ["$1,250.50", "$3", None, "$3"],
            "day": ["2023-01-15", "15/02/2023", None, "15/02/2023"],
            "n": [1.25, None, 3.5, None],
            "active": ["Yes", "no", "Y", "no"],
        }
    )


def run(operation: ops.Operation, df: pd.DataFrame) -> pd.DataFrame:
    namespace = {"df": df.copy(), "pd": pd, "np": np}
    exec(operation.compile(), namespace)  # our own compiled snippet, on test data
    result = namespace["df"]
    assert isinstance(result, pd.DataFrame)
    return result


def with_column(name: str, values: Any) -> Callable[[pd.DataFrame], pd.DataFrame]:
    return with_columns(**{name: values})


def with_columns(**columns: Any) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def expected(df: pd.DataFrame) -> pd.DataFrame:
        for name, values in columns.items():
            df[name] = values
        return df

    return expected


CASES: list[tuple[ops.Operation, Callable[[pd.DataFrame], pd.DataFrame]]] = [
    (ops.DropNulls(columns=("name",)), lambda df: df.iloc[[0, 1, 3]]),
    (ops.DropNulls(), lambda df: df.iloc[[0]]),
    (ops.DropNulls(columns=("name", "price"), how="all"), lambda df: df.iloc[[0, 1, 3]]),
    (ops.FillNulls(columns=("n",), strategy="value", value=0), with_column("n", [1.25, 0, 3.5, 0])),
    (ops.FillNulls(columns=("n",), strategy="mean"), with_column("n", [1.25, 2.375, 3.5, 2.375])),
    (ops.FillNulls(columns=("n",), strategy="median"), with_column("n", [1.25, 2.375, 3.5, 2.375])),
    (ops.FillNulls(columns=("age",), strategy="mode"), lambda df: df),
    (ops.FillNulls(columns=("n",), strategy="forward"), with_column("n", [1.25, 1.25, 3.5, 3.5])),
    (ops.FillNulls(columns=("n",), strategy="backward"), with_column("n", [1.25, 3.5, 3.5, None])),
    (
        ops.TrimWhitespace(columns=("name",)),
        with_column("name", ["Ann Lee", "bob  ray", None, "bob  ray"]),
    ),
    (
        ops.TrimWhitespace(collapse_inner=True),
        with_column("name", ["Ann Lee", "bob ray", None, "bob ray"]),
    ),
    (
        ops.ChangeCase(columns=("active",), case="upper"),
        with_column("active", ["YES", "NO", "Y", "NO"]),
    ),
    (
        ops.ChangeCase(columns=("name",), case="title"),
        with_column("name", [" Ann Lee ", "Bob  Ray", None, "Bob  Ray"]),
    ),
    (ops.RenameColumn(column="n", new_name="score"), lambda df: df.rename(columns={"n": "score"})),
    (ops.DropColumns(columns=("age", "n")), lambda df: df[["name", "price", "day", "active"]]),
    (ops.SelectColumns(columns=("n", "name")), lambda df: df[["n", "name"]]),
    (
        ops.MoveColumn(column="active", position="first"),
        lambda df: df[["active", "name", "age", "price", "day", "n"]],
    ),
    (ops.MoveColumn(column="name", position="last"), lambda df: df[[*df.columns[1:], "name"]]),
    (ops.DropDuplicates(), lambda df: df.iloc[[0, 1, 2]]),
    (ops.DropDuplicates(columns=("age",), keep="last"), lambda df: df.iloc[[0, 2, 3]]),
    (
        ops.FilterRows(
            conditions=(ops.Condition(column="age", op="gt", value=30, as_number=True),)
        ),
        lambda df: df.iloc[[0]],
    ),
    (
        ops.FilterRows(
            conditions=(
                ops.Condition(column="active", op="eq", value="no ", ignore_case=True),
                ops.Condition(column="n", op="is_null"),
            ),
            keep=False,
        ),
        lambda df: df.iloc[[0, 2]],
    ),
    (
        ops.FilterRows(
            conditions=(
                ops.Condition(column="name", op="contains", value="Ann"),
                ops.Condition(column="n", op="between", value=(3, 4)),
            ),
            combine="any",
        ),
        lambda df: df.iloc[[0, 2]],
    ),
    (
        ops.FilterRows(conditions=(ops.Condition(column="active", op="in", value=("Y", "Yes")),)),
        lambda df: df.iloc[[0, 2]],
    ),
    (
        ops.FilterRows(conditions=(ops.Condition(column="day", op="matches", value=r"\d{4}-.*"),)),
        lambda df: df.iloc[[0]],
    ),
    (
        ops.SetMissingWhere(column="n", condition=ops.Condition(column="n", op="gt", value=3)),
        with_column("n", [1.25, None, None, None]),
    ),
    (
        ops.ReplaceValues(
            columns=("active",),
            replacements=(ops.Replacement(old="Y", new="Yes"), ops.Replacement(old="no", new=None)),
        ),
        with_column("active", ["Yes", None, "Yes", None]),
    ),
    (
        ops.ReplaceText(columns=("name",), old="  ", new=" "),
        with_column("name", [" Ann Lee ", "bob ray", None, "bob ray"]),
    ),
    (ops.StandardizeMissing(), with_column("age", ["34", None, "29", None])),
    (
        ops.StandardizeMissing(columns=("age",), tokens=("34",)),
        with_column("age", [None, "n/a", "29", "n/a"]),
    ),
    (
        ops.ToNumeric(columns=("price",), strip_characters="$,"),
        with_column("price", [1250.5, 3.0, None, 3.0]),
    ),
    (ops.ToNumeric(columns=("age",)), with_column("age", [34.0, None, 29.0, None])),
    (
        ops.ToDatetime(columns=("day",)),
        with_column(
            "day", pd.to_datetime(pd.Series(["2023-01-15", "2023-02-15", None, "2023-02-15"]))
        ),
    ),
    (
        ops.FormatDatetime(columns=("day",), date_format="%d.%m.%Y"),
        with_column("day", ["15.01.2023", "15.02.2023", None, "15.02.2023"]),
    ),
    (ops.CastType(columns=("n",), dtype="string"), with_column("n", ["1.25", None, "3.5", None])),
    (
        ops.ToBoolean(columns=("active",)),
        with_column("active", pd.array([True, False, True, False], dtype="boolean")),
    ),
    (ops.RoundNumbers(columns=("n",), decimals=1), with_column("n", [1.2, None, 3.5, None])),
    (ops.ClipValues(column="n", upper=2), with_column("n", [1.25, None, 2.0, None])),
    (ops.RemoveOutliers(column="n"), lambda df: df),
    (ops.RemoveOutliers(column="n", factor=0.1), lambda df: df.iloc[[1, 3]]),
    (
        ops.SplitColumn(column="name", into=("first", "last")),
        with_columns(first=["Ann", "bob", None, "bob"], last=["Lee ", "ray", None, "ray"]),
    ),
    (
        ops.SplitColumn(column="day", separator="/", into=("a", "b", "c"), drop_original=True),
        lambda df: with_columns(
            a=["2023-01-15", "15", None, "15"],
            b=[None, "02", None, "02"],
            c=[None, "2023", None, "2023"],
        )(df).drop(columns=["day"]),
    ),
    (
        ops.ConcatColumns(columns=("age", "active"), into="both", separator="/"),
        with_column("both", ["34/Yes", "n/a/no", "29/Y", "n/a/no"]),
    ),
    (
        ops.ExtractPattern(column="price", pattern=r"\$(\d+)", into="dollars"),
        with_column("dollars", ["1", "3", None, "3"]),
    ),
    (
        ops.ExtractDatePart(column="day", part="month", into="month"),
        with_column("month", [1.0, 2.0, None, 2.0]),
    ),
    (
        ops.DeriveColumn(column="double", expression="`n` * 2 + 1"),
        with_column("double", [3.5, None, 8.0, None]),
    ),
    (ops.AddConstantColumn(column="source", value="web"), with_column("source", "web")),
    (ops.SortRows(columns=("n",), descending=True), lambda df: df.iloc[[2, 0, 1, 3]]),
    (ops.LimitRows(count=2), lambda df: df.iloc[:2]),
    (ops.LimitRows(count=1, from_end=True), lambda df: df.iloc[3:]),
    (ops.DropSparseColumns(max_missing=0.25), lambda df: df.drop(columns=["n"])),
    (ops.DropEmptyColumns(), lambda df: df),
    (
        ops.RenameColumnsStyle(style="upper"),
        lambda df: df.set_axis([c.upper() for c in df.columns], axis="columns"),
    ),
    (
        ops.CustomSnippet(code="df = df.iloc[::-1]", description="Reverse the rows."),
        lambda df: df.iloc[::-1],
    ),
]


@pytest.mark.parametrize(
    ("operation", "expected"), CASES, ids=[f"{i}-{op.kind}" for i, (op, _) in enumerate(CASES)]
)
def test_the_snippet_does_what_the_operation_says(
    operation: ops.Operation, expected: Callable[[pd.DataFrame], pd.DataFrame]
) -> None:
    pd.testing.assert_frame_equal(run(operation, frame()), expected(frame()))
    assert operation.describe().endswith(".")


def test_every_kind_is_covered() -> None:
    kinds = {cls.model_fields["kind"].default for cls in get_args(get_args(ops.Operation)[0])}
    assert len(kinds) >= 25
    assert {op.kind for op, _ in CASES} == kinds


def test_column_names_are_snake_cased() -> None:
    df = pd.DataFrame({" First Name": [1], "Lifetime Value ($)": [2], "ID": [3]})
    result = run(ops.RenameColumnsStyle(style="snake"), df)
    assert list(result.columns) == ["first_name", "lifetime_value", "id"]
    result = run(ops.RenameColumnsStyle(style="title"), pd.DataFrame({"signup_date": [1]}))
    assert list(result.columns) == ["Signup Date"]


def test_a_plan_compiles_in_order_and_survives_json() -> None:
    plan = ops.Plan(
        operations=(
            ops.StandardizeMissing(columns=("age",)),
            ops.ToNumeric(columns=("age",)),
            ops.FilterRows(conditions=(ops.Condition(column="age", op="ge", value=30),)),
        )
    )
    code = plan.compile()
    assert code.splitlines() == [
        'df["age"] = df["age"].replace(["n/a", "N/A", "NA", "na", "null", "NULL", "None", "none", '
        '"-", "?"], np.nan)',
        'df["age"] = pd.to_numeric(df["age"], errors="coerce")',
        'df = df[df["age"] >= 30]',
    ]
    assert ops.Plan.model_validate_json(plan.model_dump_json()) == plan
    assert "Convert 'age' to numbers." in plan.describe()


def test_retarget_moves_a_plan_to_other_columns() -> None:
    plan = ops.Plan(
        operations=(
            ops.TrimWhitespace(columns=("name",)),
            ops.FilterRows(conditions=(ops.Condition(column="name", op="not_null"),)),
            ops.DeriveColumn(column="x", expression="`name` * 2"),
            ops.ClipValues(column="name", lower=0),
        )
    )
    assert plan.referenced_columns() == ("name",)
    moved = plan.retarget({"name": "city"})
    assert moved.referenced_columns() == ("city",)
    assert "name" not in moved.compile()
    assert moved.compile().count('df["city"]') == 6


def test_values_are_quoted_safely() -> None:
    tricky = 'it\'s "quoted" \\ and\nnew'
    operation = ops.FilterRows(conditions=(ops.Condition(column="a b", op="eq", value=tricky),))
    result = run(operation, pd.DataFrame({"a b": [tricky, "x"]}))
    assert result["a b"].tolist() == [tricky]


@pytest.mark.parametrize(
    "expression", ["__import__('os')", "`a`.sum()", "a + 1", "[1, 2]", "`a` if 1 else 2"]
)
def test_derived_columns_allow_only_arithmetic(expression: str) -> None:
    with pytest.raises(ValidationError):
        ops.DeriveColumn(column="x", expression=expression)


def test_a_pattern_without_a_group_is_refused() -> None:
    with pytest.raises(ValidationError):
        ops.ExtractPattern(column="a", pattern=r"\d+", into="b")


def test_the_union_decodes_by_kind() -> None:
    adapter: TypeAdapter[ops.Operation] = TypeAdapter(ops.Operation)
    decoded = adapter.validate_python({"kind": "round_numbers", "columns": ["n"], "decimals": 2})
    assert decoded == ops.RoundNumbers(columns=("n",), decimals=2)
    with pytest.raises(ValidationError):
        adapter.validate_python({"kind": "format_disk"})
