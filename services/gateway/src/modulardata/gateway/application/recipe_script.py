"""A recipe as a standalone script: it reads the original file the way ingestion did and runs
each step the way the executor did, so it reproduces the version exactly."""

from __future__ import annotations

import io
import re
import textwrap
import tokenize
from importlib.metadata import version

from modulardata.contracts.operations.base import literal
from modulardata.gateway.schemas.recipes import Recipe, RecipeSource, RecipeStep


def render_python(recipe: Recipe) -> str:
    """A standalone script (pandas, numpy and pyarrow only) that rebuilds the version:
    `python recipe.py INPUT OUTPUT`, OUTPUT a .csv or .parquet file."""
    source = recipe.source
    reads_csv = source.format == "csv"
    step_names = [f"step_{number}" for number in range(1, len(recipe.steps) + 1)]
    columns = "".join(f"\n    {literal(c.name)}: {literal(c.dtype)}," for c in source.columns)
    usage = "".join(f"\n    {literal(line)}" for line in _usage(source).splitlines(keepends=True))
    sections = [
        _header(recipe),
        _IMPORTS.format(json="" if reads_csv else "import json\n"),
        f"USAGE = ({usage}\n)\n\nCOLUMNS = {{{columns}\n}}\n{_COLUMNS_DOC}"
        + (_csv_constants(source) if reads_csv else ""),
        *(_CSV_READER if reads_csv else _PARQUET_READER),
        *_CONVERSIONS,
        *(_step(name, step) for name, step in zip(step_names, recipe.steps, strict=True)),
        f"STEPS = [{', '.join(step_names)}]",
        *_MAIN,
    ]
    return "\n\n\n".join(section.strip("\n") for section in sections) + "\n"


def _header(recipe: Recipe) -> str:
    source = recipe.source
    name = _docstring_text(source.filename or "the uploaded file")
    steps = [
        _wrap(f"{number}. {_docstring_text(step.description)}", "    ", "       ")
        for number, step in enumerate(recipe.steps, start=1)
    ]
    return (
        "#!/usr/bin/env python3\n"
        f'"""Rebuilds version {recipe.node_id} of a ModularData session.\n\n'
        f"It reads the upload, {name}, the way ModularData read it (into version\n"
        f"{source.node_id}), then runs each step the way ModularData ran it:\n"
        + ("\n".join(steps) or "    (no steps: the upload as it was read)")
        + "\n\nUsage: python recipe.py INPUT OUTPUT (run it without arguments for details).\n"
        "It needs only pandas, numpy and pyarrow. It was generated with pandas "
        f"{version('pandas')} and\npyarrow {version('pyarrow')}; other major versions may "
        'give other types.\n"""'
    )


def _usage(source: RecipeSource) -> str:
    name = source.filename or "the uploaded file"
    if source.format == "csv":
        detail = f"delimiter {source.delimiter!r}, encoding {source.encoding}"
        what = f"the original upload, {name} (CSV, {detail})"
    elif source.format == "parquet":
        what = f"the original upload, {name} (Parquet)"
    else:
        what = (
            f"the upload {name} as ModularData read it: version {source.node_id} downloaded "
            "as Parquet (the script reads CSV, TSV and Parquet uploads themselves, not "
            f"{source.format.upper()})"
        )
    return (
        "usage: python recipe.py INPUT OUTPUT\n"
        f"  INPUT   {what}\n"
        "  OUTPUT  the file to write: .csv or .parquet"
    )


def _csv_constants(source: RecipeSource) -> str:
    padding = ", ".join(map(literal, source.dropped_columns))
    return _CSV_CONSTANTS.format(
        delimiter=literal(source.delimiter or ","),
        encoding=literal(source.encoding or "utf-8"),
        header=source.header is not False,
        padding=f"[{padding}]",
    )


def _step(name: str, step: RecipeStep) -> str:
    doc = _wrap(_docstring_text(step.description), "", "")
    if step.message is not None:
        doc += f'\n\nAsked: "{_docstring_text(step.message)}"\n'
    body: list[str] = []
    for operation in step.plan.operations:
        body.extend(f"# {line}" for line in _comment_lines(operation.describe()))
        body.append(operation.compile())
    return (
        f"def {name}(df: pd.DataFrame) -> pd.DataFrame:\n"
        + textwrap.indent(f'"""{doc}"""', "    ")
        + "\n"
        + _indent_code("\n".join(body))
        + "\n    return df"
    )


def _indent_code(code: str) -> str:
    """`code` indented one level, except lines inside a multi-line string (their text)."""
    inside: set[int] = set()
    for token in tokenize.generate_tokens(io.StringIO(code).readline):
        if token.type == tokenize.STRING:
            inside.update(range(token.start[0] + 1, token.end[0] + 1))
    return "\n".join(
        line if number in inside or not line.strip() else "    " + line
        for number, line in enumerate(code.split("\n"), start=1)
    )


