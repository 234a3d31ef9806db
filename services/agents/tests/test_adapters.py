"""The real collaborators behind the ports: stored versions, the profiler, the sandbox."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from modulardata.agents.adapters.profiler import profile_summary
from modulardata.agents.adapters.sandbox import SandboxDryRun
from modulardata.agents.adapters.versions import read_head_rows
from modulardata.storage import LocalStorage
from services.agents.evaluation.session import load_customers


def test_only_the_first_rows_of_a_version_are_read(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "storage")
    source = tmp_path / "v.parquet"
    load_customers().to_parquet(source, row_group_size=5)
    uri = storage.put_file("v.parquet", source)
    rows = read_head_rows(storage, uri, 7)
    pd.testing.assert_frame_equal(rows, load_customers().head(7))


def test_the_profile_summary_fits_its_budget_and_masks_emails() -> None:
    text = profile_summary(load_customers(), 400)
    assert "lifetime_value" in text and "Phone Number" in text
    assert "anna.schmidt@example.com" not in text
    assert len(text) < 400 * 6


def test_the_sandbox_runs_a_good_snippet_on_the_sample(dry_run: SandboxDryRun) -> None:
    result = dry_run('df = df.dropna(subset=["age"])', load_customers())
    assert result.ok and result.frame is not None
    assert len(result.frame) == 18


def test_the_sandbox_refuses_a_snippet_that_breaks_its_policy(dry_run: SandboxDryRun) -> None:
    result = dry_run("import os\ndf = df", load_customers())
    assert not result.ok and result.error
    assert result.frame is None
