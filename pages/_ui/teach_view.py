"""The Sentiment page's "Teach PersonaLens" tab: label what the model is least sure about, retrain, repeat."""

from __future__ import annotations

import streamlit as st

from core.export import to_csv_bytes
from core.kinds import TrainOptions
from core.sentiment import labels as sentiment_labels
from core.sentiment.models import LABELS
from core.sentiment.service import MIN_TAUGHT
from core.workspace import Workspace
from pages._ui import access, cache, training
from pages._ui.format import literal
from pages._ui.layout import saying_when_waiting

SKIP = "skip"
CHOICES = (SKIP, *LABELS)
CHOICE_NAMES = {SKIP: "Skip", "negative": "Negative", "neutral": "Neutral", "positive": "Positive"}


def teach(ws: Workspace, sentiment_info: dict) -> None:
    given = cache.sentiment_labels_given(ws)
    counts = given["label"].value_counts()
    st.markdown(
        "**Teach PersonaLens how your customers sound.** It shows the feedback it is least sure about; say how each "
        "one feels. After every batch it retrains in the background and tells you how well it now agrees with you. "
        "Your labels are kept in the workspace and used by every later retrain."
    )
    cols = st.columns(4)
    cols[0].metric("Labelled by your team", f"{len(given):,}", border=True)
    for col, label in zip(cols[1:], LABELS, strict=True):
        col.metric(label.capitalize(), f"{int(counts.get(label, 0)):,}", border=True)
    if sentiment_info.get("quality"):
        st.success(sentiment_info["quality"], icon=":material/school:")
    elif len(given) < MIN_TAUGHT:
        st.caption(
            f"Label at least {MIN_TAUGHT} reviews (with two different feelings among them) and PersonaLens learns "
            "from you and measures how well it agrees with you."
        )
    if access.can("label"):
        _question_form(ws)
    if not given.empty:
        st.download_button(
            "Download your labels (CSV)",
            to_csv_bytes(given),
            file_name="sentiment-labels.csv",
            mime="text/csv",
            icon=":material/download:",
            on_click=access.exported(ws, "sentiment labels"),
        )


def _question_form(ws: Workspace) -> None:
    questions = cache.sentiment_questions(ws)
    if questions.empty:
        st.info("Every review with words is labelled. Thank you!", icon=":material/task_alt:")
        return
    running = training.is_running(ws, ("sentiment",))
    with st.form("teach", border=True):
        st.caption(
            "Tab moves to the next review, the arrow keys pick a feeling, and the button saves them all. "
            "Leave a review on Skip when you cannot tell."
        )
        answers = {}
        for i, row in enumerate(questions.itertuples(index=False)):
            st.markdown(literal(row.text))
            answers[row.review_id] = st.radio(
                f"How does review {i + 1} feel?",
                CHOICES,
                format_func=CHOICE_NAMES.get,
                horizontal=True,
                key=f"teach-{row.review_id}",
                help=f"PersonaLens's guess: {row.suggestion} (certainty {row.certainty:.2f} of 1)",
            )
        saved = st.form_submit_button(
            "Save these labels and retrain",
            type="primary",
            icon=":material/school:",
            help="A retrain is already running; your labels are still saved" if running else None,
        )
    if saved:
        chosen = {review_id: label for review_id, label in answers.items() if label != SKIP}
        if not chosen:
            st.warning("Pick a feeling for at least one review: skipped ones come back until someone labels them.")
            return
        with saying_when_waiting():
            sentiment_labels.add_labels(ws, chosen, by=access.user())
        if training.allowed() and not running:
            training.start(ws, ("sentiment",), TrainOptions())
        st.rerun()
