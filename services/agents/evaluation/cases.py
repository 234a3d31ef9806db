"""The evaluation set: what a user types, and the frame (or the question) they should get.

Expected frames are written by hand in plain pandas from the uploaded table, independently of
the planner's snippets. A case passes when the session's head after the last message equals the
expected frame, or when the planner asked a question where one is due.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

Expectation = Callable[[pd.DataFrame], pd.DataFrame]


@dataclass(frozen=True)
class Case:
    """One request (or short conversation) and what should come of it."""

    id: str
    messages: tuple[str, ...]
    expect: Expectation | None = None
    clarify: Literal["ambiguous", "not_understood"] | None = None


def money(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series.str.replace(r"[$,]", "", regex=True), errors="coerce")


def number(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series, errors="coerce")


def loose(series: pd.Series) -> pd.Series:
    return series.str.strip().str.lower()


def assign(df: pd.DataFrame, **columns: Any) -> pd.DataFrame:
    for name, values in columns.items():
        df[name] = values
    return df


def same(df: pd.DataFrame) -> pd.DataFrame:
    return df


VALID_EMAIL = r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}"


def _outliers_removed(df: pd.DataFrame) -> pd.DataFrame:
    age = number(df["age"])
    q1, q3 = age.quantile(0.25), age.quantile(0.75)
    df["age"] = age
    return df[((age >= q1 - 1.5 * (q3 - q1)) & (age <= q3 + 1.5 * (q3 - q1))) | age.isna()]


def _split_name(df: pd.DataFrame) -> pd.DataFrame:
    parts = df["name"].str.split(n=1, expand=True)
    return assign(df, first_name=parts[0], last_name=parts[1])


CASES: tuple[Case, ...] = (
    # Missing values
    Case("drop-missing-age", ("drop rows where age is missing",), lambda df: df[df["age"].notna()]),
    Case("drop-any-missing", ("remove rows with missing values",), lambda df: df.dropna()),
    Case(
        "drop-no-email", ("delete customers without an email",), lambda df: df[df["email"].notna()]
    ),
    Case(
        "drop-no-last-order",
        ("Drop rows that have no last order date",),
        lambda df: df[df["last_order_date"].notna()],
    ),
    Case(
        "drop-empty-signup", ("drop empty signup dates",), lambda df: df[df["signup_date"].notna()]
    ),
    Case(
        "drop-blank-phone",
        ("Remove all rows with a blank Phone Number",),
        lambda df: df[df["Phone Number"].notna()],
    ),
    Case(
        "drop-nulls-active",
        ("drop nulls in is_active",),
        lambda df: df.dropna(subset=["is_active"]),
    ),
    Case(
        "drop-where-age-empty",
        ("please get rid of records where the age is empty",),
        lambda df: df[df["age"].notna()],
    ),
    Case(
        "fill-age-median",
        ("fill missing ages with the median",),
        lambda df: assign(df, age=number(df["age"]).fillna(number(df["age"]).median())),
    ),
    Case(
        "fill-age-mean",
        ("impute age using the mean",),
        lambda df: assign(df, age=number(df["age"]).fillna(number(df["age"]).mean())),
    ),
    Case(
        "fill-email-quoted",
        ("fill missing emails with 'unknown@example.com'",),
        lambda df: assign(df, email=df["email"].fillna("unknown@example.com")),
    ),
    Case(
        "fill-phone-unquoted",
        ("replace missing phone numbers with N/A",),
        lambda df: assign(df, **{"Phone Number": df["Phone Number"].fillna("N/A")}),
    ),
    Case(
        "fill-active-no",
        ("set missing is_active to no",),
        lambda df: assign(df, is_active=df["is_active"].fillna("no")),
    ),
    Case(
        "fill-forward",
        ("fill in missing last order dates with the previous value",),
        lambda df: assign(df, last_order_date=df["last_order_date"].ffill()),
    ),
    Case(
        "fill-signup-constant",
        ("fill the blanks in signup date with 2023-01-01",),
        lambda df: assign(df, signup_date=df["signup_date"].fillna("2023-01-01")),
    ),
    Case(
        "fill-ltv-zero",
        ("fill missing values in lifetime value with 0",),
        lambda df: assign(df, lifetime_value=money(df["lifetime_value"]).fillna(0)),
    ),
    Case(
        "fill-city-mode",
        ("fill empty emails with the most common value",),
        lambda df: assign(df, email=df["email"].fillna(df["email"].mode().iloc[0])),
    ),
    Case(
        "placeholders-listed",
        ("treat n/a and - as missing",),
        lambda df: df.replace(["n/a", "-"], np.nan),
    ),
    Case(
        "placeholders-in-age",
        ("mark 'n/a' as missing in age",),
        lambda df: assign(df, age=df["age"].replace("n/a", np.nan)),
    ),
    Case(
        "placeholders-generic",
        ("standardize missing values",),
        lambda df: df.replace(["n/a", "-"], np.nan),
    ),
    # Duplicates
    Case("dedupe", ("remove duplicates",), lambda df: df.drop_duplicates()),
    Case(
        "dedupe-by-id",
        ("drop duplicate rows based on customer id",),
        lambda df: df.drop_duplicates(subset=["customer_id"]),
    ),
    Case(
        "dedupe-keep-last",
        ("dedupe by email, keep the last one",),
        lambda df: df.drop_duplicates(subset=["email"], keep="last"),
    ),
    Case(
        "dedupe-emails",
        ("remove rows with duplicate emails",),
        lambda df: df.drop_duplicates(subset=["email"]),
    ),
    # Whitespace and case
    Case(
        "trim-name",
        ("trim whitespace from name",),
        lambda df: assign(df, name=df["name"].str.strip()),
    ),
    Case(
        "trim-city",
        ("strip spaces in the city column",),
        lambda df: assign(df, city=df["city"].str.strip()),
    ),
    Case(
        "trim-all",
        ("remove leading and trailing spaces from all columns",),
        lambda df: df.apply(lambda s: s.str.strip() if s.dtype == "str" else s),
    ),
    Case(
        "lower-emails",
        ("lowercase the emails",),
        lambda df: assign(df, email=df["email"].str.lower()),
    ),
    Case(
        "upper-city",
        ("convert city to uppercase",),
        lambda df: assign(df, city=df["city"].str.upper()),
    ),
    Case(
        "title-country",
        ("title case the country column",),
        lambda df: assign(df, country=df["country"].str.title()),
    ),
    Case(
        "capitalize-names",
        ("capitalize the names",),
        lambda df: assign(df, name=df["name"].str.title()),
    ),
    Case(
        "trim-and-lower",
        ("trim and lowercase email",),
        lambda df: assign(df, email=df["email"].str.strip().str.lower()),
    ),
    Case(
        "email-lower-case",
        ("make email lower case",),
        lambda df: assign(df, email=df["email"].str.lower()),
    ),
    # Columns
    Case(
        "rename-phone",
        ("rename Phone Number to phone",),
        lambda df: df.rename(columns={"Phone Number": "phone"}),
    ),
    Case(
        "rename-quoted",
        ("rename the lifetime_value column to 'LTV'",),
        lambda df: df.rename(columns={"lifetime_value": "LTV"}),
    ),
    Case(
        "drop-phone-column",
        ("drop the phone number column",),
        lambda df: df.drop(columns=["Phone Number"]),
    ),
    Case(
        "drop-two-columns",
        ("remove columns last order date and is active",),
        lambda df: df.drop(columns=["last_order_date", "is_active"]),
    ),
    Case("select", ("keep only name, email and city",), lambda df: df[["name", "email", "city"]]),
    Case(
        "move-email",
        ("move email to the front",),
        lambda df: df[["email", *[c for c in df.columns if c != "email"]]],
    ),
    Case(
        "snake-headers",
        ("make column names snake case",),
        lambda df: df.rename(columns={"Phone Number": "phone_number"}),
    ),
    Case(
        "drop-sparse",
        ("drop columns with more than 10% missing values",),
        lambda df: df.drop(columns=["age", "last_order_date", "Phone Number"]),
    ),
    Case("fuzzy-phone", ("drop the phone column",), lambda df: df.drop(columns=["Phone Number"])),
    Case("typo-email", ("get rid of the emial column",), lambda df: df.drop(columns=["email"])),
    Case("plural-case", ("delete the Cities column",), lambda df: df.drop(columns=["city"])),
    Case("dash-name", ("remove signup-date",), lambda df: df.drop(columns=["signup_date"])),
    # Filters
    Case(
        "from-germany",
        ("keep customers from Germany",),
        lambda df: df[loose(df["country"]) == "germany"],
    ),
    Case(
        "age-over-40",
        ("keep rows where age is greater than 40",),
        lambda df: df[number(df["age"]) > 40],
    ),
    Case(
        "not-de",
        ("remove rows where country is DE",),
        lambda df: df[~(loose(df["country"]) == "de")],
    ),
    Case(
        "berlin-only",
        ("only keep rows where city is Berlin",),
        lambda df: df[loose(df["city"]) == "berlin"],
    ),
    Case("older-than", ("show customers older than 35",), lambda df: df[number(df["age"]) > 35]),
    Case(
        "ltv-under-1000",
        ("delete rows where lifetime value is less than 1000",),
        lambda df: (lambda ltv: assign(df, lifetime_value=ltv)[~(ltv < 1000)])(
            money(df["lifetime_value"])
        ),
    ),
    Case(
        "invalid-emails",
        ("drop rows with invalid emails",),
        lambda df: df[~(df["email"].notna() & ~df["email"].str.fullmatch(VALID_EMAIL, na=False))],
    ),
    Case(
        "contains",
        ("keep only rows where email contains example.com",),
        lambda df: df[df["email"].str.contains("example.com", regex=False, na=False)],
    ),
    Case(
        "between",
        ("filter age between 30 and 40",),
        lambda df: df[number(df["age"]).between(30, 40)],
    ),
    Case(
        "active-yes",
        ("keep rows where is_active is yes",),
        lambda df: df[loose(df["is_active"]) == "yes"],
    ),
    Case(
        "not-in-berlin",
        ("remove customers in Berlin",),
        lambda df: df[~(loose(df["city"]) == "berlin")],
    ),
    Case(
        "either-country",
        ("keep rows where country is Germany or country is France",),
        lambda df: df[(loose(df["country"]) == "germany") | (loose(df["country"]) == "france")],
    ),
    Case(
        "age-na-text", ("drop rows where age is n/a",), lambda df: df[~(loose(df["age"]) == "n/a")]
    ),
    Case(
        "quoted-value",
        ("keep rows where country is 'Czech Republic'",),
        lambda df: df[loose(df["country"]) == "czech republic"],
    ),
    Case(
        "one-of",
        ("keep rows where country is one of Germany, France, Italy",),
        lambda df: df[loose(df["country"]).isin(["germany", "france", "italy"])],
    ),
    Case("first-5", ("keep the first 5 rows",), lambda df: df.head(5)),
    Case("last-3", ("show the last 3 rows",), lambda df: df.tail(3)),
    Case(
        "sort-age-desc",
        ("sort by age descending",),
        lambda df: assign(df, age=number(df["age"])).sort_values(["age"], ascending=False),
    ),
    Case(
        "sort-city", ("order the rows by city alphabetically",), lambda df: df.sort_values(["city"])
    ),
    Case(
        "sort-two",
        ("sort by country and city",),
        lambda df: df.sort_values(["country", "city"]),
    ),
    # Values and types
    Case(
        "replace-de",
        ("replace DE with Germany in country",),
        lambda df: assign(df, country=df["country"].replace("DE", "Germany")),
    ),
    Case(
        "replace-found-column",
        ("change 'UAE' to 'United Arab Emirates'",),
        lambda df: assign(df, country=df["country"].replace("UAE", "United Arab Emirates")),
    ),
    Case(
        "replace-y",
        ("replace Y with yes in is_active",),
        lambda df: assign(df, is_active=df["is_active"].replace("Y", "yes")),
    ),
    Case(
        "remove-dollar",
        ("remove the $ from lifetime value",),
        lambda df: assign(df, lifetime_value=df["lifetime_value"].str.replace("$", "")),
    ),
    Case(
        "strip-symbols",
        ("strip commas and dollar signs from lifetime value",),
        lambda df: assign(
            df, lifetime_value=df["lifetime_value"].str.replace(",", "").str.replace("$", "")
        ),
    ),
    Case(
        "ltv-numbers",
        ("convert lifetime value to numbers",),
        lambda df: assign(df, lifetime_value=money(df["lifetime_value"])),
    ),
    Case("age-numeric", ("make age numeric",), lambda df: assign(df, age=number(df["age"]))),
    Case(
        "age-integer",
        ("convert age to integer",),
        lambda df: assign(df, age=number(df["age"]).astype("Int64")),
    ),
    Case(
        "signup-dates",
        ("convert signup date to a date",),
        lambda df: assign(
            df, signup_date=pd.to_datetime(df["signup_date"], format="mixed", errors="coerce")
        ),
    ),
    Case(
        "parse-last-order",
        ("parse the dates in last order date",),
        lambda df: assign(
            df,
            last_order_date=pd.to_datetime(df["last_order_date"], format="mixed", errors="coerce"),
        ),
    ),
    Case(
        "active-boolean",
        ("convert is_active to boolean",),
        lambda df: assign(
            df,
            is_active=loose(df["is_active"])
            .map({"yes": True, "y": True, "no": False, "n": False})
            .astype("boolean"),
        ),
    ),
    Case(
        "id-text",
        ("convert customer id to text",),
        lambda df: assign(df, customer_id=df["customer_id"].astype("str")),
    ),
    Case(
        "round-ltv",
        ("round lifetime value to 1 decimal",),
        lambda df: assign(df, lifetime_value=money(df["lifetime_value"]).round(1)),
    ),
    Case(
        "cap-age", ("cap age at 100",), lambda df: assign(df, age=number(df["age"]).clip(upper=100))
    ),
    Case(
        "blank-impossible-age",
        ("set age to missing where age is over 120",),
        lambda df: assign(df, age=df["age"].mask(number(df["age"]) > 120)),
    ),
    Case("outliers", ("remove outliers in age",), _outliers_removed),
    Case(
        "format-dates",
        ("format signup date as YYYY-MM-DD",),
        lambda df: assign(
            df,
            signup_date=pd.to_datetime(
                df["signup_date"], format="mixed", errors="coerce"
            ).dt.strftime("%Y-%m-%d"),
        ),
    ),
    # Reshaping
    Case("split-name", ("split name into first and last name",), _split_name),
    Case(
        "split-email",
        ("split email on @ into user and domain",),
        lambda df: assign(
            df,
            user=df["email"].str.split("@", n=1, expand=True)[0],
            domain=df["email"].str.split("@", n=1, expand=True)[1],
        ),
    ),
    Case(
        "combine",
        ("combine city and country into location with ', '",),
        lambda df: assign(df, location=df["city"] + ", " + df["country"]),
    ),
    Case(
        "email-domain",
        ("extract the domain from email",),
        lambda df: assign(df, email_domain=df["email"].str.extract(r"@([^@\s]+)$", expand=False)),
    ),
    Case(
        "signup-year",
        ("extract the year from signup date into signup_year",),
        lambda df: assign(
            df,
            signup_year=pd.to_datetime(df["signup_date"], format="mixed", errors="coerce").dt.year,
        ),
    ),
    Case(
        "constant",
        ("add a column source with value 'web'",),
        lambda df: assign(df, source="web"),
    ),
    Case(
        "derive-thousands",
        ("create a column ltv_thousands as lifetime value divided by 1000",),
        lambda df: assign(
            df,
            lifetime_value=money(df["lifetime_value"]),
            ltv_thousands=money(df["lifetime_value"]) / 1000,
        ),
    ),
    Case(
        "derive-months",
        ("add a column age_in_months = age * 12",),
        lambda df: assign(df, age=number(df["age"]), age_in_months=number(df["age"]) * 12),
    ),
    # Several steps in one message
    Case(
        "two-clauses",
        ("trim name; lowercase email",),
        lambda df: assign(df, name=df["name"].str.strip(), email=df["email"].str.lower()),
    ),
    Case(
        "and-then",
        ("drop rows where age is missing and then remove duplicates",),
        lambda df: df[df["age"].notna()].drop_duplicates(),
    ),
    Case(
        "rename-then-use",
        ("rename Phone Number to phone, then drop rows where phone is missing",),
        lambda df: df.rename(columns={"Phone Number": "phone"}).dropna(subset=["phone"]),
    ),
    # Conversations
    Case("undo", ("drop the email column", "undo that"), same),
    Case(
        "undo-redo",
        ("drop the email column", "undo", "redo"),
        lambda df: df.drop(columns=["email"]),
    ),
    Case(
        "same-for-city",
        ("trim whitespace from name", "do the same for city"),
        lambda df: assign(df, name=df["name"].str.strip(), city=df["city"].str.strip()),
    ),
    Case(
        "same-for-country",
        ("lowercase the emails", "same for country"),
        lambda df: assign(df, email=df["email"].str.lower(), country=df["country"].str.lower()),
    ),
    Case(
        "median-instead",
        ("fill missing ages with the mean", "use the median instead"),
        lambda df: assign(df, age=number(df["age"]).fillna(number(df["age"]).median())),
    ),
    Case(
        "other-column-instead",
        ("drop the email column", "drop the city column instead"),
        lambda df: df.drop(columns=["city"]),
    ),
    Case(
        "case-instead",
        ("uppercase city", "no, lowercase instead"),
        lambda df: assign(df, city=df["city"].str.lower()),
    ),
    Case(
        "undo-two",
        ("drop rows where age is missing", "drop the phone column", "undo the last 2 changes"),
        same,
    ),
    Case(
        "descending-instead",
        ("sort by age", "descending instead"),
        lambda df: assign(df, age=number(df["age"])).sort_values(["age"], ascending=False),
    ),
    Case(
        "too",
        ("trim spaces in name", "city too"),
        lambda df: assign(df, name=df["name"].str.strip(), city=df["city"].str.strip()),
    ),
    Case(
        "undo-then-new",
        ("remove duplicates", "undo", "keep customers from Germany"),
        lambda df: df[loose(df["country"]) == "germany"],
    ),
    Case(
        "same-after-undo",
        ("drop the email column", "undo that", "do the same for city"),
        lambda df: df.drop(columns=["city"]),
    ),
    Case(
        "column-instead",
        ("convert age to numbers", "lifetime value instead"),
        lambda df: assign(df, lifetime_value=money(df["lifetime_value"])),
    ),
    # Paraphrases, written before the planner saw them
    Case(
        "p-nulls-1",
        ("Can you please remove any row where the age is blank?",),
        lambda df: df[df["age"].notna()],
    ),
    Case(
        "p-nulls-2",
        ("get rid of customers with no phone number",),
        lambda df: df[df["Phone Number"].notna()],
    ),
    Case(
        "p-nulls-3",
        ("I want to delete entries missing a signup date",),
        lambda df: df[df["signup_date"].notna()],
    ),
    Case(
        "p-fill-1",
        ("Replace the empty ages with 0",),
        lambda df: assign(df, age=number(df["age"]).fillna(0)),
    ),
    Case(
        "p-fill-2",
        ("where is_active is missing, set it to 'unknown'",),
        lambda df: assign(df, is_active=df["is_active"].fillna("unknown")),
    ),
    Case("p-dedupe-1", ("Dedupe the table",), lambda df: df.drop_duplicates()),
    Case("p-dedupe-2", ("delete duplicated customers",), lambda df: df.drop_duplicates()),
    Case(
        "p-trim-1",
        ("Strip the whitespace in names",),
        lambda df: assign(df, name=df["name"].str.strip()),
    ),
    Case(
        "p-trim-2",
        ("remove extra spaces from name",),
        lambda df: assign(df, name=df["name"].str.replace(r"\s+", " ", regex=True).str.strip()),
    ),
    Case(
        "p-case-1",
        ("make all the emails lowercase",),
        lambda df: assign(df, email=df["email"].str.lower()),
    ),
    Case(
        "p-case-2",
        ("Put country in upper case",),
        lambda df: assign(df, country=df["country"].str.upper()),
    ),
    Case(
        "p-rename-1",
        ("change the name of the is_active column to active",),
        lambda df: df.rename(columns={"is_active": "active"}),
    ),
    Case(
        "p-drop-col-1",
        ("Remove the last_order_date field",),
        lambda df: df.drop(columns=["last_order_date"]),
    ),
    Case(
        "p-drop-col-2",
        ("I don't need the phone numbers, drop them",),
        lambda df: df.drop(columns=["Phone Number"]),
    ),
    Case(
        "p-filter-1",
        ("only show customers whose age is under 30",),
        lambda df: df[number(df["age"]) < 30],
    ),
    Case(
        "p-filter-2",
        ("Filter out rows where city is Berlin",),
        lambda df: df[~(loose(df["city"]) == "berlin")],
    ),
    Case(
        "p-filter-3",
        ("keep rows with a lifetime value above 2000",),
        lambda df: (lambda ltv: assign(df, lifetime_value=ltv)[ltv > 2000])(
            money(df["lifetime_value"])
        ),
    ),
    Case(
        "p-filter-4",
        ("show only active customers",),
        lambda df: df[loose(df["is_active"]).isin(["yes", "y"])],
    ),
    Case(
        "p-sort-1",
        ("Order customers by signup date, newest first",),
        lambda df: df.sort_values(["signup_date"], ascending=False),
    ),
    Case("p-sort-2", ("sort the table by name A-Z",), lambda df: df.sort_values(["name"])),
    Case(
        "p-type-1",
        ("turn lifetime_value into a number",),
        lambda df: assign(df, lifetime_value=money(df["lifetime_value"])),
    ),
    Case(
        "p-type-2",
        ("Make signup_date a proper datetime",),
        lambda df: assign(
            df, signup_date=pd.to_datetime(df["signup_date"], format="mixed", errors="coerce")
        ),
    ),
    Case(
        "p-replace-1",
        ("Change all 'DE' values in country to 'Germany'",),
        lambda df: assign(df, country=df["country"].replace("DE", "Germany")),
    ),
    Case(
        "p-replace-2",
        ("map N to no in is_active",),
        lambda df: assign(df, is_active=df["is_active"].replace("N", "no")),
    ),
    Case("p-undo-1", ("lowercase city", "oops, revert that"), same),
    Case(
        "p-same-1",
        ("Uppercase the country", "now do the same to city"),
        lambda df: assign(df, country=df["country"].str.upper(), city=df["city"].str.upper()),
    ),
    Case(
        "p-instead-1",
        ("fill missing ages with 0", "actually use the mean instead"),
        lambda df: assign(df, age=number(df["age"]).fillna(number(df["age"]).mean())),
    ),
    # Questions back instead of guesses
    Case("ambiguous-date", ("drop the date column",), same, clarify="ambiguous"),
    Case("vague", ("make it better",), same, clarify="not_understood"),
    Case("clean-city", ("clean up the city column",), same, clarify="ambiguous"),
    Case("unknown-column", ("drop the salary column",), same, clarify="not_understood"),
    Case("off-topic", ("what's the weather like?",), same, clarify="not_understood"),
    Case(
        "same-without-history",
        ("do the same for city",),
        same,
        clarify="not_understood",
    ),
)
"""Every case, grouped by what it exercises."""
