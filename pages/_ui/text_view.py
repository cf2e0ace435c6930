"""How review tables, word clouds and the model notes look on the Sentiment & Topics page."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.topics.models import METHOD_LABELS
from pages._ui import cache


def review_table(reviews: pd.DataFrame, total: int, key: str) -> None:
    """The newest reviews of a drill-down (`reviews`, already capped) out of `total`."""
    if reviews.empty:
        st.caption("No review here.")
        return
    shown = reviews[["timestamp", "product", "persona", "rating", "sentiment_score", "topics", "text"]]
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        key=key,
        column_config={
            "timestamp": st.column_config.DatetimeColumn("Date", format="D MMM YYYY", width="small"),
            "product": st.column_config.TextColumn("Product", width="medium"),
            "persona": st.column_config.TextColumn("Persona", width="small"),
            "rating": st.column_config.NumberColumn("Stars", format="%.0f ★", width="small"),
            "sentiment_score": st.column_config.ProgressColumn(
                "Sentiment", min_value=-1.0, max_value=1.0, format="%.2f", width="small"
            ),
            "topics": st.column_config.TextColumn("Topics", width="medium"),
            "text": st.column_config.TextColumn("Review", width="large"),
        },
    )
    if total > len(reviews):
        st.caption(f"Showing the newest {len(reviews):,} of {total:,}; the CSV export has them all.")


def cloud(weights: dict[str, float], caption: str, colormap: str = "viridis") -> None:
    image = cache.cloud_image(weights, colormap)
    st.markdown(f"**{caption}**")
    if image is None:
        st.caption("Not enough words here for a cloud.")
    else:
        st.image(image, width="stretch")


def model_note(sentiment: dict, topics: dict) -> None:
    with st.expander("How these are computed", icon=":material/help:"):
        st.markdown(f"**Sentiment.** {sentiment['note']} A review's score runs from -1 (negative) to +1 (positive).")
        if sentiment["comparison"]:
            st.dataframe(
                pd.DataFrame(sentiment["comparison"])[["label", "macro_f1", "binary_f1", "accuracy", "fit_seconds"]],
                hide_index=True,
                column_config={
                    "label": "Model",
                    "macro_f1": st.column_config.NumberColumn(
                        "Macro-F1", format="%.3f", help="Every class (neg/neutral/pos) counts the same"
                    ),
                    "binary_f1": st.column_config.NumberColumn("F1, positive vs negative", format="%.3f"),
                    "accuracy": st.column_config.NumberColumn("Accuracy", format="%.3f"),
                    "fit_seconds": st.column_config.NumberColumn("Training (s)", format="%.1f"),
                },
            )
        st.markdown(
            f"**Topics.** {topics['k']} topics found with {METHOD_LABELS.get(topics['method'], topics['method'])} "
            f"(the most coherent of the settings tried). Coherence (NPMI, -1 to 1, higher = a topic's words "
            f"really appear together): {topics['npmi']:.2f}; diversity (share of distinct words among all "
            f"topics' top 10): {topics['diversity']:.0%}. A review mentions a topic when the topic holds at least "
            "a fifth of its words."
        )
        st.dataframe(
            pd.DataFrame(topics["candidates"]).replace({"method": METHOD_LABELS}),
            hide_index=True,
            column_config={
                "method": "Model",
                "k": "Topics",
                "npmi": st.column_config.NumberColumn("NPMI", format="%.3f"),
                "diversity": st.column_config.NumberColumn("Diversity", format="%.2f"),
                "seconds": st.column_config.NumberColumn("Seconds", format="%.1f"),
            },
        )
        st.caption("Every chart has a camera icon (top right, on hover) to save it as a PNG.")
