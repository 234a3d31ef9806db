"""The corpus of awkward uploads: each case is a file and what reading it must give.

Files are generated, never committed: `python tests/data/corpus.py DIR` writes them to DIR for a
look; the tests build them in a temporary folder through `write_corpus`.
"""

from __future__ import annotations

import io
import json
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pyarrow as pa
import pyarrow.parquet as pq

MAX_ROWS = 1000
"""Row limit the corpus is read with, so that `too_many_rows.csv` is over it."""


@dataclass(frozen=True)
class Case:
    """An upload and its expected outcome: a table of `rows` x `columns`, or a refusal."""

    name: str
    content: bytes
    rows: int | None = None
    columns: list[str] | None = None
    first_row: dict[str, Any] = field(default_factory=dict)
    source: dict[str, Any] = field(default_factory=dict)
    """Expected fields of the profile's source report."""
    code: str | None = None
    reason: str | None = None
    """A fragment the refusal's message must contain."""

    @property
    def refused(self) -> bool:
        """Whether the upload must be refused."""
        return self.code is not None


def xlsx(rows: list[list[Any]], sheet: str = "People") -> bytes:
    """A minimal workbook (inline strings, no styles) with one worksheet."""

    def cell(row: int, column: int, value: Any) -> str:
        ref = f"{chr(65 + column)}{row + 1}"
        if value is None:
            return ""
        if isinstance(value, bool):
            return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
        if isinstance(value, int | float):
            return f'<c r="{ref}"><v>{value}</v></c>'
        return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'

    data = "".join(
        f'<row r="{r + 1}">' + "".join(cell(r, c, v) for c, v in enumerate(row)) + "</row>"
        for r, row in enumerate(rows)
    )
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rels = "http://schemas.openxmlformats.org/package/2006/relationships"
    office = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{rels}"><Relationship Id="rId1" '
            f'Type="{office}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{main}" xmlns:r="{office}"><sheets>'
            f'<sheet name="{sheet}" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{rels}"><Relationship Id="rId1" '
            f'Type="{office}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": (
            f'<worksheet xmlns="{main}"><sheetData>{data}</sheetData></worksheet>'
        ),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, '<?xml version="1.0" encoding="UTF-8"?>' + text)
    return buffer.getvalue()


def _parquet() -> bytes:
    buffer = io.BytesIO()
    table = pa.table({"id": [1, 2, 3], "name": ["Ann", "Bob", None], "score": [1.5, None, 3.0]})
    pq.write_table(table, buffer)
    return buffer.getvalue()


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")
    return buffer.getvalue()


_PEOPLE = "name,city,age\nAnn,Zürich,36\nBob,Köln,41\nCem,Malmö,29\n"
_RAGGED = "id,name\n" + "".join(f"{i},n{i}\n" for i in range(1, 31))
_RAGGED = _RAGGED.replace("3,n3\n", "3,n3,extra\n").replace("17,n17\n", "17\n")


def _wide(columns: int) -> bytes:
    header = ",".join(f"c{i}" for i in range(columns)) + "\n"
    rows = "".join(",".join(str(r * i) for i in range(columns)) + "\n" for r in range(5))
    return (header + rows).encode()


_RECORDS = [
    {"id": 1, "name": "Ann", "address": {"city": "Oslo", "zip": "0150"}, "tags": ["a", "b"]},
    {"id": 2, "name": "Bob", "address": {"city": "Lima", "zip": "15001"}, "tags": []},
]

