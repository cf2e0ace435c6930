"""Cached calls into core, keyed on the workspace's stored state, never on a browser session.

Every key holds the workspace path and what the value depends on, read from the workspace in one
query (`Workspace.state()`): the data version (grows with every commit), the labels version (grows
with every persona or topic rename) and the active version of each model kind involved. So a new
upload, a retrain, a promotion or one marketer's rename reaches every session on its next rerun,
and nothing is ever cleared because one user acted. Cached values are shared by all sessions:
callers must not mutate them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pandas as pd
import streamlit as st

from core import audit, overview, schema
from core.auth import User, require
from core.browse import TablePage, mask_personal
from core.browse import browse as _browse
from core.export import to_csv_bytes
from core.personas import service
from core.personas import views as persona_views
from core.recs import service as recs_service
from core.sentiment import arrival
from core.sentiment import labels as sentiment_labels
from core.sentiment import views as text_views
from core.value.service import HORIZON as VALUE_HORIZON
from core.whatif import campaign
from core.workspace import Workspace, list_workspaces, open_workspace
from pages._ui import charts
from pages._ui.state import StateKeys


class Key(NamedTuple):
    """A cache key part: the workspace's data version, labels version and some kinds' active versions."""

    data: int
    labels: int
    versions: tuple[str | None, ...]


def workspace_names() -> list[str]:
    return [w.name for w in list_workspaces()]


def open_selected(name: str | None) -> Workspace | None:
    """The selected workspace, or None when it does not exist (any more) or is not shared with the user."""
    user = st.session_state.get(StateKeys.USER)
    if not name or (user is not None and not user.sees(name)):
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


def _key(ws: Workspace, *kinds: str) -> Key:
    """What a cached value of `ws` depends on: data, labels and the active versions of `kinds`."""
    state = ws.state()
    return Key(state.data_version, state.labels_version, tuple(state.version(k) for k in kinds))


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


def browse(ws: Workspace, table: str, column: str, contains: str, masked: bool, by: User | None) -> TablePage:
    """Rows of a table; unmasked only for a local user or a signed-in admin, checked before the cache
    (which every session shares) and written to the audit trail."""
    if not masked:
        require(by, ws.name, "unmask")
        audit.record(ws, by, "unmask", f"{table} rows" + (f" where {column} contains {contains!r}" if contains else ""))
    return _browse_cached(str(ws.path), ws.data_version(), table, column, contains.strip(), masked)


@st.cache_resource(show_spinner=False, max_entries=8)
def _personas(path: str, key: Key) -> service.PersonaViews | None:
    return service.load_views(Workspace(Path(path)))


def _persona_key(ws: Workspace) -> Key | None:
    """Personas trained before the registry have no active version: their newest version stands in."""
    key = _key(ws, "personas")
    if key.versions[0] is None:
        legacy = service.current_version(ws)
        return None if legacy is None else Key(key.data, key.labels, (legacy,))
    return key


def personas(ws: Workspace) -> service.PersonaViews | None:
    """The current personas of `ws`, or None before the first training. Shared: do not mutate."""
    key = _persona_key(ws)
    return None if key is None else _personas(str(ws.path), key)


@st.cache_data(show_spinner=False, max_entries=64)
def _persona_audience_csv(path: str, key: Key, persona_id: int, masked: bool) -> bytes:
    views = _personas(path, key)
    value = _customer_value(path, key.data, VALUE_HORIZON)
    frame = persona_views.audience(Workspace(Path(path)), views.assignments, persona_id, value)
    return to_csv_bytes(mask_personal(frame) if masked else frame)


def persona_audience_csvs(ws: Workspace, masked: bool) -> Callable[[int], Callable[[], bytes]]:
    """persona id -> a callable for `st.download_button`: that persona's customers as a campaign audience
    (CSV; names and e-mails masked when `masked`), built on the first click per personas version and data
    (six personas' CSVs of a 100,000-customer store took a second of every first visit when built up
    front). The workspace's state is read once for every card."""
    path, key = str(ws.path), _persona_key(ws)
    return lambda persona_id: lambda: b"" if key is None else _persona_audience_csv(path, key, persona_id, masked)


@st.cache_resource(show_spinner=False, max_entries=4)
def _recs(path: str, version: str, labels: int) -> recs_service.RecsBundle | None:
    return recs_service.load_recs(Workspace(Path(path)), version)


def recs(ws: Workspace) -> recs_service.RecsBundle | None:
    """The active recommenders of `ws`, loaded once per version, or None before the first training."""
    key = _key(ws, "recs")
    version = key.versions[0]
    return _recs(str(ws.path), version, key.labels) if version else None


