"""Text PostgreSQL refuses is found wherever it sits in a JSON value."""

from __future__ import annotations

from modulardata.versioning.storable import unstorable_texts


def test_clean_values_have_no_unstorable_text() -> None:
    value = {"name": "Zoë 📊", "columns": [{"name": "a b"}, 3, None, 1.5], "ok": True}
    assert list(unstorable_texts(value)) == []


def test_nul_and_lone_surrogates_are_named_by_their_path() -> None:
    value = {
        "name": "a\x00b",
        "columns": [{"name": "fine"}, {"name": "bad\ud800"}],
        "k\x00": "v",
    }
    assert list(unstorable_texts(value)) == ["name", "columns[1].name", "k\x00 (a key)"]


def test_a_paired_surrogate_escape_is_ordinary_text() -> None:
    assert list(unstorable_texts("\U0001f600")) == []