CASES: list[Case] = [
    Case(
        "comma.csv",
        _PEOPLE.encode(),
        rows=3,
        columns=["name", "city", "age"],
        first_row={"name": "Ann", "city": "Zürich", "age": 36},
        source={"format": "csv", "delimiter": ",", "encoding": "utf-8", "header": True},
    ),
    Case(
        "semicolon.csv",
        b"name;price;qty\nApple;1,20;3\nPear;0,80;5\n",
        rows=2,
        columns=["name", "price", "qty"],
        first_row={"price": "1,20", "qty": 3},
        source={"delimiter": ";"},
    ),
    Case(
        "tab.tsv",
        b"name\tcity\nAnn\tOslo, Norway\nBob\tLima\n",
        rows=2,
        columns=["name", "city"],
        first_row={"city": "Oslo, Norway"},
        source={"delimiter": "\t"},
    ),
    Case(
        "pipe.csv",
        b"a|b|c\n1|x|2.5\n2|y|3.5\n",
        rows=2,
        columns=["a", "b", "c"],
        first_row={"a": 1, "b": "x", "c": 2.5},
        source={"delimiter": "|"},
    ),
    Case(
        "utf8_bom.csv",
        ("\ufeff" + _PEOPLE).encode(),
        rows=3,
        columns=["name", "city", "age"],
        source={"encoding": "utf-8-sig", "encoding_guessed": False},
    ),
    Case(
        "utf16.csv",
        _PEOPLE.encode("utf-16"),
        rows=3,
        columns=["name", "city", "age"],
        first_row={"city": "Zürich"},
        source={"encoding": "utf-16", "encoding_guessed": False},
    ),
    Case(
        "utf16le_no_bom.csv",
        _PEOPLE.encode("utf-16-le"),
        rows=3,
        columns=["name", "city", "age"],
        first_row={"city": "Zürich"},
        source={"encoding": "utf-16-le", "encoding_guessed": True},
    ),
    Case(
        "cp1252.csv",
        "item,price\nCafé crème,3 €\nSmørrebrød,12 €\n".encode("cp1252"),
        rows=2,
        columns=["item", "price"],
        first_row={"item": "Café crème", "price": "3 €"},
        source={"encoding": "cp1252", "encoding_guessed": True},
    ),
    Case(
        "latin1.csv",
        "name,city\nJosé,São Paulo\nFrançois,Genève\n".encode("latin-1"),
        rows=2,
        columns=["name", "city"],
        first_row={"name": "José", "city": "São Paulo"},
        source={"encoding": "cp1252", "encoding_guessed": True},
    ),
    Case(
        "quoted_newlines.csv",
        b'id,note\n1,"two\nlines"\n2,"a, b"\n3,"say ""hi"""\n',
        rows=3,
        columns=["id", "note"],
        first_row={"note": "two\nlines"},
    ),
    Case(
        "headerless.csv",
        b"1,2.5,3\n4,5.5,6\n7,8.5,9\n",
        rows=3,
        columns=["column_1", "column_2", "column_3"],
        first_row={"column_1": 1, "column_2": 2.5},
        source={"header": False},
    ),
    Case(
        "duplicate_headers.csv",
        b"name,name,age,age\nAnn,Lee,36,37\n",
        rows=1,
        columns=["name", "name_2", "age", "age_2"],
        source={"renamed_columns": [(2, "name", "name_2"), (4, "age", "age_2")]},
    ),
    Case(
        "blank_headers.csv",
        b"id,,name, \n1,x,Ann,y\n",
        rows=1,
        columns=["id", "column_2", "name", "column_4"],
        source={"renamed_columns": [(2, "", "column_2"), (4, " ", "column_4")]},
    ),
    Case(
        "ragged.csv",
        _RAGGED.encode(),
        rows=28,
        columns=["id", "name"],
        source={"quarantined_count": 2, "quarantined_lines": [4, 18]},
    ),
    Case(
        "windows_line_endings.csv",
        b"a,b\r\n1,x\r\n2,y\r\n",
        rows=2,
        columns=["a", "b"],
        first_row={"a": 1, "b": "x"},
    ),
    Case(
        "trailing_delimiter.csv",
        b"a,b,\n1,x,\n2,y,\n",
        rows=2,
        columns=["a", "b"],
        source={"dropped_columns": ["column_3"], "renamed_columns": []},
    ),
    Case(
        "trailing_delimiter_rows_only.csv",
        b"a,b\n1,x,\n2,y,\n",
        rows=2,
        columns=["a", "b"],
        source={"dropped_columns": ["column_3"]},
    ),
    Case("one_column.csv", b"city\nOslo\nLima\nRome\n", rows=3, columns=["city"]),
    Case("wide_1000_columns.csv", _wide(1000), rows=5, columns=[f"c{i}" for i in range(1000)]),
    Case(
        "all_null_column.csv",
        b"id,note,score\n1,,2\n2,,3\n",
        rows=2,
        columns=["id", "note", "score"],
        first_row={"note": None},
    ),
    Case(
        "mixed_types.csv",
        b"id,age\n1,34\n2,thirty\n3,41\n4,2023-01-01\n5,29\n",
        rows=5,
        columns=["id", "age"],
        first_row={"age": "34"},
    ),
    Case(
        "people.xlsx",
        xlsx([["name", "age", "score", "member"], ["Ann", 36, 1.5, True], ["Bob", None, 2, False]]),
        rows=2,
        columns=["name", "age", "score", "member"],
        first_row={"name": "Ann", "age": 36, "score": 1.5, "member": True},
        source={"format": "xlsx", "sheet": "People", "header": True},
    ),
    Case(
        "people.parquet",
        _parquet(),
        rows=3,
        columns=["id", "name", "score"],
        first_row={"id": 1, "name": "Ann", "score": 1.5},
        source={"format": "parquet"},
    ),
    Case(
        "people.json",
        json.dumps(_RECORDS).encode(),
        rows=2,
        columns=["id", "name", "address.city", "address.zip", "tags"],
        first_row={"address.city": "Oslo", "tags": '["a", "b"]'},
        source={"format": "json"},
    ),
    Case(
        "people.jsonl",
        "".join(json.dumps(r) + "\n" for r in _RECORDS).encode(),
        rows=2,
        columns=["id", "name", "address.city", "address.zip", "tags"],
        first_row={"id": 1, "address.zip": "0150"},
        source={"format": "jsonl"},
    ),
    Case(
        "mixed_types.jsonl",
        b'{"id": 1, "code": 7}\n{"id": 2, "code": "A7"}\n',
        rows=2,
        columns=["id", "code"],
        first_row={"code": "7"},
        source={"format": "jsonl"},
    ),
    Case("empty.csv", b"", code="empty_file", reason="empty"),
    Case("blank.csv", b"\xef\xbb\xbf\r\n  \n", code="empty_file", reason="empty"),
    Case("header_only.csv", b"a,b,c\n", code="header_only", reason="no data rows"),
    Case("image.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", code="not_text", reason="PNG"),
    Case("nul_byte.csv", b"a,b\n1,2\n3,\x004\n", code="not_text", reason="line 3"),
    Case("archive.zip", _zip(), code="not_text", reason="ZIP archive"),
    Case(
        "legacy.xls",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64,
        code="not_text",
        reason=".xls",
    ),
    Case(
        "mixed_encodings.csv",
        "a,b\n1,Zürich\n".encode() + b"2,caf\xe9\n",
        code="undecodable",
        reason="line 3 is not valid UTF-8",
    ),
    Case(
        "unterminated_quote.csv",
        b'a,b\n1,2\n3,"4\n5,6\n',
        code="unterminated_quote",
        reason="starts on line 3 is never closed",
    ),
    Case(
        "wide_2000_columns.csv",
        _wide(2000),
        code="too_many_columns",
        reason="limit of 1,000 columns (MODULARDATA_LIMIT_COLUMNS)",
    ),
    Case(
        "too_many_rows.csv",
        b"a\n" + b"1\n" * (MAX_ROWS + 1),
        code="too_many_rows",
        reason=f"limit of {MAX_ROWS:,} rows (MODULARDATA_LIMIT_ROWS)",
    ),
    Case(
        "too_ragged.csv",
        b"a,b\n" + b"1,2,3\n" * 20 + b"1,2\n" * 20,
        code="unreadable",
        reason="20 of 40 rows have a different number of values",
    ),
    Case(
        "bad.json", b'[{"a": 1},\n {"a": }]\n', code="unreadable", reason="line 2 is not valid JSON"
    ),
    Case("scalar.json", b"42", code="unreadable", reason="single value"),
]


def write_corpus(folder: Path) -> dict[str, Path]:
    """Write every case's file into `folder`; returns the paths by case name."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for case in CASES:
        path = folder / case.name
        path.write_bytes(case.content)
        paths[case.name] = path
    return paths


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("corpus")
    print(f"wrote {len(write_corpus(target))} files to {target}")
