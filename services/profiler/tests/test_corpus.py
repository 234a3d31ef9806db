"""Every file of the corpus is read correctly, or refused with the right code and message."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from modulardata.contracts.limits import DatasetLimits, LimitExceeded
from modulardata.ingestion.exceptions import IngestionError
from modulardata.profiler.pipeline import convert_upload
from tests.data.corpus import CASES, MAX_ROWS, Case

LIMITS = DatasetLimits(rows=MAX_ROWS)


@pytest.mark.parametrize("case", [c for c in CASES if not c.refused], ids=lambda c: c.name)
def test_readable_files_become_tables(case: Case, tmp_path: Path) -> None:
    source = tmp_path / case.name
    source.write_bytes(case.content)
    destination = tmp_path / "version.parquet"
    ingested, profile = convert_upload(
        source, destination, filename=case.name, workdir=tmp_path, limits=LIMITS
    )
    stored = pq.read_table(destination)
    assert stored.equals(ingested.table)
    assert (stored.num_rows, stored.column_names) == (case.rows, case.columns)
    first = stored.slice(0, 1).to_pylist()[0]
    assert {key: first[key] for key in case.first_row} == case.first_row
    report = ingested.source.model_dump()
    for key, expected in case.source.items():
        if key == "renamed_columns":
            renamed = [(r["position"], r["original"], r["name"]) for r in report[key]]
            assert renamed == expected
        elif key == "quarantined_lines":
            assert [row["line"] for row in report["quarantined_rows"]] == expected
        else:
            assert report[key] == expected, key
    assert [column.name for column in profile.columns] == case.columns
    assert profile.source == ingested.source


@pytest.mark.parametrize("case", [c for c in CASES if c.refused], ids=lambda c: c.name)
def test_unreadable_files_are_refused_with_a_reason(case: Case, tmp_path: Path) -> None:
    source = tmp_path / case.name
    source.write_bytes(case.content)
    destination = tmp_path / "version.parquet"
    with pytest.raises((IngestionError, LimitExceeded)) as refused:
        convert_upload(source, destination, filename=case.name, workdir=tmp_path, limits=LIMITS)
    assert getattr(refused.value, "code", None) == case.code
    assert case.reason is not None and case.reason in str(refused.value)
    assert "Traceback" not in str(refused.value)
    assert not destination.exists()
