"""Models: what is serving, retraining in the background, versions, promotion, roll back, drift."""

from __future__ import annotations

import streamlit as st

from core import audit, models_view, registry, runs
from core.errors import PersonaLensError
from core.kinds import TrainOptions
from core.spark import engine as spark_engine
from pages._ui import access, cache, charts, training
from pages._ui.frame import require_frame
from pages._ui.layout import saying_when_waiting
from pages._ui.state import StateKeys

require_frame()
ws = cache.open_selected(st.session_state.get(StateKeys.WORKSPACE))
st.title("Models")
if ws is None:
    st.info("Pick or create a workspace in the sidebar first.", icon=":material/folder_open:")
    st.stop()


ENGINE_LABELS = {spark_engine.LOCAL: "This machine", spark_engine.SPARK: "Apache Spark"}
training.progress(ws)
cards = models_view.cards(ws)
stale = [c.kind for c in cards if c.stale and c.version]
if stale:
    st.warning(
        "New data arrived since these were trained: " + ", ".join(models_view.LABELS[k] for k in stale) + ".",
        icon=":material/update:",
    )

if training.allowed():
    with (
        st.expander("Retrain", expanded=not any(c.version for c in cards), icon=":material/model_training:"),
        st.form("retrain", border=False),
    ):
        chosen = st.multiselect(
            "Models",
            list(models_view.LABELS),
            default=stale or list(models_view.LABELS),
            format_func=models_view.LABELS.get,
        )
        promote = st.radio(
            "Serve the new versions",
            ["auto", "always", "never"],
            horizontal=True,
            format_func={
                "auto": "When at least as good as the current ones",
                "always": "Always",
                "never": "Never (keep them as candidates to compare)",
            }.get,
        )
        with st.expander("Advanced"):
            n_personas = st.select_slider("Number of personas", ["Automatic", *range(3, 11)], value="Automatic")
            n_topics = st.select_slider("Number of topics", ["Automatic", *range(4, 16)], value="Automatic")
            engine = st.radio(
                "Train on",
                spark_engine.ENGINES,
                horizontal=True,
                format_func=ENGINE_LABELS.get,
                key="retrain-engine",
                help="Apache Spark is for stores too large for this machine: on one machine it is slower. "
                "Personas, topics and recommendations train there; the other models train here.",
            )
            master = st.text_input(
                "Spark master",
                placeholder=spark_engine.DEFAULT_MASTER,
                key="retrain-master",
                help="e.g. spark://host:7077",
            )
        if st.form_submit_button("Start training", type="primary", disabled=not chosen or training.is_running(ws)):
            problem = spark_engine.unavailable() if engine == spark_engine.SPARK else None
            if problem:
                st.error(f"Cannot train on Apache Spark here: {problem}.", icon=":material/error:")
            else:
                options = TrainOptions(
                    n_personas=None if n_personas == "Automatic" else int(n_personas),
                    n_topics=None if n_topics == "Automatic" else int(n_topics),
                    engine=engine,
                    spark_master=master.strip() or None,
                )
                training.start(ws, chosen, options, promote)

grid = st.columns(len(cards))
for column, card in zip(grid, cards, strict=True):
    with column.container(border=True):
        st.markdown(f"**{card.label}**")
        if card.version is None:
            st.caption("Not trained yet.")
            continue
        st.metric(card.metric, "—" if card.value is None else f"{card.value:.3f}", help=card.meaning)
        st.caption(f"Trained {card.trained_at:%d %b %Y %H:%M} · {card.versions} version(s)")
        for line in card.sampled:
            st.caption(line, help="Past a budget, comparisons run on a seeded sample; the final model covers every row")
        if card.stale:
            st.badge("Stale: new data since", icon=":material/update:", color="orange")
        if card.problem:
            st.error(card.problem, icon=":material/broken_image:")

