"""Plotly figures for the pages: the look lives here so pages stay short."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

PALETTE = ["#4C5FD5", "#F28F3B", "#2BA84A", "#D64550", "#8E6CCF", "#1B998B", "#E2B93B", "#5B6C8F"]


def _style(fig: go.Figure, height: int) -> go.Figure:
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        legend={"orientation": "h", "y": 1.12, "x": 0},
        hovermode="x unified",
    )
    return fig


def monthly_activity(frame: pd.DataFrame) -> go.Figure:
    """Bars of net revenue per month with orders and reviews as lines on a second axis."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_bar(
        x=frame["month"],
        y=frame["revenue"],
        name="Revenue",
        marker_color=PALETTE[0],
        opacity=0.85,
        hovertemplate="%{y:,.0f}",
    )
    fig.add_scatter(
        x=frame["month"],
        y=frame["orders"],
        name="Orders",
        mode="lines+markers",
        line={"color": PALETTE[1], "width": 3},
        secondary_y=True,
    )
    fig.add_scatter(
        x=frame["month"],
        y=frame["reviews"],
        name="Reviews",
        mode="lines+markers",
        line={"color": PALETTE[2], "width": 2, "dash": "dot"},
        secondary_y=True,
    )
    fig.update_yaxes(title_text="Revenue", secondary_y=False, tickformat="~s", rangemode="tozero")
    fig.update_yaxes(
        title_text="Orders / reviews",
        secondary_y=True,
        showgrid=False,
        rangemode="tozero",
        tickmode="auto",
        tickformat=",d",
    )
    fig.update_xaxes(dtick="M3", tickformat="%b %Y", ticklabelmode="period")
    return _style(fig, 380)


def category_revenue(frame: pd.DataFrame) -> go.Figure:
    """Horizontal bars of net revenue per category, biggest on top."""
    ordered = frame.sort_values("revenue")
    fig = go.Figure(
        go.Bar(
            x=ordered["revenue"],
            y=ordered["category"],
            orientation="h",
            marker_color=PALETTE[0],
            customdata=ordered[["units", "customers"]],
            hovertemplate="%{y}<br>revenue %{x:,.0f}<br>units %{customdata[0]:,.0f}"
            "<br>customers %{customdata[1]:,}<extra></extra>",
        )
    )
    fig.update_xaxes(tickformat="~s", title_text="Net revenue")
    fig = _style(fig, 340)
    fig.update_layout(hovermode="closest")
    return fig


def missing_values(frame: pd.DataFrame) -> go.Figure:
    """Share of empty values per mapped field (frame: field, missing, share)."""
    ordered = frame.sort_values("share")
    fig = go.Figure(
        go.Bar(
            x=ordered["share"],
            y=ordered["field"],
            orientation="h",
            marker_color=PALETTE[1],
            customdata=ordered["missing"],
            hovertemplate="%{y}: %{customdata:,} empty (%{x:.1%})<extra></extra>",
        )
    )
    fig.update_xaxes(tickformat=".0%", range=[0, 1], title_text="Empty values")
    fig.update_layout(title="Missing values per field", hovermode="closest")
    return _style(fig, 80 + 28 * len(frame))


def rows_per_month(frame: pd.DataFrame) -> go.Figure:
    """Accepted rows per calendar month (frame: month, rows)."""
    fig = go.Figure(
        go.Bar(
            x=frame["month"],
            y=frame["rows"],
            marker_color=PALETTE[0],
            hovertemplate="%{x|%b %Y}: %{y:,} rows<extra></extra>",
        )
    )
    fig.update_layout(title="Rows per month")
    fig.update_yaxes(tickformat="~s")
    return _style(fig, 300)
