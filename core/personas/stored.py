"""The current personas as stored in the workspace database: which version serves and who is in which persona.

Kept apart from core.personas.service so that readers (recommender training, What-if) get them
without importing the persona models and scikit-learn (1.5 s on this machine, at the start of a run).
"""

from __future__ import annotations

import pandas as pd

from core import registry
from core.workspace import Workspace


def has_personas(ws: Workspace) -> bool:
    found = ws.query("SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = 'persona_assignments'")
    return bool(found["n"].iloc[0])


def current_version(ws: Workspace) -> str | None:
    if not has_personas(ws):
        return None
    active = registry.active_version(ws, "personas")
    if active:
        return active
    rows = ws.query("SELECT max(version) AS v FROM persona_assignments")  # trained before the registry
    return None if rows.empty or pd.isna(rows["v"].iloc[0]) else str(rows["v"].iloc[0])


def assignments(ws: Workspace) -> pd.DataFrame:
    """customer_id, persona_id, persona_name for the current personas (empty when none)."""
    if not has_personas(ws):
        return pd.DataFrame(columns=["customer_id", "persona_id", "persona_name"])
    return ws.query(
        """SELECT a.customer_id, a.persona_id, n.name AS persona_name
           FROM persona_assignments a LEFT JOIN persona_names n USING (persona_id)
           WHERE a.version = ? ORDER BY a.customer_id""",
        [current_version(ws)],
    )
