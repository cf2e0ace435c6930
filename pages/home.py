"""Home: the selected workspace at a glance."""

from __future__ import annotations

import streamlit as st

from core import kinds
from core.config import DEMO_WORKSPACE
from core.demo import build_demo_workspace
from pages._ui import access, cache, charts, training
from pages._ui.format import compact
from pages._ui.frame import require_frame
from pages._ui.state import StateKeys

require_frame()
ws = cache.open_selected(st.session_state.get(StateKeys.WORKSPACE))

st.title("PersonaLens")
if ws is None:
    st.info(
        "There is no workspace yet. Start with the built-in demo store: 2,000 simulated customers, "
        "18 months of orders and 8,000 reviews.",
        icon=":material/storefront:",
    )
    if access.can("create_workspace") and st.button("Build the demo workspace", type="primary"):
        bar = st.progress(0.0, text="Starting")
        built = build_demo_workspace(DEMO_WORKSPACE, progress=lambda f, m: bar.progress(f, text=m.capitalize()))
        st.session_state[StateKeys.WORKSPACE] = DEMO_WORKSPACE
        training.start(built, kinds.NAMES)  # every model, in the background; the pages fill in as they finish
    st.stop()

training.progress(ws)
summary = cache.summary(ws)
if summary.is_empty:
    st.info(f"Workspace **{ws.name}** has no data yet.", icon=":material/inbox:")
    st.page_link("pages/data.py", label="Upload your exports", icon=":material/upload:")
    st.stop()

st.caption(f"Workspace **{summary.workspace}** · data from {summary.date_start} to {summary.date_end}")
monthly = cache.monthly_activity(ws)
trends = st.columns(4)
trends[0].metric(
    "Customers",
    f"{summary.customers:,}",
    border=True,
    chart_data=monthly["active_customers"].tolist(),
    help="The line shows active customers per month",
)
trends[1].metric(
    "Orders",
    f"{summary.orders:,}",
    border=True,
    chart_data=monthly["orders"].tolist(),
    chart_type="bar",
    help=f"{summary.order_lines:,} order lines, {summary.returns:,} returns",
)
trends[2].metric(
    "Revenue",
    compact(summary.revenue),
    border=True,
    chart_data=monthly["revenue"].tolist(),
    help="Net of returns: sum of quantity × unit price",
)
trends[3].metric("Reviews", f"{summary.reviews:,}", border=True, chart_data=monthly["reviews"].tolist())
facts = st.columns(4)
facts[0].metric("Products", f"{summary.products:,}", border=True)
rating = "—" if summary.average_rating is None else f"{summary.average_rating:.2f} ★"
facts[1].metric("Average rating", rating, border=True)
facts[2].metric("First activity", summary.date_start or "—", border=True)
facts[3].metric("Last activity", summary.date_end or "—", border=True)

left, right = st.columns([3, 2])
with left:
    st.subheader("Monthly activity")
    st.plotly_chart(charts.monthly_activity(monthly), key="monthly")
with right:
    st.subheader("Revenue by category")
    st.plotly_chart(charts.category_revenue(cache.category_revenue(ws)), key="categories")

with st.expander("What this workspace holds"):
    st.dataframe({"table": list(summary.tables), "rows": list(summary.tables.values())}, hide_index=True)
    st.caption(f"Stored at `{summary.path}`.")
