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
from core.budget import Sample, sample_rows
from core.errors import PersonaLensError
from core.export import write_csv
from core.sentiment.models import LABELS, MODELS, AdaptiveModel, SentimentModel, VaderModel, proba_many
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


MODEL_ORDER = ("vader", "adaptive", "linear", "neural")  # cheapest (or most general) first: it wins a tie
MIN_TAUGHT = 25  # labels from the marketer before they, not the stars, decide which model serves
FOLDS = 5
TAUGHT_MODELS = ("vader", "adaptive", "linear", "semi_supervised")  # cross-validated FOLDS times: no neural model


def compare_models(
    texts: Sequence[str],
    stars: np.ndarray,
    seed: int = 42,
    progress: Progress | None = None,
    names: Sequence[str] = MODEL_ORDER,
) -> list[ModelScore]:
    """Every model trained on 80% of the rated, de-duplicated texts and scored on the rest."""
    return compare_labelled(texts, stars_to_labels(np.asarray(stars)), seed, progress, names)


def compare_labelled(
    texts: Sequence[str],
    labels: np.ndarray,
    seed: int = 42,
    progress: Progress | None = None,
    names: Sequence[str] = MODEL_ORDER,
) -> list[ModelScore]:
    """The same on class labels (0 negative, 1 neutral, 2 positive)."""
    from sklearn.model_selection import train_test_split

    frame = pd.DataFrame({"text": list(texts), "label": labels}).drop_duplicates("text")
    labels = frame["label"].to_numpy()
    train, test = train_test_split(np.arange(len(frame)), test_size=0.2, stratify=labels, random_state=seed)
    texts = frame["text"].tolist()
    return _scores(names, [(train, test)], texts, labels, progress)


def cross_validate_taught(
    texts: Sequence[str],
    labels: np.ndarray,
    taught: np.ndarray,
    seed: int = 42,
    progress: Progress | None = None,
    names: Sequence[str] = TAUGHT_MODELS,
    unlabelled: Sequence[str] = (),
) -> list[ModelScore]:
    """Every model scored on the marketer's labels (`taught` marks them), FOLDS-fold: each taught
    item is predicted by a model trained on every other labelled item (stars included) and, for a
    model that learns from them, the `unlabelled` texts."""
    from sklearn.model_selection import KFold, StratifiedKFold

    taught_ids = np.flatnonzero(taught)
    counts = np.bincount(labels[taught_ids], minlength=3)
    folds = min(FOLDS, len(taught_ids))
    split = (
        StratifiedKFold(folds, shuffle=True, random_state=seed)
        if counts[counts > 0].min() >= folds
        else KFold(folds, shuffle=True, random_state=seed)
    )
    everyone = np.arange(len(labels))
    pairs = [
        (np.setdiff1d(everyone, taught_ids[test]), taught_ids[test])
        for _, test in split.split(taught_ids, labels[taught_ids])
    ]
    return _scores(names, pairs, list(texts), labels, progress, unlabelled)


def _scores(
    names: Sequence[str],
    splits: Sequence[tuple[np.ndarray, np.ndarray]],
    texts: list[str],
    labels: np.ndarray,
    progress: Progress | None,
    unlabelled: Sequence[str] = (),
) -> list[ModelScore]:
    """Each model fitted on every split's first part; its predictions on the second parts pooled and scored."""
    from sklearn.metrics import accuracy_score, f1_score

    report = progress or (lambda _f, _m: None)
    out = []
    truth = np.concatenate([labels[test] for _, test in splits])
    for i, name in enumerate(names):
        comparing = f"comparing sentiment models: {MODELS[name].label}"
        report(i / len(names), comparing)
        started = time.perf_counter()
        predicted, score = [], []
        try:
            for s, (train, test) in enumerate(splits):

                def stage(f: float, m: str, i: int = i, s: int = s, comparing: str = comparing) -> None:
                    report((i + (s + f) / len(splits)) / len(names), f"{comparing}: {m}")

                model = MODELS[name]().fit_with([texts[j] for j in train], labels[train], unlabelled, stage)
                test_texts = [texts[j] for j in test]
                predicted.append(model.predict(test_texts))
                score.append(model.score(test_texts))
        except Exception as exc:  # one model failing must not stop the comparison
            out.append(ModelScore(name, MODELS[name].label, float("nan"), float("nan"), float("nan"), 0.0, str(exc)))
            continue
        fit_seconds = (time.perf_counter() - started) / len(splits)
        predicted_all, score_all = np.concatenate(predicted), np.concatenate(score)
        polar = truth != 1
        out.append(
            ModelScore(
                name,
                MODELS[name].label,
                round(float(f1_score(truth, predicted_all, average="macro")), 4),
                round(float(f1_score(truth[polar] == 2, score_all[polar] > 0, average="macro")), 4),
                round(float(accuracy_score(truth, predicted_all)), 4),
                round(fit_seconds, 2),
            )
        )
    return out


