"""What-if: try campaigns, recommendation settings, complaint fixes and persona settings before spending."""

from __future__ import annotations

import streamlit as st

from core.errors import PersonaLensError
from core.kinds import TrainOptions
from core.recs import service as recs_service
from core.recs.metrics import METRICS
from core.value.service import audience_value
from core.whatif import campaign, drivers, personas_lab
from core.whatif.recs_lab import SHOWN_METRICS, RecSettings
from pages._ui import cache, charts, training
from pages._ui.format import compact, literal
from pages._ui.layout import page_workspace
from pages._ui.whatif_view import HOW, scenario_builder

ws = page_workspace(
    "What-if",
    "interactions",
    "What-if scenarios learn from dated orders or ratings. Upload them first.",
    ":material/science:",
)
st.caption("Try an idea on your own data before paying for it. Every number says how it is computed.")

bundle = cache.propensity(ws)
if bundle is None:
    st.info(
        "Campaign scenarios need the purchase propensity model: it learns who buys which category next from "
        "your order history (about 10 seconds on the demo store).",
        icon=":material/science:",
    )
    if training.allowed() and st.button(
        "Train the propensity model", type="primary", disabled=training.is_running(ws, ("propensity",))
    ):
        training.start(ws, ("propensity",))
    training.progress(ws, ("propensity",))
    st.stop()

# Only the open tab runs (its models load on first visit); the tab is kept in the URL, so it can be linked.
TABS = ["Campaigns", "Recommendation settings", "Fix a complaint", "Persona settings", "How good is the model?"]
tab_campaign, tab_recs, tab_fix, tab_personas, tab_quality = st.tabs(
    TABS, key="wi-tab", on_change="rerun", bind="query-params"
)


@st.fragment
def campaigns() -> None:
    """Only this tab reruns when a widget changes: the model and features are cached."""
    fitted = bundle.learned.calibration
    with st.expander("Assumptions shared by every scenario", icon=":material/tune:", expanded=fitted is None):
        left, right = st.columns(2)
        margin = left.slider("Gross margin (share of list price)", 0.05, 0.9, 0.4, 0.05, key="wi-margin")
        history = fitted is not None and right.toggle(
            "Respond as past campaigns did",
            value=True,
            key="wi-history",
            help="Off: use your own assumption about what a discount does instead of the one fitted on past campaigns.",
        )
        lift = 0.25
        if not history:
            lift = right.slider(
                "Odds increase per 10% discount",
                0.0,
                1.0,
                0.25,
                0.05,
                key="wi-lift",
                help="The discount's effect as you assume it; upload past campaign results (with a control group) "
                "and retrain to have it measured.",
            )
    if fitted is not None:
        st.success(literal(f"Response model fitted on {fitted.describe()}."), icon=":material/history:")
    else:
        st.info(
            literal(
                f"Response model assumed ({bundle.learned.reason}). Campaign results with a control group, uploaded "
                "on the Data page, replace it with one fitted on what your customers did."
            ),
            icon=":material/lightbulb:",
        )
    count = st.segmented_control("Scenarios side by side", [1, 2, 3], default=2, key="wi-count") or 1
    built = []
    for i, column in enumerate(st.columns(count, border=True)):
        with column:
            built.append(scenario_builder(bundle, i, margin, lift, history))
    results = []
    for name, audience, offer in built:
        try:
            results.append(campaign.simulate(bundle, audience, offer, name))
        except PersonaLensError as exc:
            st.warning(literal(f"{name}: {exc}"), icon=":material/warning:")
    if not results:
        return
    st.subheader(f"Predicted outcome over the next {bundle.horizon_days} days")
    st.dataframe(campaign.comparison_table(results), hide_index=True, width="stretch")
    left, right = st.columns(2)
    left.plotly_chart(charts.campaign_comparison(results), width="stretch", config=charts.PNG_EXPORT)
    right.plotly_chart(charts.campaign_money(results), width="stretch", config=charts.PNG_EXPORT)
    with st.expander("How these numbers are computed", icon=":material/help:"):
        for label, text in HOW.items():
            st.markdown(f"- **{label.capitalize()}**: {text}")
    scenarios = {name: (audience, offer) for name, audience, offer in built}
    for n, result in enumerate(results):
        # Lazy: what a closed expander holds is neither built nor drawn (the page's first visit draws less).
        details = st.expander(
            f"{result.name}: assumptions and the customers to contact first", key=f"wi-details-{n}", on_change="rerun"
        )
        if not details.open:
            continue
        recs, value = cache.recs(ws), cache.customer_value(ws)
        with details:
            for line in result.assumptions:
                st.markdown(f"- {literal(line)}")
            if value is not None:
                total, low, high = audience_value(value, result.customers["customer_id"])
                st.markdown(
                    f"**Expected value of this audience over the next year** (all their purchases, not only this "
                    f"offer): {compact(total)} (members' 80% ranges add up to {compact(low)}–{compact(high)})"
                )
            audience, offer = scenarios[result.name]
            st.page_link(
                "pages/messages.py",
                label="Write the messages for this scenario",
                icon=":material/edit_note:",
                query_params={
                    "persona": [str(p) for p in audience.personas],
                    "offer": f"{offer.kind}:{offer.target}",
                    "discount": str(offer.discount),
                },
            )
            st.dataframe(result.customers.head(200), hide_index=True, width="stretch")
            audience_download(result, recs)


