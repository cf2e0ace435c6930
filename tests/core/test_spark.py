"""The Spark engine, run for real in local[2] mode on small real data: hand-off, ALS, KMeans, LDA, the CLI."""

from __future__ import annotations

import gzip
import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.errors import PersonaLensError
from core.spark import engine, handoff
from tests.conftest import SHARED_DATA

ML = SHARED_DATA / "movielens-100k" / "u.data"
AMAZON_MI = SHARED_DATA / "amazon-musical-instruments" / "reviews_Musical_Instruments_5.json.gz"


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One local[2] Spark session for the module (few shuffle partitions: the data is small)."""
    engine.configure(
        engine.SparkSettings(
            "local[2]",
            {"spark.sql.shuffle.partitions": "2", "spark.driver.memory": "1g"},
            str(tmp_path_factory.mktemp("handoff")),
        )
    )
    yield
    engine.stop()
    engine.configure(engine.SparkSettings())


def _movielens(users: int = 300):  # noqa: ANN202 - InteractionData
    from core.recs.data import interaction_data_from_pairs

    frame = pd.read_csv(ML, sep="\t", names=["customer_id", "product_id", "rating", "ts"])
    frame = frame[frame["customer_id"] <= users]
    return interaction_data_from_pairs(frame.assign(n=1)[["customer_id", "product_id", "n", "rating"]])


def test_handoff_writes_partitioned_parquet_and_cleans_up(spark: None) -> None:
    import scipy.sparse as sp

    matrix = sp.random(50, 20, density=0.2, format="csr", random_state=1, dtype=np.float32)
    with handoff.job_folder("check") as folder:
        handoff.interactions(matrix, folder / "interactions")
        parts = sorted(p.name for p in (folder / "interactions").iterdir())
        back = handoff.read(folder / "interactions").sort_values(["user", "item"])
        read_by_spark = engine.session().read.parquet(str(folder / "interactions")).count()
    assert parts and all(p.startswith("part=") for p in parts)
    coo = matrix.tocoo()
    assert read_by_spark == matrix.nnz == len(back)
    expected = pd.DataFrame({"user": coo.row, "item": coo.col}).sort_values(["user", "item"])
    assert back[["user", "item"]].to_numpy().tolist() == expected.to_numpy().tolist()
    assert not folder.exists()


def test_spark_als_ranks_as_well_as_the_local_als_on_the_same_split(spark: None) -> None:
    from core.recs.evaluate import evaluate_models

    fixed = {"params": {"als": {"factors": 16}, "spark_als": {"factors": 16, "regularization": 0.01}}}
    evaluation = evaluate_models(_movielens(), None, ["als", "spark_als"], "stratified", 10, 42, tuned=fixed)
    ndcg = {r.name: r.metrics["ndcg"] for r in evaluation.results}
    assert not [r.error for r in evaluation.results if r.error]
    assert ndcg["spark_als"] >= 0.9 * ndcg["als"] and ndcg["spark_als"] > 0.2


def test_spark_als_is_saved_and_loaded_like_any_recommender(spark: None, tmp_path: Path) -> None:
    from core.recs.evaluate import training_set
    from core.recs.models import REGISTRY

    data = _movielens(100)
    train = training_set(data, data.pairs, None)
    model = REGISTRY["spark_als"](factors=8, iterations=5).fit(train)
    model.save(tmp_path / "m")
    again = REGISTRY["spark_als"].load(tmp_path / "m", train)
    users = np.arange(5)
    assert model.score(users).shape == (5, data.n_items)
    np.testing.assert_allclose(again.score(users), model.score(users))
    assert np.abs(model.user_factors_).sum(axis=1).min() > 0  # every customer with history has factors


def test_spark_personas_agree_with_the_local_ones(spark: None, demo_ws) -> None:  # noqa: ANN001
    from sklearn.metrics import adjusted_rand_score

    from core.personas.profile import build_profiles
    from core.personas.segment import PersonaModel

    profiles = build_profiles(demo_ws)
    local = PersonaModel(n_personas=6).fit(profiles)
    on_spark = PersonaModel(n_personas=6, engine="spark").fit(profiles)
    assert adjusted_rand_score(local.labels_, on_spark.labels_) >= 0.8
    assert on_spark.silhouette_ >= local.silhouette_ - 0.03
    assert on_spark.centroids_.shape == local.centroids_.shape


def _amazon_reviews(n: int = 3000) -> list[str]:
    texts = []
    with gzip.open(AMAZON_MI, "rt") as handle:
        for line in handle:
            texts.append(json.loads(line)["reviewText"])
            if len(texts) == n:
                break
    return texts


def test_spark_lda_topics_are_as_coherent_as_gensim_lda(spark: None) -> None:
    from core.topics.service import prepare, search

    _, corpus = prepare(_amazon_reviews())
    candidates, fits = search(corpus, ("lda", "spark_lda"), (8,), 42)
    npmi = {c.method: c.npmi for c in candidates}
    assert npmi["spark_lda"] >= npmi["lda"] - 0.1 * abs(npmi["lda"])
    doc_topics = fits[("spark_lda", 8)].doc_topics
    assert doc_topics.shape == (corpus.counts.shape[0], 8)
    assert np.allclose(doc_topics[doc_topics.sum(axis=1) > 0].sum(axis=1), 1.0)


def test_cli_trains_on_spark_and_versions_say_so(spark: None, demo_ws, tmp_path: Path, capsys) -> None:  # noqa: ANN001
    from core import registry
    from core.cli import main
    from core.models_view import version_table
    from core.workspace import open_workspace

    shutil.copytree(demo_ws.path, tmp_path / "shop")
    args = ["train", "--workspace", str(tmp_path / "shop"), "--models", "personas,topics"]
    args += ["--engine", "spark", "--spark-master", "local[2]", "--n-personas", "5", "--n-topics", "6"]
    args += ["--spark-conf", "spark.sql.shuffle.partitions=2", "--handoff-dir", str(tmp_path / "handoff")]
    assert main([*args, "--promote", "always"]) == 0
    out = capsys.readouterr().out
    assert "personas: version" in out and "(trained on spark)" in out
    ws = open_workspace(tmp_path / "shop")
    for kind in ("personas", "topics"):
        summary = json.loads(registry.versions(ws, kind).iloc[0]["summary"])
        assert summary["engine"] == "spark" and summary["spark_version"].startswith("4.")
        assert version_table(ws, kind)["engine"].iloc[0] == "spark"
    assert registry.active_version(ws, "topics") == registry.versions(ws, "topics").iloc[0]["version"]
    assert not any((tmp_path / "handoff").glob("kmeans-*")) and not any((tmp_path / "handoff").glob("lda-*"))


def test_kinds_without_a_spark_trainer_train_locally_and_say_so(capsys) -> None:  # noqa: ANN001
    from core import kinds
    from core.cli import _print_training

    options = kinds.TrainOptions(engine="spark")
    assert [k.name for k in kinds.KINDS if k.engine_for(options) == "spark"] == ["personas", "topics", "recs"]
    result = {"version": "v1", "chosen": "linear", "reviews_scored": 10, "seconds": 1.0, "note": "", "engine": "local"}
    _print_training({"sentiment": result}, "spark")
    assert "(trained locally: sentiment has no spark trainer)" in capsys.readouterr().out
    assert options.as_args()[-2:] == ["--engine", "spark"]


def test_spark_engine_without_pyspark_names_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)
    with pytest.raises(PersonaLensError, match="requirements-spark.txt.*openjdk-17-jre-headless"):
        engine.check_engine("spark")


def test_spark_engine_without_java_names_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(PersonaLensError, match="no java was found"):
        engine.check_available()


def test_unknown_engine_and_bad_conf_are_refused_plainly(demo_ws, capsys) -> None:  # noqa: ANN001
    from core.cli import main

    assert main(["train", "--workspace", str(demo_ws.path), "--models", "personas", "--engine", "flink"]) != 0
    assert "there is no engine 'flink'" in capsys.readouterr().err
    with pytest.raises(PersonaLensError, match="KEY=VALUE"):
        engine.parse_conf(["spark.executor.memory"])
