"""Output records' JSON text reads back as the values written."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from framing._fast import jsontext
from framing._fast.jsontext import dumps

values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(values)
def test_text_reads_back_as_the_value(value) -> None:
    text = dumps(value)
    assert "\n" not in text  # one record, one line
    assert json.loads(text) == value


@given(values)
def test_the_fallback_writes_the_same_json(value) -> None:
    # Where orjson is missing (or refuses a value), the standard library writes equal JSON.
    assert json.loads(jsontext.json.dumps(jsontext._finite(value), ensure_ascii=False)) == json.loads(dumps(value))


@pytest.mark.parametrize("value", [2**70, -(2**80), "lone \ud800 surrogate", {"k": [2**64, "x"]}])
def test_values_orjson_refuses_are_written_by_the_standard_library(value) -> None:
    assert json.loads(dumps(value)) == value


def test_non_finite_floats_are_null_either_way(monkeypatch: pytest.MonkeyPatch) -> None:
    record = {"a": float("nan"), "b": [float("inf"), 1.5], "c": 2**70}
    assert json.loads(dumps(record)) == {"a": None, "b": [None, 1.5], "c": 2**70}
    monkeypatch.setattr(jsontext, "orjson", None)
    assert dumps(record) == '{"a":null,"b":[null,1.5],"c":1180591620717411303424}'
    assert dumps({"t": "Казахстан"}) == '{"t":"Казахстан"}'