@st.cache_data(show_spinner="Finding each customer's top products…", max_entries=4)
def _recommended_titles(path: str, version: str, labels: int) -> pd.Series:
    return _recs(path, version, labels).top_titles()


def audience_csv(
    ws: Workspace, result: campaign.CampaignResult, bundle: recs_service.RecsBundle | None
) -> Callable[[], bytes]:
    """A callable for `st.download_button`: a scenario's audience as CSV, with each customer's top products
    once recommendations are trained, built on the click.

    `bundle` is `recs(ws)`, read once by the caller for all scenarios. Everyone's top products were listed
    when the recommender was trained, so building it only joins and writes; built up front it still took
    0.35 s per scenario on every slider change at 100,000 customers.
    """
    if bundle is None:
        return lambda: to_csv_bytes(campaign.audience_export(result))
    path, labels = str(ws.path), ws.state().labels_version
    return lambda: to_csv_bytes(
        campaign.audience_export(result, _recommended_titles(path, bundle.version, labels), bundle)
    )


@st.cache_data(show_spinner=False, max_entries=64)
def _audience(path: str, version: str, labels: int, product_id: str, n: int, model: str) -> pd.DataFrame:
    return _recs(path, version, labels).audience(product_id, n, model)


def recs_audience(ws: Workspace, bundle: recs_service.RecsBundle, product_id: str, n: int, model: str) -> pd.DataFrame:
    """Who to target with `product_id`: scoring every customer is the slow part, so it is cached."""
    return _audience(str(ws.path), bundle.version, ws.state().labels_version, product_id, n, model)


TEXT_KINDS = arrival.KINDS  # what a scored review shows


@st.cache_data(show_spinner=False, max_entries=256)
def _review_view(path: str, key: Key, view: str, filters: text_views.ReviewFilters):  # noqa: ANN202
    return arrival.view(Workspace(Path(path)), view, filters)


def review_view(ws: Workspace, view: str, filters: text_views.ReviewFilters):  # noqa: ANN201 - the view's result
    """One of arrival.VIEWS under `filters` (stored at training for the page's first filters). Shared: do not
    mutate."""
    return _review_view(str(ws.path), _key(ws, *TEXT_KINDS), view, filters)


@st.cache_data(show_spinner=False, max_entries=64)
def _drill(
    path: str, key: Key, filters: text_views.ReviewFilters, topic_id: int | None, tone: str | None
) -> tuple[pd.DataFrame, int]:
    ws = Workspace(Path(path))
    shown = text_views.scored_reviews(ws, filters, topic_id, tone, limit=text_views.REVIEW_ROWS)
    return shown, text_views.count_reviews(ws, filters, topic_id, tone)


def drill(
    ws: Workspace, filters: text_views.ReviewFilters, topic_id: int | None = None, tone: str | None = None
) -> tuple[pd.DataFrame, int]:
    """The newest REVIEW_ROWS reviews under `filters` about `topic_id` in `tone`, and how many there are."""
    return _drill(str(ws.path), _key(ws, *TEXT_KINDS), filters, topic_id, tone)


def review_export(
    ws: Workspace, filters: text_views.ReviewFilters, topic_id: int | None = None, tone: str | None = None
):  # noqa: ANN201 - a callable for st.download_button
    """The CSV of every such review, built only when someone clicks the download button."""
    path = str(ws.path)

    def build() -> bytes:
        found = text_views.scored_reviews(Workspace(Path(path)), filters, topic_id, tone)
        return to_csv_bytes(found.drop(columns=["topic_ids"]))

    return build


@st.cache_data(show_spinner=False, max_entries=16)
def _topics(path: str, key: Key) -> pd.DataFrame:
    return arrival.view(Workspace(Path(path)), "topics")


def topics(ws: Workspace) -> pd.DataFrame:
    return _topics(str(ws.path), _key(ws, *TEXT_KINDS))


@st.cache_resource(show_spinner=False, max_entries=4)
def _pipeline(path: str, topics_version: str):  # noqa: ANN202 - a TextPipeline
    return text_views.load_pipeline(Workspace(Path(path)))


def text_pipeline(ws: Workspace):  # noqa: ANN201 - a TextPipeline or None
    version = ws.state().version("topics")
    return _pipeline(str(ws.path), version) if version else None


