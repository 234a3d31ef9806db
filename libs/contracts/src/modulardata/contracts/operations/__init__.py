"""Typed cleaning operations and the `Plan` that lists them.

Each operation compiles to a short, readable pandas snippet that reads and reassigns `df` (the
snippet may also use `pd` and `np`, which the executor's sandbox provides). A version stores its
plan, so a session's history is a recipe that can be replayed step by step.
"""

from modulardata.contracts.operations.base import (
    TEXT_COLUMNS,
    CleaningOperation,
    PerColumn,
    Scalar,
)
from modulardata.contracts.operations.columns import (
    AddConstantColumn,
    DeriveColumn,
    DropColumns,
    MoveColumn,
    RenameColumn,
    RenameColumnsStyle,
    SelectColumns,
)
from modulardata.contracts.operations.conditions import (
    Condition,
    ConditionOp,
)
from modulardata.contracts.operations.conversions import (
    CastType,
    ExtractDatePart,
    FormatDatetime,
    RoundNumbers,
    ToBoolean,
    ToDatetime,
    ToNumeric,
)
from modulardata.contracts.operations.missing import (
    DropEmptyColumns,
    DropNulls,
    DropSparseColumns,
    FillNulls,
    FillStrategy,
    StandardizeMissing,
)
from modulardata.contracts.operations.plan import (
    CustomSnippet,
    Operation,
    Plan,
)
from modulardata.contracts.operations.rows import (
    ClipValues,
    DropDuplicates,
    FilterRows,
    LimitRows,
    RemoveOutliers,
    SetMissingWhere,
    SortRows,
)
from modulardata.contracts.operations.text import (
    ChangeCase,
    ConcatColumns,
    ExtractPattern,
    Replacement,
    ReplaceText,
    ReplaceValues,
    SplitColumn,
    TrimWhitespace,
)

__all__ = [
    "AddConstantColumn",
    "CastType",
    "ChangeCase",
    "CleaningOperation",
    "ClipValues",
    "ConcatColumns",
    "Condition",
    "ConditionOp",
    "CustomSnippet",
    "DeriveColumn",
    "DropColumns",
    "DropDuplicates",
    "DropEmptyColumns",
    "DropNulls",
    "DropSparseColumns",
    "ExtractDatePart",
    "ExtractPattern",
    "FillNulls",
    "FillStrategy",
    "FilterRows",
    "FormatDatetime",
    "LimitRows",
    "MoveColumn",
    "Operation",
    "PerColumn",
    "Plan",
    "RemoveOutliers",
    "RenameColumn",
    "RenameColumnsStyle",
    "ReplaceText",
    "ReplaceValues",
    "Replacement",
    "RoundNumbers",
    "Scalar",
    "SelectColumns",
    "SetMissingWhere",
    "SortRows",
    "SplitColumn",
    "StandardizeMissing",
    "TEXT_COLUMNS",
    "ToBoolean",
    "ToDatetime",
    "ToNumeric",
    "TrimWhitespace",
]
