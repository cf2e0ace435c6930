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
from core.whatif import campaign
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


@st.cache_data(show_spinner="Finding each customer's top products…", max_entries=4)
def _recommended_titles(path: str, version: str, names: int) -> pd.Series:
    return campaign.recommended_titles(_recs(path, version, names))


def audience_csv(ws: Workspace, result: campaign.CampaignResult, bundle: recs_service.RecsBundle | None) -> bytes:
    """A scenario's audience as CSV, with each customer's top products once recommendations are trained.

    `bundle` is `recs(ws)`, read once by the caller for all scenarios. Everyone's top products are found
    once per recommender version, so each scenario change only joins
    and writes: the file is ready before the click (Streamlit's plainest download, which no rerun in
    flight can lose), and sliders stay quick.
    """
    if bundle is None:
        return campaign.audience_export(result).to_csv(index=False).encode()
    titles = _recommended_titles(str(ws.path), bundle.version, st.session_state.get("_persona_names", 0))
    return campaign.audience_export(result, titles, bundle).to_csv(index=False).encode()


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


@st.cache_resource(show_spinner="Loading the propensity model…", max_entries=4)
def _propensity(path: str, version: str, data: int, persona_names: int):  # noqa: ANN202 - a PropensityBundle
    from core.whatif.service import load_propensity

    return load_propensity(Workspace(Path(path)))


def propensity(ws: Workspace):  # noqa: ANN201 - a PropensityBundle or None
    """The serving propensity model with today's features. Shared: do not mutate."""
    version = registry.active_version(ws, "propensity")
    if version is None:
        return None
    return _propensity(str(ws.path), version, ws.data_version(), st.session_state.get("_persona_names", 0))


def forget_propensity() -> None:
    _propensity.clear()


@st.cache_resource(show_spinner="Refitting the recommenders on the evaluation split (once per version)…", max_entries=2)
def _recs_lab(path: str, version: str, persona_names: int):  # noqa: ANN202 - a RecsLab
    from core.whatif.recs_lab import RecsLab

    return RecsLab.build(_recs(path, version, persona_names))


def recs_lab(ws: Workspace, bundle: recs_service.RecsBundle):  # noqa: ANN201 - a RecsLab
    return _recs_lab(str(ws.path), bundle.version, st.session_state.get("_persona_names", 0))


@st.cache_resource(show_spinner="Building customer profiles…", max_entries=2)
def _profiles(path: str, data: int):  # noqa: ANN202 - CustomerProfiles
    from core.personas.profile import build_profiles

    return build_profiles(Workspace(Path(path)))


def customer_profiles(ws: Workspace):  # noqa: ANN201 - CustomerProfiles
    return _profiles(str(ws.path), ws.data_version())


@st.cache_resource(show_spinner=False, max_entries=4)
def _persona_model(path: str, version: str):  # noqa: ANN202 - a PersonaModel
    return service.load_model(Workspace(Path(path)))


def persona_model(ws: Workspace):  # noqa: ANN201 - a PersonaModel or None
    version = service.current_version(ws)
    return _persona_model(str(ws.path), version) if version else None


@st.cache_data(show_spinner=False, max_entries=8)
def _review_matrix(path: str, data: int, text_versions: tuple) -> pd.DataFrame:
    from core.topics.drivers import review_matrix as build

    return build(Workspace(Path(path)))


def review_matrix(ws: Workspace) -> pd.DataFrame:
    """Per rated review: stars, sentiment and topic mentions (the key-driver model's input)."""
    return _review_matrix(str(ws.path), ws.data_version(), _text_versions(ws))
