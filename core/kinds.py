"""Every model kind, declared once: the registry, the CLI, training runs and the Models page loop over these.

A kind says what it is called, which number tells how good a version is and what that number
means, which output table it owns (rows per version; promoting a version is a change of status
only), and how it trains: `train(ws, options, progress)` returns the plain result the CLI prints
as JSON. Trainers are imported when a kind trains, so listing the kinds imports no model library.
`engines` says where a kind can train: every kind trains locally; personas, topics and
recommendations can also hand their heavy fits to Apache Spark (core.spark). A kind's `train` gets
options whose engine is already the one it trains on (`engine_for`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from core.spark.engine import LOCAL, SPARK

if TYPE_CHECKING:
    from core.workspace import Workspace

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class TrainOptions:
    """Settings a training run may carry; each kind reads the ones it understands."""

    seed: int = 42
    n_personas: int | None = None
    n_topics: int | None = None
    persona_groups: tuple[str, ...] | None = None
    persona_weights: dict[str, float] | None = field(default=None, hash=False)
    engine: str = LOCAL
    spark_master: str | None = None
    spark_conf: tuple[str, ...] = ()  # KEY=VALUE
    handoff: str | None = None  # the Spark hand-off folder (shared by driver and executors)

    def as_args(self) -> list[str]:
        """The same options as `python -m core train` arguments (for a background run)."""
        out = ["--seed", str(self.seed)]
        if self.engine != LOCAL:
            out += ["--engine", self.engine]
        if self.spark_master:
            out += ["--spark-master", self.spark_master]
        for pair in self.spark_conf:
            out += ["--spark-conf", pair]
        if self.handoff:
            out += ["--handoff-dir", self.handoff]
        if self.n_personas is not None:
            out += ["--n-personas", str(self.n_personas)]
        if self.n_topics is not None:
            out += ["--n-topics", str(self.n_topics)]
        if self.persona_groups:
            out += ["--persona-groups", ",".join(self.persona_groups)]
        if self.persona_weights:
            out += ["--persona-weights", json.dumps(self.persona_weights)]
        return out


@dataclass(frozen=True)
class ModelKind:
    name: str
    label: str
    metric: str
    meaning: str
    output_table: str | None
    train: Callable[[Workspace, TrainOptions, Progress], dict]
    headline: Callable[[dict, dict], float | None]  # (metrics, summary) -> the metric's value
    engines: tuple[str, ...] = (LOCAL,)

    def engine_for(self, options: TrainOptions) -> str:
        """The engine this kind trains on: the one asked for when it has a trainer there, else local."""
        return options.engine if options.engine in self.engines else LOCAL


def _train_personas(ws: Workspace, options: TrainOptions, progress: Progress) -> dict:
    from core.personas.service import train_personas

    run = train_personas(
        ws,
        n_personas=options.n_personas,
        groups=options.persona_groups,
        weights=options.persona_weights,
        progress=progress,
        engine=options.engine,
    )
    return {
        "version": run.version,
        "n_personas": run.n_personas,
        "silhouette": round(run.silhouette, 4),
        "sizes": run.sizes,
        "seconds": run.seconds,
    }


def _train_sentiment(ws: Workspace, options: TrainOptions, progress: Progress) -> dict:
    from core.sentiment.service import train_sentiment

    run = train_sentiment(ws, seed=options.seed, progress=progress)
    return {
        "version": run.version,
        "chosen": run.chosen,
        "note": run.note,
        "comparison": [asdict(c) for c in run.comparison],
        "reviews_scored": run.reviews_scored,
        "seconds": run.seconds,
    }


def _train_topics(ws: Workspace, options: TrainOptions, progress: Progress) -> dict:
    from core.topics.service import train_topics

    run = train_topics(ws, n_topics=options.n_topics, seed=options.seed, progress=progress, engine=options.engine)
    return {
        "version": run.version,
        "method": run.method,
        "k": run.k,
        "npmi": run.npmi,
        "diversity": run.diversity,
        "topics": [t.label for t in run.topics],
        "seconds": run.seconds,
    }


def _train_recs(ws: Workspace, options: TrainOptions, progress: Progress) -> dict:
    from core.recs.service import train_recs

    run = train_recs(ws, seed=options.seed, progress=progress, engine=options.engine)
    return {
        "version": run.version,
        "best": run.best,
        "ndcg@10": {r.name: r.metrics.get("ndcg") for r in run.evaluation.results},
        "failed": {r.name: r.error for r in run.evaluation.results if r.error},
        "seconds": run.seconds,
    }


def _train_propensity(ws: Workspace, options: TrainOptions, progress: Progress) -> dict:
    from core.whatif.service import train_propensity

    run = train_propensity(ws, seed=options.seed, progress=progress)
    q = run.quality
    return {
        "version": run.version,
        "level": run.level,
        "horizon_days": run.horizon_days,
        "auc": q.auc,
        "baseline_auc": q.baseline_auc,
        "brier": q.brier,
        "expected_buyers": q.expected,
        "observed_buyers": q.observed,
        "seconds": run.seconds,
    }


def _chosen(metric: str, key: str) -> Callable[[dict, dict], float | None]:
    """The headline of a kind that compares several models: `metric` of the one the summary names `key`."""

    def value(metrics: dict, summary: dict) -> float | None:
        chosen = summary.get(key)
        return (metrics.get(chosen) or {}).get(metric) if chosen else None

    return value


KINDS: tuple[ModelKind, ...] = (
    ModelKind(
        "personas",
        "Personas",
        "silhouette",
        "how clearly apart the personas are (-1 to 1; above 0.1 is usable on real data)",
        "persona_assignments",
        _train_personas,
        lambda metrics, _summary: metrics.get("silhouette"),
        (LOCAL, SPARK),
    ),
    ModelKind(
        "sentiment",
        "Sentiment",
        "macro-F1",
        "how well it tells negative, neutral and positive reviews apart on held-out rated reviews (0 to 1)",
        "review_sentiment",
        _train_sentiment,
        _chosen("macro_f1", "chosen"),
    ),
    ModelKind(
        "topics",
        "Topics",
        "NPMI",
        "how much each topic's words really appear together (-1 to 1, higher is better)",
        "review_topics",
        _train_topics,
        lambda metrics, _summary: metrics.get("npmi"),
        (LOCAL, SPARK),
    ),
    ModelKind(
        "recs",
        "Recommendations",
        "NDCG@10",
        "how high the products customers really chose rank among the top 10 (0 to 1)",
        None,
        _train_recs,
        _chosen("ndcg", "best"),
        (LOCAL, SPARK),
    ),
    ModelKind(
        "propensity",
        "Purchase propensity",
        "AUC",
        "how well it ranks next period's real buyers above the rest, on a held-out period (0.5 = chance)",
        None,
        _train_propensity,
        lambda metrics, _summary: metrics.get("auc"),
    ),
)
NAMES: tuple[str, ...] = tuple(k.name for k in KINDS)
BY_NAME: dict[str, ModelKind] = {k.name: k for k in KINDS}
LABELS: dict[str, str] = {k.name: k.label for k in KINDS}


def kind(name: str) -> ModelKind:
    from core.errors import PersonaLensError

    if name not in BY_NAME:
        raise PersonaLensError(f"there is no model kind {name!r}: use one of {', '.join(NAMES)}")
    return BY_NAME[name]
