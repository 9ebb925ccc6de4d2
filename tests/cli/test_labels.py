"""framing.cli.labels: the --rename and --merge options as migration steps."""

from __future__ import annotations

import pytest

from framing.cli.labels import parse_steps
from framing.core.errors import LabelError


def test_parse_steps() -> None:
    assert parse_steps(["a=b"], ["c,d=e"]) == [(["a"], "b"), (["c", "d"], "e")]
    for bad in (["a"], ["a,b=c"], ["=b"]):
        with pytest.raises(LabelError, match="--rename takes OLD=NEW"):
            parse_steps(bad, [])
    with pytest.raises(LabelError, match="at least two"):
        parse_steps([], ["a=b"])
    with pytest.raises(LabelError, match="nothing to migrate"):
        parse_steps([], [])
    with pytest.raises(LabelError, match="renames a frame to itself"):
        parse_steps(["a=a"], [])
    with pytest.raises(LabelError, match="at least two"):
        parse_steps([], ["a,a=b"])
