"""Sentiment & topics: what customers feel and talk about, per product, persona and month."""

from __future__ import annotations

import streamlit as st

from core.kinds import TrainOptions
from core.sentiment import service as sentiment_service
from core.sentiment import views
from core.topics import service as topics_service
from pages._ui import access, cache, charts, teach_view, text_view, training
from pages._ui.format import literal
from pages._ui.layout import page_workspace, saying_when_waiting

KINDS = ("sentiment", "topics")

ws = page_workspace(
    "Sentiment & topics",
    "reviews",
    "Sentiment and topics read your customers' reviews: upload a reviews file (the words, and stars if you have them).",
    ":material/reviews:",
)
sentiment_info = sentiment_service.run_info(ws)
topic_info = topics_service.run_info(ws)


@st.fragment
def train_form() -> None:
    ready = sentiment_info is not None and topic_info is not None
    with st.expander(
        "Analyse the reviews again" if ready else "Analyse the reviews",
        expanded=not ready,
        icon=":material/model_training:",
    ):
        st.caption(
            "Scores every review's sentiment (the model is chosen on your star ratings) and finds the "
            "topics people write about. About a minute on the demo store."
        )
        k = st.select_slider(
            "Number of topics",
            ["Automatic", *range(4, 16)],
            value="Automatic",
            help="Automatic tries several and keeps the most coherent.",
        )
        if st.button("Analyse", type="primary", key="train-text", disabled=training.is_running(ws, KINDS)):
            training.start(ws, KINDS, TrainOptions(n_topics=None if k == "Automatic" else int(k)))


if training.allowed():
    train_form()
training.progress(ws, KINDS)
if sentiment_info is None or topic_info is None:
    st.stop()

if sentiment_info["chosen"] == "vader":
    st.caption(sentiment_info["note"])
lo, hi = views.date_bounds(ws)
category_names, persona_names, star_values = (
    views.review_categories(ws),
    views.persona_names(ws),
    views.rating_values(ws),
)
cols = st.columns([3, 3, 3, 2])
span = cols[0].date_input("Dates", (lo, hi), min_value=lo, max_value=hi) if lo else ()
# a filter with nothing to choose from (feedback without products, personas or stars) is not shown
categories = cols[1].multiselect("Categories", category_names) if category_names else []
personas = cols[2].multiselect("Personas", persona_names, placeholder="All personas") if persona_names else []
ratings = cols[3].multiselect("Stars", star_values) if star_values else []
filters = views.ReviewFilters(
    date_from=span[0] if len(span) == 2 else None,
    date_to=span[1] if len(span) == 2 else None,
    categories=tuple(categories),
    personas=tuple(personas),
    ratings=tuple(ratings),
)
numbers = cache.review_view(ws, "overview", filters)
if not numbers["reviews"]:
    st.info("No review matches these filters.", icon=":material/filter_alt_off:")
    st.stop()
topics = cache.topics(ws)
labels = views.topic_labels(topics)
kpis = st.columns(5)
kpis[0].metric("Reviews", f"{numbers['reviews']:,}", border=True)
kpis[1].metric("Positive", f"{numbers['positive']:.0%}", border=True)
kpis[2].metric("Negative", f"{numbers['negative']:.0%}", border=True)
kpis[3].metric(
    "Average sentiment", "—" if numbers["avg_score"] is None else f"{numbers['avg_score']:+.2f}", border=True
)
kpis[4].metric("Average stars", "—" if numbers["avg_rating"] is None else f"{numbers['avg_rating']:.2f} ★", border=True)

feel_tab, topics_tab, words_tab, drivers_tab, reviews_tab, teach_tab = st.tabs(
    ["How they feel", "What they talk about", "Words", "What moves ratings", "Reviews", "Teach PersonaLens"],
    key="text-tab",
    on_change="rerun",
    bind="query-params",
)
if feel_tab.open:
    with feel_tab:
        left, right = st.columns([2, 3])
        with left:
            st.markdown("**Sentiment** · click a bar to read those reviews")
            picked = st.plotly_chart(
                charts.tone_distribution(cache.review_view(ws, "tones", filters)),
                on_select="rerun",
                key="tone-bars",
                config=charts.PNG_EXPORT,
            )
        with right:
            st.markdown("**Sentiment by month**")
            st.plotly_chart(
                charts.tone_trend(cache.review_view(ws, "tone_months", filters)),
                key="tone-trend",
                config=charts.PNG_EXPORT,
            )
        points = picked.selection.points if picked and picked.selection else []
        if points:
            tone = points[0]["x"]
            st.markdown(f"**{tone.capitalize()} reviews**")
            text_view.review_table(*cache.drill(ws, filters, tone=tone), key="drill-tone")
