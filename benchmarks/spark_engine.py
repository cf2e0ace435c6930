"""The Spark engine against the local trainers: quality on the same protocol, and how both grow with size.

Quality (one process, Spark in local[2]):
- recommendations: ALS (implicit) and ALS on Spark (MLlib), each tuned on the same inner split and
  measured on the same held-out split: MovieLens-100k (stratified, seed 42), UCI Online Retail (last);
- personas: KMeans on the demo's profiles, k chosen by silhouette, locally and on Spark: adjusted Rand
  index between the two assignments (and with k fixed at the local choice);
- topics: gensim LDA and MLlib LDA with the same k (8) on the demo's and Amazon Musical Instruments'
  reviews: NPMI of each.
Scale: a customers x products matrix of 1M, 5M and 20M interactions resampled (seed 42) from UCI Online
Retail (each synthetic customer copies a real customer's products, a tenth of them swapped for a product
drawn by popularity); ALS fitted once per engine (32 factors, 15 iterations) in a fresh subprocess, its
peak memory sampled over the whole process tree (the Spark JVM included), hand-off writing included.

Run: `PYTHONPATH=. .venv/bin/python benchmarks/spark_engine.py [--part quality|scale|all] [--sizes 1,5,20]`.
Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
SPARK_CONF = {"spark.sql.shuffle.partitions": "8", "spark.driver.memory": "16g"}
ALS_SETTINGS = {"factors": 32, "iterations": 15}


def _spark(handoff: Path) -> None:
    from core.spark import engine

    engine.configure(engine.SparkSettings("local[2]", SPARK_CONF, str(handoff)))


def quality(cache: Path) -> dict:
    from recs_vs_ease import SETS, _data

    from core.recs.evaluate import evaluate_models

    out: dict = {"recs": {}}
    for name in ("ml", "retail"):
        data, protocol = _data(cache, name), SETS[name][2]
        started = time.perf_counter()
        evaluation = evaluate_models(data, None, ["als", "spark_als"], protocol, 10, 42)
        ndcg = {r.name: r.metrics.get("ndcg") for r in evaluation.results}
        fit = {r.name: r.fit_seconds for r in evaluation.results}
        out["recs"][name] = {
            "protocol": protocol,
            "ndcg_local": ndcg["als"],
            "ndcg_spark": ndcg["spark_als"],
            "ratio": round(ndcg["spark_als"] / ndcg["als"], 4),
            "fit_seconds_local": fit["als"],
            "fit_seconds_spark": fit["spark_als"],
            "chosen": evaluation.tuned["params"],
            "seconds": round(time.perf_counter() - started, 1),
            "target": ">= 0.95",
        }
    out["personas"] = _personas(cache)
    out["topics"] = _topics(cache)
    return out


def _demo(cache: Path):  # noqa: ANN202 - Workspace
    from core.demo import build_demo_workspace
    from core.workspace import open_workspace

    path = cache / "demo"
    if not path.exists():
        build_demo_workspace(path)
    return open_workspace(path)


def _personas(cache: Path) -> dict:
    from sklearn.metrics import adjusted_rand_score

    from core.personas.profile import build_profiles
    from core.personas.segment import PersonaModel

    profiles = build_profiles(_demo(cache))
    out = {}
    for label, k in (("k_by_silhouette", None), ("k_fixed", 6)):
        timed = {}
        for engine in ("local", "spark"):
            started = time.perf_counter()
            timed[engine] = (PersonaModel(n_personas=k, engine=engine).fit(profiles), time.perf_counter() - started)
        (local, local_s), (spark, spark_s) = timed["local"], timed["spark"]
        out[label] = {
            "k_local": len(set(local.labels_.tolist())),
            "k_spark": len(set(spark.labels_.tolist())),
            "silhouette_local": round(local.silhouette_, 4),
            "silhouette_spark": round(spark.silhouette_, 4),
            "ari": round(float(adjusted_rand_score(local.labels_, spark.labels_)), 4),
            "seconds_local": round(local_s, 1),
            "seconds_spark": round(spark_s, 1),
            "target_ari": 0.8,
        }
    return out


def _topics(cache: Path) -> dict:
    import gzip

    from core.sentiment.service import review_texts
    from core.topics.service import prepare, search

    amazon = ROOT.parent / "shared" / "data" / "amazon-musical-instruments" / "reviews_Musical_Instruments_5.json.gz"
    with gzip.open(amazon, "rt") as handle:
        amazon_texts = [json.loads(line)["reviewText"] for line in handle]
    out = {}
    for name, texts in (("demo", review_texts(_demo(cache))["text"].tolist()), ("amazon_mi", amazon_texts)):
        _, corpus = prepare(texts)
        candidates, _ = search(corpus, ("lda", "spark_lda"), (8,), 42)
        found = {c.method: c for c in candidates}
        out[name] = {
            "reviews": len(texts),
            "npmi_gensim": found["lda"].npmi,
            "npmi_spark": found["spark_lda"].npmi,
            "seconds_gensim": found["lda"].seconds,
            "seconds_spark": found["spark_lda"].seconds,
            "target": "spark >= 0.9 x gensim",
        }
    return out


def resampled(matrix: sp.csr_matrix, target: int, seed: int = 42) -> sp.csr_matrix:
    """About `target` interactions: synthetic customers each copying a real one's products, 10% swapped."""
    rng = np.random.default_rng(seed)
    counts = np.diff(matrix.indptr)
    n_users = int(np.ceil(target / counts.mean()))
    source = rng.integers(0, matrix.shape[0], n_users)
    lengths = counts[source]
    rows = np.repeat(np.arange(n_users), lengths)
    offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    items = matrix.indices[np.repeat(matrix.indptr[source], lengths) + offsets]
    swap = rng.random(len(items)) < 0.1
    popularity = np.asarray(matrix.sum(axis=0)).ravel()
    items[swap] = rng.choice(matrix.shape[1], int(swap.sum()), p=popularity / popularity.sum())
    out = sp.csr_matrix((np.ones(len(items), np.float32), (rows, items)), shape=(n_users, matrix.shape[1]))
    out.sum_duplicates()
    out.data[:] = 1.0
    return out


