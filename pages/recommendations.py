"""Recommendations: the next best products for each customer, why, and how well it works."""

from __future__ import annotations

import random

import streamlit as st

from core.export import to_csv_bytes
from core.recs import service
from pages._ui import access, cache, charts, recs_view, training
from pages._ui.layout import page_workspace

KINDS = ("recs",)

ws = page_workspace(
    "Recommendations",
    "interactions",
    "Recommendations learn from orders, ratings or clicks. Upload them first.",
    ":material/recommend:",
)

bundle = cache.recs(ws)


@st.fragment
def train_form() -> None:
    """Training runs in the background, so the lists below stay readable meanwhile."""
    with st.expander(
        "Retrain recommendations" if bundle else "Train recommendations",
        expanded=bundle is None,
        icon=":material/model_training:",
    ):
        st.caption(
            "Trains every model, measures each on customers' hidden purchases, and serves the best. "
            "On the demo store this takes about half a minute."
        )
        if st.button("Train and measure", type="primary", key="train-recs", disabled=training.is_running(ws, KINDS)):
            training.start(ws, KINDS)


if training.allowed():
    train_form()
training.progress(ws, KINDS)
if bundle is None:
    st.stop()

labels = bundle.labels()
best = bundle.evaluation.result(bundle.best).metrics
st.caption(
    f"Default model: **{labels[bundle.best]}** · NDCG@10 {best['ndcg']:.3f}, hit rate {best['hit_rate']:.0%} "
    f"on held-out customers · {bundle.data.n_users:,} customers x {bundle.data.n_items:,} products"
)

personas = {"": "All customers", **{str(p): n for p, n in sorted(bundle.persona_names.items())}}
pick_persona, pick_customer, surprise = st.columns([2, 3, 1], vertical_alignment="bottom")
persona_key = pick_persona.selectbox("Persona", list(personas), format_func=personas.get, key="recs-persona")
pool = bundle.customers(int(persona_key) if persona_key else None)
if (
    surprise.button(
        "Random", icon=":material/shuffle:", width="stretch", help="A random customer of the chosen persona"
    )
    and pool
):
    st.session_state["recs-customer"] = random.choice(pool)
if st.session_state.get("recs-pool") != persona_key or "recs-customer" not in st.session_state:
    st.session_state["recs-pool"] = persona_key  # a new persona: start from its first customer
    st.session_state["recs-customer"] = pool[0] if pool else None
customer = pick_customer.selectbox(
    "Customer", pool[:10_000], key="recs-customer", accept_new_options=True, help="Type to search by id."
)

with st.expander("Business rules", icon=":material/rule:"):
    rule_cols = st.columns([3, 3, 2, 2])
    categories = rule_cols[0].multiselect("Only these categories", bundle.categories())
    catalogue_prices = bundle.price_range()
    price_range = catalogue_prices
    if catalogue_prices:
        price_range = rule_cols[1].slider("Price range", *catalogue_prices, catalogue_prices)
    exclude_seen = rule_cols[2].toggle("Exclude what they have", value=True)
    k = rule_cols[3].number_input("List length", 3, 30, 10)
filters = service.RecFilters(
    categories=tuple(categories),
    price_min=price_range[0] if price_range and price_range[0] > catalogue_prices[0] else None,
    price_max=price_range[1] if price_range and price_range[1] < catalogue_prices[1] else None,
    exclude_seen=exclude_seen,
)

picks_tab, compare_tab, target_tab, quality_tab = st.tabs(
    ["Top picks", "Compare two models", "Who to target", "How good is it"],
    key="recs-tab",
    on_change="rerun",
    bind="query-params",
)
if picks_tab.open:
    with picks_tab:
        if customer:
            recs_view.customer_summary(bundle, str(customer))
            model = st.selectbox("Model", list(bundle.models), format_func=labels.get, key="recs-model")
            recs = bundle.recommend(str(customer), int(k), model, filters)
            recs_view.recommendation_cards(recs)
            st.download_button(
                "Download this list (CSV)",
                to_csv_bytes(recs),
                file_name=f"recommendations-{customer}.csv",
                mime="text/csv",
                icon=":material/download:",
                on_click=access.exported(ws, f"recommendations for {customer}"),
            )
if compare_tab.open:
    with compare_tab:
        if customer:
            left, right = st.columns(2)
            names = list(bundle.models)
            for column, default, side in ((left, 0, "a"), (right, min(1, len(names) - 1), "b")):
                with column:
                    chosen = st.selectbox("Model", names, index=default, format_func=labels.get, key=f"compare-{side}")
                    recs_view.recommendation_list(
                        bundle.recommend(str(customer), int(k), chosen, filters),
                        key=f"compare-list-{side}",
                        show_category=False,
                    )
if target_tab.open:
    with target_tab:
        st.caption("The customers most likely to want a product they do not have yet: an audience for a campaign.")
        titles = bundle.product_titles()
        product_col, size_col, model_col = st.columns([4, 2, 3])
        product = product_col.selectbox("Product", list(titles), format_func=lambda p: f"{titles[p]} ({p})")
        size = size_col.number_input("Audience size", 10, 10_000, 200, step=50)
        target_model = model_col.selectbox("Model", list(bundle.models), format_func=labels.get, key="target-model")
        audience = cache.recs_audience(ws, bundle, product, int(size), target_model)
        if audience.empty:
            st.info("Every customer already has this product.")
        else:
            chart_col, table_col = st.columns([2, 3])
            chart_col.plotly_chart(charts.audience_personas(audience), key="audience-personas")
            table_col.dataframe(
                audience,
                hide_index=True,
                width="stretch",
                column_config={
                    "rank": "#",
                    "customer_id": "Customer",
                    "score": st.column_config.NumberColumn("Affinity", format="%.3f"),
                    "persona_name": "Persona",
                    "products": st.column_config.NumberColumn("Products they have", format="%d"),
                },
            )
            st.download_button(
                "Download the audience (CSV)",
                to_csv_bytes(audience),
                file_name=f"audience-{product}.csv",
                mime="text/csv",
                icon=":material/download:",
                on_click=access.exported(ws, f"audience for product {product}"),
            )
if quality_tab.open:
    with quality_tab:
        recs_view.quality(bundle)