def _wrap(text: str, first: str, rest: str) -> str:
    """Text of one paragraph per line, wrapped for a docstring."""
    return "\n".join(
        textwrap.fill(
            line,
            _WIDTH,
            initial_indent=first,
            subsequent_indent=rest,
            break_long_words=False,
            break_on_hyphens=False,
        )
        for line in text.splitlines()
    )


def _comment_lines(text: str) -> list[str]:
    return ["".join(map(_visible, line)) for line in text.splitlines() or [""]]


def _docstring_text(text: str) -> str:
    """`text` inside a docstring: backslashes escaped, control characters shown, and quotes
    escaped where they could end it (next to another quote, or last)."""
    lines = ["".join(map(_visible, line)) for line in text.replace("\\", "\\\\").splitlines()]
    return _CLOSING_QUOTE.sub(r'\\"', "\n".join(lines))


def _visible(character: str) -> str:
    return character if character.isprintable() else repr(character)[1:-1]


_WIDTH = 88
_CLOSING_QUOTE = re.compile(r'"(?="|\Z)')
_COLUMNS_DOC = '"""The columns of the uploaded version, with the Arrow type each was read as."""'

_IMPORTS = """
# datetime, math, re, np and pd: the modules a step may use, as ModularData's sandbox gives them.
import datetime
{json}import math
import re
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
"""

_CSV_CONSTANTS = '''
DELIMITER = {delimiter}
ENCODING = {encoding}
HEADER = {header}
PADDING = {padding}
"""Empty trailing columns (a delimiter at the end of each row), read and then dropped."""
'''

_CSV_READER = (
    '''
def arrow_type(name: str) -> pa.DataType:
    """The Arrow type named e.g. 'int64', 'date32[day]' or 'timestamp[s, tz=UTC]'."""
    zoned = re.fullmatch(r"timestamp\\[(\\w+), tz=(.+)\\]", name)
    return pa.timestamp(zoned[1], tz=zoned[2]) if zoned else pa.type_for_alias(name)
''',
    '''
def read_source(path: str) -> pa.Table:
    """The CSV as ModularData read it: its columns named and typed as then, only empty cells
    missing, and rows with more or fewer values than the header skipped."""
    table = pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(
            encoding=ENCODING,
            column_names=[*COLUMNS, *PADDING],
            skip_rows_after_names=1 if HEADER else 0,
        ),
        parse_options=pacsv.ParseOptions(
            delimiter=DELIMITER, newlines_in_values=True, invalid_row_handler=lambda row: "skip"
        ),
        convert_options=pacsv.ConvertOptions(
            column_types={name: arrow_type(dtype) for name, dtype in COLUMNS.items()},
            null_values=[""],
            strings_can_be_null=True,
        ),
    )
    return table.drop_columns(PADDING)
''',
)

_PARQUET_READER = (
    '''
def read_source(path: str) -> pa.Table:
    """The Parquet file as ModularData read it: nested records flattened to `a.b` columns,
    lists and maps as JSON text, and the columns named as then."""
    table = pq.read_table(path)
    while any(pa.types.is_struct(field.type) for field in table.schema):
        table = table.flatten()
    columns = [
        as_json_text(column) if pa.types.is_nested(column.type) else column
        for column in table.columns
    ]
    return pa.table(columns, names=list(COLUMNS))
''',
    '''
def as_json_text(column: pa.ChunkedArray) -> pa.Array:
    """A nested column as JSON text."""
    values = column.to_pylist()
    return pa.array(
        [None if value is None else json.dumps(value, default=str) for value in values],
        pa.string(),
    )
''',
)

_CONVERSIONS = (
    '''
def to_frame(table: pa.Table) -> pd.DataFrame:
    """A version as a step gets it: converted to pandas, then through Arrow into the sandbox."""
    return pa.Table.from_pandas(table.to_pandas()).to_pandas()
''',
    '''
def to_version(df: pd.DataFrame) -> pa.Table:
    """A step's result as it is stored: back through Arrow from the sandbox, named index levels
    as columns, an unnamed index dropped, labels as text, no pandas metadata."""
    df = pa.Table.from_pandas(df).to_pandas()
    if any(name is not None for name in df.index.names):
        df = df.reset_index()
    labels = [
        "_".join(str(part) for part in label if str(part))
        if isinstance(label, tuple)
        else str(label)
        for label in df.columns
    ]
    table = pa.Table.from_pandas(df.set_axis(labels, axis=1), preserve_index=False)
    return table.replace_schema_metadata(None)
''',
)

_MAIN = (
    """
def main(argv: list[str]) -> int:
    if len(argv) != 3 or not argv[2].endswith((".csv", ".parquet")):
        print(USAGE, file=sys.stderr)
        return 2
    table = read_source(argv[1])
    for step in STEPS:
        table = to_version(step(to_frame(table)))
    if argv[2].endswith(".parquet"):
        pq.write_table(table, argv[2])
    else:
        pacsv.write_csv(table, argv[2])
    return 0
""",
    """
if __name__ == "__main__":
    sys.exit(main(sys.argv))
""",
)