if topics_tab.open:
    with topics_tab:
        table = cache.review_view(ws, "topic_table", filters)
        st.markdown("**Topic map** · bubble size = share of reviews, colour = average sentiment; click one to read it")
        chosen = st.plotly_chart(charts.topic_map(table), on_select="rerun", key="topic-map", config=charts.PNG_EXPORT)
        points = chosen.selection.points if chosen and chosen.selection else []
        if points:
            topic_id = int(points[0]["customdata"])
            st.markdown(f"**Reviews about {literal(labels[topic_id])}**")
            text_view.review_table(*cache.drill(ws, filters, topic_id=topic_id), key="drill-topic")
        left, right = st.columns(2)
        with left:
            st.markdown("**Topics month by month** (share of each month's reviews)")
            st.plotly_chart(
                charts.topic_month_heatmap(cache.review_view(ws, "topic_months", filters)),
                key="topic-month",
                config=charts.PNG_EXPORT,
            )
        with right:
            st.markdown("**Tone within each topic**")
            st.plotly_chart(
                charts.topic_tones(cache.review_view(ws, "topic_tones", filters), table["label"].tolist()),
                key="topic-tones",
                config=charts.PNG_EXPORT,
            )
        if access.can("rename"):
            with st.form("rename-topics", border=False):
                st.markdown(
                    "**Name the topics** (names are kept when you re-analyse, as long as the topic stays the same)"
                )
                edited = st.data_editor(
                    table[["id", "label", "share", "avg_sentiment", "top_terms"]],
                    hide_index=True,
                    width="stretch",
                    disabled=["id", "share", "avg_sentiment", "top_terms"],
                    key="topic-names",
                    column_config={
                        "id": None,
                        "label": st.column_config.TextColumn("Topic", width="medium"),
                        "share": st.column_config.NumberColumn("Share", format="percent"),
                        "avg_sentiment": st.column_config.ProgressColumn(
                            "Tone", min_value=-1.0, max_value=1.0, format="%.2f"
                        ),
                        "top_terms": st.column_config.ListColumn("Top words", width="large"),
                    },
                )
                if st.form_submit_button("Save names"):
                    with saying_when_waiting():
                        for topic_id, old, new in zip(table["id"], table["label"], edited["label"], strict=True):
                            if str(new).strip() and new != old:
                                topics_service.rename_topic(ws, int(topic_id), str(new), by=access.user())
                    st.rerun()
if words_tab.open:
    with words_tab:
        words = cache.review_words(ws, filters)
        left, right = st.columns(2)
        with left:
            text_view.cloud(words.most_used, "Most used words")
        with right:
            topic_id = st.selectbox("Topic", list(labels), format_func=labels.get)
            text_view.cloud(views.topic_words(topics, topic_id), "Its words", "plasma")
        left, right = st.columns(2)
        with left:
            text_view.cloud(words.positive, "Said more in positive reviews", "Greens")
        with right:
            text_view.cloud(words.negative, "Said more in negative reviews", "Reds")
if drivers_tab.open:
    with drivers_tab:
        drivers = cache.key_drivers(ws)
        complaints = cache.complaint_drivers(ws) if drivers.empty else None
        if drivers.empty and complaints is not None and not complaints.empty:
            st.markdown(
                "**Which topics come with complaints.** This feedback has no star ratings, so PersonaLens cannot say "
                "what moves a rating; it can say which topics are negative more often than the rest. Each dot is how "
                "many percentage points more often feedback about the topic is negative than feedback that is not; "
                "the line is the 95% interval."
            )
            st.plotly_chart(charts.complaint_drivers(complaints), key="complaints", config=charts.PNG_EXPORT)
            st.caption(
                "Computed over all feedback (the filters above do not apply here). With star ratings (at least 50 "
                "reviews with stars and words) this tab shows how many stars each topic is worth instead."
            )
        elif drivers.empty:
            st.info("Key drivers need at least 50 reviews with both stars and words.", icon=":material/info:")
        else:
            st.markdown(
                "**Which topics move star ratings.** Each dot is how many stars a review gains or loses when it talks "
                "about the topic in that tone, with the other topics held fixed; the line is the 95% interval. "
                "Fix the red ones with the widest drop first."
            )
            st.plotly_chart(charts.key_drivers(drivers), key="drivers", config=charts.PNG_EXPORT)
            st.caption(
                "Computed over all reviews (the filters above do not apply here): a regression of stars on "
                "positive and negative mentions of every topic."
            )
if reviews_tab.open:
    with reviews_tab:
        left, mid, right = st.columns(3)
        topic_pick = left.selectbox("Topic", [None, *labels], format_func=lambda t: labels.get(t, "Any topic"))
        tone_pick = mid.selectbox(
            "Sentiment",
            [None, "negative", "neutral", "positive"],
            format_func=lambda t: "Any" if t is None else t.capitalize(),
        )
        text_view.review_table(*cache.drill(ws, filters, topic_pick, tone_pick), key="reviews-table")
        st.download_button(
            "Download these reviews with their sentiment (CSV)",
            access.exported_when_built(ws, "scored reviews", cache.review_export(ws, filters, topic_pick, tone_pick)),
            file_name="reviews-scored.csv",
            mime="text/csv",
            icon=":material/download:",
            on_click="ignore",
        )
if teach_tab.open:
    with teach_tab:
        teach_view.teach(ws, sentiment_info)
text_view.model_note(sentiment_info, topic_info)
