"""Plotly figures for the pages: the look lives here so pages stay short."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

PALETTE = ["#4C5FD5", "#F28F3B", "#2BA84A", "#D64550", "#8E6CCF", "#1B998B", "#E2B93B", "#5B6C8F"]


# Trace fields that can carry text from an upload (titles, categories, persona and topic names).
_TEXT_FIELDS = ("x", "y", "text", "hovertext", "labels", "name")


def _literal_labels(fig: go.Figure) -> None:
    """Plotly draws a subset of HTML in labels (`<a href>` makes a link, `<b>` bold): uploaded text
    becomes entities (`&lt;`), which plotly shows as the characters they are."""

    def escape(value: object) -> object:
        if isinstance(value, str) and ("<" in value or ">" in value):
            return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return value

    for trace in fig.data:
        for field in _TEXT_FIELDS:
            if field not in trace:
                continue
            value = trace[field]
            if getattr(value, "dtype", None) is not None and value.dtype.kind in "biufcmM":
                continue  # numbers and dates carry no markup
            if isinstance(value, str):
                trace[field] = escape(value)
            elif value is not None and not isinstance(value, dict) and any(isinstance(v, str) for v in value):
                trace[field] = [escape(v) for v in value]
        if trace.type == "sankey" and trace.node.label is not None:
            trace.node.label = [escape(v) for v in trace.node.label]


def _style(fig: go.Figure, height: int) -> go.Figure:
    _literal_labels(fig)
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


TONE_COLORS = {"negative": "#D64550", "neutral": "#B8B8C8", "positive": "#2BA84A"}
PNG_EXPORT = {"toImageButtonOptions": {"format": "png", "scale": 2}, "displaylogo": False}


def tone_distribution(counts: pd.DataFrame) -> go.Figure:
    """Bars of reviews per tone (counts: sentiment_label, reviews, share). Click a bar to drill down."""
    fig = go.Figure(
        go.Bar(
            x=counts["sentiment_label"],
            y=counts["reviews"],
            marker_color=[TONE_COLORS[t] for t in counts["sentiment_label"]],
            text=[f"{s:.0%}" for s in counts["share"]],
            textposition="outside",
            hovertemplate="%{x}: %{y:,} reviews<extra></extra>",
        )
    )
    fig.update_yaxes(title_text="Reviews", rangemode="tozero")
    fig = _style(fig, 300)
    fig.update_layout(hovermode="closest", clickmode="event+select")
    return fig


def tone_trend(frame: pd.DataFrame) -> go.Figure:
    """Stacked share of each tone per month with the average score as a line (frame: tone_by_month)."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    for tone in ("negative", "neutral", "positive"):
        part = frame[frame["sentiment_label"] == tone]
        fig.add_bar(
            x=part["month"],
            y=part["share"],
            name=tone.capitalize(),
            marker_color=TONE_COLORS[tone],
            hovertemplate="%{y:.0%}",
        )
    avg = frame.drop_duplicates("month")
    fig.add_scatter(
        x=avg["month"],
        y=avg["avg_score"],
        name="Average score",
        mode="lines+markers",
        line={"color": PALETTE[0], "width": 3},
        secondary_y=True,
    )
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title_text="Share of reviews", tickformat=".0%", secondary_y=False, range=[0, 1])
    fig.update_yaxes(title_text="Average score", secondary_y=True, range=[-1, 1], showgrid=False)
    fig.update_xaxes(dtick="M3", tickformat="%b %Y", ticklabelmode="period")
    return _style(fig, 340)


