"""The response model fitted on past campaigns, and the what-if calibrated by it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.campaigns.contacts import load_contacts
from core.demo.campaigns import PLANS, incremental_chance
from core.ingest.pipeline import ingest
from core.whatif import calibration
from core.whatif.calibration import ContactSet, fit, replay
from core.whatif.campaign import Audience, Offer, simulate
from core.whatif.service import load_propensity
from core.workspace import Workspace

TRUTH = {"log_scale": 0.0, "contact": -3.0, "lift": 0.4}


def _simulated(rng: np.random.Generator, campaigns: int = 10, size: int = 800) -> ContactSet:
    """Contacts drawn from the model itself with TRUTH, two personas answering discounts differently."""
    parts = []
    for c in range(campaigns):
        p = rng.beta(2, 8, size)
        persona = rng.integers(0, 2, size)
        treated = rng.random(size) > 0.2
        d = np.full(size, [0.0, 0.1, 0.2, 0.3][c % 4])
        q = 1 / (1 + np.exp(-(TRUTH["contact"] + (TRUTH["lift"] + np.where(persona == 1, 0.3, -0.3)) * d / 0.1)))
        converted = rng.random(size) < p + (1 - p) * q * treated
        parts.append((p, treated, d, persona, converted, np.full(size, f"c{c}", dtype=object)))
    return ContactSet(*(np.concatenate([part[i] for part in parts]) for i in range(6)))


def test_the_fit_recovers_the_true_effects_inside_their_intervals() -> None:
    inside = []
    for seed in range(12):
        model = fit(_simulated(np.random.default_rng(seed)))
        sd = np.sqrt(np.diag(model.covariance))
        for name, value in TRUTH.items():
            i = model.names.index(name)
            inside.append(abs(model.mean[i] - value) <= 1.96 * sd[i])
        q, low, high = model.incremental_share(0.2, persona=1)
        true_q = 1 / (1 + np.exp(-(TRUTH["contact"] + (TRUTH["lift"] + 0.3) * 2)))
        inside.append(low <= true_q <= high)
    assert np.mean(inside) >= 0.85  # 95% intervals, four checks per fit, priors shrink the persona offsets


def test_a_fit_saved_and_loaded_predicts_the_same() -> None:
    contacts = _simulated(np.random.default_rng(1), campaigns=4)
    model = fit(contacts)
    again = calibration.ResponseCalibration.from_dict(model.to_dict())
    args = (contacts.p, contacts.treated, contacts.discount, contacts.persona)
    np.testing.assert_allclose(again.predict(*args), model.predict(*args))
    assert again.spread == model.spread and again.quantile == model.quantile


def test_one_discount_level_still_fits_and_says_so_in_its_width() -> None:
    contacts = _simulated(np.random.default_rng(2), campaigns=1)  # every contact at 0% off
    model = fit(contacts)
    _, low0, high0 = model.incremental_share(0.0)
    _, low3, high3 = model.incremental_share(0.3)
    assert model.discounts == (0.0,)
    assert high3 - low3 > 3 * (high0 - low0)  # a discount never tried is known only roughly


def test_replay_predicts_each_campaign_from_the_others() -> None:
    contacts = _simulated(np.random.default_rng(3), campaigns=8)
    table = replay(contacts)
    assert len(table) == 8 and table["inside"].mean() >= 0.75
    assert (table["low"] <= table["predicted"]).all() and (table["predicted"] <= table["high"]).all()


@pytest.fixture(scope="module")
def bundle(trained_ws: Workspace):
    return load_propensity(trained_ws)


def test_the_demo_what_if_is_calibrated_by_its_past_campaigns(bundle) -> None:
    learned = bundle.learned
    assert learned.calibration is not None, learned.reason
    assert learned.calibration.campaigns == len(PLANS)
    assert learned.replay_coverage >= 0.75
    category = bundle.units[0]
    fitted = simulate(bundle, Audience(), Offer("category", category, discount=0.2))
    assumed = simulate(bundle, Audience(), Offer("category", category, discount=0.2, use_history=False))
    assert fitted.response_model.startswith("Fitted on your past campaigns")
    assert assumed.response_model.startswith("Your own assumption")
    assert any("past campaign" in line for line in fitted.assumptions)
    assert fitted.from_message > 0 and fitted.from_discount > 0
    assert fitted.interval[0] <= fitted.expected_responders <= fitted.interval[1]


def test_the_demo_recovers_its_simulated_discount_effect(bundle) -> None:
    """The simulator's true share at 20% off, averaged over everyone it contacted, lies in the fitted interval."""
    persona_keys = pd.read_csv(_truth_path()).set_index("customer_id")["persona"]
    true_q = np.mean([incremental_chance(k, 0.2) for k in persona_keys])
    q, low, high = bundle.learned.calibration.incremental_share(0.2)
    assert low <= true_q <= high, (true_q, q, low, high)


def _truth_path():
    from pathlib import Path

    return Path(__file__).resolve().parents[2] / "assets" / "demo" / "truth_personas.csv"


def test_feedback_reaches_the_next_training(trained_ws: Workspace) -> None:
    from core import registry

    summary = registry.versions(trained_ws, "propensity").iloc[0]["summary"]
    assert "campaign_response" in summary and "past campaign messages" in summary
    personas = registry.versions(trained_ws, "personas").iloc[0]["summary"]
    assert '"campaigns"' in personas


def test_offers_come_from_the_results_or_from_approved_messages(own_trained: Workspace, tmp_path) -> None:
    path = tmp_path / "results.csv"
    path.write_text(
        "campaign,customer_id,variant,sent_at,converted,discount\n"
        "Percent,C10001,A,2026-05-01,yes,15%\nPercent,C10002,control,2026-05-01,no,15%\n"
    )
    ingest(own_trained, [path], mode="append")
    contacts = load_contacts(own_trained)
    row = contacts.offers.set_index("campaign").loc["Percent"]
    assert row["discount"] == pytest.approx(0.15)
    assert row["problem"].startswith("the offer is unknown")  # no offer column and no approved message
    assert contacts.offers.set_index("campaign").loc["Glow week", "offer_target"] == "Beauty"
