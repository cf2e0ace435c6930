"""PersonaLens: the frame. Page config, sign-in, session defaults, workspace picker, navigation."""

from __future__ import annotations

import streamlit as st

from pages._ui.memory import freeze_what_imports_built
from pages._ui.sidebar import workspace_picker
from pages._ui.signin import gate, sidebar_status
from pages._ui.state import init_session_state

freeze_what_imports_built()
st.set_page_config(page_title="PersonaLens", page_icon="📊", layout="wide")
user = gate()  # signed out: the sign-in form only, and the script stops here
init_session_state()

with st.sidebar:
    workspace_picker(user)
    sidebar_status(user)

pages = {
    "Overview": [st.Page("pages/home.py", title="Home", icon=":material/dashboard:", default=True)],
    "Customers": [
        st.Page("pages/personas.py", title="Personas", icon=":material/groups:"),
        st.Page("pages/recommendations.py", title="Recommendations", icon=":material/recommend:"),
        st.Page("pages/sentiment.py", title="Sentiment & topics", icon=":material/reviews:"),
        st.Page("pages/whatif.py", title="What-if", icon=":material/science:"),
        st.Page("pages/messages.py", title="Messages", icon=":material/edit_note:"),
        st.Page("pages/campaigns.py", title="Campaigns", icon=":material/campaign:"),
    ],
    "Your data": [
        st.Page("pages/data.py", title="Data", icon=":material/database:"),
        st.Page("pages/models.py", title="Models", icon=":material/model_training:"),
    ],
}
st.navigation(pages).run()
