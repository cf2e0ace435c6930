"""What the Models page shows: each kind's serving version in plain words, versions, comparisons, drift."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pandas as pd

from core import kinds, registry
from core.budget import Sample
from core.spark.engine import LOCAL
from core.workspace import Workspace

LABELS = kinds.LABELS
MEANING = {k.metric: k.meaning for k in kinds.KINDS}


@dataclass(frozen=True)
class KindCard:
    kind: str
    label: str
    version: str | None
    trained_at: pd.Timestamp | None
    metric: str
    value: float | None
    meaning: str
    stale: bool
    problem: str | None
    versions: int
    sampled: tuple[str, ...] = ()  # what the version's training sampled, in words ("compared on 20,000 of ...")


def sampled_in_words(summary: dict) -> tuple[str, ...]:
    """A version's samples (core.budget) as a marketer reads them, first letter up."""
    said = (Sample(**found).in_words() for found in summary.get("samples") or [])
    return tuple(text[:1].upper() + text[1:] for text in said)


def cards(ws: Workspace) -> list[KindCard]:
    found = registry.overview(ws)
    out = []
    for kind, label in LABELS.items():
        mine = found[found["kind"] == kind]
        active = mine[mine["status"] == "active"]
        serving = registry.serving_version(ws, kind) if not active.empty else registry.Serving(None)
        if active.empty:
            out.append(KindCard(kind, label, None, None, "", None, "", False, None, len(mine)))
            continue
        row = active.iloc[0]
        out.append(
            KindCard(
                kind,
                label,
                row["version"],
                pd.Timestamp(row["created_at"]),
                row["metric"],
                None if pd.isna(row["value"]) else float(row["value"]),
                MEANING.get(row["metric"], ""),
                bool(row["stale"]),
                serving.problem,
                len(mine),
                sampled_in_words(row["summary"] or {}),
            )
        )
    return out


def stale_kinds(ws: Workspace) -> list[str]:
    return [c.kind for c in cards(ws) if c.stale]


def version_table(ws: Workspace, kind: str) -> pd.DataFrame:
    """version, status, trained_at, data_version, stale, metric, value, seconds, engine; newest first.

    engine: where the version trained, "local" or "spark" (versions from before engines trained locally)."""
    found = registry.overview(ws)
    mine = found[found["kind"] == kind].rename(columns={"created_at": "trained_at"})
    mine = mine.assign(engine=[s.get("engine", LOCAL) for s in mine["summary"]])
    columns = ["version", "status", "trained_at", "data_version", "stale", "metric", "value", "seconds", "engine"]
    return mine[columns].reset_index(drop=True)


def choices(ws: Workspace, kind: str, version: str) -> pd.DataFrame:
    """What training chose for `version` on its own inner split (model, chosen, inner_ndcg, tried); empty for
    kinds (or older versions) that record none."""
    found = registry.versions(ws, kind).set_index("version")
    if version not in found.index:
        return pd.DataFrame(columns=["model", "chosen", "inner_ndcg", "tried"])
    summary = json.loads(found.loc[version, "summary"] or "{}")
    return pd.DataFrame(summary.get("tuned", []), columns=["model", "chosen", "inner_ndcg", "tried"])


def sampled(ws: Workspace, kind: str, version: str) -> tuple[str, ...]:
    """What `version`'s training looked at a sample of, in words (empty when it used every row)."""
    found = registry.versions(ws, kind).set_index("version")
    if version not in found.index:
        return ()
    return sampled_in_words(json.loads(found.loc[version, "summary"] or "{}"))


def compare(ws: Workspace, kind: str, first: str, second: str) -> pd.DataFrame:
    """metric, first, second, change: every number both versions recorded, side by side."""
    found = registry.versions(ws, kind).set_index("version")
    flat = {v: _flatten(json.loads(found.loc[v, "metrics"] or "{}")) for v in (first, second)}
    names = sorted(set(flat[first]) | set(flat[second]))
    frame = pd.DataFrame(
        {
            "metric": names,
            "first": [flat[first].get(n) for n in names],
            "second": [flat[second].get(n) for n in names],
        }
    )
    frame["change"] = pd.to_numeric(frame["second"], errors="coerce") - pd.to_numeric(frame["first"], errors="coerce")
    return frame


def _flatten(metrics: dict, prefix: str = "") -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in metrics.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, f"{name} · "))
        elif isinstance(value, int | float) and value == value:
            out[name] = round(float(value), 4)
    return out


def persona_flows(ws: Workspace, first: str, second: str) -> pd.DataFrame:
    """source, target, customers: who moved from which persona (in `first`) to which (in `second`)."""
    maps = {}
    for version in (first, second):
        path = ws.models_dir / "personas" / version / "views" / "map.parquet"
        maps[version] = pd.read_parquet(path, columns=["customer_id", "persona_name"]) if path.is_file() else None
    if maps[first] is None or maps[second] is None:
        return pd.DataFrame(columns=["source", "target", "customers"])
    joined = maps[first].merge(maps[second], on="customer_id", suffixes=("_a", "_b"))
    flows = joined.groupby(["persona_name_a", "persona_name_b"]).size().rename("customers").reset_index()
    return flows.rename(columns={"persona_name_a": "source", "persona_name_b": "target"})
