"""How recommendation lists, a customer's history and the model evaluation look."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.recs.metrics import METRICS
from core.recs.service import RecsBundle
from core.recs.split import HIDDEN
from pages._ui import charts
from pages._ui.format import literal

_METRIC_LABELS = {
    "ndcg": "NDCG@10",
    "precision": "Precision@10",
    "recall": "Recall@10",
    "map": "MAP@10",
    "hit_rate": "Hit rate@10",
    "coverage": "Coverage",
    "novelty": "Novelty",
    "diversity": "Diversity",
}


def recommendation_list(recs: pd.DataFrame, key: str, show_category: bool = True) -> None:
    if recs.empty:
        st.info("No product passes these rules. Loosen the category or price filter.", icon=":material/filter_alt:")
        return
    shown = recs if show_category else recs.drop(columns=["category", "price"])
    st.dataframe(
        shown.drop(columns=["product_id"]),
        hide_index=True,
        width="stretch",
        key=key,
        column_config={
            "rank": st.column_config.NumberColumn("#", width="small"),
            "title": st.column_config.TextColumn("Product", width="medium"),
            "category": st.column_config.TextColumn("Category", width="small"),
            "price": st.column_config.NumberColumn("Price", format="%.2f", width="small"),
            "score": st.column_config.NumberColumn("Score", format="%.3f", width="small"),
            "reason": st.column_config.TextColumn("Why", width="large"),
            "quote": st.column_config.TextColumn("A reviewer says", width="medium"),
        },
    )


def recommendation_cards(recs: pd.DataFrame, columns: int = 2) -> None:
    """Each suggestion as a small card: product, category and price, the reason, a reviewer's words."""
    if recs.empty:
        st.info("No product passes these rules. Loosen the category or price filter.", icon=":material/filter_alt:")
        return
    grid = st.columns(columns)
    for i, row in enumerate(recs.itertuples(index=False)):
        with grid[i % columns].container(border=True):
            st.markdown(f"**{row.rank}. {literal(row.title)}**")
            facts = [literal(str(row.category).replace("|", ", "))] if isinstance(row.category, str) else []
            if pd.notna(row.price):
                facts.append(f"{row.price:,.2f}")
            facts.append(f"score {row.score:.3f}")
            st.caption(" · ".join(facts))
            st.markdown(f":material/lightbulb: {literal(row.reason)}")
            if row.quote:
                st.caption(f"*“{literal(row.quote)}”*")


def customer_summary(bundle: RecsBundle, customer: str) -> None:
    history = bundle.history(customer)
    persona = bundle.persona_names.get(bundle.persona_of.get(customer, -1))
    st.markdown(f"**{literal(customer)}** · {'persona: **' + literal(persona) + '**' if persona else 'no persona yet'}")
    cols = st.columns(3)
    cols[0].metric("Products", f"{len(history):,}", border=True)
    last = history["last_ts"].dropna()
    cols[1].metric("Last activity", "—" if last.empty else f"{pd.Timestamp(last.iloc[0]):%d %b %Y}", border=True)
    rated = history["rating"].dropna()
    cols[2].metric("Average rating", "—" if rated.empty else f"{rated.mean():.1f} ★", border=True)
    if history.empty:
        st.caption("No history yet: they get their persona's favourites, or the best sellers.")
        return
    with st.expander(f"What they have ({len(history):,} products)", icon=":material/history:"):
        st.dataframe(
            history.drop(columns=["product_id"]),
            hide_index=True,
            width="stretch",
            column_config={
                "title": "Product",
                "category": "Category",
                "times": st.column_config.NumberColumn("Times", format="%d"),
                "rating": st.column_config.NumberColumn("Rating", format="%.0f ★"),
                "last_ts": st.column_config.DatetimeColumn("Last", format="D MMM YYYY"),
            },
        )


def quality(bundle: RecsBundle) -> None:
    evaluation = bundle.evaluation
    st.markdown(
        f"**How this is measured.** For each customer {HIDDEN.get(evaluation.protocol, HIDDEN['stratified'])} "
        f"({evaluation.users_scored:,} customers), every model was trained on the rest, and asked for its top "
        f"{evaluation.k} among all {evaluation.n_items:,} products (what they already had left out). "
        "The better a model finds the hidden products, the better it will do on next month's orders. "
        f"The model used by default is the one with the best NDCG@{evaluation.k}, or the blend when the best "
        "leads it by less than chance alone could (one standard error of their difference over these customers)."
    )
    frame = evaluation.frame()
    st.plotly_chart(charts.model_quality(frame, bundle.best), key="model-quality")
    table = frame[["label", *METRICS, "fit_seconds", "error"]]
    if table["error"].isna().all():
        table = table.drop(columns=["error"])
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "label": st.column_config.TextColumn("Model", width="medium"),
            **{m: st.column_config.NumberColumn(_METRIC_LABELS[m], format="%.3f", help=METRICS[m]) for m in METRICS},
            "fit_seconds": st.column_config.NumberColumn("Training (s)", format="%.1f"),
            "error": st.column_config.TextColumn("Could not train"),
        },
    )
    with st.expander("What each number means", icon=":material/help:"):
        for metric, sentence in METRICS.items():
            st.markdown(f"- **{_METRIC_LABELS[metric]}**: {sentence.split(': ', 1)[1]}")
    served = bundle.models.get("hybrid")
    weights = served.weights if served is not None else {}
    if weights:
        labels = bundle.labels()
        st.caption(
            "The hybrid blend mixes: "
            + ", ".join(f"{labels.get(n, n)} x{w:g}" for n, w in sorted(weights.items(), key=lambda x: -x[1]))
            + " (weights tuned on a separate slice of the training data)."
        )
