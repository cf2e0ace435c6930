"""Find, name, store and read the topics of a workspace's reviews.

Both models are fitted for several numbers of topics; each is scored by NPMI coherence and
diversity on the same reviews (core.topics.quality), and the most coherent one whose topics are
diverse enough wins (a set fixed by the user is honoured). A review mentions a topic when the
topic holds at least PRESENT of its weight. Names are generated from the top terms; a name the
user edited is carried over to a retrained topic with mostly the same top terms.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from core import audit, registry
from core.auth import User, require
from core.budget import Sample, sample_rows
from core.errors import PersonaLensError
from core.spark.engine import LOCAL, SPARK, metadata
from core.text.pipeline import TextPipeline
from core.topics.models import FITTERS, LOCAL_METHODS, SPARK_METHODS, Corpus, TopicFit
from core.topics.quality import diversity, npmi
from core.workspace import Workspace, bump_labels_version

KIND = "topics"
K_GRID = (6, 8, 10, 12)
MIN_DIVERSITY = 0.85
PRESENT = 0.2
MIN_REVIEWS = 50
WEIGH_BATCH = 20_000  # reviews tokenised at a time once a model is chosen on a sample
SAME_TOPIC = 0.4  # Jaccard overlap of top terms above which a retrained topic keeps its edited name
Progress = Callable[[float, str], None]
_DDL = (
    "CREATE TABLE IF NOT EXISTS review_topics (review_id VARCHAR, topic_id INTEGER, weight DOUBLE, version VARCHAR)",
    "CREATE TABLE IF NOT EXISTS topic_names (version VARCHAR, topic_id INTEGER, name VARCHAR, edited BOOLEAN, "
    "terms VARCHAR, PRIMARY KEY (version, topic_id))",
)


@dataclass(frozen=True)
class Candidate:
    method: str
    k: int
    npmi: float
    diversity: float
    seconds: float


@dataclass(frozen=True)
class Topic:
    topic_id: int
    label: str
    top_terms: list[str]
    weights: list[float]


@dataclass(frozen=True)
class TopicsRun:
    version: str
    method: str
    k: int
    npmi: float
    diversity: float
    candidates: list[Candidate]
    topics: list[Topic]
    seconds: float


def prepare(texts: list[str]) -> tuple[TextPipeline, Corpus]:
    pipeline = TextPipeline(stem=True, phrases=True, negation=False).fit(texts)
    return pipeline, Corpus.from_tokens(pipeline.transform(texts))


def search(
    corpus: Corpus,
    methods=LOCAL_METHODS,
    ks=K_GRID,
    seed: int = 42,
    progress: Progress | None = None,  # noqa: ANN001
) -> tuple[list[Candidate], dict[tuple[str, int], TopicFit]]:
    report = progress or (lambda _f, _m: None)
    presence = corpus.presence
    candidates, fits = [], {}
    jobs = [(m, k) for m in methods for k in ks]
    for i, (method, k) in enumerate(jobs):
        report(i / len(jobs), f"trying {method.upper()} with {k} topics")
        started = time.perf_counter()
        fit = FITTERS[method](corpus, k, seed)
        fits[(method, k)] = fit
        candidates.append(
            Candidate(
                method,
                k,
                round(float(np.mean(npmi(fit.top_terms, presence))), 4),
                round(diversity(fit.top_terms), 3),
                round(time.perf_counter() - started, 2),
            )
        )
    return candidates, fits


def choose(candidates: list[Candidate]) -> Candidate:
    diverse = [c for c in candidates if c.diversity >= MIN_DIVERSITY] or candidates
    return max(diverse, key=lambda c: c.npmi)


def train_topics(
    ws: Workspace,
    n_topics: int | None = None,
    seed: int = 42,
    progress: Progress | None = None,
    engine: str = LOCAL,
) -> TopicsRun:
    """Search the models and topic counts, name the topics, store them; `engine` "spark" fits MLlib's LDA."""
    report = progress or (lambda _f, _m: None)
    started = time.perf_counter()
    from core.sentiment.service import review_texts

    reviews = review_texts(ws)
    if len(reviews) < MIN_REVIEWS:
        raise PersonaLensError(
            f"topics need at least {MIN_REVIEWS} reviews with text; this workspace has {len(reviews)}"
        )
    report(0.02, "reading and tokenising the reviews")
    found = find_topics(reviews["text"].tolist(), n_topics, seed, engine, report)
    pipeline, corpus, fit, doc_topics = found.pipeline, found.corpus, found.fit, found.doc_topics
    previous = _edited_names(ws)
    topics = []
    for t, (ids, weights) in enumerate(zip(fit.top_terms, fit.top_weights, strict=True)):
        terms = [pipeline.surface(corpus.terms[i]) for i in ids]
        label = previous.get(_match(terms, previous), " · ".join(terms[:3]))
        topics.append(Topic(t, label, terms, weights))
    weights = pd.DataFrame(doc_topics).assign(review_id=reviews["review_id"].to_numpy())
    mentions = weights.melt(id_vars="review_id", var_name="topic_id", value_name="weight")
    mentions = mentions[mentions["weight"] >= PRESENT].astype({"topic_id": int})
    report(0.9, "storing the topics")
    with registry.version_folder(ws, KIND, started) as draft:
        version, partial = draft.version, draft.folder
        (partial / "topics.json").write_text(json.dumps([asdict(t) for t in topics], indent=1))
        (partial / "candidates.json").write_text(json.dumps([asdict(c) for c in found.candidates], indent=1))
        (partial / "pipeline.json").write_text(json.dumps(pipeline.to_dict()))
        report(0.93, "finding the words that name product aspects")
        from core.messages.facts import store_aspects  # messages build on topics, not the other way

        store_aspects(ws, partial, [topic.top_terms for topic in _by_share(topics, mentions)])
        with ws.transaction("training (topics)") as con:
            for ddl in _DDL:
                con.execute(ddl)
            con.register("mentions", mentions.assign(weight=mentions["weight"].round(4), version=version))
            con.execute("INSERT INTO review_topics SELECT review_id, topic_id, weight, version FROM mentions")
            for topic in topics:
                con.execute(
                    "INSERT INTO topic_names VALUES (?, ?, ?, ?, ?)",
                    [
                        version,
                        topic.topic_id,
                        topic.label,
                        topic.label in previous.values(),
                        json.dumps(topic.top_terms),
                    ],
                )
            draft.record(
                con,
                metrics={"npmi": found.npmi, "diversity": found.diversity},
                summary={
                    "method": found.method,
                    "k": found.k,
                    "samples": [sample.to_dict() for sample in found.samples],
                    **metadata(engine),
                },
            )
    report(1.0, "done")
    return TopicsRun(
        version,
        found.method,
        found.k,
        found.npmi,
        found.diversity,
        found.candidates,
        topics,
        round(time.perf_counter() - started, 2),
    )


