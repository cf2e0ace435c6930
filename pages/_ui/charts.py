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


def persona_map(frame: pd.DataFrame) -> go.Figure:
    """Customers in 2-D (PCA of the persona features), one colour per persona."""
    fig = go.Figure()
    for i, (name, group) in enumerate(frame.groupby("persona_name", sort=False)):
        fig.add_scatter(
            x=group["x"],
            y=group["y"],
            mode="markers",
            name=str(name),
            marker={"size": 6, "opacity": 0.7, "color": PALETTE[i % len(PALETTE)]},
            customdata=group[["customer_id", "top_category", "age", "orders"]].astype(str),
            hovertemplate="%{customdata[0]}<br>buys mostly %{customdata[1]}<br>age %{customdata[2]}, "
            "%{customdata[3]} orders<extra>" + str(name) + "</extra>",
        )
    fig.update_xaxes(showticklabels=False, title_text="")
    fig.update_yaxes(showticklabels=False, title_text="")
    fig = _style(fig, 560)
    fig.update_layout(hovermode="closest")
    return fig


def trait_heatmap(traits: pd.DataFrame) -> go.Figure:
    """Persona x trait, standardised: blue above the average customer, red below."""
    fig = go.Figure(
        go.Heatmap(
            z=traits.to_numpy(),
            x=list(traits.columns),
            y=list(traits.index),
            zmid=0,
            colorscale="RdBu",
            text=traits.to_numpy(),
            texttemplate="%{text:.1f}",
            colorbar={"title": "vs average"},
            hovertemplate="%{y}<br>%{x}: %{z:+.2f} standard deviations<extra></extra>",
        )
    )
    fig = _style(fig, 140 + 48 * len(traits))
    fig.update_layout(hovermode="closest")
    fig.update_xaxes(tickangle=-35)
    return fig


def rfm_by_persona(frame: pd.DataFrame, order: list[str]) -> go.Figure:
    """Stacked bars: customers of each persona in each RFM segment."""
    fig = go.Figure()
    for i, segment in enumerate(order):
        part = frame[frame["segment"] == segment]
        fig.add_bar(
            x=part["customers"],
            y=part["persona_name"],
            name=segment,
            orientation="h",
            marker_color=RFM_COLOURS[i % len(RFM_COLOURS)],
        )
    fig.update_layout(barmode="stack", hovermode="closest")
    fig.update_xaxes(title_text="Customers")
    return _style(fig, 140 + 45 * frame["persona_name"].nunique())


RFM_COLOURS = ["#1B7F3B", "#2BA84A", "#8BC34A", "#B5D99C", "#D64550", "#F28F3B", "#E2B93B", "#9AA5B1", "#5B6C8F"]


def purchase_timeline(purchases: pd.DataFrame) -> go.Figure:
    """One dot per order line over time, sized by spend, coloured by category; returns in red."""
    fig = go.Figure()
    spend = (purchases["quantity"].fillna(1) * purchases["unit_price"].fillna(0)).abs()
    for i, (category, part) in enumerate(purchases.assign(spend=spend).groupby(purchases["category"].fillna("Other"))):
        returned = part["event_type"] == "return"
        fig.add_scatter(
            x=part["timestamp"],
            y=[category] * len(part),
            mode="markers",
            name=str(category),
            marker={
                "size": 8 + 14 * part["spend"] / max(spend.max(), 1),
                "color": ["#D64550" if r else PALETTE[i % len(PALETTE)] for r in returned],
            },
            text=part["title"],
            hovertemplate="%{x|%d %b %Y}<br>%{text}<extra></extra>",
        )
    fig = _style(fig, 120 + 40 * purchases["category"].nunique())
    fig.update_layout(showlegend=False, hovermode="closest")
    return fig


def keyword_cloud(words: list[str], seed: int = 42):  # noqa: ANN201 - a PIL image
    """A word cloud of a persona's distinctive words, most distinctive largest."""
    from wordcloud import WordCloud

    weights = {w: len(words) - i for i, w in enumerate(words)}
    cloud = WordCloud(
        width=520,
        height=220,
        background_color="white",
        colormap="viridis",
        random_state=seed,
        prefer_horizontal=0.95,
        margin=4,
    )
    return cloud.generate_from_frequencies(weights).to_image()


def model_quality(frame: pd.DataFrame, best: str) -> go.Figure:
    """Horizontal bars of NDCG@k per model (frame: label, model, ndcg), the default model highlighted."""
    ordered = frame.dropna(subset=["ndcg"]).sort_values("ndcg")
    colors = [PALETTE[1] if m == best else PALETTE[0] for m in ordered["model"]]
    fig = go.Figure(
        go.Bar(
            x=ordered["ndcg"],
            y=ordered["label"],
            orientation="h",
            marker_color=colors,
            text=[f"{v:.3f}" for v in ordered["ndcg"]],
            textposition="outside",
            hovertemplate="%{y}: NDCG %{x:.3f}<extra></extra>",
        )
    )
    fig.update_xaxes(title_text="NDCG@10 on held-out customers (higher is better)", rangemode="tozero")
    fig = _style(fig, 60 + 34 * len(ordered))
    fig.update_layout(hovermode="closest", margin={"l": 10, "r": 40, "t": 10, "b": 10})
    return fig


def audience_personas(audience: pd.DataFrame) -> go.Figure:
    """How a target audience splits over personas (audience: one row per customer, persona_name)."""
    fig = go.Figure(
        go.Histogram(
            y=audience["persona_name"].replace("", "No persona"),
            marker_color=PALETTE[4],
            hovertemplate="%{y}: %{x} customers<extra></extra>",
        )
    )
    fig.update_xaxes(title_text="Customers in the audience")
    fig.update_yaxes(categoryorder="total ascending")
    fig = _style(fig, max(180, 90 + 30 * audience["persona_name"].nunique()))
    fig.update_layout(hovermode="closest")
    return fig
