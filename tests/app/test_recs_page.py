"""Recommendations page through AppTest: lists with reasons, rules, comparison, audience, quality, empty states."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.workspace import create_workspace
from tests.app.conftest import open_page, open_tab


@pytest.fixture
def trained(trained_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PERSONALENS_HOME", str(trained_home))
    return trained_home


def test_a_customer_list_with_reasons_then_rules_comparison_audience_and_quality(trained: Path) -> None:
    at = open_page("pages/recommendations.py", "demo")
    assert not at.exception
    headline = next(c.value for c in at.caption if c.value.startswith("Default model:"))
    assert "NDCG@10" in headline and "2,000 customers" in headline
    assert len(_cards(at)) == 10 and all("also bought this" in r or "interest in" in r for r in _reasons(at))

    at.multiselect[0].set_value(["Garden"]).run()
    assert not at.exception
    assert len(_cards(at)) == 10
    assert all(c.value.startswith("Garden ·") for c in at.caption if " · score " in c.value)

    open_tab(at, "recs-tab", "Compare two models")
    at.selectbox(key="compare-b").set_value("popularity").run()
    assert not at.exception
    compared = [d.value for d in at.dataframe if "reason" in d.value and "category" not in d.value]
    assert len(compared) == 2 and compared[0]["title"].tolist() != compared[1]["title"].tolist()

    open_tab(at, "recs-tab", "Who to target")
    audience = next(d.value for d in at.dataframe if "customer_id" in d.value)
    assert len(audience) == 200 and audience["score"].is_monotonic_decreasing
    open_tab(at, "recs-tab", "How good is it")
    quality = next(d.value for d in at.dataframe if "ndcg" in d.value)
    assert quality["ndcg"].iloc[0] == quality["ndcg"].max()


def _cards(at) -> list[str]:  # noqa: ANN001 - an AppTest
    return [m.value for m in at.markdown if re.match(r"\*\*\d+\. ", m.value)]


def _reasons(at) -> list[str]:  # noqa: ANN001
    return [m.value for m in at.markdown if m.value.startswith(":material/lightbulb:")]


def test_without_a_trained_model_the_page_offers_training(trained: Path, demo_ws) -> None:
    import shutil

    shutil.copytree(demo_ws.path, trained / "untrained")
    at = open_page("pages/recommendations.py", "untrained")
    assert not at.exception
    assert at.button(key="train-recs").label == "Train and measure"
    assert not at.dataframe


def test_without_orders_the_page_says_what_to_upload(empty_home: Path) -> None:
    create_workspace("fresh")
    at = open_page("pages/recommendations.py", "fresh")
    assert not at.exception
    assert "Upload them first" in at.info[0].value