def topic_map(table: pd.DataFrame) -> go.Figure:
    """One bubble per topic: size = share of reviews, colour = average sentiment. Click to drill down."""
    fig = go.Figure(
        go.Scatter(
            x=table["avg_sentiment"],
            y=table["share"],
            mode="markers+text",
            text=[label if i < 6 else "" for i, label in enumerate(table["label"])],  # the biggest six named
            hovertext=table["label"],
            textposition="top center",
            customdata=table["id"],
            marker={
                "size": (table["share"] / max(table["share"].max(), 1e-9) * 60 + 14).tolist(),
                "color": table["avg_sentiment"],
                "colorscale": "RdYlGn",
                "cmin": -1,
                "cmax": 1,
                "colorbar": {"title": "Tone"},
                "line": {"width": 1, "color": "white"},
            },
            hovertemplate="<b>%{hovertext}</b><br>%{y:.0%} of reviews<br>average tone %{x:+.2f}<extra></extra>",
        )
    )
    tones = table["avg_sentiment"].dropna()
    lo, hi = (float(tones.min()), float(tones.max())) if len(tones) else (-1.0, 1.0)
    fig.update_xaxes(
        title_text="Average sentiment (negative ← → positive)",
        range=[max(-1.05, lo - 0.2), min(1.1, hi + 0.2)],
        zeroline=True,
    )
    fig.update_yaxes(title_text="Share of reviews mentioning it", tickformat=".0%", rangemode="tozero")
    fig = _style(fig, 460)
    fig.update_layout(hovermode="closest", clickmode="event+select")
    return fig


def topic_month_heatmap(frame: pd.DataFrame) -> go.Figure:
    """Topics x months, colour = share of the month's reviews mentioning the topic."""
    pivot = frame.pivot_table(index="label", columns="month", values="share", fill_value=0.0)
    fig = go.Figure(
        go.Heatmap(
            z=pivot.to_numpy(),
            x=pivot.columns,
            y=pivot.index,
            colorscale="Blues",
            colorbar={"title": "Share", "tickformat": ".0%"},
            hovertemplate="%{y}<br>%{x|%b %Y}: %{z:.0%}<extra></extra>",
        )
    )
    fig.update_xaxes(dtick="M3", tickformat="%b %Y")
    fig = _style(fig, 80 + 32 * len(pivot))
    fig.update_layout(hovermode="closest")
    return fig


def topic_tones(frame: pd.DataFrame, order: list[str]) -> go.Figure:
    """Stacked horizontal bars of mentions per topic and tone (frame: label, sentiment_label, mentions)."""
    fig = go.Figure()
    for tone in ("negative", "neutral", "positive"):
        part = frame[frame["sentiment_label"] == tone].set_index("label")["mentions"].reindex(order).fillna(0)
        fig.add_bar(
            y=order,
            x=part,
            name=tone.capitalize(),
            orientation="h",
            marker_color=TONE_COLORS[tone],
            hovertemplate="%{y}: %{x:,}<extra></extra>",
        )
    fig.update_layout(barmode="stack")
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title_text="Reviews mentioning the topic")
    fig = _style(fig, 80 + 30 * len(order))
    fig.update_layout(hovermode="closest")
    return fig


def key_drivers(frame: pd.DataFrame) -> go.Figure:
    """Forest plot: effect on stars with 95% intervals per topic and tone."""
    labels = [f"{t} ({tone})" for t, tone in zip(frame["topic"], frame["tone"], strict=True)]
    fig = go.Figure(
        go.Scatter(
            x=frame["effect"],
            y=labels,
            mode="markers",
            marker={"size": 11, "color": [TONE_COLORS[t] for t in frame["tone"]]},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": (frame["ci_high"] - frame["effect"]).tolist(),
                "arrayminus": (frame["effect"] - frame["ci_low"]).tolist(),
                "color": "#666",
            },
            customdata=frame["mentions"],
            hovertemplate="%{y}<br>%{x:+.2f} stars (95% interval shown), %{customdata:,} reviews<extra></extra>",
        )
    )
    fig.add_vline(x=0, line_color="#999")
    fig.update_xaxes(title_text="Change in star rating when a review mentions it in this tone")
    fig = _style(fig, 80 + 26 * len(frame))
    fig.update_layout(hovermode="closest")
    return fig


