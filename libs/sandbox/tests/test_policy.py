"""Layer 1 on its own: each static rule names the line and what was wrong."""

from __future__ import annotations

import pytest

from modulardata.sandbox.exceptions import SnippetRejected
from modulardata.sandbox.policy import MAX_NODES, check_policy, expression_violation


@pytest.mark.parametrize(
    "code",
    [
        "df = df.dropna()",
        "df = df.query('age > 3 and city == \"Paris\"')",
        "df = df.eval('total = price * qty')",
        "df['n'] = getattr(df, 'shape')[0]",
        "df['x'] = [f'{v:>3}' for v in df['a']]",
        "df['s'] = df['s'].replace({'load': 'Load', 'style': 'Style', 'open': 'Open'})",
        "def f(x):\n    return x + 1\ndf['a'] = df['a'].map(f)",
    ],
)
def test_ordinary_code_passes(code: str) -> None:
    check_policy(code)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("x = 1\nimport os", "line 2: imports are not allowed"),
        ("x = (", "line 1: syntax error"),
        ("y = df.__dict__", "line 1: double-underscore names such as '__dict__'"),
        ("y = df._mgr", "names starting with '_'"),
        ("def f(_secret):\n    pass", "names starting with '_'"),
        ("df.to_csv('x')", "'to_csv' reads or writes files"),
        ("x = pd.io", "'io' leads to internals"),
        ("x = g.gi_frame", "'gi_frame' inspects frames"),
        ("x = '{}'.format(1)", "use an f-string instead"),
        ("pd.set_option('a', 1)", "changes global settings"),
        ("x = open('f')", "'open' is not available"),
        ("x = sys.argv", "module 'sys' is not available"),
        ("x = getattr(df, name)", "getattr() needs a literal attribute name"),
        ("x = df.query", "'query' may only be called directly"),
        ("df.query('a > 1', local_dict={})", "accepts no options but inplace="),
        ("x = '__class__'", "text naming a double-underscore attribute"),
        ("df.apply('to_json')", "text naming the withheld member 'to_json'"),
        ("class A:\n    pass", "defining classes is not allowed"),
    ],
)
def test_each_rule_has_a_clear_message(code: str, message: str) -> None:
    with pytest.raises(SnippetRejected) as refused:
        check_policy(code)
    assert message in str(refused.value)


def test_deep_nesting_is_refused_without_exhausting_the_stack() -> None:
    with pytest.raises(SnippetRejected):
        check_policy("x = " + "(" * 5000 + "1" + ")" * 5000)
    with pytest.raises(SnippetRejected, match="too long"):
        check_policy("x = [" + ", ".join(["1"] * (MAX_NODES + 1)) + "]")


@pytest.mark.parametrize(
    ("expression", "refused"),
    [
        ("a > 1 and b < 2", False),
        ("`my col` * 2 == 4", False),
        ("c = a + b", False),
        ("not flag or name in ['x', 'y']", False),
        ("@secret > 1", True),
        ("a.real > 0", True),
        ("f(a)", True),
        ("a[0] > 1", True),
        ("_x > 1", True),
        ("name == '__class__'", True),
        ("lambda: 1", True),
        ("a > (", True),
    ],
)
def test_query_and_eval_expressions_are_vetted(expression: str, refused: bool) -> None:
    assert (expression_violation(expression) is not None) is refused
