"""What-if page through AppTest: campaigns side by side, recommendation levers, complaint fixes, persona preview."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from core.cli import main
from core.workspace import create_workspace, open_workspace
from tests.app.conftest import finish_training, open_page


@pytest.fixture
def trained(trained_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PERSONALENS_HOME", str(trained_home))
    return trained_home


def _open_tab(tab: str):  # noqa: ANN202 - an AppTest
    at = open_page("pages/whatif.py", "demo")
    at.session_state["wi-tab"] = tab
    return at.run()


def _table(at, column: str):  # noqa: ANN001, ANN202 - an AppTest, a DataFrame
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _outcome(at, measure: str) -> list[float]:  # noqa: ANN001
    """One row of the side-by-side comparison, as numbers (one per scenario)."""
    table = _table(at, "Measure").set_index("Measure")
    return [float(v.replace(",", "").rstrip("%")) for v in table.loc[measure]]


def test_campaigns_compare_and_react_to_every_lever(trained: Path) -> None:
    at = open_page("pages/whatif.py", "demo")
    assert not at.exception
    assert not [m for m in at.metric if m.label == "AUC"]  # closed tabs do not run
    assert _table(at, "Measure").columns.tolist() == ["Measure", "Scenario A", "Scenario B"]
    assert all(u > 0 for u in _outcome(at, "Uplift vs random audience"))  # each persona, its favourite category
    before = _outcome(at, "Predicted responders")[0]

    at.slider(key="wi-0-discount").set_value(30).run()
    assert _outcome(at, "Predicted responders")[0] > before
    assert _outcome(at, "Responders from the discount")[0] > 0

    at.segmented_control(key="wi-count").set_value(3).run()
    assert _table(at, "Measure").columns.tolist()[1:] == ["Scenario A", "Scenario B", "Scenario C"]
    at.multiselect(key="wi-2-personas").set_value([]).run()
    assert _outcome(at, "Reach")[2] == 2000  # every demo customer has bought something
    assert any("Response model fitted on 8 past campaign" in m.value for m in at.success)  # the demo's campaigns
    at.session_state["wi-details-0"] = True  # a scenario's details, built when opened
    at.run()
    assert any("past campaign" in m.value for m in at.markdown)  # and each scenario says how it responds
    at.toggle(key="wi-history").set_value(False).run()
    assert not at.exception and at.slider(key="wi-lift").value == 0.25
    assert any("assumed" in m.value for m in at.markdown)  # the discount assumption is stated


def test_each_scenario_offers_its_audience_as_a_download(trained: Path) -> None:
    at = open_page("pages/whatif.py", "demo")
    reach = _outcome(at, "Reach")
    assert not at.get("download_button")  # closed, the scenarios' details are not built
    for n in range(len(reach)):
        at.session_state[f"wi-details-{n}"] = True
    at.run()
    labels = [d.label for d in at.get("download_button")]
    assert labels == [f"Download {n:,.0f} customers (CSV with each customer's top 3 products)" for n in reach]
    worth = [m.value for m in at.markdown if m.value.startswith("**Expected value of this audience")]
    assert len(worth) == len(reach)  # each scenario's audience is valued by the customer-value forecast


def test_recommendation_levers_change_offline_quality(trained: Path) -> None:
    at = _open_tab("Recommendation settings")
    ndcg = next(m for m in at.metric if m.label.startswith("NDCG"))
    assert ndcg.delta == "+0.000"
    at.slider(key="wi-div").set_value(0.6).run()
    assert not at.exception
    diversity = next(m for m in at.metric if m.label.startswith("Diversity"))
    assert float(diversity.delta) > 0
    lists = _table(at, "before")
    assert len(lists) == 10 and lists["new"].any()


def test_fixing_a_complaint_raises_the_projected_rating(trained: Path) -> None:
    at = _open_tab("Fix a complaint")
    rating = next(m for m in at.metric if m.label == "Average rating")
    assert float(rating.delta) > 0
    at.slider(key="wi-reduction").set_value(100).run()
    assert float(next(m for m in at.metric if m.label == "Average rating").delta) > float(rating.delta)
    assert any(m.value.startswith("If negative mentions of") for m in at.markdown)


def test_persona_preview_reports_merges_without_saving(trained: Path) -> None:
    at = _open_tab("Persona settings")
    at.toggle(key="wi-auto-k").set_value(False).run()
    at.slider(key="wi-k").set_value(3).run()
    assert not at.exception
    assert next(m for m in at.metric if m.label == "Personas").value == "3"
    assert any("merges" in m.value for m in at.markdown)
    names = open_workspace(trained / "demo").query("SELECT count(DISTINCT persona_id) AS n FROM persona_assignments")
    assert names["n"].iloc[0] >= 4  # the preview saved nothing


def test_model_quality_tab_shows_auc_against_the_baseline(trained: Path) -> None:
    at = _open_tab("How good is the model?")
    auc = next(m for m in at.metric if m.label == "AUC")
    assert float(auc.value) > 0.75 and auc.delta.startswith("+")
    assert any("Replayed campaigns" in m.value for m in at.markdown)


def test_without_a_propensity_model_the_page_offers_to_train(small_ws, tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    shutil.copytree(small_ws.path, tmp_path / "demo")  # a store with no model: the small one trains in a third
    monkeypatch.setenv("PERSONALENS_HOME", str(tmp_path))
    at = open_page("pages/whatif.py", "demo")
    assert not at.exception
    assert at.button[0].label == "Train the propensity model"
    at.button[0].click().run(timeout=180)
    assert not at.exception
    finish_training(at, tmp_path / "demo")
    assert not at.exception
    assert _outcome(at, "Reach")[0] > 0


def test_without_orders_the_page_says_what_to_upload(empty_home: Path) -> None:
    create_workspace(empty_home / "blank")
    at = open_page("pages/whatif.py", "blank")
    assert not at.exception
    assert "Upload them first" in at.info[0].value


def test_cli_whatif_prints_the_campaign_as_json(trained: Path, capsys: pytest.CaptureFixture[str], tmp_path) -> None:  # noqa: ANN001
    out = tmp_path / "audience.csv"
    code = main(
        [
            "whatif",
            "--workspace",
            "demo",
            "--audience",
            "persona=1,2",
            "--offer",
            "category=Beauty",
            "--discount",
            "0.1",
            "--cost",
            "0.5",
            "--json",
            "--export",
            str(out),
        ]
    )
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert {"reach", "expected_responders", "expected_revenue", "interval", "uplift"} <= set(result)
    assert result["interval"][0] <= result["expected_responders"] <= result["interval"][1]
    assert out.read_text().startswith("customer_id,persona_name")
    assert main(["whatif", "--workspace", "demo", "--audience", "persona=99", "--offer", "category=Beauty"]) == 2
    assert "no persona '99'" in capsys.readouterr().err
    assert main(["whatif", "--workspace", "demo", "--offer", "shoes"]) == 2
