"""Layer 1, the static policy: the snippet's syntax tree is checked before anything runs.

Each rule has its own message naming the line and what to do instead. The tree is walked
iteratively, so deeply nested code cannot exhaust the service's stack.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

import pandas as pd

from modulardata.sandbox.exceptions import SnippetRejected
from modulardata.sandbox.vocabulary import (
    EXPRESSION_MEMBERS,
    NAME_LOOKUP_MEMBERS,
    blocked_member,
    blocked_name,
)

MAX_NODES = 5_000
"""Most syntax-tree nodes a snippet may have; cleaning code is far smaller."""

_DUNDER_TEXT = re.compile(r"__\w+__")
_BACKTICKED = re.compile(r"`[^`\n]*`")
_EXPRESSION_KEYWORDS = frozenset({"inplace"})
_EXPRESSION_NODES = (
    ast.Module,
    ast.Expr,
    ast.Assign,
    ast.BoolOp,
    ast.BinOp,
    ast.UnaryOp,
    ast.Compare,
    ast.Name,
    ast.Constant,
    ast.List,
    ast.Tuple,
    ast.Load,
    ast.Store,
    ast.boolop,
    ast.operator,
    ast.unaryop,
    ast.cmpop,
)
_DISPATCHABLE = (
    frozenset(
        name
        for owner in (pd.DataFrame, pd.Series, pd.Index)
        for name in dir(owner)
        if name.startswith("to_") and blocked_member(name) is not None
    )
    | EXPRESSION_MEMBERS
    | {"plot", "hist", "boxplot"}
)
"""Withheld methods of frames that pandas calls when given their name (`df.apply("to_pickle")`);
other withheld names (such as "load" or "style") are ordinary words in data, so stay allowed."""


def check_policy(code: str) -> None:
    """Raise `SnippetRejected` naming the first rule `code` breaks, if any."""
    try:
        tree = ast.parse(code, filename="<snippet>")
    except SyntaxError as exc:
        raise SnippetRejected(f"line {exc.lineno}: syntax error: {exc.msg}") from None
    except (RecursionError, MemoryError, ValueError):
        raise SnippetRejected("the snippet is nested too deeply or is not valid text") from None
    nodes = list(ast.walk(tree))
    if len(nodes) > MAX_NODES:
        raise SnippetRejected(f"the snippet is too long (more than {MAX_NODES} syntax nodes)")
    called = {id(node.func) for node in nodes if isinstance(node, ast.Call)}
    for node in nodes:
        reason = _violation(node, called)
        if reason is not None:
            line = getattr(node, "lineno", 1)
            raise SnippetRejected(f"line {line}: {reason}")


def _violation(node: ast.AST, called: set[int]) -> str | None:
    """The rule `node` breaks on its own, or None."""
    match node:
        case ast.Import() | ast.ImportFrom():
            return "imports are not allowed; pd, np, re, math and datetime are already available"
        case ast.ClassDef():
            return "defining classes is not allowed"
        case ast.Global() | ast.Nonlocal():
            return "global and nonlocal declarations are not allowed"
        case ast.Yield() | ast.YieldFrom() | ast.Await() | ast.AsyncFunctionDef():
            return "generators and async code are not allowed"
        case ast.AsyncFor() | ast.AsyncWith():
            return "generators and async code are not allowed"
        case ast.Name(id=name):
            return _name_violation(name, id(node) in called)
        case ast.Attribute(attr=attr):
            return _attribute_violation(attr, id(node) in called)
        case ast.Call():
            return _call_violation(node)
        case ast.Constant(value=str() as text):
            return _text_violation(text)
    for name in _defined_names(node):
        if name.startswith("_"):
            return f"names starting with '_' such as '{name}' are not allowed"
    return None


def _defined_names(node: ast.AST) -> Iterator[str]:
    match node:
        case ast.FunctionDef(name=name) | ast.ExceptHandler(name=str() as name):
            yield name
        case ast.arg(arg=name) | ast.keyword(arg=str() as name) | ast.alias(name=name):
            yield name


def _name_violation(name: str, is_called: bool) -> str | None:
    if name.startswith("_"):
        return blocked_member(name)
    if name in NAME_LOOKUP_MEMBERS and not is_called:
        return f"'{name}' may only be called directly, with a literal attribute name"
    return blocked_name(name)


def _attribute_violation(attr: str, is_called: bool) -> str | None:
    if attr in EXPRESSION_MEMBERS and not is_called:
        return f"'{attr}' may only be called directly, with a literal expression"
    return blocked_member(attr)


def _call_violation(call: ast.Call) -> str | None:
    match call.func:
        case ast.Name(id=name) if name in NAME_LOOKUP_MEMBERS:
            return _lookup_violation(name, call)
        case ast.Attribute(attr=attr) if attr in EXPRESSION_MEMBERS:
            return _expression_call_violation(attr, call)
    return None


def _lookup_violation(name: str, call: ast.Call) -> str | None:
    match call.args:
        case [_, ast.Constant(value=str() as attr), *rest] if len(rest) <= 1 and not call.keywords:
            reason = blocked_member(attr)
            return None if reason is None else f"{name}(): {reason}"
    return f"{name}() needs a literal attribute name, e.g. {name}(df, 'columns')"


def _expression_call_violation(attr: str, call: ast.Call) -> str | None:
    expressions = list(call.args) + [k.value for k in call.keywords if k.arg == "expr"]
    match expressions:
        case [ast.Constant(value=str() as text)]:
            pass
        case _:
            return f"{attr}() needs one literal expression string, e.g. {attr}('age > 18')"
    for keyword in call.keywords:
        if keyword.arg not in _EXPRESSION_KEYWORDS | {"expr"}:
            return f"{attr}() accepts no options but inplace= (got {keyword.arg or '**'})"
    reason = expression_violation(text)
    return None if reason is None else f"{attr}(): {reason}"


def expression_violation(text: str) -> str | None:
    """Why a `query`/`eval` expression is refused, or None for one that only combines columns
    and literals with arithmetic, comparisons and boolean logic."""
    if "@" in text:
        return "expressions may not use '@' to reach variables; put the value in the text"
    placeholders = iter(range(len(text) + 1))
    plain = _BACKTICKED.sub(lambda _: f"column{next(placeholders)}", text)
    try:
        tree = ast.parse(plain.strip(), mode="exec")
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        return "the expression is not a simple comparison or calculation"
    for node in ast.walk(tree):
        if not isinstance(node, _EXPRESSION_NODES):
            return (
                "expressions may only combine columns and literals with arithmetic, "
                "comparisons, and/or/not"
            )
        if isinstance(node, ast.Assign) and not all(isinstance(t, ast.Name) for t in node.targets):
            return "an expression may only assign to a column name"
        if isinstance(node, ast.Name) and node.id.startswith("_"):
            return f"names starting with '_' such as '{node.id}' are not allowed"
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            reason = _text_violation(node.value)
            if reason is not None:
                return reason
    return None


def _text_violation(text: str) -> str | None:
    dunder = _DUNDER_TEXT.search(text)
    if dunder is not None:
        return f"text naming a double-underscore attribute ('{dunder.group()}') is not allowed"
    if text in _DISPATCHABLE:
        return f"text naming the withheld member '{text}' is not allowed (pandas can call it)"
    return None
