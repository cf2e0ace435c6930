"""The propensity model and the campaign simulator, on the demo workspace."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier

from core import registry
from core.errors import PersonaLensError
from core.whatif.campaign import Audience, Offer, audience_export, simulate, with_discount
from core.whatif.features import FEATURES
from core.whatif.history import load_history, stored_history
from core.whatif.propensity import PropensityModel
from core.whatif.service import (
    PREDICTIONS,
    _stored_today,
    _today,
    _with_tone,
    load_propensity,
    persona_array,
    spend_per_buyer,
)
from core.whatif.training import campaign_check


@pytest.fixture(scope="module")
def bundle(trained_ws):
    return load_propensity(trained_ws)


def test_model_beats_recency_frequency_on_the_held_out_period(bundle) -> None:
    q = bundle.quality
    assert q.auc > q.baseline_auc + 0.01
    assert q.auc > 0.75
    assert len(q.calibration.predicted) == 10
    # calibrated: predicted and observed buyers of the held-out period agree within 15%
    assert abs(q.expected - q.observed) / q.observed < 0.15


def test_exported_trees_predict_exactly_what_scikit_learn_predicts() -> None:
    rng = np.random.default_rng(0)
    x = pd.DataFrame(rng.normal(size=(3000, len(FEATURES))), columns=list(FEATURES)).astype(np.float32)
    x.iloc[::7, 3] = np.nan  # missing values take the learned side
    y = (x.iloc[:, 0].fillna(0) + rng.normal(size=3000) > 0.5).astype(int).to_numpy()
    ours = PropensityModel(max_iter=30).fit(x, y)
    theirs = HistGradientBoostingClassifier(
        max_iter=30,
        learning_rate=0.08,
        max_leaf_nodes=31,
        min_samples_leaf=40,
        l2_regularization=1.0,
        early_stopping=False,
        random_state=42,
    ).fit(x, y)
    np.testing.assert_allclose(ours.predict_proba(x), theirs.predict_proba(x)[:, 1], rtol=1e-6, atol=1e-9)


def test_saved_model_predicts_the_same(bundle, tmp_path) -> None:
    x = bundle.snapshot.features(bundle.rows[:200], np.zeros(200, dtype=int))
    bundle.model.save(tmp_path)
    np.testing.assert_allclose(PropensityModel.load(tmp_path).predict_proba(x), bundle.model.predict_proba(x))


def test_todays_predictions_are_stored_at_training_and_read_only_while_the_data_is_unchanged(
    bundle, trained_ws, tmp_path
) -> None:
    assert len(bundle.predicted) == bundle.history.n_units  # the demo's categories fit the budget
    for unit, stored in bundle.predicted.items():
        live = bundle.model.predict_proba(bundle.snapshot.features(bundle.rows, np.full(len(bundle.rows), unit)))
        np.testing.assert_array_equal(stored, live)
    folder = trained_ws.models_dir / "propensity" / bundle.version
    copy = tmp_path / "version"
    shutil.copytree(folder, copy)
    stored = _stored_today(trained_ws, copy, bundle.horizon_days)
    assert len(stored.predicted) == bundle.history.n_units
    # the customer table and counts a page shows equal the ones built from the history
    built, _ = _today(trained_ws, bundle.history, bundle.horizon_days)
    active = registry.active_version(trained_ws, "sentiment")
    assert active is not None and stored.tone_from == active
    pd.testing.assert_frame_equal(stored.customers, _with_tone(trained_ws, built.customers), check_dtype=False)
    # the stored tone is kept only for the sentiment version it came from
    marked = stored.customers.assign(tone="stored")
    assert set(_with_tone(trained_ws, marked, stored.tone_from)["tone"]) == {"stored"}
    assert "stored" not in set(_with_tone(trained_ws, marked, "another")["tone"])
    # each unit's spend per buyer, stored for every unit, is the one a scan of that unit's lines gives
    assert len(stored.spend) == bundle.history.n_units
    for unit, spend in stored.spend.items():
        scanned = spend_per_buyer(bundle.history, bundle.horizon_days, [unit]).get(unit, 0.0)
        assert spend == pytest.approx(scanned, rel=1e-9)
    assert sum(v > 0 for v in stored.spend.values()) >= bundle.history.n_units // 2
    np.testing.assert_array_equal(stored.rows, built.rows)
    assert (stored.counts != built.counts).nnz == 0
    np.testing.assert_array_equal(stored.line_count, built.line_count)
    assert stored.names == built.names
    stamp = copy / f"{PREDICTIONS}.json"
    made = json.loads(stamp.read_text())
    stamp.write_text(json.dumps({**made, "data_version": made["data_version"] - 1}))  # made before the last upload
    assert _stored_today(trained_ws, copy, bundle.horizon_days) is None


def test_the_history_training_read_is_stored_and_read_back_only_for_the_same_data(bundle, trained_ws) -> None:
    folder = trained_ws.models_dir / "propensity" / bundle.version
    fresh, stored = load_history(trained_ws), stored_history(folder, trained_ws.data_version())
    assert stored is not None
    pd.testing.assert_frame_equal(stored.lines, fresh.lines)
    for frame in ("product_units", "people", "responses"):
        pd.testing.assert_frame_equal(getattr(stored, frame), getattr(fresh, frame), check_dtype=False)
    np.testing.assert_array_equal(stored.customers, fresh.customers)
    np.testing.assert_array_equal(stored.units, fresh.units)
    assert stored.level == fresh.level
    assert stored_history(folder, trained_ws.data_version() + 1) is None  # data uploaded since: read it anew


def test_persona_offer_predicts_the_held_out_period_within_its_interval(trained_ws) -> None:
    """Train on everything before the last 90 days, predict each persona x category offer, compare."""
    history = load_history(trained_ws)
    personas, _ = persona_array(trained_ws, history.customers)
    cells = campaign_check(history, personas)
    assert len(cells) >= 30
    assert cells["inside"].mean() >= 0.9
    biggest = cells.sort_values("predicted").iloc[-1]  # the largest persona x category campaign
    assert biggest["low"] <= biggest["actual"] <= biggest["high"]


def test_campaign_numbers_add_up(bundle) -> None:
    category = bundle.units[0]
    everyone = simulate(bundle, Audience(), Offer("category", category))
    persona = int(bundle.customers["persona_id"].value_counts().index[0])
    narrow = simulate(bundle, Audience(personas=(persona,)), Offer("category", category, cost_per_contact=0.5))
    assert everyone.reach == len(bundle.customers)
    assert narrow.reach == int((bundle.customers["persona_id"] == persona).sum())
    assert narrow.interval[0] <= narrow.expected_responders <= narrow.interval[1]
    assert narrow.expected_responders == pytest.approx(narrow.customers["propensity"].sum(), rel=1e-3)
    assert narrow.expected_margin == pytest.approx(
        narrow.expected_responders * narrow.value_per_responder * 0.4 - 0.5 * narrow.reach, rel=1e-3
    )
    # a random audience of everyone is everyone: no uplift
    assert everyone.uplift == pytest.approx(0.0, abs=1e-3)
    assert list(narrow.customers["expected_value"]) == sorted(narrow.customers["expected_value"], reverse=True)


def test_targeting_the_persona_that_buys_a_category_beats_a_random_audience(bundle) -> None:
    category = bundle.units[0]
    shares = [
        (bundle.unit_shares(bundle.unit_index(category))[bundle.customers["persona_id"] == p].mean(), p)
        for p in bundle.customers["persona_id"].unique()
    ]
    fan = max(shares)[1]
    result = simulate(bundle, Audience(personas=(int(fan),)), Offer("category", category))
    assert result.uplift > 0.3


def test_discount_adds_responders_and_costs_margin(bundle) -> None:
    category = bundle.units[1]
    plain = simulate(bundle, Audience(), Offer("category", category))
    discounted = simulate(bundle, Audience(), Offer("category", category, discount=0.2))
    assert discounted.expected_responders > plain.expected_responders
    assert discounted.from_discount == pytest.approx(discounted.expected_responders - plain.expected_responders, 0.01)
    assert any("discount" in a for a in discounted.assumptions)
    np.testing.assert_allclose(with_discount(np.array([0.5]), 0.1, 0.25), [1.25 / 2.25])


def test_product_offer_and_top_n(bundle, trained_ws) -> None:
    product = bundle.history.product_units["product_id"].iloc[0]
    result = simulate(bundle, Audience(top_n=50), Offer("product", product, discount=0.1, cost_per_contact=0.2))
    assert result.reach == 50
    assert result.customers["expected_value"].iloc[0] >= result.customers["expected_value"].iloc[-1]
    from core.recs.service import load_recs

    recs = load_recs(trained_ws)
    exported = audience_export(result, recs.top_titles(result.customers["customer_id"]))
    assert len(exported) == 50
    assert exported["recommended_products"].str.count("; ").max() == 2
    everyone = recs.top_titles()  # listed at training time, then any audience is a lookup
    assert audience_export(result, everyone).equals(exported)
    assert audience_export(result).columns.tolist() == result.customers.columns.tolist()
    some = recs.top_titles(result.customers["customer_id"].iloc[:10])  # the rest are new to it
    assert audience_export(result, some, recs).equals(exported)


def test_filters_combine(bundle) -> None:
    category = bundle.units[0]
    result = simulate(
        bundle,
        Audience(
            segments=("Champions",),
            tones=("positive", "neutral"),
            age_min=30,
            affinity_category=category,
            min_affinity=0.1,
        ),
        Offer("category", category),
    )
    chosen = bundle.customers.set_index("customer_id").loc[result.customers["customer_id"]]
    assert (chosen["segment"] == "Champions").all() and chosen["tone"].isin(["positive", "neutral"]).all()
    assert (chosen["age"] >= 30).all()


def test_bad_offers_say_what_is_wrong(bundle) -> None:
    with pytest.raises(PersonaLensError, match="no category"):
        simulate(bundle, Audience(), Offer("category", "Spaceships"))
    with pytest.raises(PersonaLensError, match="not in the catalogue"):
        simulate(bundle, Audience(), Offer("product", "NOPE"))
    with pytest.raises(PersonaLensError, match="discount"):
        simulate(bundle, Audience(), Offer("category", bundle.units[0], discount=1.5))
