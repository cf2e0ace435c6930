"""Messages: copy for every persona and offer, written from the store's own facts and checked."""

from __future__ import annotations

import streamlit as st

from core.errors import PersonaLensError
from pages._ui import cache, messages_view
from pages._ui.format import literal
from pages._ui.layout import page_workspace

ws = page_workspace(
    "Messages",
    "interactions",
    "Messages are written for personas, found from orders. Upload them first.",
    ":material/edit_note:",
)
if cache.personas(ws) is None:
    st.info("Messages are written for personas: find them first.", icon=":material/groups:")
    st.page_link("pages/personas.py", label="Find personas", icon=":material/groups:")
    st.stop()

try:
    ctx = cache.message_context(ws)
except PersonaLensError as exc:
    st.info(literal(str(exc)), icon=":material/inventory_2:")
    st.page_link("pages/data.py", label="Upload your catalogue", icon=":material/upload:")
    st.stop()
grounds = cache.message_grounds(ws)
st.caption(
    "Facts first: every variant is written from what this store's data says about the persona and the offer, "
    "then checked for length, grounding, personal data and spam signs."
)
requests = messages_view.request_form(ctx)
if not requests:
    st.info("Pick at least one persona.", icon=":material/groups:")
    st.stop()
campaign = messages_view.campaign_name(ctx, requests)
for request in requests:
    try:
        copy = cache.copy_set(ws, request)
    except PersonaLensError as exc:
        st.warning(literal(str(exc)), icon=":material/warning:")
        continue
    st.subheader(literal(copy.sheet.persona_name))
    st.caption(f"{copy.tone.capitalize()} tone · distinct-2 across these variants: {copy.distinct_2:.2f}")
    if copy.fallback:
        st.info(literal(copy.fallback), icon=":material/info:")
    messages_view.facts_panel(copy)
    columns = st.columns(min(len(copy.variants), 3))
    for i in range(len(copy.variants)):
        with columns[i % len(columns)]:
            messages_view.variant_card(ws, copy, i, campaign, grounds)
messages_view.approved_section(ws, ctx)
