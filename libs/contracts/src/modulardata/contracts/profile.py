"""The profile of a dataset version: what the agents see of the data and what a person reads first.

The profiler stores it as JSON next to the version; messages carry its URI, never its content.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

SemanticType = Literal[
    "empty",
    "boolean",
    "integer",
    "float",
    "date",
    "datetime",
    "email",
    "url",
    "phone",
    "currency",
    "percent",
    "categorical",
    "identifier",
    "free_text",
    "text",
]
"""What a column's values mean, whatever type they are stored as."""

Severity = Literal["high", "medium", "low"]

FindingKind = Literal[
    "duplicate_rows",
    "missing_values",
    "null_like_values",
    "empty_column",
    "constant_column",
    "numbers_as_text",
    "dates_as_text",
    "mixed_date_formats",
    "booleans_as_text",
    "nonconforming_values",
    "outliers",
    "whitespace",
    "case_variants",
    "inconsistent_spellings",
    "renamed_columns",
    "quarantined_rows",
    "guessed_encoding",
]

SourceFormat = Literal["csv", "xlsx", "parquet", "json", "jsonl"]


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ValueCount(_Part):
    """A value and how many rows hold it."""

    value: str = Field(description="The value as text.")
    count: int = Field(ge=0, description="Rows holding it (scaled up when counted on a sample).")


class NumericSummary(_Part):
    """Statistics of a numeric column, or of the numbers a text column holds."""

    min: float = Field(description="Smallest value.")
    max: float = Field(description="Largest value.")
    mean: float = Field(description="Arithmetic mean.")
    std: float = Field(description="Sample standard deviation (0 for a single value).")
    quantiles: dict[str, float] = Field(
        description="Quantiles by level: '5%', '25%', '50%' (the median), '75%', '95%'."
    )


class Outliers(_Part):
    """Values far from the rest, by the IQR rule and by z-score."""

    iqr_low: float = Field(description="Lower fence: 25% quantile - 1.5 IQR.")
    iqr_high: float = Field(description="Upper fence: 75% quantile + 1.5 IQR.")
    iqr_count: int = Field(ge=0, description="Values outside the fences.")
    extreme_count: int = Field(
        ge=0, description="Values beyond 3 IQR from the quartiles: far out, worth a look."
    )
    zscore_count: int = Field(ge=0, description="Values more than 3 standard deviations away.")
    examples: list[float] = Field(description="The most extreme outliers, at most five.")


class DatetimeSummary(_Part):
    """Range of a date or datetime column, or of the dates a text column holds."""

    min: str = Field(description="Earliest value, ISO 8601.")
    max: str = Field(description="Latest value, ISO 8601.")
    formats: list[str] = Field(
        description="strptime formats the text values were written in, most used first; "
        "empty for a column stored as dates."
    )


class ValueCluster(_Part):
    """Spellings that most likely mean the same value."""

    canonical: str = Field(description="The spelling to keep: the most frequent one.")
    variants: list[ValueCount] = Field(
        description="Every spelling with its count, canonical first."
    )


class StringHygiene(_Part):
    """Problems in the text values of a column."""

    whitespace_count: int = Field(ge=0, description="Values with leading or trailing whitespace.")
    case_variants: list[ValueCluster] = Field(
        description="Values that differ only in case or surrounding whitespace."
    )
    spelling_clusters: list[ValueCluster] = Field(
        description="Values that differ in more than case but collide on a normalised key "
        "(accents, punctuation, word order, known aliases, initials, one typo)."
    )
    nonconforming_count: int = Field(
        ge=0, description="Values that do not fit the column's semantic type."
    )
    nonconforming_examples: list[ValueCount] = Field(
        description="The most frequent of those values, at most five."
    )


