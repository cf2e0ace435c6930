"""Personas: profiles for everyone, the simulator's personas recovered, ids stable, RFM sane."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from core.config import DEMO_ASSETS_DIR
from core.demo import simulate_store
from core.errors import PersonaLensError
from core.personas.profile import CustomerProfiles, build_profiles
from core.personas.rfm import rfm_scores, segment_summary
from core.personas.segment import PersonaModel
from core.workspace import Workspace, create_workspace

PROGRESS: list[tuple[float, str]] = []  # what building the shared profiles reported, in order


@pytest.fixture(scope="module")
def profiles(demo_ws: Workspace) -> CustomerProfiles:
    return build_profiles(demo_ws, progress=lambda f, m: PROGRESS.append((f, m)))


def test_clustering_reports_each_number_of_personas_tried(profiles: CustomerProfiles) -> None:
    heard: list[tuple[float, str]] = []
    PersonaModel(k_range=(3, 4)).fit(profiles, progress=lambda f, m: heard.append((f, m)))
    assert [m for _, m in heard][:2] == ["trying 3 personas", "trying 4 personas"]
    assert heard[-1][1].startswith("grouping everyone into") and [f for f, _ in heard] == sorted(f for f, _ in heard)


def test_profiling_reports_each_stage_as_it_goes(profiles: CustomerProfiles) -> None:
    """On a big store the text part takes tens of seconds: the run's bar moves through it (issue 15)."""
    fractions = [f for f, _ in PROGRESS]
    assert all(later >= earlier - 1e-9 for earlier, later in zip(fractions[:-1], fractions[1:], strict=True))
    assert fractions[0] >= 0 and fractions[-1] <= 1
    stages = [m.split(" ")[0] for _, m in PROGRESS]
    assert stages.count("learning") > 3  # the word vectors, epoch by epoch
    for first, later in (("profiling", "reading"), ("reading", "weighing"), ("learning", "measuring")):
        assert stages.index(first) < stages.index(later), stages


@pytest.fixture(scope="module")
def model(profiles: CustomerProfiles) -> PersonaModel:
    return PersonaModel().fit(profiles)


def test_every_customer_has_a_profile(profiles: CustomerProfiles) -> None:
    assert len(profiles.table) == 2000
    assert set(profiles.groups) == {"behaviour", "categories", "price", "demographics", "text", "campaigns"}
    for group in profiles.groups.values():
        assert group.index.equals(profiles.table.index) and not group.isna().any().any()
    quiet = profiles.table["review_count"] == 0
    assert quiet.any(), "some demo customers never review"
    assert (profiles.table.loc[quiet, "keywords"] == "").all()
    assert (profiles.groups["text"].loc[quiet] == 0).all().all()
    assert profiles.table["top_category"].notna().all()


def test_recovers_the_simulators_personas(model: PersonaModel) -> None:
    truth = pd.read_csv(DEMO_ASSETS_DIR / "truth_personas.csv").set_index("customer_id")
    found = model.assignments().set_index("customer_id")
    assert found["persona_id"].nunique() == 6, [(c.k, round(c.silhouette, 3)) for c in model.k_scores_]
    ari = adjusted_rand_score(truth.loc[found.index, "persona"], found["persona_id"])
    assert ari >= 0.8, ari


def test_persona_ids_survive_a_refit(profiles: CustomerProfiles, model: PersonaModel) -> None:
    refit = PersonaModel(random_state=7).fit(profiles, previous=model)
    same = (refit.labels_ == model.labels_).mean()
    assert same > 0.95, same


def test_save_load_round_trip_without_pickle(model: PersonaModel, profiles: CustomerProfiles, tmp_path: Path) -> None:
    model.save(tmp_path / "personas")
    loaded = PersonaModel.load(tmp_path / "personas")
    assert np.array_equal(loaded.predict(profiles), model.predict(profiles))
    assert loaded.silhouette_ == pytest.approx(model.silhouette_)
    assert (model.predict(profiles) == model.labels_).mean() > 0.99


def test_personas_work_without_review_text(tmp_path: Path) -> None:
    data = simulate_store(3, n_customers=300, n_reviews=0)
    ws = create_workspace(tmp_path / "ws")
    ws.commit({k: v for k, v in data.frames().items() if k != "reviews"})
    profiles = build_profiles(ws)
    assert "text" not in profiles.groups
    fitted = PersonaModel(n_personas=4).fit(profiles)
    assert sorted(set(fitted.labels_.tolist())) == [0, 1, 2, 3]


def test_too_little_data_is_a_plain_error(tmp_path: Path) -> None:
    ws = create_workspace(tmp_path / "ws")
    with pytest.raises(PersonaLensError, match="no customer features"):
        PersonaModel().fit(build_profiles(ws))


def test_rfm_segments_follow_the_rules(profiles: CustomerProfiles) -> None:
    scores = rfm_scores(profiles.table)
    assert len(scores) == int((profiles.table["orders"] > 0).sum())
    assert scores[["r", "f", "m"]].isin([1, 2, 3, 4, 5]).all().all()
    assert (scores["segment"] != "Other").all()
    summary = segment_summary(scores).set_index("segment")
    assert summary.loc["Champions", "recency_days"] < summary.loc["Lost", "recency_days"]
    assert summary.loc["Champions", "orders"] > summary.loc["Lost", "orders"]
    assert summary["share"].sum() == pytest.approx(1.0)


def test_personas_work_without_categories_or_demographics(tmp_path: Path) -> None:
    data = simulate_store(5, n_customers=200, n_reviews=0)
    ws = create_workspace(tmp_path / "ws")
    ws.commit({"interactions": data.interactions, "products": data.products.assign(category=None)})
    profiles = build_profiles(ws)
    assert set(profiles.groups) == {"behaviour", "price"}
    assert profiles.table["top_category"].isna().all()
    assert PersonaModel(n_personas=3).fit(profiles).labels_.max() == 2
