"""Customer value: BG/NBD and Gamma-Gamma recover known parameters, and beat 'same as last period' on the demo."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from core.errors import PersonaLensError
from core.value.btyd import BetaGeoModel, GammaGammaModel
from core.value.service import holdout_check, purchase_days, summarise
from core.workspace import Workspace


def _simulate(n: int, days: float, r: float, alpha: float, a: float, b: float, rng: np.random.Generator):  # noqa: ANN202
    """Customers who all start at day 0 and buy by the BG/NBD story: (x, t_x) over `days` days."""
    rate = rng.gamma(r, 1 / alpha, n)
    drop = rng.beta(a, b, n)
    x, t_x = np.zeros(n), np.zeros(n)
    for i in range(n):
        t = 0.0
        while True:
            t += rng.exponential(1 / rate[i])
            if t > days:
                break
            x[i] += 1
            t_x[i] = t
            if rng.random() < drop[i]:
                break
    return x, t_x


def test_bgnbd_recovers_the_parameters_it_was_simulated_with() -> None:
    rng = np.random.default_rng(7)
    truth = {"r": 0.8, "alpha": 20.0, "a": 1.5, "b": 4.0}
    x, t_x = _simulate(4000, 365, rng=rng, **truth)
    fitted = BetaGeoModel.fit(x, t_x, np.full(len(x), 365.0))
    for name, value in truth.items():
        assert getattr(fitted, name) == pytest.approx(value, rel=0.35), (name, fitted)
    expected = fitted.expected_purchases(90, x, t_x, np.full(len(x), 365.0))
    simulated = fitted.simulate(90, x, t_x, np.full(len(x), 365.0), 400, np.random.default_rng(1)).mean(axis=1)
    assert simulated.sum() == pytest.approx(expected.sum(), rel=0.05)  # the intervals come from the same model


def test_gamma_gamma_recovers_spend_and_shrinks_towards_the_mean() -> None:
    rng = np.random.default_rng(3)
    p, q, v = 3.0, 4.0, 30.0
    nu = rng.gamma(q, 1 / v, 3000)
    x = rng.integers(1, 8, 3000).astype(float)
    m = np.array([rng.gamma(p, 1 / n, int(k)).mean() for n, k in zip(nu, x, strict=True)])
    fitted = GammaGammaModel.fit(x, m)
    assert fitted.p == pytest.approx(p, rel=0.25) and fitted.q == pytest.approx(q, rel=0.35)
    population = v * p / (q - 1)
    one, many = fitted.expected_spend(np.array([1.0, 20.0]), np.array([3 * population] * 2), population)
    assert population < one < many < 3 * population  # one purchase says less about a customer than twenty


def test_the_demo_forecast_beats_same_as_last_period(trained_ws: Workspace) -> None:
    check = holdout_check(purchase_days(trained_ws))
    assert check.customers > 1000
    assert check.spearman > check.baseline_spearman and check.mae < check.baseline_mae
    assert check.predicted_total == pytest.approx(check.actual_total, rel=0.15)
    assert check.deciles["predicted"].is_monotonic_increasing and len(check.deciles) == 10


def test_summaries_count_repeat_days_not_lines() -> None:
    days = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "b"],
            "day": pd.to_datetime(["2025-01-01", "2025-01-11", "2025-01-31", "2025-01-20"]),
            "spend": [10.0, 20.0, 40.0, 5.0],
        }
    )
    summary = summarise(days, pd.Timestamp("2025-02-10"))
    assert summary.loc["a"].tolist() == [2.0, 30.0, 40.0, 30.0]  # two repeats, mean repeat spend 30
    assert summary.loc["b", "frequency"] == 0 and np.isnan(summary.loc["b", "monetary"])


def test_the_cli_writes_each_customers_value(trained_home, tmp_path, capsys, monkeypatch) -> None:  # noqa: ANN001
    from core.cli import main

    monkeypatch.setenv("PERSONALENS_HOME", str(trained_home))
    out = tmp_path / "clv.csv"
    assert main(["clv", "--workspace", "demo", "--horizon", "90", "--output", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    table = pd.read_csv(out)
    assert summary["customers"] == len(table) == 2000
    assert (table["purchases_low"] <= table["expected_purchases"]).all()
    assert (table["expected_purchases"] <= table["purchases_high"] + 1).all()
    assert table["clv"].is_monotonic_decreasing
    assert main(["clv", "--workspace", "demo", "--horizon", "0"]) == 2
    assert "horizon" in capsys.readouterr().err


def test_no_dated_purchases_is_a_clear_message(empty_home) -> None:  # noqa: ANN001
    from core.workspace import create_workspace

    ws = create_workspace(empty_home / "blank")
    with pytest.raises(PersonaLensError, match="dated purchases"):
        purchase_days(ws)


def test_value_reaches_personas_and_audiences(trained_ws: Workspace) -> None:
    from core.personas.service import assignments
    from core.personas.views import audience
    from core.value.service import audience_value, customer_value, value_by_persona

    _, forecast = customer_value(trained_ws, 365)
    members = assignments(trained_ws)
    by_persona = value_by_persona(forecast, members)
    assert by_persona["customers"].sum() == len(members) and (by_persona["clv"] > 0).all()
    assert by_persona["clv_total"].sum() == pytest.approx(forecast["clv"].sum(), rel=1e-6)
    first = int(by_persona["persona_id"].iloc[0])
    table = audience(trained_ws, members, first, forecast)
    assert {"clv", "p_alive"} <= set(table.columns) and table["clv"].is_monotonic_decreasing
    total, low, high = audience_value(forecast, table["customer_id"])
    assert low <= total <= high and total == pytest.approx(table["clv"].sum(), rel=1e-6)


def test_a_propensity_run_stores_the_forecast_pages_read(
    trained_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core import registry
    from core.value import service

    folder = trained_ws.models_dir / "propensity" / registry.active_version(trained_ws, "propensity")
    stored = pd.read_parquet(folder / f"{service.STORED}.parquet")
    assert len(stored) > 1500 and stored["clv"].ge(0).all()
    monkeypatch.setattr(service, "customer_value", lambda *_a: pytest.fail("the stored forecast was not read"))
    pd.testing.assert_frame_equal(service.current_forecast(trained_ws), stored)
    monkeypatch.setattr(trained_ws, "data_version", lambda: -1)  # newer data than the forecast: computed afresh
    with pytest.raises(pytest.fail.Exception):
        service.current_forecast(trained_ws)
