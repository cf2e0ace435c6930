"""Numbers as a marketer reads them."""

from __future__ import annotations


def compact(value: float | int | None, decimals: int = 1) -> str:
    """12345 -> '12.3K', 2169955 -> '2.17M'; None -> '—'."""
    if value is None:
        return "—"
    sign = "-" if value < 0 else ""
    value = abs(float(value))
    for limit, unit, digits in ((1e9, "B", 2), (1e6, "M", 2), (1e4, "K", decimals)):
        if value >= limit:
            return f"{sign}{value / limit:.{digits}f}{unit}"
    return f"{sign}{value:,.0f}"
