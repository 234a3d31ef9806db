"""Small files that expand into huge datasets, made on the fly for the tests of the limits."""

from __future__ import annotations

import gzip
import io
import zipfile

_WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    b'<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_PARTS = {
    "[Content_Types].xml": (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        b'<Default Extension="rels" '
        b'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        b'<Default Extension="xml" ContentType="application/xml"/>'
        b'<Override PartName="/xl/workbook.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        b'<Override PartName="/xl/worksheets/sheet1.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        b"</Types>"
    ),
    "_rels/.rels": (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Target="xl/workbook.xml" Type="http://schemas.openxmlformats.org'
        b'/officeDocument/2006/relationships/officeDocument"/></Relationships>'
    ),
    "xl/_rels/workbook.xml.rels": (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="http://schemas.'
        b'openxmlformats.org/officeDocument/2006/relationships/worksheet"/></Relationships>'
    ),
}
_SHEET_START = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)
_ROW = b'<row><c t="n"><v>1</v></c><c t="n"><v>2</v></c></row>'


def wide_csv(columns: int, rows: int = 3) -> bytes:
    """A CSV with `columns` columns and a few rows."""
    header = ",".join(f"c{i}" for i in range(columns))
    return "\n".join([header] + [",".join("1" * columns)] * rows).encode() + b"\n"


def gzip_bomb(expanded_bytes: int) -> bytes:
    """A gzip file of a CSV that expands to about `expanded_bytes`, ~1000 times its size: one
    member repeated (gzip members concatenated are one valid gzip file)."""
    member = gzip.compress(b"1,2\n" * (1 << 18), compresslevel=9)
    return gzip.compress(b"a,b\n") + member * max(1, expanded_bytes >> 20)


def xlsx_bomb(rows: int, *, declare_dimension: bool = True) -> bytes:
    """A workbook whose one sheet has `rows` identical rows of two numbers (Excel opens it)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, part in _PARTS.items():
            archive.writestr(name, part)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(_SHEET_START)
            if declare_dimension:
                sheet.write(f'<dimension ref="A1:B{rows}"/>'.encode())
            sheet.write(b"<sheetData>")
            chunk = _ROW * 10_000
            for _ in range(rows // 10_000):
                sheet.write(chunk)
            sheet.write(_ROW * (rows % 10_000))
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()
