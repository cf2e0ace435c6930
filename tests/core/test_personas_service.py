"""Training, storing and reading personas for a workspace; the CLI on top."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from core.cli import main
from core.errors import PersonaLensError
from core.personas import service
from core.personas.views import customer_story
from core.workspace import Workspace, open_workspace


@pytest.fixture(scope="module")
def trained(trained_ws: Workspace, tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """A copy of the session's trained demo, whose personas were the first model trained on the demo's data
    (service.train_personas with its defaults, as here before): copied, not trained a second time."""
    copy = tmp_path_factory.mktemp("personas") / "demo"
    shutil.copytree(trained_ws.path, copy)
    return open_workspace(copy)


def test_training_stores_model_assignments_names_and_views(trained: Workspace) -> None:
    version = service.current_version(trained)
    assert (trained.models_dir / "personas" / version / "arrays.npz").is_file()
    assert not list((trained.models_dir / "personas").glob(".*partial"))
    current = service.assignments(trained)
    assert len(current) == 2000 and current["persona_name"].notna().all()
    views = service.load_views(trained)
    assert len(views.cards) == current["persona_id"].nunique() == 6
    assert {c.name for c in views.cards} == set(current["persona_name"])
    assert all(c.quotes and c.keywords and c.offer for c in views.cards)
    assert sum(c.size for c in views.cards) == 2000
    assert set(views.map["persona_name"]) == set(current["persona_name"])
    stored = trained.models_dir / "personas" / version / "views" / service.CLOUDS
    assert set(views.clouds) == {c.persona_id for c in views.cards} == {int(p.stem) for p in stored.glob("*.png")}
    assert all(png.startswith(b"\x89PNG") for png in views.clouds.values())


def test_a_version_stored_without_clouds_gets_them_drawn_when_read(trained: Workspace) -> None:
    folder = trained.models_dir / "personas" / service.current_version(trained) / "views" / service.CLOUDS
    stored = {p.name: p.read_bytes() for p in folder.glob("*.png")}
    shutil.rmtree(folder)
    try:
        assert service.load_views(trained).clouds.keys() == {int(name.split(".")[0]) for name in stored}
    finally:
        folder.mkdir()
        for name, png in stored.items():
            (folder / name).write_bytes(png)


def test_a_cloud_is_drawn_in_the_clouds_palette_without_pyplot() -> None:
    import subprocess
    import sys

    # a fresh interpreter: whether pyplot gets imported is a property of the whole import chain
    code = (
        "import sys; from core.personas import cloud; "
        "im = cloud.keyword_cloud(['guitar', 'strings', 'tone', 'pedal', 'capo']); "
        "colours = {'#%02x%02x%02x' % c for _, c in im.getcolors(1 << 20)}; "
        "print(im.size, 'matplotlib.pyplot' in sys.modules, bool(colours & set(cloud.CLOUD_COLOURS)))"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root).stdout
    assert out.split() == ["(520,", "220)", "False", "True"]


def test_edited_names_survive_retraining(trained: Workspace) -> None:
    service.rename_persona(trained, 2, "Campus crowd")
    service.train_personas(trained)
    assert "Campus crowd" in set(service.assignments(trained)["persona_name"])
    assert "Campus crowd" in {c.name for c in service.load_views(trained).cards}
    with pytest.raises(PersonaLensError, match="needs a name"):
        service.rename_persona(trained, 2, "  ")


def test_customer_story(trained: Workspace) -> None:
    views = service.load_views(trained)
    reviewer = trained.query("SELECT customer_id FROM reviews LIMIT 1")["customer_id"].iloc[0]
    story = customer_story(trained, views.profiles, views.assignments, reviewer)
    assert story is not None and story.persona_name and story.rfm_segment
    assert len(story.purchases) > 0 and story.reviews["sentiment"].between(-1, 1).all()
    assert customer_story(trained, views.profiles, views.assignments, "nobody") is None


def test_cli_train_export_evaluate(trained: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "--workspace", str(trained.path), "--models", "personas", "--json"]) == 0
    run = json.loads(capsys.readouterr().out)["personas"]
    assert run["n_personas"] == 6 and sum(run["sizes"].values()) == 2000
    out = tmp_path / "personas.csv"
    assert main(["export", "--workspace", str(trained.path), "--what", "personas", "--output", str(out)]) == 0
    exported = pd.read_csv(out)
    assert list(exported.columns) == ["customer_id", "persona_id", "persona_name"] and len(exported) == 2000
    capsys.readouterr()
    assert main(["evaluate", "--workspace", str(trained.path), "--task", "personas", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["n_personas"] == 6 and report["silhouette"] > 0.2
    assert sum(s["customers"] for s in report["sizes"]) == 2000


def test_cli_refuses_what_it_cannot_do(demo_ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "--workspace", str(demo_ws.path), "--models", "rockets"]) == 2
    assert "models available are personas" in capsys.readouterr().err
    assert main(["evaluate", "--workspace", str(demo_ws.path), "--task", "personas"]) == 2
    assert "no personas yet" in capsys.readouterr().err
