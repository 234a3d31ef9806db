"""`to_prompt`: a profile as compact text for a language model, always within a token budget.

Detail is dropped by priority, never in the middle of a column: first samples and statistics
(column lines get shorter), then the less important findings, then the last columns whole.
Tokens are counted offline with a conservative estimate (no tokenizer ships with a package).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from modulardata.contracts.profile import ColumnProfile, Finding, Profile, SourceReport

_TOKEN = re.compile(r"[A-Za-z]{1,4}|\d{1,3}|[^\x00-\x7f]|[^\w\s]|_")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\w-])(\+|00)\d[\d\s().-]{6,18}\d|\(\d{2,4}\)\s?\d[\d\s.-]{5,12}\d")
_ATTEMPTS = ((2, None), (2, 10), (1, 10), (1, 5), (0, 5), (0, 3), (0, 1), (0, 0))
"""(column detail, findings shown) from the richest text to the leanest."""


def estimate_tokens(text: str) -> int:
    """An upper estimate of the tokens a BPE tokenizer makes of `text`.

    Counts every run of up to four ASCII letters, up to three digits, and every other symbol
    or non-ASCII character as one token: common words are one token, so this overestimates.
    """
    return len(_TOKEN.findall(text))


def to_prompt(profile: Profile, max_tokens: int = 2000, *, mask_pii: bool = False) -> str:
    """The profile as text of at most `max_tokens` estimated tokens.

    With `mask_pii`, emails and phone numbers in sample values become `<email>` and `<phone>`.
    """
    clean: Callable[[str], str] = _mask if mask_pii else (lambda line: line)
    header = [clean(line) for line in _header(profile)]
    for detail, shown in _ATTEMPTS:
        columns = [clean(_column(column, detail)) for column in profile.columns]
        findings = [clean(line) for line in _findings(profile.findings[:shown])]
        text = _join(header, columns, findings, len(profile.columns))
        if estimate_tokens(text) <= max_tokens:
            return text
    return _fit_columns(header, columns, max_tokens) or _fit_lines(header, max_tokens)


def _fit_columns(header: list[str], columns: list[str], max_tokens: int) -> str | None:
    """The most leading columns that fit, by bisection."""
    low, high = 0, len(columns)
    best: str | None = None
    while low <= high:
        middle = (low + high) // 2
        text = _join(header, columns[:middle], [], len(columns))
        if estimate_tokens(text) <= max_tokens:
            best, low = text, middle + 1
        else:
            high = middle - 1
    return best


def _fit_lines(lines: list[str], max_tokens: int) -> str:
    kept: list[str] = []
    for line in lines:
        if estimate_tokens("\n".join([*kept, line])) > max_tokens:
            break
        kept.append(line)
    return "\n".join(kept)


def _join(header: list[str], columns: list[str], findings: list[str], total: int) -> str:
    lines = [*header, f"Columns ({total}):", *columns]
    if len(columns) < total:
        lines.append(f"- ... {total - len(columns)} more columns not shown")
    if findings:
        lines += ["Findings, most important first:", *findings]
    return "\n".join(lines)


def _header(profile: Profile) -> list[str]:
    count = profile.duplicate_row_count
    duplicates = f"; {count:,} duplicate row{'s' if count > 1 else ''}" if count else ""
    lines = [
        f"Dataset: {profile.row_count:,} rows x {profile.column_count:,} columns{duplicates}; "
        f"{_size(profile.memory_bytes)} in memory."
    ]
    if profile.source is not None:
        lines.append(_source(profile.source))
    return lines


def _source(source: SourceReport) -> str:
    parts = [f"Read from {source.format.upper()}"]
    if source.encoding:
        parts.append(f"encoding {source.encoding}{' (guessed)' if source.encoding_guessed else ''}")
    if source.delimiter:
        parts.append(f"delimiter {source.delimiter!r}")
    if source.header is False:
        parts.append("no header row")
    if source.sheet:
        parts.append(f"sheet {source.sheet!r}")
    if source.quarantined_count:
        parts.append(f"{source.quarantined_count:,} rows set aside")
    return ", ".join(parts) + "."


def _column(column: ColumnProfile, detail: int) -> str:
    kind = column.semantic_type
    stored = column.physical_type
    line = f"- {column.name} ({stored}" + (f", {kind})" if kind != stored else ")")
    if detail == 0:
        return line
    parts = [_missing(column), _distinct(column)]
    if column.numeric is not None:
        n = column.numeric
        parts.append(f"min {_num(n.min)}, median {_num(n.quantiles['50%'])}, max {_num(n.max)}")
    if column.datetime is not None:
        parts.append(f"from {column.datetime.min} to {column.datetime.max}")
    if detail >= 2:
        if column.formats:
            parts.append("formats " + ", ".join(column.formats))
        if column.numeric is not None:
            parts.append(f"mean {_num(column.numeric.mean)}, std {_num(column.numeric.std)}")
        if column.outliers is not None and column.outliers.extreme_count:
            examples = ", ".join(_num(v) for v in column.outliers.examples[:3])
            far = column.outliers.extreme_count
            parts.append(f"{far:,} far outlier{'s' if far > 1 else ''} ({examples})")
        if column.top_values:
            top = ", ".join(f"{_quote(v.value)} x{v.count:,}" for v in column.top_values[:5])
            parts.append(f"top {top}")
        examples = ", ".join(_quote(v) for v in column.first_values)
        parts.append(f"e.g. {examples}")
    return f"{line}: " + "; ".join(part for part in parts if part)


def _missing(column: ColumnProfile) -> str:
    if not column.null_count and not column.null_like_count:
        return "no missing"
    text = f"{column.null_pct:g}% missing" if column.null_count else "no empty cells"
    if column.null_like_count:
        written = ", ".join(_quote(v.value) for v in column.null_like_values[:3])
        text += f" (+{column.null_like_count:,} as {written})"
    return text


def _distinct(column: ColumnProfile) -> str:
    about = "~" if column.distinct_approximate else ""
    return f"{about}{column.distinct_count:,} distinct"


def _findings(findings: list[Finding]) -> list[str]:
    lines = []
    for number, finding in enumerate(findings, start=1):
        fix = ""
        if finding.fix is not None:
            arguments = [f"column={finding.fix.column!r}"] if finding.fix.column else []
            arguments += [f"{key}={value!r}" for key, value in finding.fix.params.items()]
            fix = f" -> fix: {finding.fix.kind}({', '.join(arguments)})"
        lines.append(f"{number}. [{finding.severity}] {finding.message}{fix}")
    return lines


def _quote(value: str | None) -> str:
    if value is None:
        return "null"
    return repr(value if len(value) <= 40 else value[:40] + "...")


def _num(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.4g}"


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    scaled = float(size)
    for unit in ("KB", "MB", "GB"):
        scaled /= 1024
        if scaled < 1024 or unit == "GB":
            return f"{scaled:,.1f} {unit}"
    raise AssertionError("unreachable")


def _mask(line: str) -> str:
    return _PHONE.sub("<phone>", _EMAIL.sub("<email>", line))