def choose_model(comparison: list[ModelScore]) -> str:
    """The model to serve: the first (cheapest, or most general) of those within TIE of the best macro-F1."""
    scored = [c for c in comparison if c.error is None]
    best = max(c.macro_f1 for c in scored)
    return next(c.name for c in scored if c.macro_f1 >= best - TIE)  # the first (cheapest) of the (near) best


def training_frame(ws: Workspace) -> pd.DataFrame:
    """review_id, rating, text, label (class index or -1), taught: every review, labelled by the
    marketer's answer where there is one, else by its stars (1-2 negative, 3 neutral, 4-5 positive)."""
    from core.sentiment.labels import training_labels

    reviews = review_texts(ws)
    taught = training_labels(ws)
    stars = reviews["rating"].to_numpy(dtype=float, na_value=np.nan)
    from_stars = np.where(np.isnan(stars), -1, stars_to_labels(np.nan_to_num(stars, nan=3.0)))
    answer = reviews["review_id"].map(taught)
    reviews["taught"] = answer.notna().to_numpy()
    reviews["label"] = np.where(reviews["taught"], answer.fillna(-1).to_numpy(dtype=float), from_stars).astype(int)
    return reviews


def _listed(comparison: list[ModelScore]) -> str:
    return "; ".join(f"{c.label} {c.macro_f1:.2f}" for c in comparison if c.error is None)


def quality_in_words(score: ModelScore, taught: int) -> str:
    """A cross-validated score on the marketer's labels, said as a marketer would want to hear it."""
    return (
        f"On the {taught:,} reviews you labelled, {score.label} agrees with you on {score.accuracy:.0%} of them "
        f"(macro-F1 {score.macro_f1:.2f}; each was predicted by a model that had not seen your label for it)."
    )


