"""The diff of two versions says what a user expects of the common cleaning steps."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from modulardata.contracts.values import RetypedColumn
from modulardata.gateway.application.diffing import TableDiff, diff_tables

PEOPLE = pd.DataFrame(
    {
        "id": [1, 2, 3, 4, 5, 6],
        "name": [" ann lee", "bob ray ", "Cy Moe", "dee fox", "bob ray ", "Eve Lu"],
        "city": ["Oslo", None, "Lima", "Rome", None, "Oslo"],
        "age": [31.0, np.nan, 45.0, 28.0, np.nan, 52.0],
    }
)


def diff(before: pd.DataFrame, after: pd.DataFrame) -> dict[str, Any]:
    return asdict(diff_tables(table(before), table(after)))


def table(frame: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(frame, preserve_index=False)


def changes(**expected: Any) -> dict[str, Any]:
    """A diff of a 6-row table with nothing changed but `expected`."""
    nothing = TableDiff(6, 6, 0, 0, 0, [], [], [], {})
    return {**asdict(nothing), **expected}


def test_identical_tables_have_no_changes() -> None:
    assert diff(PEOPLE, PEOPLE.copy()) == changes()


def test_filling_missing_values_changes_only_those_cells() -> None:
    after = PEOPLE.assign(age=PEOPLE["age"].fillna(PEOPLE["age"].mean()))
    assert diff(PEOPLE, after) == changes(rows_changed=2, cells_changed={"age": 2})


def test_filling_missing_values_without_an_id_pairs_rows_by_position() -> None:
    before = PEOPLE.drop(columns="id")
    after = before.assign(city=before["city"].fillna("unknown"))
    assert diff(before, after) == changes(rows_changed=2, cells_changed={"city": 2})


def test_dropping_rows_with_a_missing_value_only_removes_rows() -> None:
    after = PEOPLE.dropna(subset=["city"])
    assert diff(PEOPLE, after) == changes(rows_after=4, rows_removed=2)


def test_dropping_duplicates_removes_the_repeats() -> None:
    before = pd.concat([PEOPLE, PEOPLE.iloc[[0, 2]], PEOPLE.iloc[[0]]], ignore_index=True)
    after = before.drop_duplicates()
    assert diff(before, after) == changes(rows_before=9, rows_removed=3)


def test_sorting_changes_nothing() -> None:
    assert diff(PEOPLE, PEOPLE.sort_values("name")) == changes()


def test_trimming_and_title_casing_changes_the_untidy_cells() -> None:
    before = PEOPLE.drop(columns="id")
    after = before.assign(name=before["name"].str.strip().str.title())
    assert diff(before, after) == changes(rows_changed=4, cells_changed={"name": 4})


def test_a_renamed_column_is_removed_and_added_and_changes_no_row() -> None:
    after = PEOPLE.rename(columns={"city": "town"})
    assert diff(PEOPLE, after) == changes(columns_added=["town"], columns_removed=["city"])


def test_an_int_column_cast_to_float_is_retyped_with_no_cell_changed() -> None:
    after = PEOPLE.astype({"id": "float64"})
    retyped = [RetypedColumn(name="id", before="int64", after="double")]
    assert diff(PEOPLE, after) == changes(columns_retyped=retyped)


def test_equal_values_of_another_type_are_no_change() -> None:
    moments = [datetime(2024, 5, 1, tzinfo=UTC), datetime(2024, 5, 2, tzinfo=UTC)]
    before = pa.table({"n": ["1", "2"], "when": pa.array(moments), "tag": ["a", "b"]})
    after = pa.table(
        {
            "n": [1, 2],
            "when": [date(2024, 5, 1), date(2024, 5, 2)],
            "tag": pa.array(["a", "b"]).dictionary_encode(),
        }
    )
    result = diff_tables(before, after)
    assert (result.rows_changed, result.cells_changed) == (0, {})
    assert [column.name for column in result.columns_retyped] == ["n", "when", "tag"]


def test_a_filter_and_an_edit_in_one_step_pair_rows_by_id() -> None:
    after = PEOPLE[PEOPLE["id"] != 3].copy()
    after.loc[after["id"].isin([1, 6]), "city"] = "Bergen"
    after.loc[after["id"] == 6, "age"] = 53.0
    assert diff(PEOPLE, after) == changes(
        rows_after=5,
        rows_removed=1,
        rows_changed=2,
        cells_changed={"city": 2, "age": 1},
    )


def test_rows_with_a_new_id_are_added_and_removed_not_changed() -> None:
    after = PEOPLE.assign(id=PEOPLE["id"].where(PEOPLE["id"] != 4, 40))
    after.loc[after["id"] == 1, "city"] = "Bergen"
    assert diff(PEOPLE, after) == changes(
        rows_added=1, rows_removed=1, rows_changed=1, cells_changed={"city": 1}
    )


def test_rows_that_cannot_be_paired_are_added_and_removed() -> None:
    before = PEOPLE.drop(columns="id")
    after = before.dropna(subset=["city"]).assign(city=lambda frame: frame["city"].str.upper())
    assert diff(before, after) == changes(rows_after=4, rows_added=4, rows_removed=6)


def test_nested_values_are_compared() -> None:
    before = pa.table({"tags": [["a"], ["b", "c"], None]})
    after = pa.table({"tags": [["a"], ["b"], None]})
    result = diff_tables(before, after)
    assert (result.rows_changed, result.cells_changed) == (1, {"tags": 1})


def test_empty_tables() -> None:
    empty = pa.table({"a": pa.array([], pa.int64())})
    assert diff_tables(empty, empty) == TableDiff(0, 0, 0, 0, 0, [], [], [], {})
    grown = diff_tables(empty, pa.table({"a": [1, 2], "b": ["x", "y"]}))
    assert (grown.rows_added, grown.columns_added) == (2, ["b"])


def test_a_hundred_thousand_rows_filtered_and_edited_are_paired_by_id() -> None:
    rows = 100_000
    rng = np.random.default_rng(7)
    before = pd.DataFrame(
        {f"c{i}": rng.integers(0, 1000, rows) for i in range(5)}
        | {f"s{i}": rng.choice(np.array(["alpha", "beta", None]), rows) for i in range(4)}
        | {"id": np.arange(rows)}
    )
    after = before[before["c0"] > 10].copy()
    after.loc[after.index[::7], "s0"] = "gamma"
    result = diff_tables(table(before), table(after))
    assert result.rows_removed == (before["c0"] <= 10).sum()
    changed = (before.loc[after.index[::7], "s0"] != "gamma").sum()
    assert result.rows_changed == result.cells_changed["s0"] == changed


def test_a_key_repeated_elsewhere_still_pairs_the_rows_left() -> None:
    before = pd.DataFrame({"id": [1, 2, 2], "name": [" ann", "bob", "bob"]})
    after = pd.DataFrame({"id": [1, 2], "name": ["ann", "bob"]})
    result = diff_tables(table(before), table(after))
    assert (result.rows_removed, result.rows_added, result.rows_changed) == (1, 0, 1)
    assert result.cells_changed == {"name": 1}