@st.cache_data(show_spinner=False, max_entries=32)
def _review_words(path: str, key: Key, filters: text_views.ReviewFilters) -> text_views.ReviewWords:
    ws = Workspace(Path(path))
    return text_views.review_words(text_views.cloud_reviews(ws, filters), text_views.load_pipeline(ws))


def review_words(ws: Workspace, filters: text_views.ReviewFilters) -> text_views.ReviewWords:
    """The Sentiment page's word clouds under `filters`: tokenising the reviews is the slow part."""
    return _review_words(str(ws.path), _key(ws, *TEXT_KINDS), filters)


@st.cache_data(show_spinner=False, max_entries=64)
def cloud_image(weights: dict[str, float], colormap: str):  # noqa: ANN201 - a PIL image or None
    """A word cloud drawn once per set of words (drawing takes a tenth of a second each)."""
    return charts.weighted_cloud(weights, colormap)


@st.cache_data(show_spinner=False, max_entries=8)
def _drivers(path: str, key: Key) -> pd.DataFrame:
    from core.topics.drivers import key_drivers, review_matrix

    ws = Workspace(Path(path))
    return key_drivers(review_matrix(ws), _topic_names(ws))


def key_drivers(ws: Workspace) -> pd.DataFrame:
    """Which topics move star ratings, in which tone (see core.topics.drivers)."""
    return _drivers(str(ws.path), _key(ws, *TEXT_KINDS))


@st.cache_data(show_spinner=False, max_entries=8)
def _complaints(path: str, key: Key) -> pd.DataFrame:
    from core.topics.drivers import complaint_drivers, review_matrix

    ws = Workspace(Path(path))
    return complaint_drivers(review_matrix(ws), _topic_names(ws))


def _topic_names(ws: Workspace) -> dict[int, str]:
    found = arrival.view(ws, "topics")
    return dict(zip(found["id"].tolist(), found["label"].tolist(), strict=True))


def complaint_drivers(ws: Workspace) -> pd.DataFrame:
    """Which topics come with negative feedback, for feedback without stars (see core.topics.drivers)."""
    return _complaints(str(ws.path), _key(ws, *TEXT_KINDS))


@st.cache_resource(show_spinner="Loading the propensity model…", max_entries=4)
def _propensity(path: str, key: Key):  # noqa: ANN202 - a PropensityBundle
    from core.whatif.service import load_propensity

    return load_propensity(Workspace(Path(path)))


def propensity(ws: Workspace):  # noqa: ANN201 - a PropensityBundle or None
    """The serving propensity model with today's features. Shared: do not mutate."""
    key = _key(ws, "propensity", "personas")
    return None if key.versions[0] is None else _propensity(str(ws.path), key)


@st.cache_resource(show_spinner="Refitting the recommenders on the evaluation split (once per version)…", max_entries=2)
def _recs_lab(path: str, version: str, labels: int):  # noqa: ANN202 - a RecsLab
    from core.whatif.recs_lab import RecsLab

    return RecsLab.build(_recs(path, version, labels))


def recs_lab(ws: Workspace, bundle: recs_service.RecsBundle):  # noqa: ANN201 - a RecsLab
    return _recs_lab(str(ws.path), bundle.version, ws.state().labels_version)


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
    key = _persona_key(ws)
    return None if key is None else _persona_model(str(ws.path), key.versions[0])


@st.cache_data(show_spinner=False, max_entries=8)
def _review_matrix(path: str, key: Key) -> pd.DataFrame:
    from core.topics.drivers import review_matrix as build

    return build(Workspace(Path(path)))


def review_matrix(ws: Workspace) -> pd.DataFrame:
    """Per rated review: stars, sentiment and topic mentions (the key-driver model's input)."""
    return _review_matrix(str(ws.path), _key(ws, *TEXT_KINDS))


@st.cache_resource(show_spinner="Gathering what your data says about each persona…", max_entries=4)
def _message_context(path: str, key: Key):  # noqa: ANN202 - a MessageContext (shared: never mutated)
    from core.messages.facts import load_context

    return load_context(Workspace(Path(path)))


def message_context(ws: Workspace):  # noqa: ANN201 - a MessageContext
    """Personas, catalogue, aspect words and persona phrases for writing copy (needs personas)."""
    return _message_context(str(ws.path), _key(ws, "personas", "topics"))


@st.cache_resource(show_spinner=False, max_entries=4)
def _message_grounds(path: str, version: int):  # noqa: ANN202 - Grounds
    from core.messages.checks import load_grounds

    return load_grounds(Workspace(Path(path)))


def message_grounds(ws: Workspace):  # noqa: ANN201 - Grounds
    return _message_grounds(str(ws.path), ws.data_version())