def audience_download(result: campaign.CampaignResult, recs: recs_service.RecsBundle | None) -> None:
    """The scenario's audience as a CSV, built on the click (stored top products joined: `cache.audience_csv`)."""
    with_recs = " (CSV with each customer's top 3 products)" if recs is not None else " (CSV)"
    st.download_button(
        f"Download {result.reach:,} customers{with_recs}",
        cache.audience_csv(ws, result, recs),
        file_name=f"audience-{result.name.lower().replace(' ', '-')}.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
        key=f"dl-{result.name}",
    )


@st.fragment
def recommendation_settings() -> None:
    recs = cache.recs(ws)
    if recs is None:
        st.info("Train recommendations first (Recommendations page).", icon=":material/recommend:")
        return
    try:
        lab = cache.recs_lab(ws, recs)
    except PersonaLensError as exc:
        st.warning(str(exc), icon=":material/warning:")
        return
    default = lab.default_settings()
    labels = recs.labels()
    st.caption(
        f"Measured on {len(lab.users):,} held-out customers: each change re-ranks their stored scores, so results "
        "update at once."
    )
    weights_col, levers_col = st.columns(2, border=True)
    with weights_col:
        st.markdown("**Blend weights**")
        weights = {
            name: st.slider(labels.get(name, name), 0.0, 2.0, float(w), 0.05, key=f"wi-w-{name}")
            for name, w in default.weights.items()
        }
    with levers_col:
        st.markdown("**Business levers**")
        diversity = st.slider("Diversity (0 = pure relevance)", 0.0, 1.0, 0.0, 0.05, key="wi-div")
        penalty = st.slider("Popularity penalty", 0.0, 1.5, 0.0, 0.05, key="wi-pop")
        boost_category = st.selectbox(
            "Boost a category", [None, *recs.categories()], format_func=lambda c: c or "None", key="wi-boost-cat"
        )
        boost = st.slider("Boost strength", 0.0, 2.0, 0.5, 0.1, key="wi-boost", disabled=boost_category is None)
    settings = RecSettings(weights, diversity, penalty, boost_category, boost if boost_category else 0.0)
    before, after = lab.evaluate(default), lab.evaluate(settings)
    names = {m: METRICS[m].split(":")[0].replace("@k", f"@{lab.k}") for m in SHOWN_METRICS}
    for column, metric in zip(st.columns(len(SHOWN_METRICS)), SHOWN_METRICS, strict=True):
        column.metric(
            names[metric], f"{after[metric]:.3f}", f"{after[metric] - before[metric]:+.3f}", help=METRICS[metric]
        )
    if settings == default:
        st.caption("Move a weight or a lever: the change in each metric shows here.")
    else:
        st.plotly_chart(charts.metric_change(before, after, names), width="stretch", config=charts.PNG_EXPORT)
    customers = recs.customers()[:200]
    customer = st.selectbox("A customer's list, before and after", customers, key="wi-recs-customer")
    if customer:
        st.dataframe(
            lab.sample_lists(customer, settings),
            hide_index=True,
            width="stretch",
            column_config={"new": st.column_config.CheckboxColumn("New in the list")},
        )
    with st.expander("How this is computed", icon=":material/help:"):
        st.markdown(
            "Every blendable recommender is refitted on the training split the stored version was measured on. "
            "Their scores for held-out customers are standardised per customer and blended with your weights. "
            "The popularity penalty subtracts standardised log-popularity; the boost adds to every product of the "
            "category; diversity re-ranks the top 50 by maximal marginal relevance. NDCG@10 and hit rate count "
            "the held-out purchases found. Apply new weights by retraining (Models page)."
        )


