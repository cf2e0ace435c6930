"""Streamlit-aware helpers shared by the pages: state keys, cached core calls, charts."""
