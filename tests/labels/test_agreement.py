"""Two coders' agreement (framing.labels.agreement): codes files and Krippendorff's alpha."""

from __future__ import annotations

import pytest

from framing.core.errors import LabelError, ValidationError
from framing.labels.agreement import Codes, agreement, read_codes


def _codes(mapping):
    return Codes({k: frozenset(v) for k, v in mapping.items()})


def test_alpha_by_hand():
    """Krippendorff's nominal alpha worked by hand: 4 units, values 0 x3 and 1 x5 in the
    coincidence matrix, one disagreeing unit: alpha = 1 - (8 - 1) * 1 / (3 * 5) = 8/15."""
    a = _codes({"1": [], "2": ["econ"], "3": [], "4": ["econ"]})
    b = _codes({"1": [], "2": ["econ"], "3": ["econ"], "4": ["econ"]})
    row = agreement(first=a, second=b).frames[0]
    assert row.alpha == pytest.approx(8 / 15) and row.percent == 0.75 and row.disagreements == 1


def test_perfect_and_undefined_and_overall():
    a = _codes({"1": ["econ"], "2": [], "3": ["econ", "war"]})
    b = _codes({"1": ["econ"], "2": [], "3": ["econ", "war"], "4": []})
    result = agreement(first=a, second=b, frames=["econ", "war", "law"])
    alphas = {r.frame: r.alpha for r in result.frames}
    assert alphas["econ"] == pytest.approx(1.0) and alphas["war"] == pytest.approx(1.0)
    assert alphas["law"] != alphas["law"]  # NaN: nobody marked it, alpha is undefined
    assert result.overall.units == 9 and result.overall.percent == 1.0 and result.overall.alpha == pytest.approx(1.0)
    assert result.only_second == ["4"] and result.only_first == [] and result.identical == 3
    assert result.disagreements == []


def test_no_overlap_is_an_error():
    with pytest.raises(ValidationError, match="no article in common"):
        agreement(first=_codes({"1": ["x"]}), second=_codes({"2": ["x"]}))


def test_read_codes_jsonl_and_csv(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("ID,frames,coder\nx,econ; war,ann\ny,,ann\n", encoding="utf-8")
    codes = read_codes(path)
    assert codes.frames == {"x": frozenset({"econ", "war"}), "y": frozenset()}
    assert codes.coders == {"x": "ann", "y": "ann"}


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('{"id": "x", "frames": null}\n', "not been coded"),
        ('{"id": "x"}\n', "no 'frames'"),
        ('{"frames": []}\n', "no 'id'"),
        ('{"id": "x", "frames": []}\n{"id": "x", "frames": []}\n', "coded twice"),
        ('{"id": "x", "frames": "econ"\n', "malformed JSON"),
        ("", "no coded articles"),
    ],
)
def test_read_codes_errors(tmp_path, text, words):
    path = tmp_path / "codes.jsonl"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LabelError, match=words) as info:
        read_codes(path)
    assert str(path) in str(info.value)
