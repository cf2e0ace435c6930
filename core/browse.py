"""Look at the stored tables: filtered rows, counts, and personal data masked by default."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from core import schema
from core.auth import User, require
from core.workspace import Workspace

PERSONAL_COLUMNS = {"email", "name"}


@dataclass(frozen=True)
class TablePage:
    """Rows of one table matching a filter, plus how many match in all."""

    rows: pd.DataFrame
    matching: int
    total: int


def browse(
    ws: Workspace,
    table: str,
    column: str | None = None,
    contains: str = "",
    limit: int = 1000,
    mask_personal: bool = True,
    by: User | None = None,
) -> TablePage:
    """Up to `limit` rows of `table`; with `column` and `contains`, only rows whose value contains it.

    Unmasked personal data only for a local caller or a signed-in admin (`by`).
    """
    if not mask_personal:
        require(by, ws.name, "unmask")
    spec = schema.table(table)
    if not ws.has_table(table):  # a table this workspace has not needed yet (campaign results before any import)
        return TablePage(pd.DataFrame(columns=spec.column_names), 0, 0)
    where, params = "", []
    if column and contains:
        if column not in spec.column_names:
            raise KeyError(f"{table} has no column {column!r}")
        where, params = f'WHERE CAST("{column}" AS VARCHAR) ILIKE ?', [f"%{contains}%"]
    cols = ", ".join(f'"{c}"' for c in spec.column_names)
    rows = ws.query(f'SELECT {cols} FROM "{table}" {where} LIMIT {int(limit)}', params)
    matching = int(ws.query(f'SELECT count(*) AS n FROM "{table}" {where}', params)["n"].iloc[0])
    total = int(ws.query(f'SELECT count(*) AS n FROM "{table}"')["n"].iloc[0])
    return TablePage(_masked(rows) if mask_personal else rows, matching, total)


def _masked(rows: pd.DataFrame) -> pd.DataFrame:
    for col in PERSONAL_COLUMNS & set(rows.columns):
        rows[col] = rows[col].map(mask, na_action="ignore")
    return rows


def mask_personal(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` with names and e-mails masked (for exports a viewer may take away)."""
    return _masked(frame.copy())


def mask(value: str) -> str:
    """'ann.lee42@example.com' -> 'a***@example.com'; 'Ann Lee' -> 'A** L**'."""
    text = str(value)
    if "@" in text:
        local, _, domain = text.partition("@")
        return f"{local[:1]}***@{domain}"
    return re.sub(r"(\w)(\w*)", lambda m: m.group(1) + "*" * len(m.group(2)), text)
