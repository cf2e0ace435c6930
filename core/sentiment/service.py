"""Choose, train, store and apply the sentiment model of a workspace.

With enough star-rated reviews (stars 1-2 negative, 3 neutral, 4-5 positive) the three models
are compared on a held-out fifth by macro-F1 (every class counts the same, so a model cannot win
by calling everything positive); the best is refitted on all rated reviews. Without ratings,
VADER is used and the result says why. Every review's label and score are stored in the
`review_sentiment` table.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from core import registry
from core.errors import PersonaLensError
from core.export import write_csv
from core.sentiment.models import LABELS, MODELS, SentimentModel, VaderModel, proba_many
from core.workspace import Workspace

KIND = "sentiment"
MIN_RATED = 100
MIN_PER_CLASS = 10
TIE = 0.005  # macro-F1 differences below this are noise: the cheaper model wins
Progress = Callable[[float, str], None]
_DDL = """CREATE TABLE IF NOT EXISTS review_sentiment (
    review_id VARCHAR, sentiment_label VARCHAR, sentiment_score DOUBLE, version VARCHAR)"""


@dataclass(frozen=True)
class ModelScore:
    """One model on the held-out fifth of the rated reviews."""

    name: str
    label: str
    macro_f1: float
    binary_f1: float
    accuracy: float
    fit_seconds: float
    error: str | None = None


@dataclass(frozen=True)
class SentimentRun:
    version: str
    chosen: str
    comparison: list[ModelScore]
    note: str
    reviews_scored: int
    seconds: float

    def to_dict(self) -> dict:
        return {**asdict(self), "comparison": [asdict(c) for c in self.comparison]}


def stars_to_labels(stars: np.ndarray) -> np.ndarray:
    """0 negative (1-2 stars), 1 neutral (3), 2 positive (4-5)."""
    return np.where(stars <= 2, 0, np.where(stars < 4, 1, 2))


def review_texts(ws: Workspace) -> pd.DataFrame:
    """review_id, rating, text ("title. body") of every review with some words."""
    return ws.query("""
        SELECT review_id, rating, trim(concat_ws('. ', nullif(trim(title), ''), nullif(trim(text), ''))) AS text
        FROM reviews WHERE coalesce(trim(title), '') <> '' OR coalesce(trim(text), '') <> ''
        ORDER BY review_id""")


def compare_models(
    texts: Sequence[str],
    stars: np.ndarray,
    seed: int = 42,
    progress: Progress | None = None,
    names: Sequence[str] = ("vader", "linear", "neural"),
) -> list[ModelScore]:
    """Every model trained on 80% of the rated, de-duplicated texts and scored on the rest."""
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import train_test_split

    report = progress or (lambda _f, _m: None)
    frame = pd.DataFrame({"text": list(texts), "stars": stars}).drop_duplicates("text")
    labels = stars_to_labels(frame["stars"].to_numpy())
    train, test = train_test_split(np.arange(len(frame)), test_size=0.2, stratify=labels, random_state=seed)
    x_train, x_test = frame["text"].iloc[train].tolist(), frame["text"].iloc[test].tolist()
    polar = frame["stars"].iloc[test].to_numpy() != 3
    out = []
    for i, name in enumerate(names):
        model = MODELS[name]()
        report(i / len(names), f"comparing sentiment models: {model.label}")
        started = time.perf_counter()
        try:
            model.fit(x_train, labels[train])
            fit_seconds = time.perf_counter() - started
            predicted, score = model.predict(x_test), model.score(x_test)
        except Exception as exc:  # one model failing must not stop the comparison
            out.append(ModelScore(name, model.label, float("nan"), float("nan"), float("nan"), 0.0, str(exc)))
            continue
        binary_truth = (labels[test][polar] == 2).astype(int)
        out.append(
            ModelScore(
                name,
                model.label,
                round(float(f1_score(labels[test], predicted, average="macro")), 4),
                round(float(f1_score(binary_truth, (score[polar] > 0).astype(int), average="macro")), 4),
                round(float(accuracy_score(labels[test], predicted)), 4),
                round(fit_seconds, 2),
            )
        )
    return out


def train_sentiment(
    ws: Workspace,
    seed: int = 42,
    progress: Progress | None = None,
    models: Sequence[str] = ("vader", "linear", "neural"),
) -> SentimentRun:
    report = progress or (lambda _f, _m: None)
    started = time.perf_counter()
    reviews = review_texts(ws)
    if reviews.empty:
        raise PersonaLensError("sentiment needs reviews with some text; this workspace has none. Upload reviews first.")
    rated = reviews.dropna(subset=["rating"])
    counts = np.bincount(stars_to_labels(rated["rating"].to_numpy()), minlength=3)
    if len(rated) >= MIN_RATED and (counts >= MIN_PER_CLASS).sum() >= 2 and counts.min() >= 2:
        comparison = compare_models(
            rated["text"].tolist(), rated["rating"].to_numpy(), seed, lambda f, m: report(0.05 + 0.6 * f, m), models
        )
        scored = [c for c in comparison if c.error is None]
        best = max(c.macro_f1 for c in scored)
        chosen = next(c.name for c in scored if c.macro_f1 >= best - TIE)  # the cheapest of the (near) best
        note = (
            f"Compared on {len(rated):,} star-rated reviews (1-2 stars negative, 3 neutral, 4-5 positive): "
            + "; ".join(f"{c.label} {c.macro_f1:.2f}" for c in scored)
            + f" macro-F1. Using {MODELS[chosen].label}."
        )
        report(0.7, f"training {MODELS[chosen].label} on every rated review")
        model: SentimentModel = MODELS[chosen]().fit(
            rated["text"].tolist(), stars_to_labels(rated["rating"].to_numpy())
        )
    else:
        comparison, chosen, model = [], "vader", VaderModel()
        note = (
            f"Only {len(rated):,} reviews have star ratings (at least {MIN_RATED} across two classes are needed to "
            "learn from them), so the VADER word list scores sentiment on its own."
        )
    report(0.85, f"scoring {len(reviews):,} reviews")
    scored = score_texts(model, reviews["text"].tolist())
    scores, labels = scored["sentiment_score"].to_numpy(), scored["sentiment_label"].to_numpy()
    with registry.version_folder(ws, KIND, started) as draft:
        version, partial = draft.version, draft.folder
        model.save(partial)
        (partial / "comparison.json").write_text(json.dumps([asdict(c) for c in comparison], indent=1))
        scored_frame = pd.DataFrame(
            {
                "review_id": reviews["review_id"],
                "sentiment_label": labels,
                "sentiment_score": np.round(scores, 4),
                "version": version,
            }
        )
        with ws.transaction("training (sentiment)") as con:
            con.execute(_DDL)
            con.register("scored", scored_frame)
            con.execute("INSERT INTO review_sentiment SELECT * FROM scored")
            draft.record(
                con,
                metrics={c.name: {"macro_f1": c.macro_f1, "binary_f1": c.binary_f1} for c in comparison},
                summary={"chosen": chosen, "note": note},
            )
    report(1.0, "done")
    return SentimentRun(version, chosen, comparison, note, len(reviews), round(time.perf_counter() - started, 2))


def load_sentiment(ws: Workspace) -> SentimentModel | None:
    """The serving model (the active one, or the newest intact earlier one if it is damaged)."""
    serving = registry.serving_or_none(ws, KIND)
    if serving is None:
        return None
    return SentimentModel.load(ws.models_dir / KIND / serving.version)


def run_info(ws: Workspace) -> dict | None:
    """chosen, note, comparison (list of dicts), version of the active sentiment model."""
    version = registry.active_version(ws, KIND)
    if version is None:
        return None
    row = registry.versions(ws, KIND).set_index("version").loc[version]
    comparison = json.loads((ws.models_dir / KIND / version / "comparison.json").read_text())
    return {"version": version, **json.loads(row["summary"]), "comparison": comparison}


def score_texts(model: SentimentModel, texts: Sequence[str], processes: int = 1) -> pd.DataFrame:
    """sentiment_label, sentiment_score for each text (empty text: neutral, 0)."""
    texts = ["" if t is None or (isinstance(t, float) and np.isnan(t)) else str(t) for t in texts]
    if isinstance(model, VaderModel):
        scores = model.score(texts) if texts else np.array([])
        labels = np.where(scores >= 0.05, "positive", np.where(scores <= -0.05, "negative", "neutral"))
    else:
        p = proba_many(model, texts, processes) if texts else np.zeros((0, 3))
        scores, labels = np.clip(p[:, 2] - p[:, 0], -1, 1), np.array(LABELS)[p.argmax(axis=1)]
    empty = np.array([not t.strip() for t in texts], dtype=bool)
    return pd.DataFrame(
        {
            "sentiment_label": np.where(empty, "neutral", labels),
            "sentiment_score": np.where(empty, 0.0, np.round(scores, 4)),
        }
    )


def score_file(ws: Workspace, source: Path, text_column: str, output: Path) -> int:
    """Add sentiment_label and sentiment_score to a CSV of texts; returns the number of rows."""
    model = load_sentiment(ws) or VaderModel()
    try:
        frame = pd.read_csv(source, dtype=str, keep_default_na=False)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise PersonaLensError(f"cannot read {source} as CSV: {exc}") from exc
    if text_column not in frame.columns:
        raise PersonaLensError(
            f"{source.name} has no column {text_column!r}; its columns are {', '.join(frame.columns)}"
        )
    scored = score_texts(model, frame[text_column].tolist(), processes=2)  # a batch job: use both cores
    frame[["sentiment_label", "sentiment_score"]] = scored.to_numpy()
    write_csv(frame, output)
    return len(frame)
