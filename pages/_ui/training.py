"""Train buttons and their live progress: every page starts training the same way, as a background run.

`start` hands the work to `core.runs` (its own process, the training lock, the promotion policy),
so the dashboard's process never trains and never imports TensorFlow. `progress` shows the run of
the given kinds wherever it was started from, polling the run's record once a second only while
one is going; when it ends, the whole page reruns and every cache keyed on the workspace's state
picks up the new versions by itself.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from core import kinds, runs
from core.errors import PersonaLensError
from core.workspace import Workspace
from pages._ui import access

_SEEN = "_training_runs_seen"  # run ids this session watched live, to report their outcome once


def start(
    ws: Workspace, models: Sequence[str], options: kinds.TrainOptions | None = None, promote: str = "auto"
) -> None:
    """Start a background run (on a button's click); a refusal is shown in plain words."""
    try:
        run_id = runs.start_run(ws, list(models), promote, options, by=access.user())
    except PersonaLensError as exc:
        st.error(str(exc), icon=":material/error:")
        return
    st.session_state.setdefault(_SEEN, set()).add(run_id)
    st.toast("Training started in the background: keep working, progress shows here.", icon=":material/model_training:")
    st.rerun(scope="app")


def allowed() -> bool:
    """Training is for analysts and admins; viewers see no train button."""
    return access.can("train")


def is_running(ws: Workspace, models: Sequence[str] = ()) -> bool:
    found = runs.latest(ws, models)
    return found is not None and not found.finished


def progress(ws: Workspace, models: Sequence[str] = ()) -> None:
    """The live run of any of `models` (any kind when empty), or the outcome of one this session watched."""
    found = runs.latest(ws, models)
    if found is None:
        return
    if not found.finished:
        st.session_state.setdefault(_SEEN, set()).add(found.run_id)
        _live(ws, tuple(models))
    elif found.run_id in st.session_state.get(_SEEN, set()):
        st.session_state[_SEEN].discard(found.run_id)
        outcome(found)


@st.fragment(run_every=1.0)
def _live(ws: Workspace, models: tuple[str, ...]) -> None:
    found = runs.latest(ws, models)
    if found is None or found.finished:
        st.rerun(scope="app")  # show the outcome, and the new versions everywhere on the page
    eta = found.eta_seconds()
    with st.container(border=True):
        st.markdown(f"**Training {', '.join(kinds.LABELS[m].lower() for m in found.models)}** in the background")
        st.progress(
            found.fraction,
            text=f"{found.message} · {found.fraction:.0%}" + (f" · about {eta:.0f} s left" if eta else ""),
        )
        if st.button("Cancel", icon=":material/stop_circle:", key=f"cancel-{found.run_id}"):
            runs.cancel(ws, found.run_id)
            st.rerun(scope="app")


def outcome(run: runs.RunStatus) -> None:
    """How a finished run went, kind by kind, in plain words."""
    if run.status == "cancelled":
        st.info("Training was cancelled; nothing changed.", icon=":material/cancel:")
        return
    for name, result in run.results.items():
        label = kinds.LABELS.get(name, name)
        if "error" in result:
            st.error(f"{label}: not trained: {result['error']}", icon=":material/error:")
        elif result.get("promoted", True):
            st.success(f"{label}: the new version is serving.", icon=":material/check_circle:")
        else:
            st.info(
                f"{label}: the new version is kept as a candidate beside the serving one (the promotion policy "
                "did not serve it): compare and promote it on the Models page.",
                icon=":material/info:",
            )
    if run.error and not run.results:
        st.error(f"Training failed: {run.error}", icon=":material/error:")
