"""The benign corpus: ordinary cleaning snippets run and give exactly the frame plain pandas
gives when the same snippet is executed without any sandbox."""

from __future__ import annotations

import datetime
import math
import re
from typing import Any

import numpy as np
import pandas as pd
import pytest

from modulardata.sandbox.sandbox import Sandbox

BENIGN: list[tuple[str, str]] = [
    ("dropna-all", "df = df.dropna()"),
    ("dropna-subset", "df = df.dropna(subset=['age'])"),
    ("fillna-value", "df['age'] = df['age'].fillna(0)"),
    ("fillna-median", "df['score'] = df['score'].fillna(df['score'].median())"),
    ("fillna-dict", "df = df.fillna({'city': 'unknown', 'age': -1})"),
    ("strip-title", "df['name'] = df['name'].str.strip().str.title()"),
    ("lower", "df['city'] = df['city'].str.lower()"),
    ("contains-mask", "df = df[df['city'].str.contains('par', case=False, na=False)]"),
    ("str-len", "df['name_len'] = df['name'].str.len()"),
    (
        "split-expand",
        "df[['first', 'last']] = df['name'].str.strip().str.split(' ', n=1, expand=True)",
    ),
    ("to-datetime", "df['signup'] = pd.to_datetime(df['signup'], errors='coerce')"),
    ("date-parts", "d = pd.to_datetime(df['signup'], errors='coerce')\ndf['year'] = d.dt.year"),
    ("astype-str", "df['age'] = df['age'].astype(str)"),
    ("astype-float", "df['price'] = df['price'].str.replace('$', '', regex=False).astype(float)"),
    ("to-numeric", "df['price'] = pd.to_numeric(df['price'].str.lstrip('$'), errors='coerce')"),
    ("regex-replace", "df['phone'] = df['phone'].str.replace(r'\\D', '', regex=True)"),
    ("regex-extract", "df['area'] = df['phone'].str.extract(r'(\\d{3})', expand=False)"),
    (
        "re-module",
        "df['clean'] = [re.sub(r'\\s+', ' ', s) if isinstance(s, str) else s for s in df['name']]",
    ),
    ("groupby-transform", "df['city_mean'] = df.groupby('city')['score'].transform('mean')"),
    (
        "groupby-agg",
        "df = df.groupby('city', as_index=False).agg(total=('score', 'sum'), n=('score', 'size'))",
    ),
    ("np-where", "df['band'] = np.where(df['age'] >= 40, 'senior', 'junior')"),
    (
        "quantile-clip",
        "lo, hi = df['score'].quantile([0.05, 0.95])\ndf['score'] = df['score'].clip(lo, hi)",
    ),
    ("melt", "df = df.melt(id_vars=['name'], value_vars=['age', 'score'])"),
    (
        "pivot-table",
        "df = df.pivot_table(index='city', values='score', aggfunc='mean').reset_index()",
    ),
    (
        "self-merge",
        "counts = df.groupby('city').size().reset_index(name='n')\n"
        "df = df.merge(counts, on='city', how='left')",
    ),
    ("apply-lambda", "df['age2'] = df['age'].apply(lambda x: x * 2 if x == x else x)"),
    ("apply-rows", "df['label'] = df.apply(lambda r: f\"{r['city']}-{r['score']:.1f}\", axis=1)"),
    (
        "list-comprehension",
        "df['initial'] = "
        "[s.strip()[0] if isinstance(s, str) and s.strip() else '' for s in df['name']]",
    ),
    ("dict-comprehension", "df = df.rename(columns={c: c.upper() for c in df.columns})"),
    ("fstring-columns", "df.columns = [f'col_{i}_{c}' for i, c in enumerate(df.columns)]"),
    ("boolean-mask", "df = df[(df['age'] > 30) & (df['score'] < 90)]"),
    ("loc-assign", "df.loc[df['age'] > 60, 'city'] = 'retired'"),
    (
        "pd-cut-labels",
        "df['age_band'] = pd.cut(df['age'], bins=[0, 30, 50, 120], labels=['young', 'mid', 'old'])",
    ),
    ("query-simple", "df = df.query('age > 30 and score >= 50')"),
    ("query-backticks", "df = df.rename(columns={'score': 'the score'}).query('`the score` > 60')"),
    ("eval-assign", "df = df.eval('ratio = score / age')"),
    ("drop-duplicates", "df = df.drop_duplicates(subset=['city'], keep='first')"),
    (
        "sort-reset",
        "df = df.sort_values(['city', 'score'], ascending=[True, False]).reset_index(drop=True)",
    ),
    ("rename-drop", "df = df.rename(columns={'name': 'customer'}).drop(columns=['phone'])"),
    ("replace-map", "df['city'] = df['city'].replace({'PARIS': 'Paris', 'paris ': 'Paris'})"),
    ("map-dict", "df['vip'] = df['city'].map({'Paris': True}).fillna(False).astype(bool)"),
    (
        "math-module",
        "df['log_score'] = df['score'].apply(lambda s: math.log1p(s) if s == s else s)",
    ),
    (
        "datetime-module",
        "start = pd.Timestamp(datetime.date(2024, 1, 1))\n"
        "df['days'] = (pd.to_datetime(df['signup'], errors='coerce') - start).dt.days",
    ),
    (
        "augmented-assign",
        "total = 0\nfor v in df['score'].fillna(0):\n    total += v\n"
        "df['share'] = df['score'] / total",
    ),
    ("functions", "def norm(s):\n    return (s - s.mean()) / s.std()\ndf['z'] = norm(df['score'])"),
    ("try-except", "try:\n    df['x'] = df['missing']\nexcept KeyError:\n    df['x'] = 0"),
    ("zfill-pad", "df['code'] = df['age'].fillna(0).astype(int).astype(str).str.zfill(4)"),
    ("value-counts", "df = df['city'].value_counts().rename_axis('city').reset_index(name='n')"),
    ("isin-filter", "df = df[~df['city'].isin(['Lyon'])]"),
    ("interpolate", "df['score'] = df['score'].interpolate()"),
    ("getattr-literal", "df['n'] = getattr(df, 'shape')[0]"),
    ("print-ignored", "print(df.shape)\ndf = df.head(3)"),
    ("unpack", "a, b = df.shape\ndf['cells'] = a * b"),
    ("categorical", "df['city'] = df['city'].astype('category')"),
    ("round-abs", "df['score'] = df['score'].round(1).abs()"),
]
"""(id, snippet): each must run and give the frame plain pandas gives."""


