"""generate_profile sees what a person would fix first, on small and large tables alike."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from modulardata.contracts.limits import DatasetLimits
from modulardata.contracts.profile import Finding, Profile
from modulardata.ingestion.ingest import read_upload
from modulardata.profiling.profile import generate_profile

CUSTOMERS = Path(__file__).parents[3] / "examples" / "customers.csv"


@pytest.fixture(scope="module")
def customers(tmp_path_factory: pytest.TempPathFactory) -> Profile:
    folder = tmp_path_factory.mktemp("customers")
    ingested = read_upload(
        CUSTOMERS,
        filename=CUSTOMERS.name,
        workdir=folder,
        limits=DatasetLimits(),
    )
    return generate_profile(ingested.table, source=ingested.source)


def _finding(profile: Profile, kind: str, column: str | None) -> Finding:
    (found,) = [f for f in profile.findings if f.kind == kind and f.column == column]
    return found


def test_the_messy_customers_file_shows_its_problems(customers: Profile) -> None:
    assert (customers.row_count, customers.column_count) == (21, 8)
    assert customers.duplicate_row_count == 1
    assert _finding(customers, "duplicate_rows", None).fix is not None
    money = _finding(customers, "numbers_as_text", "lifetime_value")
    assert "$ sign" in money.message
    assert money.fix is not None
    assert (money.fix.kind, money.fix.params) == ("to_numeric", {"strip_characters": "$,"})
    berlin = _finding(customers, "case_variants", "city")
    assert berlin.message.startswith("'city' has 3 spellings of Berlin")
    germany = _finding(customers, "inconsistent_spellings", "country")
    assert germany.fix is not None
    assert germany.fix.params["replacements"] == [
        {"old": "DE", "new": "Germany"},
        {"old": "germany", "new": "Germany"},
    ]
    dates = _finding(customers, "mixed_date_formats", "signup_date")
    assert dates.fix is not None
    assert dates.fix.params == {"date_format": None, "day_first": True}
    assert "230" in _finding(customers, "outliers", "age").message
    assert "'chloe.martin@example'" in _finding(customers, "nonconforming_values", "email").message
    assert "19% missing" in _finding(customers, "missing_values", "age").message


def test_columns_get_semantic_types_and_statistics(customers: Profile) -> None:
    columns = {c.name: c for c in customers.columns}
    assert columns["email"].semantic_type == "email"
    assert columns["lifetime_value"].semantic_type == "currency"
    assert columns["lifetime_value"].null_like_count == 3
    age = columns["age"]
    assert (age.semantic_type, age.physical_type) == ("integer", "string")
    assert age.numeric is not None and age.numeric.max == 230
    assert age.outliers is not None and age.outliers.extreme_count == 1
    assert columns["signup_date"].datetime is not None
    assert columns["signup_date"].datetime.min == "2023-01-15"
    assert columns["name"].hygiene is not None
    assert columns["name"].hygiene.whitespace_count == 1
    assert columns["customer_id"].first_values == ["1001", "1002", "1003"]


def test_findings_are_ranked_by_importance(customers: Profile) -> None:
    severities = [f.severity for f in customers.findings]
    assert severities[0] == "high"
    assert severities.index("medium") < len(severities)


def test_a_dataframe_and_its_table_give_the_same_profile() -> None:
    frame = pd.DataFrame({"a": [1, 2, 2, None], "b": ["x", " y", "x", None]})
    assert generate_profile(frame) == generate_profile(pa.Table.from_pandas(frame))


def test_a_large_table_is_profiled_on_a_sample_where_values_are_mostly_distinct() -> None:
    rows = 200_000
    rng = np.random.default_rng(1)
    table = pa.table(
        {
            "email": [f"user{i}@example.com" for i in range(rows)],
            "city": pa.array(rng.choice(["Oslo", "oslo", "Lima"], rows)),
            "amount": pa.array(rng.normal(100, 10, rows)),
        }
    )
    doubled = pa.concat_tables([table, table.slice(0, 1234)])
    profile = generate_profile(doubled)
    email, city, amount = profile.columns
    assert email.distinct_approximate and email.sample_rows is not None
    assert abs(email.distinct_count - rows) < 0.02 * rows
    assert not city.distinct_approximate and city.distinct_count == 3
    assert city.hygiene is not None and len(city.hygiene.case_variants) == 1
    assert amount.numeric is not None and abs(amount.numeric.mean - 100) < 1
    assert profile.duplicate_row_count == 1234
    assert profile.duplicate_row_examples == [rows, rows + 1, rows + 2, rows + 3, rows + 4]


def test_an_empty_column_and_a_constant_one_are_findings() -> None:
    table = pa.table({"none": pa.nulls(3, pa.string()), "same": ["x", "x", "x"]})
    profile = generate_profile(table)
    assert profile.columns[0].semantic_type == "empty"
    assert _finding(profile, "empty_column", "none").fix is not None
    assert _finding(profile, "constant_column", "same").severity == "high"
