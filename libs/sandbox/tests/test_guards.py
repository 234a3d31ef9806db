"""Layer 2 on its own: RestrictedPython and the guards, run in this process on purpose."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from modulardata.sandbox.exceptions import AccessDenied, SnippetRejected
from modulardata.sandbox.guards import compile_snippet, snippet_globals


def run(code: str) -> dict[str, Any]:
    namespace = snippet_globals(pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]}))
    exec(compile_snippet(code), namespace)
    return namespace


def test_ordinary_code_runs_with_guarded_access() -> None:
    namespace = run(
        "df.loc[df.a > 1, 'b'] = 'big'\n"
        "total = 0\n"
        "for i, v in enumerate(df['a']):\n"
        "    total += v\n"
        "df['t'] = total\n"
        "df.columns = [c.upper() for c in df.columns]\n"
        "print('ignored')\n"
    )
    assert namespace["df"].to_dict("list") == {
        "A": [1, 2, 3],
        "B": ["x", "big", "big"],
        "T": [6, 6, 6],
    }


@pytest.mark.parametrize(
    "code", ["x = df.__class__", "_x = 1", "x = (i for i in []).gi_frame", "exec('1')"]
)
def test_restricted_python_refuses_to_compile(code: str) -> None:
    with pytest.raises(SnippetRejected):
        compile_snippet(code)


@pytest.mark.parametrize(
    ("code", "error", "message"),
    [
        ("x = pd.read_csv", AccessDenied, "reads or writes files"),
        ("x = getattr(pd, 'io')", AccessDenied, "leads to internals"),
        ("x = re.copyreg", AccessDenied, "module 'copyreg' is not available"),
        ("x = datetime.sys", AccessDenied, "leads to internals"),
        ("pd.anything = 1", AccessDenied, "changing a module"),
        ("pd.DataFrame.sum = None", AccessDenied, "changing a type"),
        ("x = open", NameError, "open"),
        ("x = type(df)", NameError, "type"),
        ("x = hasattr(df, 'columns') and hasattr(df, 'to_pickle')", AccessDenied, "files"),
    ],
)
def test_guards_refuse_at_run_time(code: str, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        run(code)


def test_hasattr_answers_for_permitted_names() -> None:
    namespace = run("h = hasattr(df, 'columns')\nm = hasattr(df, 'nope')")
    assert (namespace["h"], namespace["m"]) == (True, False)