def fit_one(engine: str, millions: float, cache: Path) -> dict:
    """One ALS fit on the resampled matrix (run in its own process by `scale`)."""
    from recs_vs_ease import _data

    from core.recs.models import REGISTRY, TrainingSet

    data = _data(cache, "retail")
    matrix = resampled(data.matrix(), int(millions * 1_000_000))
    name = "spark_als" if engine == "spark" else "als"
    if engine == "spark":
        _spark(cache / "handoff")
        from core.spark import engine as spark_engine

        spark_engine.session()  # started before the clock: a cluster has it running already
    train = TrainingSet(matrix, matrix, [""] * matrix.shape[1])
    started = time.perf_counter()
    model = REGISTRY[name](**ALS_SETTINGS).fit(train)
    seconds = time.perf_counter() - started
    return {
        "interactions": int(matrix.nnz),
        "customers": int(matrix.shape[0]),
        "products": int(matrix.shape[1]),
        "fit_seconds": round(seconds, 1),
        "factor_norm": round(float(np.linalg.norm(model.item_factors_)), 2),
    }


def _tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            children.setdefault(int(fields[1]), []).append(int(entry.name))
            rss[int(entry.name)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError):
            continue
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += rss.get(current, 0)
        todo += children.get(current, [])
    return total / 2**20


def scale(sizes: list[float], cache: Path) -> dict:
    out = {}
    for millions in sizes:
        row = {}
        for engine in ("local", "spark"):
            command = [sys.executable, __file__, "--fit-one", engine, str(millions), "--cache", str(cache)]
            process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env={**os.environ})
            peak = 0.0
            while process.poll() is None:
                peak = max(peak, _tree_rss_mb(process.pid))
                time.sleep(0.25)
            text = process.stdout.read()
            if process.returncode != 0:
                row[engine] = {"failed": f"exit code {process.returncode}", "peak_mb": round(peak)}
                continue
            row[engine] = {**json.loads(text.strip().splitlines()[-1]), "peak_mb": round(peak)}
        out[f"{millions:g}M"] = row
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["quality", "scale", "all"], default="all")
    parser.add_argument("--sizes", default="1,5,20", help="millions of interactions for the scale part")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "spark-engine-bench")
    parser.add_argument("--fit-one", nargs=2, metavar=("ENGINE", "MILLIONS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("PERSONALENS_HOME", str(args.cache))
    args.cache.mkdir(parents=True, exist_ok=True)
    if args.fit_one:
        print(json.dumps(fit_one(args.fit_one[0], float(args.fit_one[1]), args.cache)))
        return
    import pyspark

    out: dict = {
        "benchmark": "spark_engine",
        "date": f"{date.today():%Y-%m-%d}",
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "spark": pyspark.__version__,
        "master": "local[2]",
    }
    if args.part in ("quality", "all"):
        _spark(args.cache / "handoff")
        out["quality"] = quality(args.cache)
        from core.spark import engine

        engine.stop()
    if args.part in ("scale", "all"):
        out["scale"] = scale([float(s) for s in args.sizes.split(",")], args.cache)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