def customers() -> pd.DataFrame:
    """A small, messy customer table like the ones users upload."""
    return pd.DataFrame(
        {
            "name": [
                " ada lovelace",
                "ALAN turing ",
                "grace hopper",
                None,
                "edsger  dijkstra",
                "barbara",
            ],
            "age": [36.0, 41.0, None, 85.0, 72.0, 29.0],
            "city": ["Paris", "PARIS", "Lyon", "paris ", None, "Berlin"],
            "signup": ["2024-01-31", "2023-12-01", "not a date", None, "2022-06-15", "2024-02-29"],
            "price": ["$10.5", "$3", "$7.25", "$0", "$99.99", "$12"],
            "phone": ["(555) 123-4567", "555.987.6543", "none", "555 000 1111", "", "5551234567"],
            "score": [88.5, 92.0, 47.0, None, 61.0, 75.5],
        }
    )


def plain_exec(code: str, df: pd.DataFrame) -> pd.DataFrame:
    """The snippet run the ordinary way, with no sandbox at all."""
    namespace: dict[str, Any] = {
        "df": df,
        "pd": pd,
        "np": np,
        "re": re,
        "math": math,
        "datetime": datetime,
    }
    exec(code, namespace)
    result = namespace["df"]
    assert isinstance(result, pd.DataFrame)
    return result


def test_the_corpus_is_large_enough() -> None:
    assert len(BENIGN) >= 40
    assert len({name for name, _ in BENIGN}) == len(BENIGN)


@pytest.mark.parametrize("code", [pytest.param(c, id=n) for n, c in BENIGN])
def test_a_cleaning_snippet_gives_the_plain_pandas_frame(code: str, sandbox: Sandbox) -> None:
    result = sandbox.execute(code, customers())
    assert result.ok, result.error
    assert result.error is None
    assert result.df is not None
    pd.testing.assert_frame_equal(result.df, plain_exec(code, customers()))
    assert result.duration_ms > 0


def test_the_input_frame_is_left_alone(sandbox: Sandbox) -> None:
    original = customers()
    result = sandbox.execute("df['age'] = 0\ndf = df.dropna()", original)
    assert result.ok
    pd.testing.assert_frame_equal(original, customers())


def test_known_answers(sandbox: Sandbox) -> None:
    dropped = sandbox.execute("df = df.dropna(subset=['age'])", customers())
    assert dropped.df is not None
    assert len(dropped.df) == 5
    queried = sandbox.execute("df = df.query('age > 40')", customers())
    assert queried.df is not None
    assert queried.df["age"].tolist() == [41.0, 85.0, 72.0]
