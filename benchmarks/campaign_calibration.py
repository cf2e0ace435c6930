"""The feedback loop checked on campaigns it never saw: readout intervals and the calibrated what-if.

The demo store gains `HELD_OUT` new campaigns (random category, send date, discount 0-30%, and in
half of them a variant B with a better message) drawn by the same simulator as its eight past ones,
with a fresh seed. Against the simulator's truth:

- readouts: for every held-out campaign, is the true difference of each group to control, and of B
  to A, inside Newcombe's 95% interval? (target: at least 90% of campaigns)
- calibrated what-if: the response model the demo's propensity training fitted on the eight past
  campaigns predicts each held-out campaign's contacted buyers (interval inside?), and the true
  share of those who would not have bought and buy because of the message, per latent persona at
  10/20/30% off (inside the fitted interval?). The default assumption (+25% odds per 10% off) is
  measured on the same campaigns as the baseline.

Run: `PYTHONPATH=. .venv/bin/python benchmarks/campaign_calibration.py [--demo PATH]`. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

HELD_OUT = 40
SEED = 2027  # not the demo's seed: new draws of the same world


def _plans(rng: np.random.Generator):  # noqa: ANN202 - CampaignPlan tuple
    from core.demo.campaigns import CampaignPlan
    from core.demo.catalog import CATEGORIES

    days = pd.date_range("2025-04-01", "2026-03-31", freq="D")
    return tuple(
        CampaignPlan(
            f"Held-out {i + 1}",
            f"{days[int(rng.integers(len(days)))]:%Y-%m-%d} 10:00",
            CATEGORIES[int(rng.integers(len(CATEGORIES)))].name,
            float(rng.choice([0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3])),
            b_bonus=0.5 if i % 2 else 0.0,
        )
        for i in range(HELD_OUT)
    )


def _readout_coverage(results: pd.DataFrame, truth: pd.DataFrame, plans) -> dict:  # noqa: ANN001
    """Share of campaigns whose every true group difference lies inside its reported interval."""
    from core.campaigns.readout import compare, newcombe
    from core.demo.campaigns import incremental_chance

    by_name = {p.name: p for p in plans}
    covered, checks = [], 0
    for name, rows in results.groupby("campaign"):
        plan, facts = by_name[name], truth[truth["campaign"] == name]
        organic = facts["organic"].to_numpy(dtype=float)
        expected = {
            g: organic + (1 - organic) * np.array([incremental_chance(k, plan.discount, b) for k in facts["persona"]])
            for g, b in (("A", 0.0), ("B", plan.b_bonus))
        }
        expected["control"] = organic
        ok = True
        for row in compare(rows).itertuples():
            true = float(np.mean(expected[row.group] - expected[row.against]))
            ok &= row.low <= true <= row.high
            checks += 1
        a, b = rows[rows["ab_group"] == "A"], rows[rows["ab_group"] == "B"]
        _, low, high = newcombe(b["converted"].sum(), len(b), a["converted"].sum(), len(a))
        ok &= low <= float(np.mean(expected["B"] - expected["A"])) <= high
        covered.append(ok)
    return {
        "campaigns": len(covered),
        "differences_checked": checks + len(covered),
        "coverage": float(np.mean(covered)),
    }


def _what_if(ws, results: pd.DataFrame, truth: pd.DataFrame, demo_truth: pd.DataFrame) -> dict:  # noqa: ANN001
    from core.campaigns.contacts import from_rows
    from core.demo.campaigns import incremental_chance
    from core.whatif.calibration import MAX_BASE, Z95, contact_set
    from core.whatif.campaign import with_discount
    from core.whatif.service import load_propensity, persona_array

    bundle = load_propensity(ws)
    fitted = bundle.learned.calibration
    personas, _ = persona_array(ws, bundle.history.customers)
    rows = results.assign(
        treated=results["ab_group"] != "control", offer_kind="category", offer_target=results["offer"]
    )
    contacts, skipped = contact_set(from_rows(rows), bundle.history, personas, bundle.model, bundle.horizon_days)
    error = bundle.quality.segment_error
    table = []
    for name in dict.fromkeys(contacts.campaign.tolist()):
        mine = contacts.subset((contacts.campaign == name) & contacts.treated)
        facts = truth[(truth["campaign"] == name) & truth["treated"]]
        mean, chance, params = fitted.responders(mine.p, mine.treated, mine.discount, mine.persona)
        sd = fitted.sd(mean, chance, params, error)
        anyway = float(np.minimum(fitted.scale * mine.p, MAX_BASE).sum())
        default = with_discount(mine.p, float(mine.discount.max()), 0.25)
        default_sd = float(np.sqrt((default * (1 - default)).sum() + (error * default.sum()) ** 2))
        actual = int(mine.converted.sum())
        table.append(
            {
                "campaign": name,
                "actual": actual,
                "predicted": mean,
                "inside": mean - fitted.quantile * sd <= actual <= mean + fitted.quantile * sd,
                "default_predicted": float(default.sum()),
                "default_inside": abs(float(default.sum()) - actual) <= Z95 * default_sd,
                "true_incremental": float(((1 - facts["organic"]) * facts["incremental_chance"]).sum()),
                "predicted_incremental": mean - anyway,
                "default_incremental": float((default - mine.p).sum()),
            }
        )
    frame = pd.DataFrame(table)
    shares = _persona_shares(ws, fitted, demo_truth, incremental_chance)
    return {
        "response_model": fitted.describe(),
        "held_out_campaigns": len(frame),
        "skipped": skipped,
        "responders_coverage": float(frame["inside"].mean()),
        "default_responders_coverage": float(frame["default_inside"].mean()),
        "responders_mae": float((frame["predicted"] - frame["actual"]).abs().mean()),
        "default_responders_mae": float((frame["default_predicted"] - frame["actual"]).abs().mean()),
        "incremental_mae": float((frame["predicted_incremental"] - frame["true_incremental"]).abs().mean()),
        "default_incremental_mae": float((frame["default_incremental"] - frame["true_incremental"]).abs().mean()),
        "incremental_total": {
            "true": round(float(frame["true_incremental"].sum()), 1),
            "calibrated": round(float(frame["predicted_incremental"].sum()), 1),
            "default": round(float(frame["default_incremental"].sum()), 1),
        },
        "share_by_persona": shares,
        "share_coverage": float(np.mean([s["inside"] for s in shares])),
    }


def _persona_shares(ws, fitted, demo_truth: pd.DataFrame, incremental_chance) -> list[dict]:  # noqa: ANN001
    """Each fitted persona's share who buy because of the message, against its customers' true average."""
    from core.personas.service import assignments

    found = assignments(ws).merge(demo_truth, on="customer_id")
    out = []
    for persona_id, members in found.groupby("persona_id"):
        for discount in (0.1, 0.2, 0.3):
            true = float(np.mean([incremental_chance(k, discount) for k in members["persona"]]))
            q, low, high = fitted.incremental_share(discount, int(persona_id))
            out.append(
                {
                    "persona": str(members["persona_name"].iloc[0]),
                    "mostly": str(members["persona"].mode().iloc[0]),
                    "discount": discount,
                    "true": round(true, 4),
                    "fitted": round(q, 4),
                    "low": round(low, 4),
                    "high": round(high, 4),
                    "inside": bool(low <= true <= high),
                }
            )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", type=Path, help="a demo workspace with personas and propensity trained")
    args = parser.parse_args()
    os.environ.setdefault("PERSONALENS_HOME", tempfile.mkdtemp(prefix="campaign-bench-"))
    from core.config import DEMO_SEED
    from core.demo import simulate_store
    from core.demo.campaigns import simulate_campaigns
    from core.workspace import open_workspace

    started = time.perf_counter()
    if args.demo:
        ws = open_workspace(args.demo)
    else:
        from core.demo import build_demo_workspace
        from core.personas.service import train_personas
        from core.whatif.service import train_propensity

        ws = build_demo_workspace(Path(os.environ["PERSONALENS_HOME"]) / "demo")
        train_personas(ws)
        train_propensity(ws)
    data = simulate_store(DEMO_SEED)
    plans = _plans(np.random.default_rng(SEED))
    held_out = simulate_campaigns(data.customers, data.interactions, data.products, data.truth, SEED, plans)
    report = {
        "benchmark": "campaign_calibration",
        "date": f"{date.today():%Y-%m-%d}",
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "readouts": _readout_coverage(held_out.results, held_out.truth, plans),
        "what_if": _what_if(ws, held_out.results, held_out.truth, data.truth[["customer_id", "persona"]]),
        "seconds": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(report, indent=1, default=str))


if __name__ == "__main__":
    main()
