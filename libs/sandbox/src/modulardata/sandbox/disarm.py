"""Replacing pandas' and numpy's file, network and plotting entry points with refusals.

Done once in the template process the workers are forked from, so it costs nothing per run.
It closes the routes the static policy cannot see, such as pandas calling a method by a name
computed at run time (`df.apply("to_" + "pickle", ...)`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn

import numpy as np
import pandas as pd

from modulardata.sandbox.exceptions import AccessDenied
from modulardata.sandbox.vocabulary import IO_MEMBERS, blocked_member

_FRAME_TYPES: tuple[type[Any], ...] = (pd.DataFrame, pd.Series, pd.Index)
_PLOTTING = ("plot", "hist", "boxplot")
_KEPT = frozenset({"to_string"})
"""repr() of a frame goes through `to_string`; the policy withholds the name and the file
system is read-only, so its `buf=` path cannot write."""


def disarm_io() -> None:
    """Make every withheld reader, writer and plotter of pandas and numpy raise `AccessDenied`.

    The objects stay importable (pandas' own code refers to them); only calling them fails.
    """
    for name in dir(pd):
        if name.startswith("read_"):
            setattr(pd, name, _refusal(name))
    for cls in _FRAME_TYPES:
        for name in dir(cls):
            if name.startswith("to_") and name not in _KEPT and blocked_member(name) is not None:
                setattr(cls, name, _refusal(name))
        for name in _PLOTTING:
            if hasattr(cls, name):
                setattr(cls, name, property(_refusal(name)))
    for name in sorted(IO_MEMBERS):
        if callable(getattr(np, name, None)) and not isinstance(getattr(np, name), type):
            setattr(np, name, _refusal(name))


def _refusal(name: str) -> Callable[..., NoReturn]:
    def refuse(*args: object, **kwargs: object) -> NoReturn:
        raise AccessDenied(f"'{name}' is disabled in the sandbox: it reads or writes outside it")

    refuse.__name__ = name
    return refuse