class ColumnProfile(_Part):
    """Everything the profile says about one column."""

    name: str = Field(description="Column name as stored.")
    physical_type: str = Field(description="Arrow type, e.g. 'int64', 'string'.")
    semantic_type: SemanticType = Field(description="What the values mean.")
    formats: list[str] = Field(
        default_factory=list,
        description="Date formats seen (strptime), for date and datetime text.",
    )
    null_count: int = Field(ge=0, description="Missing values (empty cells).")
    null_pct: float = Field(ge=0, le=100, description="Missing values, percent of rows.")
    null_like_count: int = Field(
        ge=0, description="Text values that stand for a missing value: 'n/a', 'null', '-', blank."
    )
    null_like_values: list[ValueCount] = Field(description="Those values with their counts.")
    distinct_count: int = Field(ge=0, description="Distinct non-missing values.")
    distinct_approximate: bool = Field(
        description="True when distinct_count is estimated from a sample (many distinct values)."
    )
    top_values: list[ValueCount] = Field(description="Most frequent values, at most ten.")
    first_values: list[str | None] = Field(description="The first three values, as text.")
    numeric: NumericSummary | None = Field(
        default=None, description="Numeric statistics, for numbers and numbers held as text."
    )
    outliers: Outliers | None = Field(default=None, description="Outliers of the numbers.")
    datetime: DatetimeSummary | None = Field(default=None, description="Range of the dates.")
    hygiene: StringHygiene | None = Field(default=None, description="Text problems.")
    sample_rows: int | None = Field(
        default=None,
        description="Rows of the sample the value-level statistics (top values, spellings, "
        "semantic type) were computed on; None when computed on every row.",
    )


class SuggestedOperation(_Part):
    """A typed operation that would fix a finding, offered to the user as a suggestion.

    `kind` and `params` name a cleaning operation and its fields, e.g. 'to_numeric' with
    {'strip_characters': '$,'}; kept open (a name, not an enum) so profiles stay readable
    when operations are added.
    """

    kind: str = Field(
        pattern=r"^[a-z][a-z_]*$",
        description="Operation name, e.g. 'drop_duplicates', 'trim_whitespace', 'to_numeric'.",
    )
    column: str | None = Field(default=None, description="Column it applies to; None: the table.")
    params: dict[str, JsonValue] = Field(
        default_factory=dict,
        description="The operation's other fields, e.g. {'strip_characters': '$,'}.",
    )


class Finding(_Part):
    """One problem in plain words, with the operation that would fix it."""

    kind: FindingKind = Field(description="Machine-readable kind of problem.")
    severity: Severity = Field(description="How much it matters.")
    column: str | None = Field(default=None, description="Column concerned; None: the table.")
    message: str = Field(description="The problem in plain words.")
    affected_rows: int = Field(ge=0, description="Rows the problem touches.")
    fix: SuggestedOperation | None = Field(
        default=None, description="What would fix it; None when only the user can decide."
    )


class RenamedColumn(_Part):
    """A header name that was blank, repeated, too long or unstorable, and got a new name."""

    position: int = Field(ge=1, description="Column position, from 1.")
    original: str = Field(description="The name in the file.")
    name: str = Field(description="The name given.")


class QuarantinedRow(_Part):
    """A row set aside because its number of values differs from the header's."""

    line: int = Field(ge=1, description="Line of the file where the row starts.")
    value_count: int = Field(ge=0, description="Values the row has.")
    text: str = Field(description="The row as written (cut after 200 characters).")


class SourceReport(_Part):
    """How the uploaded file was read."""

    format: SourceFormat = Field(description="File format detected.")
    encoding: str | None = Field(default=None, description="Text encoding, for text formats.")
    encoding_guessed: bool = Field(
        default=False, description="True when the encoding was guessed (no BOM, not UTF-8)."
    )
    delimiter: str | None = Field(default=None, description="Delimiter of a CSV or TSV.")
    header: bool | None = Field(
        default=None, description="Whether the first row was taken as the header."
    )
    sheet: str | None = Field(default=None, description="Worksheet read, for XLSX.")
    renamed_columns: list[RenamedColumn] = Field(
        default_factory=list, description="Blank or repeated header names made unique."
    )
    dropped_columns: list[str] = Field(
        default_factory=list,
        description="Columns dropped: an empty column made by a trailing delimiter.",
    )
    quarantined_count: int = Field(default=0, ge=0, description="Rows set aside.")
    quarantined_rows: list[QuarantinedRow] = Field(
        default_factory=list, description="The first 100 rows set aside, by line."
    )


class Profile(_Part):
    """The profile of one dataset version."""

    row_count: int = Field(ge=0, description="Rows.")
    column_count: int = Field(ge=0, description="Columns.")
    duplicate_row_count: int = Field(ge=0, description="Rows that repeat an earlier row exactly.")
    duplicate_row_examples: list[int] = Field(
        description="Positions (from 0) of the first repeated rows, at most five."
    )
    memory_bytes: int = Field(ge=0, description="Size of the data in memory (Arrow).")
    columns: list[ColumnProfile] = Field(description="One profile per column, in order.")
    findings: list[Finding] = Field(description="Problems found, most important first.")
    source: SourceReport | None = Field(
        default=None, description="How the upload was read; None for a transformed version."
    )
