"""Recipes: the JSON form validates back, and the rendered script rebuilds each version exactly.

The expected versions come from the real pipeline, minus its processes: the profiler's own
ingestion writes node 0, and each plan runs through the executor's conversions and restricted
compilation, as its sandbox runs it.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from pandas.testing import assert_frame_equal
from pydantic import ValidationError

from modulardata.contracts.limits import DatasetLimits
from modulardata.contracts.operations import Plan
from modulardata.contracts.profile import Profile
from modulardata.executor.versions import version_table
from modulardata.gateway.application.recipe_script import render_python
from modulardata.gateway.application.recipes import RecipeError, build_recipe
from modulardata.gateway.schemas.recipes import Recipe
from modulardata.profiler.pipeline import convert_upload
from modulardata.sandbox.guards import compile_snippet, snippet_globals
from modulardata.sandbox.transfer import ResultLimits, frame_to_ipc, ipc_to_frame

CUSTOMERS = Path(__file__).parents[4] / "examples" / "customers.csv"
Requests = list[tuple[str | None, list[dict[str, Any]]]]
"""Chat messages (None: none) and the operations each asked for."""
SCRIPT_MODULES = {"datetime", "json", "math", "re", "sys", "numpy", "pandas", "pyarrow"}

CUSTOMER_STEPS: Requests = [
    (
        "tidy the names and cities",
        [
            {"kind": "trim_whitespace", "columns": ["name", "city"]},
            {"kind": "change_case", "columns": ["city", "country"], "case": "title"},
        ],
    ),
    (
        'make "age" and lifetime_value numbers',
        [
            {"kind": "to_numeric", "columns": ["lifetime_value"], "strip_characters": "$,"},
            {"kind": "to_numeric", "columns": ["age"]},
        ],
    ),
    (
        "no duplicates, no missing ages, no ages over 120; call it lifetime value €",
        [
            {"kind": "drop_duplicates"},
            {"kind": "fill_nulls", "columns": ["age"], "strategy": "median"},
            {
                "kind": "filter_rows",
                "conditions": [{"column": "age", "op": "le", "value": 120}],
            },
            {"kind": "rename_column", "column": "lifetime_value", "new_name": "lifetime value €"},
        ],
    ),
    (
        "tier them\nand drop rows without an email\\",
        [
            {
                "kind": "custom_snippet",
                "description": 'Add a "tier" column from the lifetime value.',
                "code": 'note = """gold\n  tier"""\n'
                'df["tier \\"q\\""] = np.where(df["lifetime value €"] > 1000, note, "std\\\\")\n'
                "if True:\n    df = df.sort_values('age', kind='stable')",
            },
            {"kind": "drop_nulls", "columns": ["email"]},
        ],
    ),
]

LATIN1_CSV = (
    'id;;Größe;Größe;"say ""hi""";back\\slash;when;\n'
    "1; x ;1,5;A;hello;a\\b;2024-01-02;\n"
    "2;;2,25;;;c;2024-02-03;\n"
    "3; y ;;B;Grüße;;;\n"
    "4;z;3;b;bye;d;2024-03-04;\n"
    "5;z;3;b;bye;d;2024-03-04;extra;values;\n"
    "6;;4;c;;e;2024-05-06;\n"
).encode("latin-1")

LATIN1_STEPS: Requests = [
    (
        "fill the blanks",
        [
            {"kind": "trim_whitespace", "columns": ["column_2"]},
            {"kind": "fill_nulls", "columns": ["column_2"], "strategy": "value", "value": "—"},
            {"kind": "change_case", "columns": ["Größe_2"], "case": "upper"},
        ],
    ),
    (
        None,
        [
            {"kind": "drop_nulls", "columns": ['say "hi"']},
            {"kind": "rename_column", "column": "back\\slash", "new_name": 'it\'s "quoted"'},
            {"kind": "drop_duplicates", "columns": ["Größe_2"], "keep": "last"},
        ],
    ),
]


@dataclass(frozen=True)
class Node:
    """What a recipe reads of a `NodeView` row."""

    node_id: UUID
    parent_id: UUID | None
    description: str
    columns: list[dict[str, str]]
    plan: dict[str, Any] | None
    created_by_message_id: UUID | None
    filename: str | None = None


@dataclass(frozen=True)
class History:
    """The versions the pipeline made, root first, and the last one's data."""

    path: list[Node]
    profile: Profile
    messages: dict[UUID, str]
    result: Path