TABS = ["Versions", "Run history", "Persona drift"] + (["Audit trail"] if access.can("manage_users") else [])
versions_tab, history_tab, drift_tab, *audit_tab = st.tabs(
    TABS, key="models-tab", on_change="rerun", bind="query-params"
)
if versions_tab.open:
    with versions_tab:
        kind = (
            st.segmented_control(
                "Kind", list(models_view.LABELS), format_func=models_view.LABELS.get, default="recs", key="models-kind"
            )
            or "recs"
        )
        table = models_view.version_table(ws, kind)
        if table.empty:
            st.caption("No versions yet.")
        else:
            st.dataframe(
                table,
                hide_index=True,
                width="stretch",
                column_config={
                    "version": "Version",
                    "status": "Status",
                    "trained_at": st.column_config.DatetimeColumn("Trained", format="D MMM YYYY, HH:mm"),
                    "data_version": st.column_config.NumberColumn("Data version", format="%d"),
                    "stale": "Stale",
                    "metric": "Measured by",
                    "value": st.column_config.NumberColumn("Value", format="%.3f"),
                    "seconds": st.column_config.NumberColumn("Training (s)", format="%.1f"),
                    "engine": st.column_config.TextColumn("Trained on", help="This machine, or Apache Spark"),
                },
            )
            picked = st.selectbox("Version", table["version"].tolist(), key=f"pick-{kind}")
            chosen = models_view.choices(ws, kind, picked)
            for line in models_view.sampled(ws, kind, picked):
                st.caption(f"{line}; the version itself covers every row.")
            if not chosen.empty:
                st.caption(
                    "What this version's training chose, each model on a slice of the training data it kept apart:"
                )
                st.dataframe(
                    chosen,
                    hide_index=True,
                    width="stretch",
                    column_config={
                        "model": "Model",
                        "chosen": st.column_config.TextColumn("Settings chosen", width="large"),
                        "inner_ndcg": st.column_config.NumberColumn("NDCG@10 there", format="%.4f"),
                        "tried": st.column_config.NumberColumn("Settings tried", format="%d"),
                    },
                )
            actions = st.columns([1, 1, 1, 3])
            try:
                may_promote = access.can("promote")
                if actions[0].button(
                    "Make active", key=f"promote-{kind}", icon=":material/publish:", disabled=not may_promote
                ):
                    with saying_when_waiting():
                        registry.activate(ws, kind, picked, by=access.user())
                    st.rerun()
                if actions[1].button(
                    "Roll back",
                    key=f"rollback-{kind}",
                    icon=":material/undo:",
                    help="Serve the version before the active one",
                    disabled=not may_promote,
                ):
                    with saying_when_waiting():
                        registry.rollback(ws, kind, by=access.user())
                    st.rerun()
                if actions[2].button(
                    "Delete", key=f"delete-{kind}", icon=":material/delete:", disabled=not access.can("delete_version")
                ):
                    with saying_when_waiting():
                        registry.delete(ws, kind, picked, by=access.user())
                    st.rerun()
            except PersonaLensError as exc:
                st.error(str(exc), icon=":material/error:")
            active = registry.active_version(ws, kind)
            if active and picked != active:
                st.markdown(f"**{picked} compared with the active {active}**")
                st.dataframe(
                    models_view.compare(ws, kind, active, picked),
                    hide_index=True,
                    width="stretch",
                    column_config={
                        "metric": "Metric",
                        "first": st.column_config.NumberColumn("Active", format="%.4f"),
                        "second": st.column_config.NumberColumn("Selected", format="%.4f"),
                        "change": st.column_config.NumberColumn("Change", format="%+.4f"),
                    },
                )
if history_tab.open:
    with history_tab:
        history = runs.runs(ws, limit=50)
        if not history:
            st.caption("No training run yet.")
        for run in history:
            icon = {
                "done": ":material/check_circle:",
                "failed": ":material/error:",
                "cancelled": ":material/cancel:",
            }.get(run.status, ":material/pending:")
            took = "" if run.finished_at is None else f" in {(run.finished_at - run.started_at).total_seconds():.0f} s"
            st.markdown(f"{icon} **{run.started_at:%d %b %H:%M}** · {', '.join(run.models)} · {run.status}{took}")
            if run.error:
                st.caption(run.error)
if drift_tab.open:
    with drift_tab:
        persona_versions = models_view.version_table(ws, "personas")["version"].tolist()
        if len(persona_versions) < 2:
            st.caption("Persona drift needs two persona versions: retrain personas after new data arrives.")
        else:
            left, right = st.columns(2)
            before = left.selectbox("Before", persona_versions, index=1)
            after = right.selectbox("After", persona_versions, index=0)
            st.plotly_chart(charts.persona_drift(models_view.persona_flows(ws, before, after)), key="drift")
if audit_tab and audit_tab[0].open:
    with audit_tab[0]:
        st.caption("Who uploaded, trained, promoted, rolled back, deleted, exported or unmasked what, newest first.")
        st.dataframe(
            audit.events(ws, limit=500),
            hide_index=True,
            width="stretch",
            column_config={"at": "When (UTC)", "user": "Who", "action": "Did", "what": "What"},
        )
