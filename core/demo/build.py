"""Turn the simulated store into CSV exports and a ready workspace.

The workspace is built in a sibling temporary folder and swapped in only when complete, so a
failed or interrupted build leaves any existing workspace exactly as it was.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from core.config import DEMO_SEED
from core.demo.simulator import DemoData, simulate_store
from core.workspace import Workspace, create_workspace, open_workspace, resolve_path

Progress = Callable[[float, str], None]

CSV_FILES = {
    "customers": "customers.csv",
    "products": "products.csv",
    "interactions": "orders.csv",
    "reviews": "reviews.csv",
    "campaign_results": "campaign_results.csv",
}
TRUTH_FILE = "truth_personas.csv"
_CSV_DROP = {"interactions": ["rating"]}  # an order export has no rating column


def write_demo_csvs(data: DemoData, folder: Path) -> list[Path]:
    """Write the store as the CSV exports a marketer would upload, plus the persona ground truth."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for table, frame in data.frames().items():
        path = folder / CSV_FILES[table]
        frame.drop(columns=_CSV_DROP.get(table, [])).to_csv(
            path, index=False, date_format="%Y-%m-%d %H:%M:%S", lineterminator="\n"
        )
        written.append(path)
    data.truth.to_csv(folder / TRUTH_FILE, index=False, lineterminator="\n")
    return written


def build_demo_workspace(
    workspace: str | Path = "demo",
    seed: int = DEMO_SEED,
    progress: Progress | None = None,
    assets_dir: Path | None = None,
    train_models: bool = False,
) -> Workspace:
    """Simulate the demo store and (re)build `workspace` from it.

    The four CSV exports are kept in the workspace's `raw/` exactly as written. When
    `assets_dir` is given the exports and the ground truth are written there as well; with
    `train_models` every model is trained too (personas, sentiment, topics, recommenders, propensity).
    """
    report = progress or (lambda _f, _m: None)
    target = resolve_path(workspace)
    report(0.05, "simulating customers, orders and reviews")
    data = simulate_store(seed)
    if assets_dir is not None:
        write_demo_csvs(data, assets_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-building-", dir=target.parent))
    try:
        report(0.6, "writing the exports")
        csvs = write_demo_csvs(data, staging / "exports")
        report(0.75, "loading the workspace database")
        built = create_workspace(staging / "ws")
        built.commit(data.frames(), mode="replace", raw=csvs, note=f"demo store, seed {seed}")
        _swap_in(staging / "ws", target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    ws = open_workspace(target)
    if train_models:  # so the dashboard opens with every page ready
        from core.personas.service import train_personas
        from core.recs.service import train_recs
        from core.sentiment.service import train_sentiment
        from core.topics.service import train_topics
        from core.whatif.service import train_propensity

        train_personas(ws, progress=lambda f, m: report(0.5 + 0.05 * f, m))
        train_sentiment(ws, progress=lambda f, m: report(0.55 + 0.15 * f, m))
        train_topics(ws, progress=lambda f, m: report(0.7 + 0.1 * f, m))
        train_recs(ws, progress=lambda f, m: report(0.8 + 0.15 * f, m))
        train_propensity(ws, progress=lambda f, m: report(0.95 + 0.05 * f, m))
        from core.sentiment import arrival

        arrival.store(ws)
    report(1.0, "done")
    return ws


def _swap_in(new: Path, target: Path) -> None:
    """Replace `target` with `new`; the old folder is removed only after the new one is in place."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}-old-{new.parent.name}")
        target.rename(old)
    new.rename(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