def run_pipeline(
    upload: Path,
    filename: str,
    requests: Requests,
    workdir: Path,
) -> History:
    """Ingest `upload` as node 0, then run each plan on the version before, as the services do."""
    version = workdir / "node-0.parquet"
    ingested, profile = convert_upload(
        upload, version, filename=filename, workdir=workdir, limits=DatasetLimits()
    )
    path = [
        Node(uuid4(), None, f"Uploaded {filename}", _columns(ingested.table), None, None, filename)
    ]
    messages: dict[UUID, str] = {}
    for number, (message, operations) in enumerate(requests, start=1):
        plan = Plan.model_validate({"operations": operations})
        child = workdir / f"node-{number}.parquet"
        table = _run_step(version, plan, child)
        message_id = None
        if message is not None:
            message_id = uuid4()
            messages[message_id] = message
        description = " ".join(op.describe() for op in plan.operations)
        plan_json = plan.model_dump(mode="json")
        path.append(
            Node(uuid4(), path[-1].node_id, description, _columns(table), plan_json, message_id)
        )
        version = child
    return History(path, profile, messages, version)


def _run_step(parent: Path, plan: Plan, target: Path) -> pa.Table:
    df = pq.read_table(parent).to_pandas()
    df = pa.ipc.open_stream(frame_to_ipc(df)).read_all().to_pandas(use_threads=False)
    namespace = snippet_globals(df)
    exec(compile_snippet(plan.compile()), namespace)
    table = version_table(ipc_to_frame(frame_to_ipc(namespace["df"]), ResultLimits()))
    pq.write_table(table, target, compression="zstd")
    return table


def _columns(table: pa.Table) -> list[dict[str, str]]:
    return [{"name": field.name, "dtype": str(field.type)} for field in table.schema]


