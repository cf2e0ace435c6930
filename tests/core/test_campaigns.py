"""Campaign results: ingested as a data kind, read back as rates with intervals and verdicts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.campaigns.readout import campaigns, compare, newcombe, readout, sends_needed, wilson
from core.ingest.pipeline import ingest
from core.workspace import Workspace, create_workspace


def test_intervals_match_the_published_examples() -> None:
    assert wilson(81, 263) == pytest.approx((0.2553, 0.3662), abs=1e-4)  # Wilson (1927) via Newcombe (1998)
    assert newcombe(56, 70, 48, 80) == pytest.approx((0.2, 0.0524, 0.3339), abs=1e-4)  # Newcombe 1998, method 10
    assert newcombe(9, 10, 3, 10) == pytest.approx((0.6, 0.1705, 0.8090), abs=1e-4)
    assert 8000 < sends_needed(0.05, 0.06) < 8300 and sends_needed(0.05, 0.05) is None


def test_true_differences_fall_inside_their_intervals() -> None:
    """The issue's target on simulated campaigns: at least 90% of true differences inside the 95% interval."""
    rng = np.random.default_rng(11)
    inside = 0
    for _ in range(200):
        control, lift, n = 0.04, rng.uniform(0, 0.03), int(rng.integers(500, 4000))
        rows = pd.DataFrame(
            {
                "customer_id": [str(i) for i in range(2 * n)],
                "ab_group": ["control"] * n + ["A"] * n,
                "converted": np.concatenate([rng.random(n) < control, rng.random(n) < control + lift]),
            }
        )
        row = compare(rows, "converted").iloc[0]
        inside += row["low"] <= lift <= row["high"]
    assert inside / 200 >= 0.9


@pytest.fixture
def ws(own_trained: Workspace) -> Workspace:
    return own_trained


def _results_file(ws: Workspace, path: Path, rates: dict[str, float], seed: int = 5) -> pd.DataFrame:
    """Approve two variants, export the campaign with a control group, and write what a tool would send back."""
    from core.messages import approved
    from core.messages.checks import load_grounds
    from core.messages.facts import OfferSpec, load_context
    from core.messages.service import CopyRequest, write_copy

    ctx, grounds = load_context(ws), load_grounds(ws)
    sent = []
    for pid in sorted(ctx.cards)[:2]:
        copy = write_copy(
            ctx, grounds, CopyRequest(pid, OfferSpec("category", ctx.cards[pid].top_categories[0][0]), "email")
        )
        approved.approve(ws, copy, 0, "Winter test", grounds)
        approved.approve(ws, copy, 1, "Winter test", grounds)
    export = approved.campaign_export(ws, "Winter test", ctx.assignments, "email", seed=seed, control_share=0.2)
    rng = np.random.default_rng(seed + 1000)  # not the split's own stream: that would tie outcomes to groups
    bought = rng.random(len(export)) < export["ab_group"].map(rates).to_numpy()
    opened = bought | (rng.random(len(export)) < 0.3)
    sent = pd.DataFrame(
        {
            "Campaign Name": "Winter test",
            "Customer ID": export["customer_id"],
            "Message ID": export["message_id"].fillna(""),
            "Variant": export["ab_group"],
            "Sent At": "2026-11-20 09:00",
            "Opened": np.where(opened, "yes", ""),
            "Converted": bought.astype(int),
            "Revenue": np.where(bought, 42.5, 0.0),
        }
    )
    sent = pd.concat(
        [
            sent,
            sent.head(1).assign(**{"Customer ID": "NOBODY"}),
            sent.head(1).assign(**{"Message ID": "not-from-personalens", "Customer ID": "C10002"}),
        ]
    )
    sent.to_csv(path, index=False)
    return sent


def test_results_come_back_as_a_data_kind_and_read_as_verdicts(ws: Workspace, tmp_path: Path, capsys) -> None:  # noqa: ANN001
    truth = {"A": 0.10, "B": 0.30, "control": 0.05}
    sent = _results_file(ws, tmp_path / "results.csv", truth)
    before = ws.row_counts()["campaign_results"]  # the demo's own past campaigns
    (report,) = ingest(ws, [tmp_path / "results.csv"]).reports
    assert report.role == "campaign_results" and report.rows_accepted == len(sent)
    orphans = report.orphans.set_index("field")
    assert orphans.loc["customer_id", "count"] == 1  # NOBODY is not a customer
    assert orphans.loc["message_id", "example"] == "not-from-personalens"  # a variant no one approved here
    assert ws.row_counts()["campaign_results"] == before + len(sent)
    assert "Winter test" in campaigns(ws)["campaign"].tolist()

    result = readout(ws, "Winter test")
    rates = result.rates.set_index("ab_group")
    assert list(rates.index) == ["A", "B", "control"]
    in_file = sent.groupby("Variant")["Converted"].agg(["sum", "size"])
    assert rates["successes"].to_dict() == in_file["sum"].astype(float).to_dict()  # every row and outcome kept
    assert rates["sent"].to_dict() == in_file["size"].to_dict()
    assert (rates["low"] <= rates["rate"]).all() and (rates["rate"] <= rates["high"]).all()
    verdicts = result.comparisons.set_index("group")
    assert bool(verdicts.loc["B", "real"]) and "B is ahead of control" in verdicts.loc["B", "verdict"]
    assert (
        result.funnel.set_index("ab_group").loc["B", "opened"]
        >= result.funnel.set_index("ab_group").loc["B", "converted"]
    )
    assert set(result.by_persona["segment"]) <= set(ws.query("SELECT name FROM persona_names")["name"])

    again = ingest(ws, [tmp_path / "results.csv"]).reports[0]  # the same export twice adds nothing
    assert again.written == {"campaign_results": 0}

    from core.cli import main

    assert main(["campaigns", "--workspace", str(ws.path), "--json"]) == 0
    printed = {r["campaign"]: r for r in json.loads(capsys.readouterr().out)}
    assert len(printed["Winter test"]["comparisons"]) == 2


def test_a_workspace_from_before_campaign_results_still_reads(empty_home: Path) -> None:
    ws = create_workspace(empty_home / "older")
    with ws.transaction("an older workspace") as con:
        con.execute("DROP TABLE campaign_results")
    assert ws.row_counts()["campaign_results"] == 0
    assert campaigns(ws).empty


def test_a_results_table_from_before_offer_columns_gains_them(empty_home: Path, tmp_path: Path) -> None:
    ws = create_workspace(empty_home / "older")
    with ws.transaction("an older workspace") as con:
        con.execute("ALTER TABLE campaign_results DROP COLUMN discount")
        con.execute("ALTER TABLE campaign_results DROP COLUMN offer")
        con.execute("INSERT INTO campaign_results (campaign, customer_id, converted) VALUES ('Old', 'c0', true)")
    path = tmp_path / "results.csv"
    path.write_text("campaign,customer_id,group,offer,discount\nNew,c1,A,Books,10\nNew,c2,control,Books,10\n")
    (report,) = ingest(ws, [path]).reports
    assert report.rows_accepted == 2
    stored = ws.query("SELECT campaign, offer, discount FROM campaign_results ORDER BY customer_id")
    assert stored["campaign"].tolist() == ["Old", "New", "New"]  # the old row kept
    assert stored["discount"].tolist()[1:] == [0.1, 0.1] and stored["offer"].tolist()[1:] == ["Books", "Books"]
