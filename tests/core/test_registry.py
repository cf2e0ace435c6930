"""Model versions: checksums refuse damaged files, an intact earlier version serves, promote, roll back, stale."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from core import kinds, registry
from core.errors import PersonaLensError
from core.recs.service import load_recs, train_recs
from core.workspace import Workspace, open_workspace
from tests.core.test_cli import _cli


@pytest.fixture
def own(trained_ws: Workspace, tmp_path: Path) -> Workspace:
    shutil.copytree(trained_ws.path, tmp_path / "ws")
    return open_workspace(tmp_path / "ws")


def test_every_kind_is_registered_with_a_manifest(own: Workspace) -> None:
    found = registry.overview(own)
    active = found[found["status"] == "active"]
    assert set(active["kind"]) == set(kinds.NAMES)
    assert active["value"].notna().all() and not active["stale"].any()
    for row in active.itertuples():
        registry.verify(own, row.kind, row.version)
        manifest = json.loads((own.models_dir / row.kind / row.version / registry.MANIFEST).read_text())
        assert manifest and all(len(h) == 64 for h in manifest.values())


def test_a_damaged_file_is_refused_by_name_and_the_previous_version_serves(own: Workspace) -> None:
    first = registry.active_version(own, "recs")
    train_recs(own, models=("popularity", "ease"))
    second = registry.active_version(own, "recs")
    damaged = own.models_dir / "recs" / second / "models" / "ease" / "arrays.npz"
    damaged.write_bytes(damaged.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(registry.DamagedModel, match=f"recs model version {second} is damaged: models/ease/arrays.npz"):
        registry.verify(own, "recs", second)
    bundle = load_recs(own)
    assert bundle.version == first and f"serving the previous version {first}" in bundle.problem
    with pytest.raises(registry.DamagedModel):
        registry.activate(own, "recs", second)


def test_a_foreign_folder_without_manifest_is_refused(own: Workspace) -> None:
    version = registry.active_version(own, "sentiment")
    (own.models_dir / "sentiment" / version / registry.MANIFEST).unlink()
    with pytest.raises(registry.DamagedModel, match="has no manifest"):
        registry.verify(own, "sentiment", version)
    from core.sentiment.service import load_sentiment

    with pytest.raises(registry.DamagedModel, match="no earlier intact version exists: retrain"):
        load_sentiment(own)


def test_new_data_makes_every_model_stale(own: Workspace) -> None:
    extra = pd.DataFrame(
        {
            "customer_id": ["C10001"],
            "product_id": ["P1001"],
            "quantity": [1.0],
            "timestamp": [pd.Timestamp("2026-07-01")],
            "event_type": ["purchase"],
        }
    )
    own.commit({"interactions": extra}, mode="append")
    found = registry.overview(own)
    assert found[found["status"] == "active"]["stale"].all()


def test_cli_lists_promotes_rolls_back_and_deletes(
    own: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    first = registry.active_version(own, "recs")
    train_recs(own, models=("popularity", "ease"))
    second = registry.active_version(own, "recs")
    ws = str(own.path)
    monkeypatch.setenv("PERSONALENS_HOME", str(tmp_path))
    listed = _cli(capsys, "models", "--workspace", ws, "--json")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert {(r["kind"], r["status"]) for r in rows if r["version"] in (first, second)} == {
        ("recs", "retired"),
        ("recs", "active"),
    }
    back = _cli(capsys, "models", "--workspace", ws, "--rollback", "recs")
    assert back.returncode == 0 and first in back.stdout
    assert registry.active_version(own, "recs") == first
    refused = _cli(capsys, "models", "--workspace", ws, "--delete", first)
    assert refused.returncode == 2 and "is active" in refused.stderr
    assert _cli(capsys, "models", "--workspace", ws, "--promote", second).returncode == 0
    assert _cli(capsys, "models", "--workspace", ws, "--delete", first).returncode == 0
    assert not (own.models_dir / "recs" / first).exists()
    assert load_recs(own).version == second
    with pytest.raises(PersonaLensError, match="no earlier recs version"):
        registry.rollback(own, "recs")