@dataclass
class FoundTopics:
    """The chosen topics of a set of reviews: the text pipeline and corpus (terms) they are in, every
    candidate tried, the chosen method and k with the final fit's coherence and diversity (over the
    reviews it was fitted on), every review's topic weights, and what was sampled."""

    pipeline: TextPipeline
    corpus: Corpus
    candidates: list[Candidate]
    method: str
    k: int
    npmi: float
    diversity: float
    fit: TopicFit
    doc_topics: np.ndarray
    samples: list[Sample]


def find_topics(
    texts: list[str],
    n_topics: int | None = None,
    seed: int = 42,
    engine: str = LOCAL,
    progress: Progress | None = None,
) -> FoundTopics:
    """Search the models and topic counts, then fit the chosen one and weigh every review.

    Spark fits every review itself. Locally the grid is searched on a sample ("topic_search"); the
    chosen method and count are then fitted once more on a larger sample ("topic_fit", every review
    on most stores: one fit is linear in reviews, the grid is eight) and that fit serves when it is at
    least as coherent there as the searched one; the serving fit weighs the rest of the reviews.
    """
    report = progress or (lambda _f, _m: None)
    rows = np.arange(len(texts)) if engine == SPARK else sample_rows(len(texts), "topic_search", seed)
    searched = Sample("topic_search", "reviews", len(rows), len(texts), "models and topic counts compared")
    try:
        pipeline, corpus = prepare([texts[i] for i in rows])
    except ValueError:  # every word pruned as too rare or too common
        corpus = None
    if corpus is None or len(corpus.terms) < 20:
        raise PersonaLensError("the reviews use too few distinct words to find topics in")
    ks = (n_topics,) if n_topics else K_GRID
    methods = SPARK_METHODS if engine == SPARK else LOCAL_METHODS
    candidates, fits = search(corpus, methods, ks, seed, lambda f, m: report(0.1 + 0.6 * f, m))
    best = choose(candidates)
    fit, fitted_on, samples = fits[(best.method, best.k)], corpus, [searched] if searched.sampled else []
    if searched.sampled:
        message = f"reading all {len(texts):,} reviews in the chosen words"
        every = _counts_of_all(pipeline, corpus, texts, lambda f: report(0.7 + 0.1 * f, message))
        refit = sample_rows(len(texts), "topic_fit", seed)
        report(0.8, f"fitting {best.method.upper()} with {best.k} topics on {len(refit):,} reviews")
        fitted_on = Corpus(every[refit], corpus.terms)
        searched_fit, fit = fit, FITTERS[best.method](fitted_on, best.k, seed)
        presence = fitted_on.presence
        if np.mean(npmi(searched_fit.top_terms, presence)) > np.mean(npmi(fit.top_terms, presence)):
            fit = searched_fit  # the refit serves only when it is at least as coherent on the reviews it saw
        elif len(refit) < len(texts):
            samples.append(Sample("topic_fit", "reviews", len(refit), len(texts), "the chosen topics fitted"))
        report(0.88, f"finding the topics of all {len(texts):,} reviews")
        doc_topics = fit.doc_topics if fit is not searched_fit and len(refit) == len(texts) else fit.infer(every)
    else:
        doc_topics = fit.doc_topics
    coherence = round(float(np.mean(npmi(fit.top_terms, fitted_on.presence))), 4)
    return FoundTopics(
        pipeline,
        corpus,
        candidates,
        best.method,
        best.k,
        coherence,
        round(diversity(fit.top_terms), 3),
        fit,
        doc_topics,
        samples,
    )


