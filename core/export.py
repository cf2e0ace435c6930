"""One CSV writer for every export (downloads in the dashboard and CLI output), safe to open in a spreadsheet.

A review or a product title that starts with `=`, `+`, `-` or `@` (or a tab or carriage return) is a
formula to Excel, LibreOffice and Google Sheets: `=HYPERLINK("http://...")` makes a link that
looks like ours, and `=cmd|...` has run commands on old Excel (OWASP "CSV injection"). Every text
cell that starts with one of those characters is written with a leading `'`, which spreadsheets
show as text and hide; numbers stay numbers (only text columns are touched).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """`value` with a leading `'` when it is text a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose text cells cannot become formulas; other columns are left as they are."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values):
            out[column] = values.map(neutralise, na_action="ignore")
    return out


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """The CSV a download button offers."""
    return spreadsheet_safe(frame).to_csv(index=False).encode()


def write_csv(frame: pd.DataFrame, path: Path | str) -> None:
    """The CSV a CLI command writes to a file."""
    spreadsheet_safe(frame).to_csv(Path(path), index=False)


def to_csv_text(frame: pd.DataFrame) -> str:
    """The CSV a CLI command prints."""
    return spreadsheet_safe(frame).to_csv(index=False)
