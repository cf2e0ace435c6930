"""Persona what-if: preview a different number of personas or feature weights before retraining.

The preview clusters the same customer profiles the stored personas were built from, aligns the
new clusters with the current personas (so a persona that survives keeps its name), and reports
sizes, the silhouette, who would move where, and which personas would split or merge. Nothing is
stored: committing is a normal retrain with the same settings.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from core.personas.profile import CustomerProfiles
from core.personas.segment import DEFAULT_WEIGHTS, PersonaModel

SPLIT_SHARE = 0.2  # a persona "splits" when at least two new personas each take this share of it


@dataclass
class PersonaPreview:
    """sizes: persona, customers, change (vs now); flows: source, target, customers (Sankey)."""

    n_personas: int
    silhouette: float
    current_silhouette: float | None
    sizes: pd.DataFrame
    flows: pd.DataFrame
    changes: list[str]
    weights: dict[str, float]


def preview_personas(
    profiles: CustomerProfiles,
    current: PersonaModel | None,
    current_assignments: pd.DataFrame,
    n_personas: int | None = None,
    weights: dict[str, float] | None = None,
) -> PersonaPreview:
    """Cluster `profiles` with the given settings and compare with `current_assignments`
    (customer_id, persona_id, persona_name)."""
    weights = {**DEFAULT_WEIGHTS, **(weights or {})}
    groups = tuple(g for g in profiles.groups if weights.get(g, 1.0) > 0)  # the profile's order, as training
    model = PersonaModel(n_personas=n_personas, groups=groups, weights=weights).fit(profiles, previous=current)
    new = model.assignments()
    names = dict(zip(current_assignments["persona_id"], current_assignments["persona_name"], strict=False))
    new["new_name"] = new["persona_id"].map(lambda p: names.get(p) or f"New persona {p + 1}")
    joined = new.merge(current_assignments, on="customer_id", how="left", suffixes=("", "_now"))
    joined["persona_name"] = joined["persona_name"].fillna("no persona yet")
    flows = joined.groupby(["persona_name", "new_name"]).size().rename("customers").reset_index()
    flows = flows.rename(columns={"persona_name": "source", "new_name": "target"})
    before = joined["persona_name"].value_counts()
    after = joined["new_name"].value_counts()
    sizes = pd.DataFrame({"persona": after.index, "customers": after.to_numpy()})
    sizes["change"] = sizes["customers"] - sizes["persona"].map(before).fillna(0).astype(int)
    return PersonaPreview(
        n_personas=int(new["persona_id"].nunique()),
        silhouette=round(float(model.silhouette_), 4),
        current_silhouette=None if current is None else round(float(current.silhouette_), 4),
        sizes=sizes.sort_values("customers", ascending=False, ignore_index=True),
        flows=flows,
        changes=describe_changes(flows),
        weights=weights,
    )


def describe_changes(flows: pd.DataFrame) -> list[str]:
    """Plain sentences: which personas split, merge, appear or stay."""
    out = []
    for source, part in flows.groupby("source"):
        shares = part.set_index("target")["customers"] / part["customers"].sum()
        big = shares[shares >= SPLIT_SHARE].sort_values(ascending=False)
        if len(big) >= 2:
            out.append(f"{source} splits into " + " and ".join(f"{t} ({s:.0%})" for t, s in big.items()) + ".")
    for target, part in flows.groupby("target"):
        shares = part.set_index("source")["customers"] / part["customers"].sum()
        big = shares[shares >= SPLIT_SHARE].sort_values(ascending=False)
        if len(big) >= 2:
            out.append(f"{target} merges " + " and ".join(f"{s} ({v:.0%})" for s, v in big.items()) + ".")
    kept = flows.groupby("source")["customers"].sum()
    stayed = flows[flows["source"] == flows["target"]].set_index("source")["customers"]
    steady = (stayed / kept.reindex(stayed.index)).loc[lambda s: s >= 0.8]
    if len(steady):
        out.append(f"{len(steady)} persona(s) stay much as they are (80% or more of their customers stay).")
    return out or ["Customers would mostly stay in the personas they have now."]