def complaint_drivers(frame: pd.DataFrame) -> go.Figure:
    """Forest plot: how much more often feedback mentioning each topic is negative, with 95% intervals."""
    fig = go.Figure(
        go.Scatter(
            x=frame["lift"] * 100,
            y=frame["topic"],
            mode="markers",
            marker={"size": 11, "color": [TONE_COLORS["negative" if v > 0 else "positive"] for v in frame["lift"]]},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": ((frame["ci_high"] - frame["lift"]) * 100).tolist(),
                "arrayminus": ((frame["lift"] - frame["ci_low"]) * 100).tolist(),
                "color": "#666",
            },
            customdata=np.c_[frame["mentions"], frame["negative_share"] * 100],
            hovertemplate="%{y}<br>%{x:+.0f} points more often negative (95% interval shown)<br>"
            "%{customdata[0]:,} items, %{customdata[1]:.0f}% negative<extra></extra>",
        )
    )
    fig.add_vline(x=0, line_color="#999")
    fig.update_xaxes(title_text="Percentage points more often negative than feedback not about it")
    fig.update_yaxes(autorange="reversed")  # the biggest complaint on top
    fig = _style(fig, 80 + 26 * len(frame))
    fig.update_layout(hovermode="closest")
    return fig


def weighted_cloud(weights: dict[str, float], colormap: str = "viridis", seed: int = 42):  # noqa: ANN201
    """A word cloud from term weights (a PIL image), or None without words."""
    from wordcloud import WordCloud

    if not weights:
        return None
    cloud = WordCloud(
        width=520,
        height=240,
        background_color="white",
        colormap=colormap,
        random_state=seed,
        prefer_horizontal=0.95,
        margin=4,
    )
    return cloud.generate_from_frequencies(weights).to_image()


def persona_drift(flows: pd.DataFrame) -> go.Figure:
    """Sankey of customers moving between the personas of two versions (flows: source, target, customers)."""
    left = sorted(flows["source"].unique())
    right = sorted(flows["target"].unique())
    nodes = [f"{n} (before)" for n in left] + [f"{n} (after)" for n in right]
    index = {("a", n): i for i, n in enumerate(left)} | {("b", n): len(left) + i for i, n in enumerate(right)}
    fig = go.Figure(
        go.Sankey(
            node={
                "label": nodes,
                "pad": 14,
                "thickness": 14,
                "color": [PALETTE[i % len(PALETTE)] for i in range(len(left))]
                + [PALETTE[i % len(PALETTE)] for i in range(len(right))],
            },
            link={
                "source": [index[("a", s)] for s in flows["source"]],
                "target": [index[("b", t)] for t in flows["target"]],
                "value": flows["customers"].tolist(),
                "hovertemplate": "%{source.label} → %{target.label}: %{value:,} customers<extra></extra>",
            },
        )
    )
    return _style(fig, max(360, 40 * max(len(left), len(right))))


def campaign_comparison(results: list) -> go.Figure:  # noqa: ANN001 - CampaignResult list
    """Predicted responders per scenario with their 95% interval, next to a random audience of the same size."""
    names = [r.name for r in results]
    fig = go.Figure()
    fig.add_bar(
        x=names,
        y=[r.expected_responders for r in results],
        name="Predicted responders",
        marker_color=PALETTE[0],
        error_y={
            "type": "data",
            "symmetric": False,
            "array": [r.interval[1] - r.expected_responders for r in results],
            "arrayminus": [r.expected_responders - r.interval[0] for r in results],
            "color": "#333",
        },
        hovertemplate="%{y:,.1f} responders<extra></extra>",
    )
    fig.add_scatter(
        x=names,
        y=[r.random_responders for r in results],
        name="Random audience, same size",
        mode="markers",
        marker={"symbol": "diamond", "size": 14, "color": PALETTE[1]},
        hovertemplate="%{y:,.1f} responders<extra></extra>",
    )
    fig.update_layout(yaxis_title="customers", hovermode="closest")
    return _style(fig, 340)


