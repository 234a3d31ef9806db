"""Findings: the problems a profile shows, in plain words, ranked, each with a typed fix.

Fix kinds and parameters follow the cleaning operations of `contracts.operations` (kind,
column, and that operation's other fields), so a suggestion can become a plan step.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pydantic import JsonValue

from modulardata.contracts.profile import (
    ColumnProfile,
    Finding,
    FindingKind,
    Severity,
    SourceReport,
    SuggestedOperation,
    ValueCluster,
)
from modulardata.profiling.semantic import FALSE_WORDS, TRUE_WORDS

WEIGHTS: dict[FindingKind, float] = {
    "empty_column": 3.0,
    "duplicate_rows": 3.0,
    "quarantined_rows": 2.5,
    "missing_values": 2.0,
    "nonconforming_values": 2.0,
    "numbers_as_text": 1.5,
    "mixed_date_formats": 1.5,
    "outliers": 1.5,
    "case_variants": 1.2,
    "inconsistent_spellings": 1.2,
    "dates_as_text": 1.0,
    "booleans_as_text": 1.0,
    "null_like_values": 1.0,
    "whitespace": 1.0,
    "constant_column": 0.5,
    "renamed_columns": 0.3,
    "guessed_encoding": 0.2,
}
"""How much each kind of problem matters, per share of rows it touches."""

MISSING_SHARE = 0.01
"""Missing values below this share of a large table are not worth a finding."""
_LISTED = 3
_NUMBER_TYPES = ("integer", "float", "currency", "percent")
_CURRENCY = re.compile(r"[$€£¥]|USD|EUR|GBP|JPY|CHF|CAD|AUD")


def find_problems(
    columns: list[ColumnProfile],
    rows: int,
    duplicates: int,
    duplicate_examples: list[int],
    source: SourceReport | None,
) -> list[Finding]:
    """Every finding, most important first."""
    found: list[Finding] = []
    if duplicates:
        first = duplicate_examples[0] + 1 if duplicate_examples else None
        where = f" (the first is row {first:,})" if first else ""
        found.append(
            _finding(
                "duplicate_rows",
                None,
                f"{_rows(duplicates)} an exact duplicate of an earlier row{where}",
                duplicates,
                rows,
                SuggestedOperation(kind="drop_duplicates"),
            )
        )
    if source is not None:
        found.extend(_source_findings(source, rows))
    for column in columns:
        found.extend(_column_findings(column, rows))
    return sorted(found, key=lambda f: -WEIGHTS[f.kind] * max(f.affected_rows / max(rows, 1), 1e-3))


def _source_findings(source: SourceReport, rows: int) -> Iterator[Finding]:
    if source.quarantined_count:
        lines = ", ".join(str(row.line) for row in source.quarantined_rows[:5])
        more = ", ..." if source.quarantined_count > 5 else ""
        yield _finding(
            "quarantined_rows",
            None,
            f"{_plural(source.quarantined_count, 'row')} had a different number of values than "
            f"the header and {'was' if source.quarantined_count == 1 else 'were'} set aside "
            f"(line {lines}{more})",
            source.quarantined_count,
            rows + source.quarantined_count,
            None,
            floor="medium",
        )
    if source.renamed_columns:
        renames = ", ".join(f"'{r.original}' -> '{r.name}'" for r in source.renamed_columns[:5])
        yield _finding(
            "renamed_columns",
            None,
            f"{len(source.renamed_columns)} column names were blank or repeated and were "
            f"renamed: {renames}",
            0,
            rows,
            None,
        )
    if source.encoding_guessed and source.encoding:
        yield _finding(
            "guessed_encoding",
            None,
            f"The file is not UTF-8; it was read as {source.encoding}, a guess: check the "
            "accented letters",
            0,
            rows,
            None,
        )


def _column_findings(column: ColumnProfile, rows: int) -> Iterator[Finding]:
    name = column.name
    missing = column.null_count + column.null_like_count
    if rows and missing == rows:
        yield _finding(
            "empty_column",
            name,
            f"Column '{name}' is empty",
            rows,
            rows,
            _fix("drop_columns", name),
        )
        return
    if missing and (missing >= MISSING_SHARE * rows or rows <= 1000):
        yield _missing(column, missing, rows)
    if column.null_like_count:
        listed = _values([v.value for v in column.null_like_values])
        yield _finding(
            "null_like_values",
            name,
            f"'{name}' writes missing values as text: {listed}",
            column.null_like_count,
            rows,
            _fix("standardize_missing", name, tokens=[v.value for v in column.null_like_values]),
        )
    if column.distinct_count == 1 and not column.null_count and rows > 1:
        yield _finding(
            "constant_column",
            name,
            f"'{name}' holds the same value in every row",
            rows,
            rows,
            _fix("drop_columns", name),
        )
    text = column.physical_type in ("string", "large_string")
    if text:
        yield from _typed_text(column, rows - missing, rows)
    yield from _outliers(column, rows)
    if column.hygiene is not None:
        yield from _hygiene(column, rows)


def _missing(column: ColumnProfile, missing: int, rows: int) -> Finding:
    name = column.name
    share = 100 * missing / rows
    as_text = f", {column.null_like_count:,} written as text" if column.null_like_count else ""
    fix: SuggestedOperation
    if share >= 60:
        fix = _fix("drop_columns", name)
    elif column.semantic_type in _NUMBER_TYPES:
        fix = _fix("fill_nulls", name, strategy="median")
    elif column.semantic_type in ("categorical", "boolean"):
        fix = _fix("fill_nulls", name, strategy="mode")
    else:
        fix = _fix("drop_nulls", name)
    return _finding(
        "missing_values",
        name,
        f"Column '{name}' has {share:.0f}% missing values ({missing:,} of {rows:,} rows{as_text})",
        missing,
        rows,
        fix,
    )


def _typed_text(column: ColumnProfile, present: int, rows: int) -> Iterator[Finding]:
    name, semantic = column.name, column.semantic_type
    conforming = present - (column.hygiene.nonconforming_count if column.hygiene else 0)
    samples = [v.value for v in column.top_values] + [v for v in column.first_values if v]
    if semantic in _NUMBER_TYPES:
        symbol = next((m.group() for v in samples if (m := _CURRENCY.search(v))), None)
        strip, how = "", ""
        if semantic == "currency" and symbol:
            strip, how = symbol, f" with a {symbol} sign"
        if semantic == "percent":
            strip, how = "%", " with a % sign"
        if any(re.search(r"\d,\d{3}", v) for v in samples):
            strip += ","
            how += " and thousands separators" if how else " with thousands separators"
        yield _finding(
            "numbers_as_text",
            name,
            f"'{name}' holds numbers as text{how}",
            conforming,
            rows,
            _fix("to_numeric", name, strip_characters=strip),
        )
    elif semantic in ("date", "datetime"):
        formats = column.formats
        mixed = len(formats) > 1
        yield _finding(
            "mixed_date_formats" if mixed else "dates_as_text",
            name,
            f"'{name}' holds dates as text in {len(formats)} formats: {', '.join(formats)}"
            if mixed
            else f"'{name}' holds dates as text ({', '.join(formats)})",
            conforming,
            rows,
            _fix(
                "to_datetime",
                name,
                date_format=None if mixed else formats[0],
                day_first=any(f.startswith("%d") for f in formats),
            ),
        )
    elif semantic == "boolean":
        seen = [v.value for v in column.top_values]
        yield _finding(
            "booleans_as_text",
            name,
            f"'{name}' holds true/false values as text",
            conforming,
            rows,
            _fix(
                "to_boolean",
                name,
                true_values=_words(seen, TRUE_WORDS),
                false_values=_words(seen, FALSE_WORDS),
            ),
        )
    hygiene = column.hygiene
    if (
        hygiene is not None
        and hygiene.nonconforming_count
        and semantic
        in _NUMBER_TYPES
        + (
            "date",
            "datetime",
            "boolean",
            "email",
            "url",
            "phone",
        )
    ):
        odd = [v.value for v in hygiene.nonconforming_examples]
        count = hygiene.nonconforming_count
        noun = "value" if count == 1 else "values"
        yield _finding(
            "nonconforming_values",
            name,
            f"'{name}' holds {_article(semantic)} values, but {count:,} {noun} "
            f"{'is' if count == 1 else 'are'} not: {_values(odd)}",
            count,
            rows,
            _fix("replace_values", name, replacements=_replacements(dict.fromkeys(odd))),
        )


def _outliers(column: ColumnProfile, rows: int) -> Iterator[Finding]:
    """Values far out (beyond 3 IQR): a normal spread never has them, typos often do."""
    outliers, numeric = column.outliers, column.numeric
    if outliers is None or numeric is None or not outliers.extreme_count:
        return
    count = outliers.extreme_count
    typical = f"{_number(numeric.quantiles['25%'])} to {_number(numeric.quantiles['75%'])}"
    examples = ", ".join(_number(v) for v in outliers.examples[: min(count, _LISTED)])
    yield _finding(
        "outliers",
        column.name,
        f"'{column.name}' has {_plural(count, 'value')} far from its typical values "
        f"({typical}), e.g. {examples}",
        count,
        rows,
        _fix(
            "clip_values",
            column.name,
            lower=round(outliers.iqr_low, 6),
            upper=round(outliers.iqr_high, 6),
        ),
    )


def _hygiene(column: ColumnProfile, rows: int) -> Iterator[Finding]:
    hygiene, name = column.hygiene, column.name
    assert hygiene is not None
    if hygiene.whitespace_count:
        count = hygiene.whitespace_count
        yield _finding(
            "whitespace",
            name,
            f"'{name}' has {_plural(count, 'value')} with spaces at the start or end",
            count,
            rows,
            _fix("trim_whitespace", name),
        )
    for kind, clusters in (
        ("case_variants", hygiene.case_variants),
        ("inconsistent_spellings", _beyond_case(hygiene.spelling_clusters)),
    ):
        if not clusters:
            continue
        biggest = max(clusters, key=lambda c: sum(v.count for v in c.variants))
        others = f" (and {len(clusters) - 1} more such groups)" if len(clusters) > 1 else ""
        what = "spellings of" if kind == "case_variants" else "names for"
        mapping: dict[str, str | None] = {
            v.value: cluster.canonical
            for cluster in clusters
            for v in cluster.variants
            if v.value != cluster.canonical
        }
        affected = sum(v.count for c in clusters for v in c.variants if v.value != c.canonical)
        yield _finding(
            kind,  # type: ignore[arg-type]
            name,
            f"'{name}' has {len(biggest.variants)} {what} {biggest.canonical}: "
            f"{_values([v.value for v in biggest.variants])}{others}",
            affected,
            rows,
            _fix("replace_values", name, replacements=_replacements(mapping)),
        )


def _beyond_case(clusters: list[ValueCluster]) -> list[ValueCluster]:
    """Clusters that are more than case or whitespace variants of one value."""
    return [c for c in clusters if len({v.value.strip().casefold() for v in c.variants}) > 1]


def _finding(
    kind: FindingKind,
    column: str | None,
    message: str,
    affected: int,
    rows: int,
    fix: SuggestedOperation | None,
    *,
    floor: Severity = "low",
) -> Finding:
    share = affected / rows if rows else 0.0
    severity: Severity = "high" if share >= 0.2 else "medium" if share >= 0.02 else "low"
    if floor == "medium" and severity == "low":
        severity = "medium"
    return Finding(
        kind=kind,
        severity=severity,
        column=column,
        message=message,
        affected_rows=affected,
        fix=fix,
    )


def _fix(kind: str, column: str, **params: JsonValue) -> SuggestedOperation:
    return SuggestedOperation(kind=kind, column=column, params=params)


def _words(values: list[str], words: tuple[str, ...]) -> JsonValue:
    return [value for value in values if value.strip().lower() in words]


def _replacements(mapping: dict[str, str | None]) -> JsonValue:
    return [{"old": old, "new": new} for old, new in mapping.items()]


def _rows(count: int) -> str:
    return "1 row is" if count == 1 else f"{count:,} rows are"


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def _values(values: list[str]) -> str:
    shown = ", ".join(f"'{v}'" for v in values[:_LISTED])
    return shown + (", ..." if len(values) > _LISTED else "")


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.4g}"


def _article(semantic: str) -> str:
    return {"email": "email", "url": "URL", "phone": "phone number"}.get(semantic, semantic)
