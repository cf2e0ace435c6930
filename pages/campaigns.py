"""Campaigns: what happened after a campaign, per variant and against the control group."""

from __future__ import annotations

import streamlit as st

from core.campaigns.readout import METRICS, campaigns
from core.errors import PersonaLensError
from core.export import to_csv_bytes
from pages._ui import access, cache, charts
from pages._ui.format import literal
from pages._ui.layout import page_workspace

ws = page_workspace(
    "Campaigns",
    "campaign_results",
    "Upload a campaign results export (customer, campaign, variant or group, and any of delivered, opened, "
    "clicked, bought, revenue) from your e-mail or ad tool. Messages exported from PersonaLens carry the "
    "message id and A/B group it matches them by.",
    ":material/campaign:",
)
found = campaigns(ws)
left, right = st.columns([3, 1])
name = left.selectbox("Campaign", found["campaign"].tolist(), key="camp-name")
metric = right.selectbox(
    "Measure", list(METRICS), index=list(METRICS).index("converted"), format_func=METRICS.get, key="camp-metric"
)
try:
    result = cache.campaign_readout(ws, name, metric)
except PersonaLensError as exc:
    st.warning(literal(str(exc)), icon=":material/warning:")
    st.stop()

for row in result.comparisons.itertuples():
    (st.success if row.real else st.info)(literal(row.verdict), icon=":material/balance:")
if result.comparisons.empty:
    st.info("One group only: there is nothing to compare it with.", icon=":material/info:")
funnel_col, rates_col = st.columns(2)
funnel_col.plotly_chart(charts.campaign_funnel(result.funnel), key="camp-funnel")
rates_col.plotly_chart(charts.group_rates(result.rates, METRICS[metric]), key="camp-rates")
st.dataframe(
    result.rates,
    hide_index=True,
    width="stretch",
    column_config={
        "ab_group": "Group",
        "sent": st.column_config.NumberColumn("Sent", format="localized"),
        "successes": st.column_config.NumberColumn(METRICS[metric], format="localized"),
        "rate": st.column_config.NumberColumn("Rate", format="percent"),
        "low": st.column_config.NumberColumn("95% from", format="percent"),
        "high": st.column_config.NumberColumn("95% to", format="percent"),
    },
)
by_persona, by_segment = st.tabs(["By persona", "By RFM segment"])
for tab, table in ((by_persona, result.by_persona), (by_segment, result.by_segment)):
    with tab:
        if table.empty:
            st.caption("No personas yet: find them on the Personas page to see results per persona and segment.")
        else:
            st.dataframe(
                table,
                hide_index=True,
                width="stretch",
                column_config={
                    "segment": "Persona" if tab is by_persona else "RFM segment",
                    "ab_group": "Group",
                    "sent": st.column_config.NumberColumn("Sent", format="localized"),
                    "rate": st.column_config.NumberColumn(METRICS[metric], format="percent"),
                    "low": st.column_config.NumberColumn("95% from", format="percent"),
                    "high": st.column_config.NumberColumn("95% to", format="percent"),
                },
            )
st.download_button(
    "Download the readout (CSV)",
    to_csv_bytes(result.rates.merge(result.funnel, on="ab_group")),
    file_name=f"campaign-{name.lower().replace(' ', '-')}.csv",
    mime="text/csv",
    icon=":material/download:",
    on_click=access.exported(ws, f"readout of campaign {name}"),
)

learned = cache.campaign_learning(ws)
st.subheader("Did the What-if see it coming?")
if learned is None:
    st.caption("Train the propensity model (What-if page) to learn from past campaigns and replay them.")
elif learned.calibration is None:
    st.info(literal(f"The What-if still assumes what a campaign does: {learned.reason}."), icon=":material/info:")
elif learned.replay.empty:
    st.caption("A replay needs at least two campaigns with a control group.")
else:
    st.caption(
        literal(
            f"Each campaign predicted from the others only, as the What-if would have before sending it: the real "
            f"count fell inside the 95% interval for {learned.replay['inside'].sum()} of {len(learned.replay)} "
            f"campaigns (the default assumption: {learned.replay['default_inside'].sum()}). The response model is "
            f"fitted on {learned.calibration.describe()}."
        )
    )
    st.plotly_chart(charts.campaign_replay(learned.replay), key="camp-replay", config=charts.PNG_EXPORT)
if learned is not None and learned.skipped:
    with st.expander("Campaigns the What-if could not learn from", icon=":material/help:"):
        for campaign, why in learned.skipped.items():
            st.markdown(f"- **{literal(campaign)}**: {literal(why)}")
