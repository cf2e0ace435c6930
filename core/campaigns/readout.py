"""A/B and campaign readouts: each group's rates with 95% intervals, and a verdict in plain words.

Rates use the Wilson score interval (right even for small counts and rates near 0). A group is
compared with the control group when there is one, else with the first group (A): the difference
of rates gets Newcombe's hybrid score interval (built from the two Wilson intervals). When that
interval excludes 0 the difference is called real; when it does not, the verdict says how many more
sends the comparison needs to tell, for the difference seen so far, at 5% significance and 80% power.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.errors import PersonaLensError
from core.workspace import Workspace

Z95 = 1.959964
Z80 = 0.841621  # one-sided, for 80% power
CONTROL = "control"


def contacted(group: str = "ab_group") -> str:
    """SQL: true for a row of any group but the control group (whose members were not sent anything)."""
    return f"coalesce(lower({group}), '') <> '{CONTROL}'"


METRICS = {"delivered": "Delivered", "opened": "Opened", "clicked": "Clicked", "converted": "Bought"}
TABLE = "campaign_results"


def wilson(successes: float, n: float, z: float = Z95) -> tuple[float, float]:
    if n <= 0:
        return 0.0, 1.0
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe(s1: float, n1: float, s2: float, n2: float) -> tuple[float, float, float]:
    """Difference p1 - p2 and its 95% interval (Newcombe 1998, method 10)."""
    p1, p2 = s1 / n1, s2 / n2
    l1, u1 = wilson(s1, n1)
    l2, u2 = wilson(s2, n2)
    d = p1 - p2
    return d, d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)


def sends_needed(p1: float, p2: float) -> int | None:
    """Sends per group to tell p1 from p2 (5% two-sided, 80% power); None when they are equal."""
    d = abs(p1 - p2)
    if d < 1e-12:
        return None
    mean = (p1 + p2) / 2
    n = (Z95 * math.sqrt(2 * mean * (1 - mean)) + Z80 * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2 / d**2
    return int(math.ceil(n))


def campaigns(ws: Workspace) -> pd.DataFrame:
    """campaign, customers, groups, first_sent, last_sent; newest first."""
    if not ws.has_table(TABLE):
        return pd.DataFrame(columns=["campaign", "customers", "groups", "first_sent", "last_sent"])
    return ws.query(
        f"""SELECT campaign, count(DISTINCT customer_id) AS customers, count(DISTINCT ab_group) AS groups,
                   min(sent_at) AS first_sent, max(sent_at) AS last_sent
            FROM {TABLE} GROUP BY 1 ORDER BY max(sent_at) DESC NULLS LAST, campaign"""
    )


def results(ws: Workspace, campaign: str) -> pd.DataFrame:
    """The campaign's rows (ab_group 'all' where the tool had none), with persona_name and rfm_segment
    when there are personas."""
    if not ws.has_table(TABLE):
        raise PersonaLensError("no campaign results yet: upload a results export on the Data page")
    rows = ws.query(f"SELECT * FROM {TABLE} WHERE campaign = ?", [campaign])
    if rows.empty:
        raise PersonaLensError(f"no results for campaign {campaign!r}")
    rows["ab_group"] = rows["ab_group"].fillna("all").astype(str)
    from core.personas.rfm import rfm_scores
    from core.personas.service import load_views

    views = load_views(ws)
    if views is not None:
        rows = rows.merge(views.assignments[["customer_id", "persona_name"]], on="customer_id", how="left")
        segments = rfm_scores(views.profiles)["segment"].rename("rfm_segment")
        rows = rows.merge(segments, left_on="customer_id", right_index=True, how="left")
    return rows


def funnel(rows: pd.DataFrame) -> pd.DataFrame:
    """ab_group, sent, then delivered, opened, clicked, converted (counts; NaN where the tool did not say),
    revenue."""
    out = rows.groupby("ab_group").agg(sent=("customer_id", "size"))
    for metric in METRICS:
        known = rows[metric].notna().groupby(rows["ab_group"]).any()
        counts = rows[metric].fillna(False).astype(bool).groupby(rows["ab_group"]).sum().astype(float)
        out[metric] = counts.where(known)
    out["revenue"] = rows.groupby("ab_group")["revenue"].sum(min_count=1)
    return _ordered(out.reset_index())


def _ordered(frame: pd.DataFrame, column: str = "ab_group") -> pd.DataFrame:
    key = frame[column].map(lambda g: (g.lower() == CONTROL, g))
    return frame.iloc[np.argsort(key.to_numpy(), kind="stable")].reset_index(drop=True)


def rates(rows: pd.DataFrame, metric: str = "converted") -> pd.DataFrame:
    """ab_group, sent, successes, rate, low, high (95%)."""
    if metric not in METRICS:
        raise PersonaLensError(f"unknown measure {metric!r}: choose one of {', '.join(METRICS)}")
    if rows[metric].isna().all():
        raise PersonaLensError(f"the results say nothing about {METRICS[metric].lower()}")
    out = []
    for group, part in rows.groupby("ab_group"):
        n, s = len(part), float(part[metric].fillna(False).astype(bool).sum())
        low, high = wilson(s, n)
        out.append({"ab_group": group, "sent": n, "successes": s, "rate": s / n, "low": low, "high": high})
    return _ordered(pd.DataFrame(out))


def compare(rows: pd.DataFrame, metric: str = "converted") -> pd.DataFrame:
    """group, against, difference, low, high (95%, in rate units), real (bool), more_sends (None when real), verdict."""
    table = rates(rows, metric).set_index("ab_group")
    groups = list(table.index)
    if len(groups) < 2:
        return pd.DataFrame(columns=["group", "against", "difference", "low", "high", "real", "more_sends", "verdict"])
    base = next((g for g in groups if g.lower() == CONTROL), groups[0])
    out = []
    for group in (g for g in groups if g != base):
        a, b = table.loc[group], table.loc[base]
        d, low, high = newcombe(a["successes"], a["sent"], b["successes"], b["sent"])
        real = low > 0 or high < 0
        more = None
        if not real:
            per_group = sends_needed(a["rate"], b["rate"])
            more = None if per_group is None else max(0, 2 * per_group - int(a["sent"] + b["sent"]))
        out.append(
            {
                "group": group,
                "against": base,
                "difference": d,
                "low": low,
                "high": high,
                "real": real,
                "more_sends": more,
                "verdict": verdict(group, base, d, low, high, more),
            }
        )
    return pd.DataFrame(out)


def verdict(group: str, base: str, d: float, low: float, high: float, more: int | None) -> str:
    points = f"{abs(d) * 100:.1f} points, 95% interval {low * 100:.1f} to {high * 100:.1f}"
    if low > 0:
        return f"{group} is ahead of {base} by {points}: a real difference"
    if high < 0:
        return f"{group} is behind {base} by {points}: a real difference"
    if more is None:
        return f"{group} and {base} are level so far ({points})"
    return f"Too early to tell {group} from {base} ({points}): about {more:,} more sends needed"


def by_segment(rows: pd.DataFrame, column: str, metric: str = "converted") -> pd.DataFrame:
    """segment, ab_group, sent, rate, low, high: each group's rate within each persona or RFM segment."""
    if column not in rows:
        return pd.DataFrame(columns=["segment", "ab_group", "sent", "rate", "low", "high"])
    out = []
    for (segment, group), part in rows.dropna(subset=[column]).groupby([column, "ab_group"]):
        n, s = len(part), float(part[metric].fillna(False).astype(bool).sum())
        low, high = wilson(s, n)
        out.append({"segment": segment, "ab_group": group, "sent": n, "rate": s / n, "low": low, "high": high})
    return pd.DataFrame(out, columns=["segment", "ab_group", "sent", "rate", "low", "high"])


@dataclass(frozen=True)
class Readout:
    campaign: str
    metric: str
    funnel: pd.DataFrame
    rates: pd.DataFrame
    comparisons: pd.DataFrame
    by_persona: pd.DataFrame
    by_segment: pd.DataFrame

    def to_dict(self) -> dict:
        def records(frame: pd.DataFrame) -> list[dict]:
            return json_safe(frame.round(6).to_dict(orient="records"))

        return {
            "campaign": self.campaign,
            "metric": self.metric,
            "funnel": records(self.funnel),
            "rates": records(self.rates),
            "comparisons": records(self.comparisons),
            "by_persona": records(self.by_persona),
            "by_rfm_segment": records(self.by_segment),
        }


def json_safe(rows: list[dict]) -> list[dict]:
    return [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()} for row in rows]


def readout(ws: Workspace, campaign: str, metric: str = "converted") -> Readout:
    rows = results(ws, campaign)
    return Readout(
        campaign,
        metric,
        funnel(rows),
        rates(rows, metric),
        compare(rows, metric),
        by_segment(rows, "persona_name", metric),
        by_segment(rows, "rfm_segment", metric),
    )