@st.fragment
def fix_a_complaint() -> None:
    topics = cache.topics(ws)
    if topics.empty:
        st.info("Train sentiment and topics first (Sentiment & topics page).", icon=":material/reviews:")
        return
    labels = dict(zip(topics["id"].astype(int).tolist(), topics["label"].tolist(), strict=True))
    frame = cache.review_matrix(ws)
    fixable = drivers.fixable_topics(frame, labels)
    if not fixable:
        st.info("Too few rated reviews complain about any topic to project a fix.", icon=":material/info:")
        return
    left, right = st.columns([2, 1])
    topic = left.selectbox("Complaint topic (costliest first)", list(fixable), format_func=fixable.get, key="wi-topic")
    reduction = right.slider("Fewer negative mentions", 0, 100, 50, 5, format="%d%%", key="wi-reduction") / 100
    result = drivers.project_fix(frame, labels, topic, reduction)
    a, b, c = st.columns(3)
    a.metric(
        "Average rating",
        f"{result.projected_rating:.2f}",
        f"{result.projected_rating - result.current_rating:+.3f}",
        help=f"95% interval {result.rating_interval[0]:.3f}–{result.rating_interval[1]:.3f}",
    )
    b.metric(
        "4-5 star reviews",
        f"{result.projected_positive_share:.1%}",
        f"{result.projected_positive_share - result.current_positive_share:+.1%}",
        help=f"95% interval {result.share_interval[0]:.1%}–{result.share_interval[1]:.1%}",
    )
    c.metric("Stars a complaint costs", f"{result.stars_per_mention:+.2f}", help="From the key-driver regression.")
    st.markdown(result.sentence())
    st.plotly_chart(charts.fix_curve(drivers.fix_curve(frame, labels, topic)), width="stretch")
    with st.expander("How this is computed", icon=":material/help:"):
        st.markdown(
            f"The key-driver regression of stars on positive and negative mentions of every topic, over "
            f"{result.reviews:,} rated reviews, says a negative mention of this topic costs "
            f"{abs(result.stars_per_mention):.2f} stars, holding the other topics fixed. {result.negative_mentions:,} "
            "reviews complain about it; removing the chosen share of those complaints adds that many stars to each. "
            "A review counts as positive when its stars then round to 4 or more. The interval comes from the "
            "regression's uncertainty about the cost of a complaint; it assumes a fixed complaint leaves the rest "
            "of the review as it was."
        )