def campaign_money(results: list) -> go.Figure:  # noqa: ANN001 - CampaignResult list
    """Expected revenue and margin after contact costs per scenario, with 95% intervals."""
    names = [r.name for r in results]
    fig = go.Figure()
    for label, value, band, color in (
        ("Revenue", "expected_revenue", "revenue_interval", PALETTE[2]),
        ("Margin after costs", "expected_margin", "margin_interval", PALETTE[4]),
    ):
        y = [getattr(r, value) for r in results]
        fig.add_bar(
            x=names,
            y=y,
            name=label,
            marker_color=color,
            error_y={
                "type": "data",
                "symmetric": False,
                "array": [getattr(r, band)[1] - v for r, v in zip(results, y, strict=True)],
                "arrayminus": [v - getattr(r, band)[0] for r, v in zip(results, y, strict=True)],
                "color": "#333",
            },
            hovertemplate="%{y:,.0f}<extra></extra>",
        )
    fig.update_layout(barmode="group", hovermode="closest")
    return _style(fig, 340)


def calibration(predicted: list[float], observed: list[float]) -> go.Figure:
    """Reliability diagram: observed against predicted purchase rate per bin; the diagonal is perfect."""
    top = max(max(predicted), max(observed), 0.05) * 1.05
    fig = go.Figure()
    fig.add_scatter(x=[0, top], y=[0, top], mode="lines", name="Perfectly calibrated", line={"dash": "dot"})
    fig.add_scatter(
        x=predicted,
        y=observed,
        mode="lines+markers",
        name="Model",
        marker={"size": 9, "color": PALETTE[0]},
        hovertemplate="predicted %{x:.1%}, observed %{y:.1%}<extra></extra>",
    )
    fig.update_layout(xaxis_title="predicted chance of buying", yaxis_title="share who bought", hovermode="closest")
    fig.update_xaxes(tickformat=".0%")
    fig.update_yaxes(tickformat=".0%")
    return _style(fig, 340)


def replay(frame: pd.DataFrame, largest: int = 24) -> go.Figure:
    """Replayed campaigns: predicted buyers with 95% interval against the buyers there really were
    (the `largest` groups by prediction)."""
    frame = frame.nlargest(largest, "predicted")
    label = (
        (frame["group_name"].where(frame["group_name"] != "", "group " + frame["group"].astype(str)))
        + " · "
        + (frame["unit"].astype(str))
    )
    return _predicted_vs_actual(frame.assign(label=label), "buyers in the held-out period")


def campaign_replay(frame: pd.DataFrame) -> go.Figure:
    """Each past campaign's contacted buyers as predicted from the other campaigns, against the real ones."""
    label = frame["campaign"].astype(str) + " · " + (frame["discount"] * 100).round().astype(int).astype(str) + "% off"
    return _predicted_vs_actual(frame.assign(label=label), "contacted customers who bought")


def _predicted_vs_actual(frame: pd.DataFrame, axis_title: str) -> go.Figure:
    order = frame.sort_values("predicted")
    fig = go.Figure()
    fig.add_scatter(
        x=order["predicted"],
        y=order["label"],
        mode="markers",
        name="Predicted (95% interval)",
        marker={"color": PALETTE[0], "size": 8},
        error_x={
            "type": "data",
            "symmetric": False,
            "array": order["high"] - order["predicted"],
            "arrayminus": order["predicted"] - order["low"],
        },
    )
    fig.add_scatter(
        x=order["actual"],
        y=order["label"],
        mode="markers",
        name="Actual buyers",
        marker={"color": PALETTE[3], "symbol": "x", "size": 9},
    )
    fig.update_layout(xaxis_title=axis_title, hovermode="closest")
    fig.update_yaxes(dtick=1)  # every group named
    return _style(fig, max(360, 26 * len(order)))


