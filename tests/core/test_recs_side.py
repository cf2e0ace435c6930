"""The side fits: planned once per stage of a run, used only when they learned from the stage's own set."""

from __future__ import annotations

import numpy as np
import pytest

from core.recs import side as side_module
from core.recs.data import interaction_data_from_pairs
from core.recs.evaluate import STAGES, select_and_fit, training_set
from core.recs.models.neural import TwoTower
from core.recs.side import SideFits, fingerprint, fit_timed
from tests.core.test_recs_models import _pairs


class _HereWorker:
    """The side worker, in this process: the fits the tests replace run where the tests can see them."""

    def fit(self, model, data):  # noqa: ANN001, ANN201
        return fit_timed(model, data)

    def close(self) -> None:
        pass


@pytest.fixture
def here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(side_module, "_Worker", _HereWorker)


@pytest.fixture
def fits(monkeypatch: pytest.MonkeyPatch, here: None) -> list[str]:
    """TwoTower.fit replaced by a quick one that records what each fit learned from."""
    seen: list[str] = []

    def quick(self: TwoTower, data):  # noqa: ANN001, ANN202
        seen.append(fingerprint(data))
        rng = np.random.default_rng(len(seen))
        shapes = [(data.n_items, 4), (4,), (4, 2), (2,), (2, data.n_items), (data.n_items,)]
        self.data, self.weights_ = data, [rng.standard_normal(s).astype(np.float32) for s in shapes]
        return self

    monkeypatch.setattr(TwoTower, "fit", quick)
    return seen


def test_a_run_fits_the_side_model_once_per_stage_on_that_stages_set(fits: list[str]) -> None:
    data = interaction_data_from_pairs(_pairs(120))
    chosen = select_and_fit(data, None, ["popularity", "ease", "two_tower", "hybrid"], "stratified", 5, 42)
    assert len(fits) == len(STAGES) == len(set(fits))  # planned at the start, none fitted twice or wasted
    assert fits[-1] == fingerprint(chosen.training)
    assert chosen.fitted["two_tower"].data is chosen.training  # served with the run's own set


def test_a_stage_whose_set_differs_from_the_plan_fits_its_own(fits: list[str]) -> None:
    data = interaction_data_from_pairs(_pairs(60))
    planned, other = training_set(data, data.pairs, None), training_set(data, data.pairs.iloc[10:], None)
    side = SideFits()
    try:
        side.plan("serving", TwoTower(), lambda: planned)
        model, _, error = side.fitted("serving", TwoTower(), other)
        assert error is None and model.data is other
        assert side.refits == 1 and fits == [fingerprint(planned), fingerprint(other)]
        again, _, _ = side.fitted("serving", TwoTower(), planned)
        assert again.data is planned and len(fits) == 2  # the planned fit, not a third
    finally:
        side.close()


def test_a_plan_whose_set_cannot_be_built_leaves_the_stage_its_own_fit(fits: list[str]) -> None:
    data = interaction_data_from_pairs(_pairs(60))
    own = training_set(data, data.pairs, None)

    def broken() -> None:
        raise ValueError("no such split")

    side = SideFits()
    try:
        side.plan("serving", TwoTower(), broken)
        model, _, error = side.fitted("serving", TwoTower(), own)
        assert error is None and model.data is own and fits == [fingerprint(own)] and side.refits == 1
    finally:
        side.close()


def test_a_failing_side_fit_is_reported_as_that_models_error(monkeypatch: pytest.MonkeyPatch, here: None) -> None:
    def broken(self, data):  # noqa: ANN001, ANN202
        raise MemoryError("out of memory")

    monkeypatch.setattr(TwoTower, "fit", broken)
    data = interaction_data_from_pairs(_pairs(120))
    chosen = select_and_fit(data, None, ["popularity", "two_tower"], "stratified", 5, 42)
    assert chosen.evaluation.result("two_tower").error == "MemoryError: out of memory"
    assert chosen.ranked == ["popularity"]


def test_the_worker_process_fits_the_two_tower_this_process_would() -> None:
    data = interaction_data_from_pairs(_pairs(60))
    own = training_set(data, data.pairs, None)
    side = SideFits()
    try:
        model, _, error = side.fitted("serving", TwoTower(epochs=2), own)
    finally:
        side.close()
    assert error is None and model.data is own
    here = TwoTower(epochs=2).fit(own)
    assert all(np.array_equal(a, b) for a, b in zip(model.weights_, here.weights_, strict=True))


def test_a_worker_starts_only_for_a_run_that_needs_it_and_stops_with_the_run() -> None:
    assert SideFits()._worker is None  # no fit asked for yet: no process
    side = SideFits(start=True)
    process = side._worker._process
    assert process.is_alive()
    side.close()
    assert not process.is_alive()
