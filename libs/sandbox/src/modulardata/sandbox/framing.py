"""Frames on a worker's channel: a small JSON header and an optional binary body.

Never pickle: the header is JSON and the body is Arrow IPC, so nothing the untrusted side
sends can make the service run code. Both lengths come first and are checked before reading.
"""

from __future__ import annotations

import json
import socket
import struct
import time
from collections.abc import Mapping
from typing import Any

from modulardata.sandbox.exceptions import ChannelBroken, ResultRejected

MAX_HEADER_BYTES = 64 * 1024
_PREFIX = struct.Struct("!IQ")
_CHUNK = 4 * 1024 * 1024

Body = bytes | bytearray | memoryview


def send_frame(channel: socket.socket, header: Mapping[str, Any], body: Body = b"") -> None:
    """Send one frame; raises `ChannelBroken` when the other side is gone."""
    encoded = json.dumps(header).encode()
    try:
        channel.sendall(_PREFIX.pack(len(encoded), len(body)) + encoded)
        if body:
            channel.sendall(body)
    except OSError as exc:
        raise ChannelBroken(f"the channel closed while sending: {exc}") from exc


def recv_frame(
    channel: socket.socket, *, timeout_s: float | None, max_body: int
) -> tuple[dict[str, Any], bytearray]:
    """Receive one frame within `timeout_s` seconds (None waits forever).

    Raises `TimeoutError` when the time runs out, `ResultRejected` for a body over
    `max_body` bytes and `ChannelBroken` for a closed channel or a malformed frame.
    """
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    header_size, body_size = _PREFIX.unpack(_read(channel, _PREFIX.size, deadline))
    if header_size > MAX_HEADER_BYTES:
        raise ChannelBroken(f"a frame header of {header_size} bytes is over the limit")
    if body_size > max_body:
        raise ResultRejected(
            f"the result is {body_size / 1e6:.1f} MB, "
            f"more than the limit of {max_body / 1e6:.1f} MB"
        )
    try:
        header = json.loads(_read(channel, header_size, deadline))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ChannelBroken("a frame header is not valid JSON") from exc
    if not isinstance(header, dict):
        raise ChannelBroken("a frame header is not a JSON object")
    return header, _read(channel, body_size, deadline)


def _read(channel: socket.socket, size: int, deadline: float | None) -> bytearray:
    buffer = bytearray(size)
    view = memoryview(buffer)
    received = 0
    while received < size:
        if deadline is None:
            channel.settimeout(None)
        else:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no answer in time")
            channel.settimeout(remaining)
        try:
            count = channel.recv_into(view[received:], min(_CHUNK, size - received))
        except TimeoutError:
            raise
        except OSError as exc:
            raise ChannelBroken(f"the channel failed: {exc}") from exc
        if count == 0:
            raise ChannelBroken("the channel closed")
        received += count
    return buffer
