"""What the Sentiment & topics page shows on arrival, stored once for the workspace's state.

On arrival the page's filters span every review (all dates; no category, persona or star), and at
400,000 reviews its views are a dozen DuckDB aggregates over every review: about 0.8 s of the first
visit. Training of the text models and personas stores them (a few KB of parquet and JSON) under
`views/` in the workspace, in a folder named after the state they were made from: the data and labels
versions and the active sentiment, topics and personas versions. A page reads them while that state
holds; under any other filters, or once the state has moved (an upload, a rollback), the view is
computed, and an arrival view computed that way is stored for the next server.

Writers replace whole files atomically and every reader falls back to computing, so sessions, a
training run and a CLI command can share the folder at any time.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from core.sentiment import views
from core.workspace import Workspace

FOLDER = "views"
PREFIX = "text-"
KINDS = ("sentiment", "topics", "personas")  # the active versions a review view shows


def _topics(ws: Workspace, _filters: views.ReviewFilters) -> pd.DataFrame:
    from core.topics.service import topics

    return topics(ws)


VIEWS: dict[str, Callable[[Workspace, views.ReviewFilters], pd.DataFrame | dict]] = {
    "overview": views.overview_numbers,  # a dict, stored as JSON; the rest are frames, stored as parquet
    "tones": views.tone_counts,
    "tone_months": views.tone_by_month,
    "topic_table": views.topic_table,
    "topic_months": views.topic_by_month,
    "topic_tones": views.topic_by_tone,
    "topics": _topics,  # the active topics (no filter applies)
}


def arrival_filters(ws: Workspace) -> views.ReviewFilters:
    """The filters the page opens with: every review's date span, nothing else chosen."""
    lo, hi = views.date_bounds(ws)
    return views.ReviewFilters(date_from=lo, date_to=hi)


def view(ws: Workspace, name: str, filters: views.ReviewFilters | None = None) -> pd.DataFrame | dict:
    """VIEWS[name] under `filters` (the arrival filters when None): read when stored for today's state."""
    if name != "topics":  # the topics take no filter
        arrival = arrival_filters(ws)
        filters = arrival if filters is None else filters
        if filters != arrival:
            return VIEWS[name](ws, filters)
    folder = _folder(ws)
    found = _read(folder, name)
    if found is None:
        found = VIEWS[name](ws, filters)
        _write(folder, name, found)
    return found


def store(ws: Workspace) -> None:
    """Compute and store every arrival view for the workspace's state, and drop those of older states.

    Best effort: a failure is reported on stderr (the run's log) and the page computes them instead."""
    try:
        for name in VIEWS:
            view(ws, name)
        keep = _folder(ws).name
        for old in (ws.path / FOLDER).glob(PREFIX + "*"):
            if old.name != keep:
                shutil.rmtree(old, ignore_errors=True)
    except Exception as exc:  # noqa: BLE001 - the models are trained; only the page's head start is lost
        print(f"the Sentiment page's arrival views were not stored: {exc}", file=sys.stderr)


def _folder(ws: Workspace) -> Path:
    state = ws.state()
    versions = "-".join(state.version(k) or "none" for k in KINDS)
    return ws.path / FOLDER / f"{PREFIX}{state.data_version}-{state.labels_version}-{versions}"


def _path(folder: Path, name: str) -> Path:
    return folder / (f"{name}.json" if name == "overview" else f"{name}.parquet")


def _read(folder: Path, name: str) -> pd.DataFrame | dict | None:
    path = _path(folder, name)
    try:
        if name == "overview":
            return json.loads(path.read_text())
        frame = pd.read_parquet(path)
    except (OSError, ValueError):  # not stored yet, or removed by a newer state's store a moment ago
        return None
    for column in frame.columns:  # list columns (a topic's top_terms) come back as arrays: lists again
        if frame[column].dtype == object and len(frame) and isinstance(frame[column].iloc[0], np.ndarray):
            frame[column] = frame[column].map(lambda a: a.tolist())
    return frame


def _write(folder: Path, name: str, value: pd.DataFrame | dict) -> None:
    path = _path(folder, name)
    draft = folder / f".{name}.{uuid.uuid4().hex}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if isinstance(value, dict):
            draft.write_text(json.dumps(value))
        else:
            value.to_parquet(draft, index=False)
        os.replace(draft, path)
    except OSError:  # a read-only workspace still shows its page, computed
        pass
    finally:
        draft.unlink(missing_ok=True)
