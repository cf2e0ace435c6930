"""Recommenders, metrics and splits on small data whose right answers are known."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from core.errors import PersonaLensError
from core.recs.data import interaction_data_from_pairs
from core.recs.evaluate import Evaluation, ModelResult, serving_order
from core.recs.metrics import customer_ndcg, ranking_metrics, top_k
from core.recs.models import REGISTRY, Hybrid, TrainingSet
from core.recs.split import last_split, stratified_split


def test_metrics_match_a_hand_computed_example() -> None:
    truth = sp.csr_matrix(np.array([[1, 0, 1, 0, 0], [0, 0, 0, 0, 1], [0, 0, 0, 0, 0]], dtype=float))
    top = np.array([[2, 1], [0, 3], [0, 1]])  # user 0: hit at rank 1; user 1: no hit; user 2: nothing held out
    m = ranking_metrics(top, truth, 2, popularity=np.array([4, 2, 1, 1, 1]))
    assert m["precision"] == pytest.approx((1 / 2 + 0) / 2)
    assert m["recall"] == pytest.approx((1 / 2 + 0) / 2)
    assert m["ndcg"] == pytest.approx((1 / (1 + 1 / np.log2(3)) + 0) / 2)
    assert m["map"] == pytest.approx((1 / 2 + 0) / 2)
    assert m["hit_rate"] == pytest.approx(0.5)
    assert m["coverage"] == pytest.approx(4 / 5)  # items 2, 1, 0, 3 of the scored customers
    per_customer = customer_ndcg(top, truth, 2)  # the customers with something held out, in order
    assert per_customer.tolist() == pytest.approx([1 / (1 + 1 / np.log2(3)), 0.0])
    assert per_customer.mean() == pytest.approx(m["ndcg"])


def _evaluation(per_customer: dict[str, list[float]]) -> Evaluation:
    results = [ModelResult(n, n, {"ndcg": float(np.mean(v))}) for n, v in per_customer.items()]
    arrays = {n: np.array(v) for n, v in per_customer.items()}
    return Evaluation("last", 10, 42, 4, 4, 5, results, {}, arrays)


def test_the_blend_is_served_unless_a_single_model_leads_it_beyond_the_noise() -> None:
    # user_knn ahead on average, but by less than one standard error of the paired differences
    close = _evaluation({"user_knn": [1, 0, 1, 0.5], "hybrid": [0, 1, 1, 0.4], "popularity": [0, 0, 0, 0]})
    assert serving_order(close, ["user_knn", "hybrid", "popularity"]) == ["hybrid", "user_knn", "popularity"]
    # the same lead on every customer is no noise
    clear = _evaluation({"user_knn": [1, 1, 1, 0.5], "hybrid": [0.5, 0.5, 0.5, 0.0], "popularity": [0, 0, 0, 0]})
    assert serving_order(clear, ["user_knn", "hybrid", "popularity"]) == ["user_knn", "hybrid", "popularity"]
    # without the blend (or with it unfitted) the order is the validation NDCG's
    assert serving_order(close, ["user_knn", "popularity"]) == ["user_knn", "popularity"]
    # an evaluation read back from a version has no per-customer values: its own order
    saved = Evaluation.from_dict(close.to_dict())
    assert serving_order(saved, ["user_knn", "hybrid"]) == ["user_knn", "hybrid"]


def test_top_k_excludes_seen_items_and_orders_best_first() -> None:
    scores = np.array([[0.1, 0.9, 0.5, 0.7]])
    seen = sp.csr_matrix(np.array([[0, 1, 0, 0]]))
    assert top_k(scores, 2, seen).tolist() == [[3, 2]]


def _pairs(n_users: int = 40, seed: int = 0) -> pd.DataFrame:
    """Two tastes: even customers buy from products A0-A9, odd ones from B0-B9."""
    rng = np.random.default_rng(seed)
    rows = []
    for u in range(n_users):
        side = "A" if u % 2 == 0 else "B"
        for i in rng.choice(10, 6, replace=False):
            rows.append((f"U{u}", f"{side}{i}", pd.Timestamp("2026-01-01") + pd.Timedelta(days=int(rng.integers(90)))))
    return pd.DataFrame(rows, columns=["customer_id", "product_id", "last_ts"])


def test_splits_hold_out_a_quarter_per_customer_and_the_latest_product() -> None:
    data = interaction_data_from_pairs(_pairs())
    train, test = stratified_split(data.pairs, 0.75, seed=3)
    assert len(train) + len(test) == len(data.pairs)
    assert set(test.groupby("user").size()) == {2}  # round(6 * 0.25)
    again, _ = stratified_split(data.pairs, 0.75, seed=3)
    assert train.equals(again)
    train, test = last_split(data.pairs)
    latest = data.pairs.loc[data.pairs.groupby("user")["last_ts"].idxmax()]
    assert (test.sort_values("user")["last_ts"].to_numpy() == latest.sort_values("user")["last_ts"].to_numpy()).all()


@pytest.fixture(scope="module")
def taste_data() -> TrainingSet:
    data = interaction_data_from_pairs(_pairs())
    texts = [f"{'garden trowel seeds' if p.startswith('A') else 'guitar strings tuner'} {p}" for p in data.items]
    groups = np.array([int(u[1:]) % 2 for u in data.users])
    return TrainingSet(data.matrix(), data.matrix(), texts, groups), data


@pytest.mark.parametrize("name", [n for n in REGISTRY if n not in ("popularity", "hybrid")])
def test_each_model_recommends_the_customers_own_taste_and_survives_save_and_load(
    name: str, taste_data, tmp_path: Path
) -> None:
    training, data = taste_data
    model = REGISTRY[name]().fit(training)
    users = np.array([data.user_index["U0"], data.user_index["U1"]])
    scores = model.score(users)
    top = top_k(scores, 3, training.matrix[users])
    assert all(data.items[i].startswith("A") for i in top[0]), (name, data.items[top[0]])
    assert all(data.items[i].startswith("B") for i in top[1]), (name, data.items[top[1]])
    model.save(tmp_path / name)
    assert not list((tmp_path / name).glob("*.pkl"))
    loaded = REGISTRY[name].load(tmp_path / name, training)
    np.testing.assert_allclose(loaded.score(users), scores, rtol=1e-5, atol=1e-6)


def test_hybrid_blends_standardised_scores(taste_data) -> None:
    training, data = taste_data
    ease = REGISTRY["ease"]().fit(training)
    knn = REGISTRY["item_knn"]().fit(training)
    blend = Hybrid({"ease": 1.0, "item_knn": 0.5}).fit(training).with_components({"ease": ease, "item_knn": knn})
    users = np.arange(4)
    parts = blend.contributions(users)
    np.testing.assert_allclose(blend.score(users), parts["ease"] + parts["item_knn"])
    with pytest.raises(ValueError, match="als"):
        Hybrid({"als": 1.0}).with_components({"ease": ease})


def test_ease_refuses_a_catalogue_too_large_for_it() -> None:
    from core.recs.models import ease

    huge = sp.csr_matrix((2, ease.MAX_ITEMS + 1), dtype=np.float32)
    with pytest.raises(PersonaLensError, match="inverts a dense products x products matrix.*up to 15,000 products"):
        REGISTRY["ease"]().fit(TrainingSet(huge, huge, [""] * huge.shape[1]))


def test_tuning_tries_each_models_grid_on_an_inner_split_and_keeps_the_best() -> None:
    from core.recs.evaluate import _combinations, make_model, tune, tuning_table

    data = interaction_data_from_pairs(_pairs(120))
    tuned = tune(data, data.pairs, None, ["ease", "rp3beta"], 5, 42, lambda _f, _m: None, (0.0, 1.0))
    for name in ("ease", "rp3beta"):
        trials = tuned["inner_ndcg"][name]
        # every GRID combination fitted once and scored as fitted; the best fit then at every SCORE_GRID value
        grid, scoring = _combinations(REGISTRY[name].GRID), _combinations(REGISTRY[name].SCORE_GRID)
        assert len(trials) == len(grid) + len(scoring) - 1
        fits, rescored = trials[: len(grid)], trials[len(grid) :]
        assert [{k: t[k] for k in scoring[0]} for t in fits] == [scoring[0]] * len(grid)
        best_fit = max(fits, key=lambda t: t["ndcg"])
        assert [{k: t[k] for k in REGISTRY[name].GRID} for t in rescored] == [
            {k: best_fit[k] for k in REGISTRY[name].GRID}
        ] * len(rescored)
        assert [{k: t[k] for k in scoring[0]} for t in rescored] == scoring[1:]
        best = max(trials, key=lambda t: t["ndcg"])
        assert tuned["params"][name] == {k: v for k, v in best.items() if k != "ndcg"}
    assert {r["model"] for r in tuning_table(tuned)} == {REGISTRY["ease"].label, REGISTRY["rp3beta"].label}
    assert make_model("ease", tuned).regularization == tuned["params"]["ease"]["regularization"]
    assert make_model("ease", {"ease_regularization": 50.0}).regularization == 50.0  # a version tuned before


def test_random_walks_damp_best_sellers_as_beta_grows(taste_data) -> None:
    training, data = taste_data
    plain = REGISTRY["rp3beta"](beta=0.0).fit(training)
    damped = REGISTRY["rp3beta"](beta=1.0).fit(training)
    popularity = np.asarray(training.matrix.sum(axis=0)).ravel()
    top = np.argmax(popularity)
    share = lambda m: m.score(np.arange(training.n_users))[:, top].sum() / m.score(np.arange(training.n_users)).sum()  # noqa: E731
    assert share(damped) < share(plain)


def test_orders_are_measured_on_the_next_purchase_and_ratings_on_a_random_quarter() -> None:
    from core.recs.split import natural_protocol

    orders = interaction_data_from_pairs(_pairs()).pairs
    assert natural_protocol(orders) == "last"
    assert natural_protocol(orders.assign(rating=4.0)) == "stratified"  # opinions, in any order
    assert natural_protocol(orders.assign(last_ts=pd.NaT)) == "stratified"  # no dates: no "next"


def test_history_counts_earlier_baskets_less_as_recency_decays() -> None:
    from core.recs.evaluate import training_set

    pairs = pd.DataFrame(
        {
            "customer_id": ["u"] * 3,
            "product_id": ["a", "b", "c"],
            "last_ts": pd.to_datetime(["2026-03-01 09:00", "2026-03-01 18:00", "2026-01-15 12:00"]),
        }
    )
    data = interaction_data_from_pairs(pairs)
    train = training_set(data, data.pairs, None)
    assert train.recency.toarray().tolist() == [[1.0, 1.0, 2.0]]  # a and b: the same (latest) day
    assert train.history(np.array([0]), 0.5).toarray().tolist() == [[1.0, 1.0, 0.5]]
    assert train.history(np.array([0]), 1.0).toarray().tolist() == [[1.0, 1.0, 1.0]]
    ease = REGISTRY["ease"](regularization=1.0, recency=0.2).fit(train)
    np.testing.assert_allclose(ease.score(np.array([0])), train.history(np.array([0]), 0.2) @ ease.weights_)
    undated = interaction_data_from_pairs(pairs.drop(columns="last_ts"))
    assert training_set(undated, undated.pairs, None).recency is None


def test_cooccurrence_counts_the_customers_who_have_both_products() -> None:
    from core.recs.models.base import cooccurrence

    matrix = sp.csr_matrix(np.array([[1, 1, 0], [1, 0, 1], [1, 1, 1], [0, 0, 0]], dtype=float))
    expected = np.array([[3, 2, 2], [2, 2, 1], [2, 1, 2]])
    assert (cooccurrence(matrix).toarray() == expected).all()
    assert cooccurrence(matrix).dtype == np.float32


@pytest.mark.parametrize("name", [n for n, model in REGISTRY.items() if model.PER_CUSTOMER])
def test_per_customer_knobs_scaled_with_the_customers_give_the_same_model(name: str) -> None:
    """Tuned on a sample, a model is refitted on everyone with its PER_CUSTOMER knobs multiplied by the
    customer ratio: that is only right if twice the customers with twice the knob is the same model."""
    matrix = interaction_data_from_pairs(_pairs()).matrix()
    once, twice = (TrainingSet(m, m, [""] * m.shape[1]) for m in (matrix, sp.vstack([matrix, matrix]).tocsr()))
    knobs = {knob: 10.0 for knob in REGISTRY[name].PER_CUSTOMER}
    small = REGISTRY[name](**knobs).fit(once)
    large = REGISTRY[name](**{knob: 2 * value for knob, value in knobs.items()}).fit(twice)
    users = np.arange(matrix.shape[0])
    np.testing.assert_allclose(large.score(users), small.score(users), rtol=1e-4, atol=1e-6)
