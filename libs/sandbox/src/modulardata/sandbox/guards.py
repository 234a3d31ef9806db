"""Layer 2, RestrictedPython: the snippet is compiled with guarded attribute, item, iteration
and write access, and runs with a minimal set of builtins.

These guards run inside the worker process, where they are the last check before the snippet
touches an object; they read the same vocabulary as the static policy.
"""

from __future__ import annotations

import datetime
import math
import operator
import re
from collections.abc import Callable, Iterable, Iterator
from types import CodeType, FrameType, ModuleType, TracebackType
from typing import Any

import numpy as np
import pandas as pd
from RestrictedPython.compile import compile_restricted_exec
from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence
from RestrictedPython.PrintCollector import PrintCollector

from modulardata.sandbox.exceptions import AccessDenied, SnippetRejected
from modulardata.sandbox.vocabulary import REACHABLE_MODULES, blocked_member

SNIPPET_FILENAME = "<snippet>"
"""File name the snippet's code carries, so its frames can be found in a traceback."""

_MISSING = object()
_WITHHELD_VALUES = (CodeType, FrameType, TracebackType)
_PROBE = pd.DataFrame({"a": [0]})
_WRITABLE = (
    pd.DataFrame,
    pd.Series,
    pd.Index,
    np.ndarray,
    dict,
    list,
    type(_PROBE.loc),
    type(_PROBE.iloc),
    type(_PROBE.at),
    type(_PROBE.iat),
)
_INPLACE: dict[str, Callable[[Any, Any], Any]] = {
    "+=": operator.iadd,
    "-=": operator.isub,
    "*=": operator.imul,
    "/=": operator.itruediv,
    "//=": operator.ifloordiv,
    "%=": operator.imod,
    "**=": operator.ipow,
    "&=": operator.iand,
    "|=": operator.ior,
    "^=": operator.ixor,
    "<<=": operator.ilshift,
    ">>=": operator.irshift,
    "@=": operator.imatmul,
}


def compile_snippet(code: str) -> CodeType:
    """The snippet compiled by RestrictedPython; `SnippetRejected` lists what it refused."""
    result = compile_restricted_exec(code, filename=SNIPPET_FILENAME)
    if result.errors or result.code is None:
        raise SnippetRejected("; ".join(result.errors) or "the snippet could not be compiled")
    compiled: CodeType = result.code
    return compiled


def guarded_getattr(obj: object, name: str, default: object = _MISSING) -> Any:
    """`obj.name`, unless the name or the value it leads to is withheld from snippets."""
    if not isinstance(name, str):
        raise AccessDenied("attribute names must be text")
    reason = blocked_member(name)
    if reason is not None:
        raise AccessDenied(reason)
    value = getattr(obj, name) if default is _MISSING else getattr(obj, name, default)
    if isinstance(value, ModuleType) and value.__name__ not in REACHABLE_MODULES:
        raise AccessDenied(f"module '{value.__name__}' is not available in the sandbox")
    if isinstance(value, _WITHHELD_VALUES):
        raise AccessDenied(f"'{name}' leads to interpreter internals, which are withheld")
    return value


def guarded_hasattr(obj: object, name: str) -> bool:
    """`hasattr` that answers only for names a snippet may use."""
    try:
        guarded_getattr(obj, name)
    except AttributeError:
        return False
    return True


def guarded_getitem(obj: Any, key: Any) -> Any:
    """`obj[key]`; items hold data, never members, so only the attribute guard matters."""
    return obj[key]


def guarded_write(obj: Any) -> Any:
    """Allow changing frames, series, indexes, arrays, dicts and lists; nothing else."""
    if isinstance(obj, _WRITABLE) and not isinstance(obj, type):
        return obj
    raise AccessDenied(f"changing a {type(obj).__name__} is not allowed in the sandbox")


def inplace_operation(op: str, target: Any, value: Any) -> Any:
    """`target op= value` for a plain name, as RestrictedPython compiles it."""
    return _INPLACE[op](target, value)


def guarded_apply(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """A call with `*args`/`**kwargs` unpacking."""
    return function(*args, **kwargs)


def guarded_iter(obj: Iterable[Any]) -> Iterator[Any]:
    """Iteration over anything iterable."""
    return iter(obj)


SAFE_BUILTINS: dict[str, object] = {
    "None": None,
    "True": True,
    "False": False,
    **{
        builtin.__name__: builtin
        for builtin in (
            abs,
            all,
            any,
            bool,
            callable,
            chr,
            dict,
            divmod,
            enumerate,
            filter,
            float,
            frozenset,
            int,
            isinstance,
            iter,
            len,
            list,
            map,
            max,
            min,
            next,
            ord,
            pow,
            range,
            repr,
            reversed,
            round,
            set,
            slice,
            sorted,
            str,
            sum,
            tuple,
            zip,
        )
    },
    **{
        error.__name__: error
        for error in (
            ArithmeticError,
            AssertionError,
            AttributeError,
            Exception,
            IndexError,
            KeyError,
            LookupError,
            NameError,
            OverflowError,
            RuntimeError,
            StopIteration,
            TypeError,
            ValueError,
            ZeroDivisionError,
        )
    },
    "getattr": guarded_getattr,
    "hasattr": guarded_hasattr,
}
"""The only builtins a snippet sees: no I/O, no introspection, no code from text."""


def snippet_globals(df: pd.DataFrame) -> dict[str, Any]:
    """The namespace a snippet runs in: `df`, the modules it is given, and the guards."""
    return {
        "__builtins__": SAFE_BUILTINS,
        "__name__": "snippet",
        "_getattr_": guarded_getattr,
        "_getitem_": guarded_getitem,
        "_getiter_": guarded_iter,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_unpack_sequence_": guarded_unpack_sequence,
        "_write_": guarded_write,
        "_inplacevar_": inplace_operation,
        "_apply_": guarded_apply,
        "_print_": PrintCollector,
        "df": df,
        "pd": pd,
        "np": np,
        "re": re,
        "math": math,
        "datetime": datetime,
    }
