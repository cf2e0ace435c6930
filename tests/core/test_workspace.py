"""The workspace store: lifecycle, commits that are all-or-nothing, raw files kept intact."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from core.errors import DataError, WorkspaceExistsError, WorkspaceNotFoundError
from core.workspace import (
    create_workspace,
    delete_workspace,
    list_workspaces,
    open_workspace,
    resolve_path,
    sha256_of,
)


def _orders() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "order_id": ["A1", "A1", "A2"],
            "customer_id": ["c1", "c1", "c2"],
            "product_id": ["p1", "p2", "p1"],
            "timestamp": ["2025-01-02 10:00", "2025-01-02 10:00", "2025-02-03 11:00"],
            "quantity": [1, 2, -1],
            "unit_price": [9.5, 3.0, 9.5],
        }
    )


def test_bare_name_lives_under_home_and_path_is_taken_as_is(empty_home: Path, tmp_path: Path) -> None:
    assert resolve_path("shop") == (empty_home / "shop").resolve()
    assert resolve_path(str(tmp_path / "x")) == (tmp_path / "x").resolve()


def test_create_list_open_delete(empty_home: Path) -> None:
    ws = create_workspace("shop")
    assert ws.raw_dir.is_dir() and ws.models_dir.is_dir() and ws.db_path.is_file()
    assert [w.name for w in list_workspaces()] == ["shop"]
    assert ws.row_counts() == {"customers": 0, "products": 0, "interactions": 0, "reviews": 0, "campaign_results": 0}
    assert open_workspace("shop").path == ws.path
    with pytest.raises(WorkspaceExistsError):
        create_workspace("shop")
    delete_workspace("shop")
    assert list_workspaces() == []
    with pytest.raises(WorkspaceNotFoundError, match="no workspace at"):
        open_workspace("shop")


def test_refuses_to_treat_or_delete_a_plain_folder_as_workspace(tmp_path: Path) -> None:
    folder = tmp_path / "documents"
    folder.mkdir()
    (folder / "taxes.txt").write_text("keep me")
    with pytest.raises(WorkspaceNotFoundError, match="not a PersonaLens workspace"):
        delete_workspace(folder)
    with pytest.raises(WorkspaceExistsError):
        create_workspace(folder)
    assert (folder / "taxes.txt").read_text() == "keep me"


def test_commit_coerces_to_schema_and_bumps_version(tmp_path: Path) -> None:
    ws = create_workspace(tmp_path / "ws")
    assert ws.data_version() == 0
    ws.commit({"interactions": _orders()})
    stored = ws.read_table("interactions")
    assert list(stored.columns) == [
        "order_id",
        "customer_id",
        "product_id",
        "timestamp",
        "quantity",
        "unit_price",
        "rating",
        "event_type",
    ]
    assert stored["quantity"].tolist() == [1.0, 2.0, -1.0]
    assert pd.api.types.is_datetime64_any_dtype(stored["timestamp"])
    assert stored["rating"].isna().all()
    assert ws.data_version() == 1


def test_append_skips_rows_already_stored_by_natural_key(tmp_path: Path) -> None:
    ws = create_workspace(tmp_path / "ws")
    ws.commit({"interactions": _orders()})
    more = pd.concat([_orders().iloc[[2]], _orders().iloc[[0]].assign(order_id="A3")])
    ws.commit({"interactions": more}, mode="append")
    assert sorted(ws.read_table("interactions")["order_id"]) == ["A1", "A1", "A2", "A3"]


def test_failed_commit_changes_nothing_and_keeps_no_raw_file(tmp_path: Path) -> None:
    ws = create_workspace(tmp_path / "ws")
    upload = tmp_path / "orders.csv"
    _orders().to_csv(upload, index=False)
    ws.commit({"interactions": _orders()}, raw=[upload])
    before = (ws.read_table("interactions"), ws.data_version(), sorted(p.name for p in ws.raw_dir.iterdir()))

    bad_customers = pd.DataFrame({"customer_id": ["c9", None], "name": ["Ann", "Bob"]})
    with pytest.raises(DataError, match="1 row"):
        ws.commit({"interactions": _orders().iloc[:1], "customers": bad_customers}, raw=[upload])
    with pytest.raises(DataError, match="needs column"):
        ws.commit({"products": pd.DataFrame({"title": ["x"]})}, raw=[upload])

    pd.testing.assert_frame_equal(ws.read_table("interactions"), before[0])
    assert ws.data_version() == before[1]
    assert sorted(p.name for p in ws.raw_dir.iterdir()) == before[2]


def test_raw_upload_is_kept_byte_for_byte_with_checksum(tmp_path: Path) -> None:
    ws = create_workspace(tmp_path / "ws")
    upload = tmp_path / "Orders März.csv"
    upload.write_bytes("order_id;customer\r\nA1;c1\r\n".encode("cp1252"))
    (record,) = ws.commit({}, raw=[upload])
    kept = ws.path / record.stored_path
    assert kept.read_bytes() == upload.read_bytes()
    assert record.sha256 == sha256_of(upload)
    assert ws.raw_files()["original_name"].tolist() == ["Orders März.csv"]
    assert ws.verify_raw() == []
    kept.write_bytes(b"tampered")
    assert ws.verify_raw() == ["Orders März.csv"]


def test_unknown_write_mode_is_a_clear_error(tmp_path: Path) -> None:
    ws = create_workspace(tmp_path / "ws")
    with pytest.raises(DataError, match="unknown write mode"):
        ws.commit({"interactions": _orders()}, mode="merge")


@pytest.mark.parametrize("name", ["../evil", "a/b", "a\\b", ".hidden", "..", "", "x" * 61, "shop;rm"])
def test_a_workspace_name_that_could_escape_the_home_is_refused(name: str, empty_home: Path) -> None:
    from core.errors import WorkspaceNameError
    from core.workspace import create_named_workspace

    with pytest.raises(WorkspaceNameError, match="is not a workspace name"):
        create_named_workspace(name)
    assert not empty_home.exists() or not any(empty_home.parent.rglob("workspace.json"))


def test_a_plain_name_makes_a_workspace_under_the_home(empty_home: Path) -> None:
    from core.workspace import create_named_workspace

    assert create_named_workspace("spring-shop_2").path == (empty_home / "spring-shop_2").resolve()
