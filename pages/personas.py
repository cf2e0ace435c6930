"""Personas: who the customers are, from what they buy, write and who they are."""

from __future__ import annotations

import streamlit as st

from core.export import to_csv_bytes
from core.kinds import TrainOptions
from core.personas.rfm import SEGMENTS
from core.personas.views import customer_story
from pages._ui import access, cache, charts, personas_view, training
from pages._ui.layout import page_workspace

KINDS = ("personas",)

GROUP_LABELS = {
    "categories": "What they buy",
    "price": "Price band",
    "demographics": "Age, gender, occupation",
    "behaviour": "How often and how much",
    "text": "What they write",
    "campaigns": "How they answer campaigns",
}

ws = page_workspace(
    "Personas", "interactions", "Personas are found from orders or ratings. Upload them first.", ":material/group:"
)

state = cache.personas(ws)


@st.fragment
def train_form() -> None:
    """Personas train in the background: the cards below stay readable meanwhile."""
    label = "Retrain personas" if state else "Find personas"
    with (
        st.expander(label, expanded=state is None, icon=":material/model_training:"),
        st.form("train-personas", border=False),
    ):
        k = st.select_slider(
            "Number of personas",
            ["Automatic", *range(3, 11)],
            value="Automatic",
            help="Automatic picks the number whose personas are most clearly apart (silhouette).",
        )
        groups = st.multiselect(
            "Build personas from",
            list(GROUP_LABELS),
            default=list(GROUP_LABELS),
            format_func=GROUP_LABELS.get,
            help="Switch a kind of information off to see personas without it.",
        )
        if st.form_submit_button("Find personas", type="primary", disabled=training.is_running(ws, KINDS)):
            n_personas = None if k == "Automatic" else int(k)
            training.start(ws, KINDS, TrainOptions(n_personas=n_personas, persona_groups=tuple(groups) or None))


if training.allowed():
    train_form()
training.progress(ws, KINDS)
if state is None:
    st.stop()

st.caption(
    f"{len(state.cards)} personas over {len(state.assignments):,} customers · how clearly apart they are "
    f"(silhouette): {state.silhouette:.2f} · names are yours to edit"
)
cards_tab, map_tab, compare_tab, rfm_tab, lookup_tab = st.tabs(
    ["Cards", "Customer map", "Compare", "RFM segments", "Customer lookup"],
    key="personas-tab",
    on_change="rerun",
    bind="query-params",
)
if cards_tab.open:
    with cards_tab:
        columns = st.columns(2)
        values = cache.persona_values(ws)
        audiences = cache.persona_audience_csvs(ws, access.masked_exports())
        for i, persona in enumerate(state.cards):
            with columns[i % 2]:
                personas_view.card(ws, persona, state, values.get(persona.persona_id), audiences(persona.persona_id))
        st.download_button(
            "Download every customer's persona (CSV)",
            access.exported_when_built(  # built on click: a big store has 100,000 rows
                ws, "every customer's persona", lambda: to_csv_bytes(state.assignments)
            ),
            file_name="personas.csv",
            mime="text/csv",
            icon=":material/download:",
            on_click="ignore",
        )
if map_tab.open:
    with map_tab:
        st.caption("Each dot is a customer; customers close together buy and write alike.")
        st.plotly_chart(charts.persona_map(state.map), key="persona-map")
if compare_tab.open:
    with compare_tab:
        st.caption("How far each persona sits from the average customer, in standard deviations.")
        st.plotly_chart(charts.trait_heatmap(state.traits), key="traits")
if rfm_tab.open:
    with rfm_tab:
        st.caption("Recency, frequency and money scored 1-5 and named: a rule-based lens beside the personas.")
        st.plotly_chart(charts.rfm_by_persona(state.rfm_by_persona, [s for s, _ in SEGMENTS]), key="rfm")
        st.dataframe(
            state.rfm,
            hide_index=True,
            width="stretch",
            column_config={
                "share": st.column_config.NumberColumn(format="percent"),
                "revenue": st.column_config.NumberColumn(format="compact"),
            },
        )
if lookup_tab.open:
    with lookup_tab:
        wanted = st.text_input("Customer id", placeholder=f"e.g. {state.assignments['customer_id'].iloc[0]}")
        if wanted.strip():
            found = customer_story(ws, state.profiles, state.assignments, wanted.strip())
            if found is None:
                st.warning(f"No customer with id {wanted.strip()!r} in this workspace.")
            else:
                personas_view.story(found, cache.customer_value_of(ws, found.customer_id))
