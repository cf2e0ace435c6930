"""Data page through AppTest (uploads themselves are covered in the browser and in core tests)."""

from __future__ import annotations

from pathlib import Path

from core.workspace import Workspace, create_workspace
from tests.app.conftest import open_page


def test_upload_tab_explains_what_to_drop(demo_ws: Workspace) -> None:
    at = open_page("pages/data.py", "demo")
    assert not at.exception
    assert "Drop the files your shop already exports" in at.info[0].value


def test_browse_tab_shows_rows_with_personal_data_masked(demo_ws: Workspace) -> None:
    at = open_page("pages/data.py", "demo")
    at.segmented_control[0].set_value("customers").run()
    assert not at.exception
    assert "2,000 of 2,000 rows match" in at.caption[-1].value
    shown = at.dataframe[-1].value
    assert shown["email"].str.contains(r"^\w\*\*\*@example\.", regex=True).all()
    at.text_input[0].input("Austin").run()
    at.selectbox[-1].set_value("location").run()
    assert "of 2,000 rows match" in at.caption[-1].value
    assert set(at.dataframe[-1].value["location"]) == {"Austin"}


def test_fresh_workspace_browse_is_empty_but_works(empty_home: Path) -> None:
    create_workspace("fresh")
    at = open_page("pages/data.py", "fresh")
    assert not at.exception
    at.segmented_control[0].set_value("reviews").run()
    assert "0 of 0 rows match" in at.caption[-1].value
