"""The demo store simulator: sizes, determinism, and personas that leave visible traces."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from core.config import DEMO_ASSETS_DIR, DEMO_SEED
from core.demo import DemoData, simulate_store, write_demo_csvs
from core.demo.build import CSV_FILES, TRUTH_FILE
from core.demo.campaigns import PLANS, incremental_chance
from core.workspace import Workspace


@pytest.fixture(scope="module")
def demo() -> DemoData:
    return simulate_store(DEMO_SEED)


def _by_persona(demo: DemoData) -> pd.DataFrame:
    lines = demo.interactions[demo.interactions["event_type"] == "purchase"]
    lines = lines.merge(demo.truth, on="customer_id").merge(demo.products, on="product_id")
    return lines


def test_sizes_meet_the_brief(demo: DemoData) -> None:
    assert len(demo.customers) >= 2000
    assert len(demo.products) == 300
    assert demo.products["category"].nunique() >= 6
    purchases = demo.interactions[demo.interactions["quantity"] > 0]
    assert len(purchases) >= 30_000
    assert len(demo.reviews) >= 8000
    span = demo.interactions["timestamp"].max() - demo.interactions["timestamp"].min()
    assert span >= pd.Timedelta(days=365)
    assert demo.truth["persona"].nunique() >= 6
    assert set(demo.truth["customer_id"]) == set(demo.customers["customer_id"])


def test_every_id_refers_to_a_known_customer_and_product(demo: DemoData) -> None:
    for frame in (demo.interactions, demo.reviews):
        assert frame["customer_id"].isin(demo.customers["customer_id"]).all()
        assert frame["product_id"].isin(demo.products["product_id"]).all()
    assert demo.reviews["review_id"].is_unique
    assert not demo.reviews.duplicated(["customer_id", "product_id"]).any()


def test_same_seed_same_tables_other_seed_other_tables() -> None:
    """A smaller store runs the same code; the full demo is pinned by the committed CSVs below."""
    first, again = (simulate_store(DEMO_SEED, n_customers=300, n_reviews=600) for _ in range(2))
    for name, frame in first.frames().items():
        pd.testing.assert_frame_equal(frame, again.frames()[name], obj=name)
    other = simulate_store(DEMO_SEED + 1, n_customers=300, n_reviews=600)
    assert not other.reviews["text"].equals(first.reviews["text"])


def test_committed_demo_csvs_are_what_the_simulator_writes(demo: DemoData, tmp_path: Path) -> None:
    write_demo_csvs(demo, tmp_path)
    for name in [*CSV_FILES.values(), TRUTH_FILE]:
        fresh, committed = tmp_path / name, DEMO_ASSETS_DIR / name
        assert committed.is_file(), f"assets/demo/{name} missing: run `make demo-assets`"
        assert fresh.read_bytes() == committed.read_bytes(), f"assets/demo/{name} is stale: run `make demo-assets`"


def test_personas_differ_in_age_category_price_and_activity(demo: DemoData) -> None:
    lines = _by_persona(demo)
    ages = demo.customers.merge(demo.truth, on="customer_id").groupby("persona")["age"].mean()
    assert ages["retired_gardeners"] - ages["budget_students"] > 35
    top_category = lines.groupby("persona")["category"].agg(lambda c: c.value_counts().index[0])
    assert top_category.nunique() >= 5
    price = lines.groupby("persona")["unit_price"].median()
    assert price["tech_professionals"] > 2 * price["budget_students"]
    per_customer = lines.groupby(["persona", "customer_id"])["order_id"].nunique().groupby("persona").mean()
    assert per_customer["young_parents"] > 1.5 * per_customer["retired_gardeners"]


def test_reviews_vary_and_carry_negation_and_contrast(demo: DemoData) -> None:
    text = demo.reviews["text"]
    assert text.nunique() / len(text) > 0.97
    assert text.str.contains(r"\bnot\b|n't|\bnever\b", case=False).mean() > 0.2
    mid = demo.reviews[demo.reviews["rating"] == 3]["text"]
    assert mid.str.contains(r"\b(?:but|however|that said|downside|sadly)\b", case=False).mean() > 0.2
    share = demo.reviews["rating"].value_counts(normalize=True)
    assert share[5] + share[4] > 0.6 and share[1] + share[2] > 0.05


def test_review_sentiment_follows_the_stars(demo: DemoData) -> None:
    from nltk.sentiment import SentimentIntensityAnalyzer

    from core.nltk_setup import ensure_nltk_data

    ensure_nltk_data()
    vader = SentimentIntensityAnalyzer()
    sample = demo.reviews.sample(1500, random_state=0)
    sample = sample.assign(compound=[vader.polarity_scores(t)["compound"] for t in sample["text"].tolist()])
    by_star = sample.groupby("rating")["compound"].mean()
    assert by_star[1] < 0 < by_star[5]
    assert by_star.is_monotonic_increasing


def test_vocabulary_follows_persona(demo: DemoData) -> None:
    reviews = demo.reviews.merge(demo.truth, on="customer_id")
    for word, persona in [
        ("dorm", "budget_students"),
        ("marathon", "fitness_fans"),
        ("grandchildren", "retired_gardeners"),
        ("toddler", "young_parents"),
        ("compliments", "style_beauty"),
        ("commute", "tech_professionals"),
    ]:
        writers = reviews[reviews["text"].str.contains(word, case=False)]["persona"]
        assert len(writers) > 30, word
        assert (writers == persona).mean() > 0.95, word


def test_past_campaigns_are_randomised_with_a_known_effect(demo: DemoData) -> None:
    results, truth = demo.campaign_results, demo.campaign_truth
    assert results["campaign"].nunique() == len(PLANS)
    control = results["ab_group"] == "control"
    assert 0.15 < control.mean() < 0.25 and results.loc[control, "message_id"].isna().all()
    # a control customer converts only when they bought in the category anyway; contacted ones more often
    assert (results.loc[control, "converted"] == truth.loc[control, "organic"]).all()
    assert results.loc[~control, "converted"].mean() > results.loc[control, "converted"].mean()
    assert (truth.loc[~control, "incremental_chance"] > 0).all()
    budget, tech = (incremental_chance(k, 0.2) for k in ("budget_students", "tech_professionals"))
    assert budget > 1.5 * tech  # price-sensitive personas answer a discount more


def test_personal_data_is_fake(demo: DemoData) -> None:
    emails = demo.customers["email"]
    assert emails.is_unique
    assert emails.str.fullmatch(r"[a-z.]+\d+@example\.(com|org|net)").all()


def test_demo_workspace_holds_the_simulated_tables_and_raw_exports(demo_ws: Workspace, demo: DemoData) -> None:
    counts = demo_ws.row_counts()
    assert counts == {name: len(frame) for name, frame in demo.frames().items()}
    raw = demo_ws.raw_files()
    assert sorted(raw["original_name"]) == sorted(CSV_FILES.values())
    assert demo_ws.verify_raw() == []
