"""Cached calls into core, keyed by workspace path and data version.

The data version grows with every commit to a workspace, so a new upload is never served from a
stale cache. Cached values are shared by all sessions: callers must not mutate them.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from core import overview, registry, schema
from core.browse import TablePage
from core.browse import browse as _browse
from core.personas import service
from core.recs import service as recs_service
from core.sentiment import views as text_views
from core.topics import service as topics_service
from core.workspace import Workspace, list_workspaces, open_workspace


def workspace_names() -> list[str]:
    return [w.name for w in list_workspaces()]


def open_selected(name: str | None) -> Workspace | None:
    """The selected workspace, or None when it does not exist (any more)."""
    if not name:
        return None
    try:
        return open_workspace(name)
    except ValueError:
        return None


@st.cache_data(show_spinner=False, max_entries=32)
def _summary(path: str, version: int) -> overview.WorkspaceSummary:
    return overview.summarize(Workspace(Path(path)))


@st.cache_data(show_spinner=False, max_entries=32)
def _monthly(path: str, version: int) -> pd.DataFrame:
    return overview.monthly_activity(Workspace(Path(path)))


@st.cache_data(show_spinner=False, max_entries=32)
def _category_revenue(path: str, version: int) -> pd.DataFrame:
    return overview.category_revenue(Workspace(Path(path)))


def summary(ws: Workspace) -> overview.WorkspaceSummary:
    return _summary(str(ws.path), ws.data_version())


def monthly_activity(ws: Workspace) -> pd.DataFrame:
    return _monthly(str(ws.path), ws.data_version())


def category_revenue(ws: Workspace) -> pd.DataFrame:
    return _category_revenue(str(ws.path), ws.data_version())


def table_columns(table: str) -> list[str]:
    return schema.table(table).column_names


@st.cache_data(show_spinner=False, max_entries=64)
def _browse_cached(path: str, version: int, table: str, column: str, contains: str, masked: bool) -> TablePage:
    return _browse(Workspace(Path(path)), table, column, contains, mask_personal=masked)


def browse(ws: Workspace, table: str, column: str, contains: str, masked: bool) -> TablePage:
    return _browse_cached(str(ws.path), ws.data_version(), table, column, contains.strip(), masked)


@st.cache_resource(show_spinner=False, max_entries=8)
def _personas(path: str, persona_version: str, names_version: int) -> service.PersonaViews | None:
    return service.load_views(Workspace(Path(path)))


def personas(ws: Workspace) -> service.PersonaViews | None:
    """The current personas of `ws`, or None before the first training. Shared: do not mutate."""
    version = service.current_version(ws)
    return _personas(str(ws.path), version, st.session_state.get("_persona_names", 0)) if version else None


def forget_personas() -> None:
    """After a rename or retrain, so the next read sees the new names."""
    _personas.clear()
    st.session_state["_persona_names"] = st.session_state.get("_persona_names", 0) + 1


@st.cache_resource(show_spinner=False, max_entries=4)
def _recs(path: str, version: str, persona_names: int) -> recs_service.RecsBundle | None:
    return recs_service.load_recs(Workspace(Path(path)), version)


def recs(ws: Workspace) -> recs_service.RecsBundle | None:
    """The active recommenders of `ws`, loaded once per version, or None before the first training."""
    version = registry.active_version(ws, recs_service.KIND)
    return _recs(str(ws.path), version, st.session_state.get("_persona_names", 0)) if version else None


def forget_recs() -> None:
    _recs.clear()


@st.cache_data(show_spinner=False, max_entries=64)
def _audience(path: str, version: str, product_id: str, n: int, model: str) -> pd.DataFrame:
    bundle = _recs(path, version, st.session_state.get("_persona_names", 0))
    return bundle.audience(product_id, n, model)


def recs_audience(ws: Workspace, bundle: recs_service.RecsBundle, product_id: str, n: int, model: str) -> pd.DataFrame:
    """Who to target with `product_id`: scoring every customer is the slow part, so it is cached."""
    return _audience(str(ws.path), bundle.version, product_id, n, model)


@st.cache_data(show_spinner=False, max_entries=32)
def _scored_reviews(path: str, data: int, text_versions: tuple, filters: text_views.ReviewFilters) -> pd.DataFrame:
    return text_views.ensure_numeric(text_views.scored_reviews(Workspace(Path(path)), filters))


def _text_versions(ws: Workspace) -> tuple:
    """Cache key part that changes with every sentiment or topics training and topic rename."""
    return (
        registry.active_version(ws, "sentiment"),
        registry.active_version(ws, "topics"),
        st.session_state.get("_topic_names", 0),
        st.session_state.get("_persona_names", 0),
    )


def scored_reviews(ws: Workspace, filters: text_views.ReviewFilters) -> pd.DataFrame:
    """Every review under `filters` with sentiment, product, persona and topics. Shared: do not mutate."""
    return _scored_reviews(str(ws.path), ws.data_version(), _text_versions(ws), filters)


@st.cache_data(show_spinner=False, max_entries=16)
def _topics(path: str, data: int, text_versions: tuple) -> pd.DataFrame:
    return topics_service.topics(Workspace(Path(path)))


def topics(ws: Workspace) -> pd.DataFrame:
    return _topics(str(ws.path), ws.data_version(), _text_versions(ws))


@st.cache_resource(show_spinner=False, max_entries=4)
def _pipeline(path: str, topics_version: str):  # noqa: ANN202 - a TextPipeline
    return text_views.load_pipeline(Workspace(Path(path)))


def text_pipeline(ws: Workspace):  # noqa: ANN201 - a TextPipeline or None
    version = registry.active_version(ws, "topics")
    return _pipeline(str(ws.path), version) if version else None


def forget_text() -> None:
    """After training or renaming a topic."""
    st.session_state["_topic_names"] = st.session_state.get("_topic_names", 0) + 1


@st.cache_data(show_spinner=False, max_entries=8)
def _drivers(path: str, data: int, text_versions: tuple) -> pd.DataFrame:
    from core.topics.drivers import key_drivers, review_matrix

    ws = Workspace(Path(path))
    found = topics_service.topics(ws)
    return key_drivers(review_matrix(ws), dict(zip(found["id"].tolist(), found["label"].tolist(), strict=True)))


def key_drivers(ws: Workspace) -> pd.DataFrame:
    """Which topics move star ratings, in which tone (see core.topics.drivers)."""
    return _drivers(str(ws.path), ws.data_version(), _text_versions(ws))
