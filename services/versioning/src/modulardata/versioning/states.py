"""Stream states kept between messages, so a long session is not folded from scratch each time.

A cached state was folded from committed events only; loading it again reads just the events
appended since (by any replica), so it is never stale. The least recently used are dropped.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol, TypeVar

from modulardata.contracts.base import Message
from modulardata.versioning.eventlog import LogTransaction


class Versioned(Protocol):
    """A stream's state: how many of its events it has folded."""

    @property
    def version(self) -> int: ...


S = TypeVar("S", bound=Versioned)


class StreamStates:
    """An LRU cache of stream states, brought up to date from the log on every load."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._capacity = capacity
        self._states: OrderedDict[str, Versioned] = OrderedDict()

    async def load(
        self, log: LogTransaction, stream: str, initial: S, evolve: Callable[[S, Message], S]
    ) -> S:
        """The stream's state as of the log now: the cached one, plus what came since."""
        cached = self._states.get(stream)
        state: S = cached if isinstance(cached, type(initial)) else initial
        for recorded in await log.read_stream(stream, state.version):
            state = evolve(state, recorded.envelope.open())
        self._states[stream] = state
        self._states.move_to_end(stream)
        while len(self._states) > self._capacity:
            self._states.popitem(last=False)
        return state

    def forget(self, stream: str) -> None:
        """Drop a stream's cached state (a deleted session's must not linger in memory)."""
        self._states.pop(stream, None)
