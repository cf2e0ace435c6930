"""Campaigns page through AppTest: an empty state that says what to upload, then a readout with verdicts."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.ingest.pipeline import ingest
from core.workspace import Workspace
from tests.app.conftest import open_page
from tests.core.test_campaigns import _results_file


@pytest.fixture
def with_results(own_trained: Workspace, tmp_path: Path) -> Path:
    _results_file(own_trained, tmp_path / "results.csv", {"A": 0.05, "B": 0.35, "control": 0.04})
    ingest(own_trained, [tmp_path / "results.csv"])
    return own_trained.path.parent


def test_without_results_the_page_says_what_to_upload(own_trained: Workspace) -> None:
    with own_trained.transaction("forget the demo's past campaigns") as con:
        con.execute("DELETE FROM campaign_results")
    at = open_page("pages/campaigns.py", "demo")
    assert not at.exception
    assert "campaign results export" in at.info[0].value


def test_a_readout_shows_each_group_with_its_verdict(with_results: Path) -> None:
    at = open_page("pages/campaigns.py", "demo")
    assert not at.exception
    assert at.selectbox(key="camp-name").value == "Winter test"
    assert any("B is ahead of control" in s.value and "a real difference" in s.value for s in at.success)
    rates = next(d.value for d in at.dataframe if "successes" in d.value.columns)
    assert rates["ab_group"].tolist() == ["A", "B", "control"]
    assert len(at.get("plotly_chart")) == 3  # funnel, rates, and the replay of past campaigns
    assert any("predicted from the others only" in c.value for c in at.caption)
    at.selectbox(key="camp-metric").set_value("opened").run()
    assert not at.exception
