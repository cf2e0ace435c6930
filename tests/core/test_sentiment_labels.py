"""Teaching PersonaLens: labels kept with who and when, questions chosen by uncertainty, retrains that use them."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core import registry
from core.auth import PermissionDenied, User
from core.errors import PersonaLensError
from core.sentiment import labels as taught
from core.sentiment.service import MIN_TAUGHT, TAUGHT_MODELS, load_sentiment, run_info, train_sentiment
from core.workspace import Workspace, create_workspace
from tests.conftest import SHARED_DATA

TWEETS = SHARED_DATA / "twitter-us-airline-sentiment" / "Tweets.csv"


@pytest.fixture
def feedback(tmp_path: Path) -> tuple[Workspace, pd.DataFrame]:
    """600 airline tweets as reviews without stars (a workspace of feedback only) and their human labels."""
    frame = pd.read_csv(TWEETS, dtype=str, keep_default_na=False).drop_duplicates("text").sample(600, random_state=7)
    frame = frame.assign(review_id=[f"t{i}" for i in range(len(frame))])
    ws = create_workspace(tmp_path / "airline")
    ws.commit({"reviews": frame[["review_id", "text"]]}, note="tweets")
    return ws, frame[["review_id", "text", "airline_sentiment"]]


def test_labels_are_kept_newest_first_and_bad_ones_change_nothing(feedback) -> None:  # noqa: ANN001
    ws, _ = feedback
    assert taught.add_labels(ws, {"t1": "negative", "t2": "positive"}) == 2
    taught.add_labels(ws, {"t1": "neutral"})  # a second answer for t1: the newer one counts
    current = taught.current_labels(ws).set_index("review_id")
    assert current.loc["t1", "label"] == "neutral" and current.loc["t2", "label"] == "positive"
    assert current.loc["t1", "text"]  # exported with the words that were labelled
    assert ws.query("SELECT count(*) AS n FROM sentiment_labels")["n"].iloc[0] == 3  # nothing overwritten
    with pytest.raises(PersonaLensError, match="one of"):
        taught.add_labels(ws, {"t3": "angry"})
    with pytest.raises(PersonaLensError, match="not in this workspace"):
        taught.add_labels(ws, {"t3": "negative", "nope": "positive"})
    viewer = User("val", "viewer")
    with pytest.raises(PermissionDenied):
        taught.add_labels(ws, {"t3": "negative"}, by=viewer)
    assert taught.label_counts(ws) == {"negative": 0, "neutral": 1, "positive": 1}


def test_questions_are_the_least_certain_unlabelled_texts(feedback) -> None:  # noqa: ANN001
    ws, _ = feedback
    first = taught.next_questions(ws, n=10)
    assert len(first) == 10 and first["text"].is_unique
    unsure = first["certainty"].head(10 - int(taught.EXPLORE * 10))  # the rest are drawn at random
    assert unsure.is_monotonic_increasing
    everyone = taught.pick_uncertain(
        ws,
        None,
        n=600,
    ).sort_values("certainty")["certainty"]
    assert unsure.max() <= everyone.iloc[len(unsure) - 1] + 1e-9  # the least certain of all unlabelled texts
    taught.add_labels(ws, dict.fromkeys(first["review_id"].head(4), "negative"))
    again = taught.next_questions(ws, n=10)
    assert not set(again["review_id"]) & set(first["review_id"].head(4))  # labelled ones are not asked again


def test_a_retrain_learns_from_labels_and_says_how_well_it_agrees(feedback) -> None:  # noqa: ANN001
    ws, truth = feedback
    before = train_sentiment(ws)
    assert before.chosen == "vader" and "Teach PersonaLens" in before.note
    answers = dict(zip(truth["review_id"].head(150), truth["airline_sentiment"].head(150), strict=True))
    taught.add_labels(ws, answers)
    after = train_sentiment(ws)
    info = run_info(ws)
    assert info["taught"] == 150 and info["quality"].startswith("On the 150 reviews you labelled")
    assert {c["name"] for c in info["comparison"]} == set(TAUGHT_MODELS)
    best = max(c["macro_f1"] for c in info["comparison"])
    vader = next(c["macro_f1"] for c in info["comparison"] if c["name"] == "vader")
    assert after.chosen != "vader" or best == vader
    # the served model is measured on tweets nobody labelled
    rest = truth.iloc[150:]
    model = load_sentiment(ws)
    classes = np.array(["negative", "neutral", "positive"])
    accuracy = (classes[model.predict(rest["text"].tolist())] == rest["airline_sentiment"].to_numpy()).mean()
    assert accuracy > 0.6
    assert registry.versions(ws, "sentiment").shape[0] == 2  # the first version is kept


def test_too_few_labels_keep_the_word_list(feedback) -> None:  # noqa: ANN001
    ws, truth = feedback
    few = MIN_TAUGHT - 5
    taught.add_labels(ws, dict(zip(truth["review_id"].head(few), truth["airline_sentiment"].head(few), strict=True)))
    run = train_sentiment(ws)
    assert run.chosen == "vader" and f"{MIN_TAUGHT} of your labels" in run.note


def test_the_cli_scores_a_file_and_says_how_far_it_is_from_the_training_texts(demo_ws, tmp_path: Path) -> None:  # noqa: ANN001
    import shutil

    from core.cli import main
    from core.workspace import open_workspace

    shutil.copytree(demo_ws.path, tmp_path / "demo")
    ws = open_workspace(tmp_path / "demo")
    train_sentiment(ws, models=("vader", "adaptive"))
    source = tmp_path / "tweets.csv"
    frame = pd.read_csv(TWEETS, dtype=str, keep_default_na=False).head(300)
    frame[["text"]].to_csv(source, index=False, quoting=csv.QUOTE_ALL)
    out = tmp_path / "scored.csv"
    assert (
        main(
            [
                "sentiment",
                "--workspace",
                str(ws.path),
                "--input",
                str(source),
                "--text-column",
                "text",
                "--output",
                str(out),
            ]
        )
        == 0
    )
    scored = pd.read_csv(out)
    assert {"sentiment_label", "sentiment_score", "domain_shift"} <= set(scored.columns)
    assert scored["domain_shift"].mean() > 0.5  # airline tweets are far from the demo store's reviews


def test_the_labels_cli_imports_exports_and_asks(feedback, tmp_path: Path, capsys) -> None:  # noqa: ANN001
    from core.cli import main

    ws, _ = feedback
    answers = tmp_path / "answers.csv"
    pd.DataFrame({"review_id": ["t1", "t2"], "label": ["Negative", "positive "]}).to_csv(answers, index=False)
    assert main(["labels", "--workspace", str(ws.path), "--import", str(answers)]) == 0
    assert taught.label_counts(ws) == {"negative": 1, "neutral": 0, "positive": 1}
    out = tmp_path / "labels.csv"
    assert main(["labels", "--workspace", str(ws.path), "--export", str(out), "--ask", "4"]) == 0
    exported = pd.read_csv(out)
    assert set(exported["review_id"]) == {"t1", "t2"} and exported["text"].notna().all()
    asked = capsys.readouterr().out.splitlines()
    assert asked[-5].startswith("review_id,") and len(asked[-4:]) == 4
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"id": ["t1"], "feeling": ["negative"]}).to_csv(bad, index=False)
    assert main(["labels", "--workspace", str(ws.path), "--import", str(bad)]) != 0
    assert "needs the columns review_id and label" in capsys.readouterr().err
    assert taught.label_counts(ws)["negative"] == 1  # nothing changed
