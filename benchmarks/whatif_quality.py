"""What-if on real and simulated data, through the same code the app runs.

1. Propensity, time split (the last 90 days held out): AUC, Brier and predicted vs actual buyers
   of the model against the recency-frequency baseline fitted in the same run (ratio of AUCs), on
   the demo store and on UCI Online Retail (per product there: it has no categories).
2. Replayed campaigns: a model trained without the last 90 days predicts every persona x
   category (demo) or order band x top-20 product (UCI) group; the share of real buyer counts
   inside the simulator's 95% interval.
3. Live response on the demo: median seconds of one campaign simulation, one recommendation
   re-rank + metrics, one complaint projection and one persona preview (the page's budget is 1 s).
Prints JSON.
"""

from __future__ import annotations

import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"


def _propensity(ws) -> dict:  # noqa: ANN001 - a Workspace
    from core.whatif.history import load_history
    from core.whatif.service import persona_array
    from core.whatif.training import backtest, campaign_check

    started = time.perf_counter()
    history = load_history(ws)
    personas, _ = persona_array(ws, history.customers)
    result = backtest(history, personas)
    seconds = time.perf_counter() - started
    q = result.quality
    replay = campaign_check(history, personas)
    return {
        "level": history.level,
        "customers": int(history.n_customers),
        "units": int(history.n_units),
        "purchase_lines": int(len(history.lines)),
        "horizon_days": result.horizon_days,
        "training_cutoffs": [f"{c:%Y-%m-%d}" for c in result.cutoffs[:-1]],
        "auc": q.auc,
        "baseline_auc": q.baseline_auc,
        "auc_ratio": round(q.auc / q.baseline_auc, 3),
        "brier": q.brier,
        "baseline_brier": q.baseline_brier,
        "predicted_buyers": q.expected,
        "actual_buyers": q.observed,
        "segment_error": q.segment_error,
        "replayed_groups": int(len(replay)),
        "replay_inside_interval": round(float(replay["inside"].mean()), 3) if len(replay) else None,
        "train_seconds": round(seconds, 1),
    }


def _median_seconds(call, repeat: int = 15) -> float:  # noqa: ANN001
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return round(statistics.median(times), 4)


def _live(ws) -> dict:  # noqa: ANN001 - a trained demo Workspace
    from core.personas.profile import build_profiles
    from core.personas.service import assignments, load_model
    from core.recs.service import load_recs
    from core.topics.drivers import review_matrix
    from core.topics.service import topics
    from core.whatif.campaign import Audience, Offer, simulate
    from core.whatif.drivers import fixable_topics, project_fix
    from core.whatif.personas_lab import preview_personas
    from core.whatif.recs_lab import RecSettings, RecsLab
    from core.whatif.service import load_propensity

    bundle = load_propensity(ws)
    lab_started = time.perf_counter()
    lab = RecsLab.build(load_recs(ws))
    lab_build = time.perf_counter() - lab_started
    settings = RecSettings(lab.default_settings().weights, diversity=0.3, popularity_penalty=0.2)
    found = topics(ws)
    labels = dict(zip(found["id"].astype(int), found["label"], strict=True))
    frame = review_matrix(ws)
    topic = next(iter(fixable_topics(frame, labels)))
    profiles, current, assigned = build_profiles(ws), load_model(ws), assignments(ws)
    unit = bundle.units[0]
    return {
        "campaign_s": _median_seconds(
            lambda: simulate(bundle, Audience(personas=(1, 2), segments=("Champions",)), Offer("category", unit, 0.1))
        ),
        "recs_rerank_s": _median_seconds(lambda: lab.evaluate(settings)),
        "recs_lab_build_once_s": round(lab_build, 1),
        "complaint_fix_s": _median_seconds(lambda: project_fix(frame, labels, topic, 0.5)),
        "persona_preview_k6_s": _median_seconds(lambda: preview_personas(profiles, current, assigned, 6), 5),
        "persona_preview_auto_k_s": _median_seconds(lambda: preview_personas(profiles, current, assigned), 3),
    }


def main() -> None:
    from core.demo import build_demo_workspace
    from core.ingest.pipeline import ingest
    from core.workspace import create_workspace

    out: dict = {"machine": f"{platform.machine()}, {platform.processor() or 'cpu'}", "date": time.strftime("%Y-%m-%d")}
    with tempfile.TemporaryDirectory() as tmp:
        demo = build_demo_workspace(Path(tmp) / "demo", train_models=True)
        out["demo"] = _propensity(demo)
        out["demo_live"] = _live(demo)
        uci = create_workspace(Path(tmp) / "uci")
        ingest(uci, [DATA / "uci-online-retail" / "online_retail.csv.gz"])
        out["uci_online_retail"] = _propensity(uci)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