def _counts_of_all(
    pipeline: TextPipeline, corpus: Corpus, texts: list[str], progress: Callable[[float], None]
) -> sp.csr_matrix:
    """Every review as counts over `corpus`'s terms, tokenised a batch at a time (once, for the refit and
    the weighing both)."""
    parts = []
    for start in range(0, len(texts), WEIGH_BATCH):
        progress(start / len(texts))
        parts.append(corpus.counts_for(pipeline.transform(texts[start : start + WEIGH_BATCH])))
    return sp.vstack(parts).tocsr()


def _by_share(topics: list[Topic], mentions: pd.DataFrame) -> list[Topic]:
    """Most mentioned first, as `topics` lists them."""
    reviews = mentions.groupby("topic_id")["review_id"].nunique()
    return sorted(topics, key=lambda t: (-int(reviews.get(t.topic_id, 0)), t.topic_id))


def topics(ws: Workspace) -> pd.DataFrame:
    """id, label, top_terms (10, surface form), share (of reviews mentioning it), avg_sentiment; by share."""
    version = registry.active_version(ws, KIND)
    if version is None:
        return pd.DataFrame(columns=["id", "label", "top_terms", "share", "avg_sentiment"])
    sentiment_rows = registry.active_rows(ws, "sentiment")
    sentiment = "avg(s.sentiment_score)" if sentiment_rows else "NULL"
    join = f"LEFT JOIN {sentiment_rows} s USING (review_id)" if sentiment_rows else ""
    frame = ws.query(
        f"""
        SELECT n.topic_id AS id, n.name AS label, n.terms,
               count(DISTINCT t.review_id) / (SELECT count(*) FROM reviews) AS share, {sentiment} AS avg_sentiment
        FROM topic_names n LEFT JOIN {registry.active_rows(ws, "topics")} t USING (topic_id) {join}
        WHERE n.version = ? GROUP BY ALL ORDER BY share DESC""",
        [version],
    )
    frame["top_terms"] = frame.pop("terms").map(json.loads)
    return frame[["id", "label", "top_terms", "share", "avg_sentiment"]]


def run_info(ws: Workspace) -> dict | None:
    version = registry.active_version(ws, KIND)
    if version is None:
        return None
    folder = ws.models_dir / KIND / version
    summary = json.loads(registry.versions(ws, KIND).set_index("version").loc[version, "summary"])
    metrics = json.loads(registry.versions(ws, KIND).set_index("version").loc[version, "metrics"])
    return {
        "version": version,
        **summary,
        **metrics,
        "candidates": json.loads((folder / "candidates.json").read_text()),
    }


def rename_topic(ws: Workspace, topic_id: int, name: str, by: User | None = None) -> None:
    require(by, ws.name, "rename")
    name = name.strip()
    version = registry.active_version(ws, KIND)
    if not name:
        raise PersonaLensError("a topic needs a name")
    if version is None:
        raise PersonaLensError("there are no topics yet: find them first")
    with ws.transaction("a topic rename") as con:
        con.execute(
            "UPDATE topic_names SET name = ?, edited = true WHERE version = ? AND topic_id = ?",
            [name, version, topic_id],
        )
        bump_labels_version(con)
    audit.record(ws, by, "rename", f"topic {topic_id} to {name!r}")


def _edited_names(ws: Workspace) -> dict[tuple[str, ...], str]:
    """Edited names of the active version's topics, keyed by their top terms."""
    version = registry.active_version(ws, KIND)
    if version is None:
        return {}
    rows = ws.query("SELECT name, terms FROM topic_names WHERE version = ? AND edited", [version])
    return {tuple(json.loads(t)): n for n, t in zip(rows["name"], rows["terms"], strict=True)}


def _match(terms: list[str], previous: dict[tuple[str, ...], str]) -> tuple[str, ...] | None:
    best, best_overlap = None, SAME_TOPIC
    for old in previous:
        overlap = len(set(old) & set(terms)) / len(set(old) | set(terms))
        if overlap >= best_overlap:
            best, best_overlap = old, overlap
    return best