@st.fragment
def persona_settings() -> None:
    current = cache.persona_model(ws)
    views = cache.personas(ws)
    if current is None or views is None:
        st.info("Train personas first (Personas page).", icon=":material/groups:")
        return
    profiles = cache.customer_profiles(ws)
    left, right = st.columns([1, 2], border=True)
    with left:
        auto = st.toggle("Choose the number automatically", value=True, key="wi-auto-k")
        k = None if auto else st.slider("Number of personas", 2, 12, len(views.cards), key="wi-k")
        st.markdown("**Feature weights**")
        weights = {
            group: st.slider(group.capitalize(), 0.0, 3.0, float(w), 0.25, key=f"wi-pw-{group}")
            for group, w in personas_lab.DEFAULT_WEIGHTS.items()
            if group in profiles.groups
        }
    preview = personas_lab.preview_personas(profiles, current, views.assignments, k, weights)
    with right:
        a, b = st.columns(2)
        a.metric("Personas", preview.n_personas, preview.n_personas - len(views.cards))
        b.metric(
            "Silhouette",
            f"{preview.silhouette:.3f}",
            f"{preview.silhouette - (preview.current_silhouette or 0):+.3f}",
            help="How clearly apart the personas are (-1 to 1).",
        )
        for line in preview.changes:
            st.markdown(f"- {literal(line)}")
        st.plotly_chart(charts.persona_sizes(preview.sizes), width="stretch")
    st.plotly_chart(charts.persona_drift(preview.flows), width="stretch")
    if training.allowed() and st.button(
        "Retrain personas with these settings",
        icon=":material/model_training:",
        disabled=training.is_running(ws, ("personas",)),
        help="Trains in the background; retrain the propensity model afterwards to use the new personas in campaigns.",
    ):
        training.start(ws, ("personas",), TrainOptions(n_personas=k, persona_weights=weights))
    training.progress(ws, ("personas",))
    with st.expander("How this is computed", icon=":material/help:"):
        st.markdown(
            "The same customer profiles the personas were built from are clustered again with your settings; new "
            "clusters take the name of the current persona they are closest to. A persona splits when two new ones "
            "each take at least 20% of its customers, and two merge when a new persona draws 20% or more from each. "
            "Nothing is saved until you retrain."
        )


def model_quality() -> None:
    q = bundle.quality
    a, b, c, d = st.columns(4)
    a.metric("AUC", f"{q.auc:.3f}", f"{q.auc - q.baseline_auc:+.3f} vs recency-frequency")
    b.metric("Brier score", f"{q.brier:.4f}", f"{q.brier - q.baseline_brier:+.4f}", delta_color="inverse")
    c.metric("Predicted buyers", f"{q.expected:,.0f}", help="Summed over every customer and " + bundle.level)
    d.metric("Actual buyers", f"{q.observed:,.0f}")
    st.caption(
        f"Measured on the last {bundle.horizon_days} days of your data, which the model did not see. AUC: how "
        "often a real buyer is ranked above a non-buyer (0.5 is chance). The baseline ranks by how recently and "
        "how often the customer bought."
    )
    st.markdown("**Calibration**: when the model says 30%, do 30% buy?")
    st.plotly_chart(
        charts.calibration(q.calibration.predicted, q.calibration.observed), width="stretch", config=charts.PNG_EXPORT
    )
    replay = bundle.replay
    groups = "persona" if bundle.persona_names else "customer group"
    st.markdown(
        f"**Replayed campaigns**: a model trained without the last {bundle.horizon_days} days predicted the buyers "
        f"of {len(replay)} {groups} x {bundle.level} offers; {bundle.replay_coverage or 0:.0%} of the real counts "
        "fell inside the interval the simulator gave. The largest offers:"
    )
    if len(replay):
        st.plotly_chart(charts.replay(replay), width="stretch", config=charts.PNG_EXPORT)


for tab, render in (
    (tab_campaign, campaigns),
    (tab_recs, recommendation_settings),
    (tab_fix, fix_a_complaint),
    (tab_personas, persona_settings),
    (tab_quality, model_quality),
):
    if tab.open:
        with tab:
            render()
