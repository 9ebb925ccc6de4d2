"""Training fits its classifiers in worker processes: the same model whatever the number of them."""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import framing.model.training as model_module
from framing.core.errors import TrainingError
from framing.labels.store import LabelledPassage
from framing.model.config import ModelConfig
from framing.model.frame_model import FrameModel
from framing.model.training import train

from ..conftest import FRAMES, make_passages

needs_fork = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="workers inherit the spy only when forked"
)


def _judged_passages() -> list[LabelledPassage]:
    """The corpus with some passages judged on two frames only, plus a frame-free one."""
    out = []
    for i, p in enumerate(make_passages()):
        if i % 4 == 1 and "identity" not in p.frames:
            p = dataclasses.replace(p, judged=("economy", "security"))
        out.append(p)
    return out


def _assert_same_model(a: FrameModel, b: FrameModel) -> None:
    assert a.frames == b.frames
    assert len(a.classifiers) == len(b.classifiers)
    for ca, cb in zip(a.classifiers, b.classifiers):
        assert type(ca) is type(cb)
        if isinstance(ca, float):
            assert ca == cb
        else:
            # Bit for bit, not approximately: each fit is seeded the same way in any process.
            assert np.array_equal(ca.coef_, cb.coef_)
            assert np.array_equal(ca.intercept_, cb.intercept_)
    assert np.array_equal(a.thresholds, b.thresholds)
    assert a.calibration is not None and b.calibration is not None
    assert np.array_equal(a.calibration, b.calibration)
    assert a.min_frames == b.min_frames
    assert a.card["cv_metrics"] == b.card["cv_metrics"]
    assert a.card["thresholds"] == b.card["thresholds"]


@pytest.mark.parametrize("unit", ["passage", "article"])
def test_one_and_two_processes_train_the_same_model(unit: str) -> None:
    passages = make_passages()
    one = train(passages, frames=list(FRAMES), unit=unit, random_state=3, jobs=1)
    two = train(passages, frames=list(FRAMES), unit=unit, random_state=3, jobs=2)
    _assert_same_model(one, two)
    texts = [p.text for p in passages]
    assert np.array_equal(one.predict_proba(texts), two.predict_proba(texts))


def test_the_same_model_with_partly_judged_labels_and_train_only_passages() -> None:
    passages = _judged_passages()
    main = [p for p in passages if p.language == "en"]
    extra = [p for p in passages if p.language == "ru"]
    one = train(main, frames=list(FRAMES), extra=extra, random_state=0, jobs=1)
    three = train(main, frames=list(FRAMES), extra=extra, random_state=0, jobs=3)
    assert "judged" in one.card  # the partly judged path was taken
    _assert_same_model(one, three)
    assert one.card["judged"] == three.card["judged"]


def test_another_seed_gives_another_model() -> None:
    # The comparison above can fail: the coefficients do depend on the run's seed.
    passages = make_passages()
    a = train(passages, frames=list(FRAMES), random_state=0, jobs=2)
    b = train(passages, frames=list(FRAMES), random_state=1, jobs=2)
    assert any(not np.array_equal(x.coef_, y.coef_) for x, y in zip(a.classifiers, b.classifiers))


@needs_fork
def test_two_jobs_fit_in_two_worker_processes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "fits.txt"
    fit = model_module._fit_one

    def spy(*args: Any, **kwargs: Any) -> Any:  # forked workers inherit the patched module
        with log.open("a") as fh:
            fh.write(f"{os.getpid()}\n")
        time.sleep(0.05)  # long enough that both workers get fits, however busy the machine
        return fit(*args, **kwargs)

    monkeypatch.setattr(model_module, "_fit_one", spy)
    train(make_passages(), frames=list(FRAMES), random_state=0, jobs=2)
    pids = [int(line) for line in log.read_text().split()]
    folds = ModelConfig().cv_folds
    assert len(pids) == len(FRAMES) * (folds + 1)  # every fold's fits and the final ones
    assert os.getpid() not in pids and len(set(pids)) == 2
    log.unlink()
    train(make_passages(), frames=list(FRAMES), random_state=0, jobs=1)
    assert set(log.read_text().split()) == {str(os.getpid())}


def test_small_data_fits_in_this_process_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pids: list[int] = []
    fit = model_module._fit_one

    def spy(*args: Any, **kwargs: Any) -> Any:
        pids.append(os.getpid())  # only this process's list: a worker's appends would be lost
        return fit(*args, **kwargs)

    monkeypatch.setattr(model_module, "_fit_one", spy)
    train(make_passages(), frames=list(FRAMES), random_state=0)
    assert pids and set(pids) == {os.getpid()}


def test_jobs_below_one_is_refused() -> None:
    with pytest.raises(TrainingError, match="jobs must be at least 1"):
        train(make_passages(), frames=list(FRAMES), jobs=0)


def test_the_feature_matrix_is_not_left_behind_after_training() -> None:
    train(make_passages(), frames=list(FRAMES), random_state=0, jobs=1)
    assert model_module._RUN == {} and model_module._FOLD_ROWS == {}


@needs_fork
@pytest.mark.parametrize("with_cues", [False, True])
def test_feature_blocks_fitted_in_workers_equal_those_fitted_here(with_cues: bool) -> None:
    from framing.model.config import build_vectorizer
    from framing.model.training import fit_features

    cues = (("economy", ("sanctions", "санкции")), ("security", ("troops", "войска"))) if with_cues else None
    config = ModelConfig(cues=cues)
    texts = [p.text for p in make_passages()]
    here, there = build_vectorizer(config), build_vectorizer(config)
    X_here = fit_features(here, texts, jobs=1)
    X_there = fit_features(there, texts, jobs=2)
    assert X_here.shape == X_there.shape and X_here.nnz > 0
    for a, b in ((X_here, X_there), (here.transform(texts[:5]), there.transform(texts[:5]))):
        a, b = a.tocsr(), b.tocsr()
        assert np.array_equal(a.indptr, b.indptr)
        assert np.array_equal(a.indices, b.indices)
        assert np.array_equal(a.data, b.data)  # the same bits, not approximately
    assert [name for name, _ in here.transformer_list] == [name for name, _ in there.transformer_list]
    for (_, a), (_, b) in zip(here.transformer_list, there.transformer_list):
        assert getattr(a, "vocabulary_", None) == getattr(b, "vocabulary_", None)


def test_feature_fitting_runs_in_this_process_for_small_text(monkeypatch: pytest.MonkeyPatch) -> None:
    from framing.model.config import build_vectorizer
    from framing.model.training import fit_features

    calls: list[int] = []
    monkeypatch.setattr(model_module, "_fit_block", lambda i: calls.append(i))
    X = fit_features(build_vectorizer(ModelConfig()), [p.text for p in make_passages()], jobs=None)
    assert X.shape[0] == len(make_passages()) and calls == []  # small: fitted in this process
