"""Look at the stored tables: filtered rows, counts, and personal data masked by default."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from core import schema
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
) -> TablePage:
    """Up to `limit` rows of `table`; with `column` and `contains`, only rows whose value contains it."""
    spec = schema.table(table)
    where, params = "", []
    if column and contains:
        if column not in spec.column_names:
            raise KeyError(f"{table} has no column {column!r}")
        where, params = f'WHERE CAST("{column}" AS VARCHAR) ILIKE ?', [f"%{contains}%"]
    cols = ", ".join(f'"{c}"' for c in spec.column_names)
    rows = ws.query(f'SELECT {cols} FROM "{table}" {where} LIMIT {int(limit)}', params)
    matching = int(ws.query(f'SELECT count(*) AS n FROM "{table}" {where}', params)["n"].iloc[0])
    total = int(ws.query(f'SELECT count(*) AS n FROM "{table}"')["n"].iloc[0])
    if mask_personal:
        for col in PERSONAL_COLUMNS & set(rows.columns):
            rows[col] = rows[col].map(mask, na_action="ignore")
    return TablePage(rows, matching, total)


def mask(value: str) -> str:
    """'ann.lee42@example.com' -> 'a***@example.com'; 'Ann Lee' -> 'A** L**'."""
    text = str(value)
    if "@" in text:
        local, _, domain = text.partition("@")
        return f"{local[:1]}***@{domain}"
    return re.sub(r"(\w)(\w*)", lambda m: m.group(1) + "*" * len(m.group(2)), text)