@st.cache_data(show_spinner=False, max_entries=256)
def _copy_set(path: str, key: Key, request):  # noqa: ANN001, ANN202 - a CopyRequest -> CopySet
    from core.messages.service import write_copy

    return write_copy(_message_context(path, key), _message_grounds(path, key.data), request)


def copy_set(ws: Workspace, request):  # noqa: ANN001, ANN201 - a CopyRequest -> CopySet
    """Template copy is seeded, so it is cached; language-model copy and one customer's are written each time."""
    if request.generator == "template" and request.customer_id is None:
        return _copy_set(str(ws.path), _key(ws, "personas", "topics"), request)
    from dataclasses import replace

    from core.messages.service import write_copy

    ctx = message_context(ws)
    if request.customer_id is not None:
        ctx = replace(ctx, reasons=recs(ws))
    return write_copy(ctx, message_grounds(ws), request)


@st.cache_data(show_spinner="Forecasting what each customer is worth…", max_entries=8)
def _customer_value(path: str, data: int, horizon: int) -> pd.DataFrame | None:
    from core.errors import PersonaLensError
    from core.value.service import current_forecast

    try:
        return current_forecast(Workspace(Path(path)), horizon)
    except PersonaLensError:  # no dated purchases, or too few customers: pages leave value out
        return None


def customer_value(ws: Workspace) -> pd.DataFrame | None:
    """Each customer's expected purchases and value over the next VALUE_HORIZON days (core.value), or None."""
    return _customer_value(str(ws.path), ws.data_version(), VALUE_HORIZON)


@st.cache_data(show_spinner=False, max_entries=8)
def _persona_values(path: str, key: Key) -> dict[int, dict]:
    from core.value.service import value_by_persona

    value = _customer_value(path, key.data, VALUE_HORIZON)
    views = _personas(path, key)
    if value is None or views is None:
        return {}
    table = value_by_persona(value, views.assignments)
    return {int(r["persona_id"]): r for r in table.to_dict(orient="records")}


def persona_values(ws: Workspace) -> dict[int, dict]:
    """persona id -> its members' mean value (clv, clv_low, clv_high, p_alive) over VALUE_HORIZON days."""
    key = _persona_key(ws)
    return {} if key is None else _persona_values(str(ws.path), key)


def customer_value_of(ws: Workspace, customer_id: str) -> dict | None:
    """One customer's row of the value forecast, or None."""
    value = customer_value(ws)
    if value is None:
        return None
    row = value[value["customer_id"] == str(customer_id)]
    return None if row.empty else row.iloc[0].to_dict()


@st.cache_data(show_spinner=False, max_entries=32)
def _readout(path: str, key: Key, campaign_name: str, metric: str):  # noqa: ANN202 - a Readout
    from core.campaigns.readout import readout as read

    return read(Workspace(Path(path)), campaign_name, metric)


def campaign_readout(ws: Workspace, campaign_name: str, metric: str):  # noqa: ANN201 - a Readout
    """A campaign's funnel, rates, verdicts and segment rates, once per data version and personas."""
    return _readout(str(ws.path), _key(ws, "personas"), campaign_name, metric)


@st.cache_data(show_spinner=False, max_entries=8)
def _campaign_learning(path: str, version: str):  # noqa: ANN202 - a CampaignLearning
    from core.whatif.service import load_learning

    return load_learning(Workspace(Path(path)), version)


def campaign_learning(ws: Workspace):  # noqa: ANN201 - a CampaignLearning or None
    """What the serving propensity version learned from past campaigns (None before it is trained)."""
    version = _key(ws, "propensity").versions[0]
    return None if version is None else _campaign_learning(str(ws.path), version)


@st.cache_data(show_spinner=False, max_entries=8)
def _questions(path: str, key: Key) -> pd.DataFrame:
    return sentiment_labels.next_questions(Workspace(Path(path)))


def sentiment_questions(ws: Workspace) -> pd.DataFrame:
    """The ten reviews the serving sentiment model is least sure about (new ones after every label or retrain)."""
    return _questions(str(ws.path), _key(ws, "sentiment"))


@st.cache_data(show_spinner=False, max_entries=8)
def _taught(path: str, key: Key) -> pd.DataFrame:
    return sentiment_labels.current_labels(Workspace(Path(path)))


def sentiment_labels_given(ws: Workspace) -> pd.DataFrame:
    """Every review the marketers labelled, with the newest answer (see core.sentiment.labels)."""
    return _taught(str(ws.path), _key(ws))
