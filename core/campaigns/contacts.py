"""Past campaigns as models learn from them: who was contacted with which offer, and who bought.

A campaign's offer (what it promoted and at what discount) comes from the results' own `offer` and
`discount` columns when the e-mail tool exported them, else from the approved message each row
names (the Messages page's export carries its message id). Rows of the control group were not
contacted; every other group was.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from core.campaigns.readout import TABLE, contacted
from core.messages.approved import TABLE as APPROVED
from core.workspace import Workspace


@dataclass(frozen=True)
class Contacts:
    """rows: campaign, customer_id, treated (bool), converted (bool), sent_at; one per contact.

    offers: one row per campaign: campaign, sent_at (first send), offer_kind ("category", "product" or
    None when only a name is known), offer_target, discount (0-0.9), contacted, control, problem (why
    the campaign cannot be learned from, else None).
    """

    rows: pd.DataFrame
    offers: pd.DataFrame

    @property
    def usable(self) -> pd.DataFrame:
        return self.offers[self.offers["problem"].isna()]

    def before(self, cutoff: pd.Timestamp) -> pd.DataFrame:
        """Usable contacts sent on or before `cutoff`: what a model trained at that time could know."""
        rows = self.rows[self.rows["campaign"].isin(self.usable["campaign"])]
        return rows[rows["sent_at"] <= cutoff]


def load_contacts(ws: Workspace) -> Contacts | None:
    """The workspace's past campaigns, or None when it has no campaign results."""
    if not ws.has_table(TABLE):
        return None
    approved = ws.has_table(APPROVED)
    joined = (
        f"LEFT JOIN (SELECT DISTINCT ON (message_id) message_id, offer_kind, offer_target, discount FROM {APPROVED}) m "
        "USING (message_id)"
        if approved
        else ""
    )
    message = (lambda c: f"m.{c}") if approved else (lambda _c: "NULL")
    rows = ws.query(f"""
        SELECT r.campaign, r.customer_id, {contacted("r.ab_group")} AS treated,
               r.converted, r.sent_at,
               CASE WHEN r.offer IS NOT NULL THEN NULL ELSE {message("offer_kind")} END AS offer_kind,
               coalesce(r.offer, {message("offer_target")}) AS offer_target,
               coalesce(r.discount, {message("discount")}) AS discount
        FROM {TABLE} r {joined}
        WHERE r.customer_id IS NOT NULL""")
    return None if rows.empty else from_rows(rows)


def from_rows(rows: pd.DataFrame) -> Contacts:
    """Contacts from one row per contact: campaign, customer_id, treated, converted (None: unknown),
    sent_at, offer_kind, offer_target, discount."""
    offers = rows.groupby("campaign", sort=True).agg(
        sent_at=("sent_at", "min"),
        offer_kind=("offer_kind", _most_common),
        offer_target=("offer_target", _most_common),
        discount=("discount", lambda s: float(s.fillna(0.0).clip(0, 0.9).max())),
        contacted=("treated", "sum"),
        control=("treated", lambda s: int((~s.astype(bool)).sum())),
        conversions=("converted", lambda s: int(s.notna().sum())),
    )
    offers["problem"] = [_problem(row) for row in offers.itertuples()]
    offers = offers.drop(columns="conversions").reset_index().sort_values("sent_at", kind="stable")
    rows = rows[rows["converted"].notna() & rows["sent_at"].notna()].assign(
        converted=lambda f: f["converted"].astype(bool), treated=lambda f: f["treated"].astype(bool)
    )
    return Contacts(rows[["campaign", "customer_id", "treated", "converted", "sent_at"]].reset_index(drop=True), offers)


def _most_common(values: pd.Series) -> str | None:
    counts = values.dropna().astype(str).value_counts()
    return str(counts.index[0]) if len(counts) else None


def _problem(row: object) -> str | None:
    if pd.isna(row.sent_at):  # type: ignore[attr-defined]
        return "the results say nothing about when it was sent"
    if pd.isna(row.offer_target):  # type: ignore[attr-defined]
        return "the offer is unknown: add an offer column to the results, or send it from the Messages page"
    if not row.conversions:  # type: ignore[attr-defined]
        return "the results say nothing about who bought"
    if not row.contacted:  # type: ignore[attr-defined]
        return "nobody was contacted (only a control group)"
    return None
