"""Layer 4 on its own: Arrow IPC both ways, and results that cannot come back."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pyarrow as pa
import pytest

from modulardata.sandbox.exceptions import ResultRejected
from modulardata.sandbox.transfer import ResultLimits, frame_to_ipc, ipc_to_frame, is_plain


def test_a_frame_survives_the_round_trip() -> None:
    frame = pd.DataFrame(
        {
            "n": [1, 2, None],
            "s": ["x", None, "z"],
            "when": pd.to_datetime(pd.Series(["2024-01-01", None, "2024-03-01"])).to_numpy(),
            "cat": pd.Categorical(["a", "b", "a"]),
            "flag": [True, False, True],
            "gap": pd.to_timedelta([1, 2, 3], unit="D"),
        },
        index=[5, 7, 9],
    )
    pd.testing.assert_frame_equal(ipc_to_frame(frame_to_ipc(frame), ResultLimits()), frame)


def _ipc(table: pa.Table) -> pa.Buffer:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


@pytest.mark.parametrize(
    "column",
    [
        pa.array([[1], [2]]),
        pa.array([{"a": 1}, {"a": 2}]),
        pa.array([b"x", b"y"]),
        pa.array([1, 2], type=pa.decimal128(5, 2)),
    ],
)
def test_only_plain_columns_come_back(column: Any) -> None:
    with pytest.raises(ResultRejected, match="only numbers, text"):
        ipc_to_frame(_ipc(pa.table({"c": column})), ResultLimits())


def test_extension_types_are_not_plain() -> None:
    assert not is_plain(pa.uuid())
    assert is_plain(pa.dictionary(pa.int8(), pa.string()))
    assert not is_plain(pa.dictionary(pa.int8(), pa.list_(pa.int64())))  # type: ignore[call-overload]


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        (ResultLimits(max_rows=2), "3 rows, more than the limit of 2"),
        (ResultLimits(max_columns=1), "2 columns"),
        (ResultLimits(max_bytes=10), "larger than"),
        (ResultLimits(max_cell_bytes=4), "'b' has 5 bytes, more than the limit of 4"),
    ],
)
def test_limits_are_enforced(limits: ResultLimits, message: str) -> None:
    data = frame_to_ipc(pd.DataFrame({"a": [1, 2, 3], "b": ["x", "yy", "zzzzz"]}))
    with pytest.raises(ResultRejected, match=message):
        ipc_to_frame(data, limits)


@pytest.mark.parametrize("data", [b"", b"garbage", b"\xff" * 64])
def test_malformed_bytes_are_rejected(data: bytes) -> None:
    with pytest.raises(ResultRejected, match="could not be read back"):
        ipc_to_frame(data, ResultLimits())


def test_objects_cannot_be_sent() -> None:
    with pytest.raises(ResultRejected, match="not plain data"):
        frame_to_ipc(pd.DataFrame({"f": [len, print]}))