def train_sentiment(
    ws: Workspace,
    seed: int = 42,
    progress: Progress | None = None,
    models: Sequence[str] | None = None,
) -> SentimentRun:
    """`models`: the candidates (default: MODEL_ORDER on star ratings, TAUGHT_MODELS on the marketer's labels)."""
    report = progress or (lambda _f, _m: None)
    started = time.perf_counter()
    reviews = training_frame(ws)
    if reviews.empty:
        raise PersonaLensError("sentiment needs reviews with some text; this workspace has none. Upload reviews first.")
    labelled = reviews[reviews["label"] >= 0]
    feedback = reviews["text"].drop_duplicates().tolist()  # what a model may learn words from (no labels)
    taught = int(labelled["taught"].sum())
    counts = np.bincount(labelled["label"].to_numpy(), minlength=3)
    taught_counts = np.bincount(labelled.loc[labelled["taught"], "label"].to_numpy(), minlength=3)
    quality, samples = None, []
    if taught >= MIN_TAUGHT and (taught_counts > 0).sum() >= 2:
        names = TAUGHT_MODELS if models is None else [m for m in models if m in TAUGHT_MODELS]
        comparison = cross_validate_taught(
            labelled["text"].tolist(),
            labelled["label"].to_numpy(),
            labelled["taught"].to_numpy(),
            seed,
            lambda f, m: report(0.05 + 0.6 * f, m),
            names,
            feedback,
        )
        chosen = choose_model(comparison)
        quality = quality_in_words(next(c for c in comparison if c.name == chosen), taught)
        note = (
            f"Chosen on your {taught:,} labels (cross-validated): "
            + _listed(comparison)
            + f" macro-F1. Using {MODELS[chosen].label}. {quality}"
        )
    elif len(labelled) >= MIN_RATED and (counts >= MIN_PER_CLASS).sum() >= 2 and counts.min() >= 2:
        pool = labelled.drop_duplicates("text")
        rows = sample_rows(len(pool), "sentiment_comparison", seed, strata=pool["label"].to_numpy())
        compared = Sample("sentiment_comparison", "distinct labelled reviews", len(rows), len(pool), "models compared")
        samples = [compared.to_dict()] if compared.sampled else []
        comparison = compare_labelled(
            pool["text"].iloc[rows].tolist(),
            pool["label"].iloc[rows].to_numpy(),
            seed,
            lambda f, m: report(0.05 + 0.6 * f, m),
            MODEL_ORDER if models is None else models,
        )
        chosen = choose_model(comparison)
        taught_note = f" and {taught:,} labels of yours" if taught else ""
        on_what = f"a sample of {len(rows):,} of them" if compared.sampled else "them"
        note = (
            f"{len(labelled) - taught:,} star-rated reviews{taught_note} (1-2 stars negative, 3 neutral, "
            f"4-5 positive); compared on {on_what}: "
            + _listed(comparison)
            + f" macro-F1. Using {MODELS[chosen].label}."
        )
    else:
        comparison, chosen = [], "vader"
        have = f"Only {len(labelled):,} reviews have" if len(labelled) else "No review has"
        note = (
            f"{have} star ratings or labels (at least {MIN_RATED} star ratings across two classes, or {MIN_TAUGHT} "
            "of your labels, are needed to learn from them), so the VADER word list scores sentiment on its own. "
            "Label some feedback under Teach PersonaLens to do better."
        )
    if chosen == "vader":
        model: SentimentModel = VaderModel()
    else:
        training = f"training {MODELS[chosen].label} on every labelled review"
        report(0.7, training)
        model = MODELS[chosen]().fit_with(
            labelled["text"].tolist(),
            labelled["label"].to_numpy(),
            feedback,
            lambda f, m: report(0.7 + 0.15 * f, f"{training}: {m}"),
        )
    report(0.85, f"scoring {len(reviews):,} reviews")
    scored = score_texts(model, reviews["text"].tolist(), processes=2)  # forked workers where it pays
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
                summary={"chosen": chosen, "note": note, "taught": taught, "quality": quality, "samples": samples},
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


@dataclass(frozen=True)
class FileScored:
    rows: int
    domain_shift: float | None  # the batch's shift from the training texts (None: the model has no notion of it)

    def in_words(self) -> str:
        if self.domain_shift is None:
            return "scored with the VADER word list (no model trained on this workspace's reviews yet)"
        if self.domain_shift < 0.2:
            return f"these texts read like the reviews the model learned from (domain shift {self.domain_shift:.2f})"
        if self.domain_shift < 1:
            return (
                f"these texts differ from the reviews the model learned from (domain shift {self.domain_shift:.2f}): "
                "the general word lists carry part of each score"
            )
        return (
            "these texts are unlike the reviews the model learned from (domain shift 1.00): the general word lists, "
            "not the store's own words, decide each score. Teach PersonaLens with a few labels to do better."
        )


def score_file(ws: Workspace, source: Path, text_column: str, output: Path) -> FileScored:
    """Add sentiment_label, sentiment_score (and domain_shift, per text) to a CSV of texts."""
    model = load_sentiment(ws) or VaderModel()
    try:
        frame = pd.read_csv(source, dtype=str, keep_default_na=False)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise PersonaLensError(f"cannot read {source} as CSV: {exc}") from exc
    if text_column not in frame.columns:
        raise PersonaLensError(
            f"{source.name} has no column {text_column!r}; its columns are {', '.join(frame.columns)}"
        )
    texts = frame[text_column].tolist()
    scored = score_texts(model, texts, processes=2)  # a batch job: use both cores
    frame[["sentiment_label", "sentiment_score"]] = scored.to_numpy()
    shift = None
    if isinstance(model, AdaptiveModel) and texts:
        per_text, shift = model.shifts(texts)
        frame["domain_shift"] = np.round(per_text, 3)
        shift = round(shift, 3)
    write_csv(frame, output)
    return FileScored(len(frame), shift)