def metric_change(before: dict[str, float], after: dict[str, float], labels: dict[str, str]) -> go.Figure:
    """Relative change of each offline metric, what-if settings against the stored ones (metrics differ in scale)."""
    change = [(after[m] / before[m] - 1) if before[m] else 0.0 for m in before]
    fig = go.Figure(
        go.Bar(
            x=[labels[m] for m in before],
            y=change,
            marker_color=[PALETTE[2] if c >= 0 else PALETTE[3] for c in change],
            customdata=[[before[m], after[m]] for m in before],
            hovertemplate="%{x}: %{customdata[0]:.3f} → %{customdata[1]:.3f} (%{y:+.1%})<extra></extra>",
        )
    )
    fig.update_layout(yaxis_title="change vs stored settings", hovermode="closest")
    fig.update_yaxes(tickformat="+.0%", zeroline=True, zerolinewidth=2)
    return _style(fig, 300)


def fix_curve(frame: pd.DataFrame) -> go.Figure:
    """Projected average rating as negative mentions fall (reduction, rating, low, high)."""
    fig = go.Figure()
    fig.add_scatter(
        x=list(frame["reduction"]) + list(frame["reduction"][::-1]),
        y=list(frame["high"]) + list(frame["low"][::-1]),
        fill="toself",
        mode="lines",
        fillcolor="rgba(76,95,213,0.15)",
        line={"width": 0},
        name="95% interval",
        hoverinfo="skip",
    )
    fig.add_scatter(
        x=frame["reduction"],
        y=frame["rating"],
        mode="lines+markers",
        name="Projected average rating",
        line={"color": PALETTE[0], "width": 3},
        hovertemplate="%{x:.0%} fewer complaints: %{y:.3f} stars<extra></extra>",
    )
    fig.update_layout(xaxis_title="fewer negative mentions", yaxis_title="average stars", hovermode="closest")
    fig.update_xaxes(tickformat=".0%")
    return _style(fig, 320)


def persona_sizes(sizes: pd.DataFrame) -> go.Figure:
    """Customers per persona in the preview, with the change from now in the hover."""
    fig = go.Figure(
        go.Bar(
            x=sizes["customers"],
            y=sizes["persona"],
            orientation="h",
            marker_color=PALETTE[0],
            customdata=sizes["change"],
            hovertemplate="%{y}: %{x:,} customers (%{customdata:+,} vs now)<extra></extra>",
        )
    )
    fig.update_layout(yaxis={"autorange": "reversed"}, hovermode="closest")
    return _style(fig, max(260, 36 * len(sizes)))


def campaign_funnel(funnel: pd.DataFrame) -> go.Figure:
    """Each group's share of sends that were delivered, opened, clicked and bought (steps the tool reported)."""
    steps = [s for s in ("delivered", "opened", "clicked", "converted") if funnel[s].notna().any()]
    labels = {"delivered": "Delivered", "opened": "Opened", "clicked": "Clicked", "converted": "Bought"}
    fig = go.Figure()
    for i, row in enumerate(funnel.itertuples()):
        fig.add_bar(
            x=[labels[s] for s in steps],
            y=[getattr(row, s) / row.sent for s in steps],
            name=str(row.ab_group),
            marker_color=PALETTE[i % len(PALETTE)],
            hovertemplate="%{y:.1%} of sends<extra>%{fullData.name}</extra>",
        )
    fig.update_layout(barmode="group", yaxis_tickformat=".0%", yaxis_title="share of sends")
    return _style(fig, 320)


def group_rates(rates: pd.DataFrame, label: str) -> go.Figure:
    """Each group's rate with its 95% interval."""
    fig = go.Figure()
    fig.add_bar(
        x=rates["ab_group"].astype(str),
        y=rates["rate"],
        marker_color=[PALETTE[i % len(PALETTE)] for i in range(len(rates))],
        error_y={
            "type": "data",
            "symmetric": False,
            "array": (rates["high"] - rates["rate"]).tolist(),
            "arrayminus": (rates["rate"] - rates["low"]).tolist(),
            "color": "#333",
        },
        hovertemplate="%{y:.2%}<extra></extra>",
    )
    fig.update_layout(yaxis_tickformat=".1%", yaxis_title=label, showlegend=False, hovermode="closest")
    return _style(fig, 300)