def run_script(
    recipe: Recipe, *args: Path | str, workdir: Path
) -> subprocess.CompletedProcess[str]:
    script = workdir / "recipe.py"
    script.write_text(render_python(recipe), encoding="utf-8")
    return subprocess.run(
        [sys.executable, str(script), *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        cwd=workdir,
    )


def assert_rebuilds(history: History, upload: Path, workdir: Path) -> Recipe:
    """The script's Parquet output is the last version, types and all."""
    recipe = build_recipe(history.path, history.profile, history.messages)
    out = workdir / "out.parquet"
    done = run_script(recipe, upload, out, workdir=workdir)
    assert done.returncode == 0, done.stderr
    expected = pq.read_table(history.result)
    assert pq.read_table(out).schema.remove_metadata() == expected.schema.remove_metadata()
    assert_frame_equal(pq.read_table(out).to_pandas(), expected.to_pandas())
    return recipe


@pytest.fixture
def customers(tmp_path: Path) -> History:
    return run_pipeline(CUSTOMERS, "customers.csv", CUSTOMER_STEPS, tmp_path)


def test_script_rebuilds_every_version_of_the_customers(customers: History, tmp_path: Path) -> None:
    for end in range(1, len(customers.path) + 1):
        version = tmp_path / f"node-{end - 1}.parquet"
        history = History(customers.path[:end], customers.profile, customers.messages, version)
        assert_rebuilds(history, CUSTOMERS, tmp_path)


def test_script_rebuilds_a_latin1_semicolon_file_with_awkward_headers(tmp_path: Path) -> None:
    upload = tmp_path / "upload.csv"
    upload.write_bytes(LATIN1_CSV)
    history = run_pipeline(upload, "Größen.csv", LATIN1_STEPS, tmp_path)
    source = history.profile.source
    assert source is not None
    assert (source.delimiter, source.encoding, source.quarantined_count) == (";", "cp1252", 1)
    assert source.renamed_columns and source.dropped_columns

    recipe = assert_rebuilds(history, upload, tmp_path)

    assert recipe.source.filename == "Größen.csv"
    assert recipe.steps[0].message == "fill the blanks"
    assert recipe.steps[1].message is None


def test_csv_output_reads_back_as_the_version(customers: History, tmp_path: Path) -> None:
    recipe = build_recipe(customers.path, customers.profile, customers.messages)
    out = tmp_path / "out.csv"
    done = run_script(recipe, CUSTOMERS, out, workdir=tmp_path)
    assert done.returncode == 0, done.stderr
    expected = tmp_path / "expected.csv"
    pacsv.write_csv(pq.read_table(customers.result), expected)
    assert_frame_equal(pd.read_csv(out), pd.read_csv(expected))


def test_script_reads_a_parquet_upload_with_nested_columns(tmp_path: Path) -> None:
    upload = tmp_path / "upload.parquet"
    nested = pa.table(
        {
            "id": [1, 2, 2],
            "who": [
                {"name": " a ", "age": 3},
                {"name": "b", "age": None},
                {"name": "b", "age": None},
            ],
            "tags": [["x"], [], None],
        }
    )
    pq.write_table(nested, upload)
    steps: Requests = [("dedupe", [{"kind": "drop_duplicates"}, {"kind": "trim_whitespace"}])]
    history = run_pipeline(upload, "nested.parquet", steps, tmp_path)
    assert [c["name"] for c in history.path[0].columns] == ["id", "who.name", "who.age", "tags"]
    assert_rebuilds(history, upload, tmp_path)


def test_a_json_upload_is_replayed_from_its_first_version(tmp_path: Path) -> None:
    upload = tmp_path / "upload.json"
    upload.write_text('[{"a": 1, "b": {"c": "x "}}, {"a": 2, "b": {"c": null}}]')
    steps: Requests = [(None, [{"kind": "trim_whitespace"}, {"kind": "drop_nulls"}])]
    history = run_pipeline(upload, "records.json", steps, tmp_path)
    recipe = assert_rebuilds(history, tmp_path / "node-0.parquet", tmp_path)

    usage = run_script(recipe, workdir=tmp_path)
    assert usage.returncode == 2
    assert "downloaded as Parquet" in usage.stderr and "not JSON" in usage.stderr


def test_usage_names_the_input_it_reads(customers: History, tmp_path: Path) -> None:
    recipe = build_recipe(customers.path, customers.profile, customers.messages)
    for args in ([], [CUSTOMERS], [CUSTOMERS, tmp_path / "out.xlsx"]):
        done = run_script(recipe, *args, workdir=tmp_path)
        assert done.returncode == 2
        assert done.stderr.startswith("usage: python recipe.py INPUT OUTPUT")
        assert "customers.csv (CSV, delimiter ',', encoding utf-8)" in done.stderr


def test_script_is_readable_and_needs_only_pandas_numpy_pyarrow(customers: History) -> None:
    recipe = build_recipe(customers.path, customers.profile, customers.messages)
    script = render_python(recipe)
    tree = ast.parse(script)
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert imported <= SCRIPT_MODULES
    assert not any(isinstance(node, ast.ImportFrom) for node in ast.walk(tree))
    doc = ast.get_docstring(tree)
    assert doc is not None and str(recipe.node_id) in doc and "customers.csv" in doc
    steps = [node for node in tree.body if isinstance(node, ast.FunctionDef)]
    step_docs = {n.name: ast.get_docstring(n) for n in steps if n.name.startswith("step_")}
    assert len(step_docs) == len(recipe.steps)
    assert 'Asked: "tier them\nand drop rows without an email\\"' in (step_docs["step_4"] or "")


def test_json_form_validates_back_and_junk_is_refused(customers: History) -> None:
    recipe = build_recipe(customers.path, customers.profile, customers.messages)
    dumped = recipe.model_dump(mode="json")

    assert Recipe.model_validate(dumped) == recipe
    assert Recipe.model_validate_json(recipe.model_dump_json()) == recipe
    assert dumped["format"] == "modulardata.recipe" and dumped["version"] == 1
    for junk in (
        {**dumped, "format": "something.else"},
        {**dumped, "version": 2},
        {**dumped, "extra": True},
        {**dumped, "steps": [{**dumped["steps"][0], "plan": {"operations": [{"kind": "rm"}]}}]},
        {key: value for key, value in dumped.items() if key != "source"},
    ):
        with pytest.raises(ValidationError):
            Recipe.model_validate(junk)


def test_a_path_that_is_not_a_chain_from_an_upload_is_refused(customers: History) -> None:
    root, first, second, *_ = customers.path
    profile, messages = customers.profile, customers.messages
    for path in (
        [],
        [first, second],
        [root, second],
        [root, Node(**{**vars(first), "plan": None})],
    ):
        with pytest.raises(RecipeError):
            build_recipe(path, profile, messages)
    with pytest.raises(RecipeError):
        build_recipe([root], profile.model_copy(update={"source": None}), messages)
