"""Bad input: a clear message (our IngestError), never a traceback, and nothing written."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import IngestError
from core.ingest.pipeline import ingest
from core.ingest.sources import read_rows, stage_file
from core.workspace import Workspace, create_workspace

ORDERS = "customer_id,product_id,quantity,unit_price,timestamp\nc1,p1,1,9.99,2025-01-02\nc2,p2,2,5.00,2025-01-03\n"


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return create_workspace(tmp_path / "ws")


def _write(tmp_path: Path, name: str, content: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def _refused(ws: Workspace, path: Path, match: str) -> None:
    before = (ws.row_counts(), ws.data_version(), sorted(ws.raw_dir.iterdir()))
    with pytest.raises(IngestError, match=match):
        ingest(ws, [path])
    assert (ws.row_counts(), ws.data_version(), sorted(ws.raw_dir.iterdir())) == before


def _xlsx_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("empty.csv", b"", "the file is empty"),
        ("blank.csv", b"\n\n  \n", "empty"),
        ("header.csv", "customer_id,product_id,rating\n", "header but no rows"),
        ("garbage.csv", bytes(range(256)) * 40, "binary file"),
        ("undecodable.csv", b"customer_id,product_id,note\nc1,p1,caf\x81\x8d\x90\x9d\n", "not text in UTF-8"),
        ("dupes.csv", "customer_id,product_id,rating,rating\nc1,p1,4,5\n", "duplicate column names \\(rating\\)"),
        ("noids.csv", "customer_id,product_id,rating\n,p1,4\n,p2,5\n", "no usable rows \\(no customer_id\\)"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "old Excel"),
        ("broken.json", '{"customer_id": "c1", "product_id": \n', "not valid JSON"),
        ("nothing.csv", "a,b\nx,y\n", "no column is mapped"),
    ],
)
def test_unusable_file_is_refused_plainly(
    ws: Workspace, tmp_path: Path, name: str, content: bytes | str, match: str
) -> None:
    _refused(ws, _write(tmp_path, name, content), match)


def test_zip_without_a_usable_member(ws: Workspace, tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("__MACOSX/._orders.csv", "junk")
        zf.writestr("photo.png", b"\x89PNG....")
    _refused(ws, _write(tmp_path, "export.zip", buffer.getvalue()), "zip holds no file")


def test_file_over_the_size_limit(ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERSONALENS_MAX_UPLOAD_MB", "0.0001")
    _refused(ws, _write(tmp_path, "orders.csv", ORDERS * 10), "over the upload limit")


def test_a_20_mb_field_is_refused_with_a_reason(ws: Workspace, tmp_path: Path) -> None:
    big = "customer_id,product_id,text\nc1,p1," + "x" * (20 << 20) + "\nc2,p2,fine\n"
    _refused(ws, _write(tmp_path, "huge.csv", big), "a line of 21 MB is over the 2 MB a row may take")


def test_ragged_rows_are_rejected_with_their_line_and_reason(ws: Workspace, tmp_path: Path) -> None:
    content = ORDERS + "c3,p3,1\nc4,p4,1,2.0,2025-01-04,extra\nc5,p5,1,3.5,2025-01-05\n"
    (report,) = ingest(ws, [_write(tmp_path, "ragged.csv", content)]).reports
    assert report.rows_accepted == 3
    assert report.rows_rejected == 2
    assert report.rejected["line"].tolist() == [4, 5]
    assert report.rejected["reason"].str.contains("COLUMNS").all()
    assert ws.row_counts()["interactions"] == 3


def test_rejected_rows_keep_their_file_line_after_rows_the_reader_skipped(ws: Workspace, tmp_path: Path) -> None:
    content = ORDERS + "c3,p3,1\nc4,p4,1,2.0,2025-01-04,extra\n,p5,1,3.5,2025-01-05\nc6,p6,1,1.0,2025-01-06\n"
    content += "".join(f"c{n},p{n},1,1.0,2025-02-01\n" for n in range(7, 40)) + ",p40,1,1.0,2025-02-02\n"
    (report,) = ingest(ws, [_write(tmp_path, "gaps.csv", content)]).reports
    rejected = report.rejected.sort_values("line")
    assert rejected["line"].tolist() == [4, 5, 6, 41]
    assert rejected["reason"].tolist()[2:] == ["no customer_id", "no customer_id"]
    assert rejected["content"].tolist()[2:] == ["p5 | 1 | 3.5 | 2025-01-05", "p40 | 1 | 1.0 | 2025-02-02"]
    stored = ws.query("SELECT customer_id FROM interactions")["customer_id"].tolist()
    assert stored == ["c1", "c2", "c6", *(f"c{n}" for n in range(7, 40))], "rows are stored in file order"


def test_unclosed_quote_is_reported_not_raised(ws: Workspace, tmp_path: Path) -> None:
    content = 'customer_id,product_id,rating\nc1,p1,4\nc2,"p2,5\nc3,p3,3\n'
    try:
        report = ingest(ws, [_write(tmp_path, "quote.csv", content)]).reports[0]
    except IngestError as exc:
        assert "quote.csv" in str(exc)
        assert ws.row_counts()["interactions"] == 0
    else:
        assert report.rows_accepted + report.rows_rejected >= 2


def test_ratings_that_are_not_numbers_are_kept_empty_and_counted(ws: Workspace, tmp_path: Path) -> None:
    content = "customer_id,product_id,rating\nc1,p1,4\nc2,p2,five\nc3,p3,great\nc4,p4,2\n"
    (report,) = ingest(ws, [_write(tmp_path, "ratings.csv", content)]).reports
    assert report.rows_accepted == 4
    row = report.coercions.set_index("field").loc["rating"]
    assert row["unreadable"] == 2 and row["example"] in {"five", "great"}
    assert ws.query("SELECT count(rating) n FROM interactions")["n"].iloc[0] == 2


def test_mixed_date_formats_are_all_read(ws: Workspace, tmp_path: Path) -> None:
    content = (
        "customer_id,product_id,timestamp\nc1,p1,2025-03-04 10:00\nc2,p2,03/15/2025 09:30\n"
        "c3,p3,Mar 16, 2025\nc4,p4,1742300000\n"
    )
    content = content.replace("Mar 16, 2025", '"Mar 16, 2025"')
    (report,) = ingest(ws, [_write(tmp_path, "dates.csv", content)]).reports
    stamps = ws.query("SELECT strftime(timestamp, '%Y-%m-%d') d FROM interactions ORDER BY customer_id")["d"]
    assert stamps.tolist()[:3] == ["2025-03-04", "2025-03-15", "2025-03-16"]
    assert report.coercions.empty or report.coercions["unreadable"].sum() <= 1


def test_an_xlsx_renamed_csv_is_read_as_excel(ws: Workspace, tmp_path: Path) -> None:
    frame = pd.DataFrame({"CustomerID": ["c1", "c2"], "StockCode": ["p1", "p2"], "Quantity": [1, 3]})
    (report,) = ingest(ws, [_write(tmp_path, "export.csv", _xlsx_bytes(frame))]).reports
    assert report.format == "xlsx"
    assert ws.row_counts()["interactions"] == 2


BYTES = st.binary(min_size=1, max_size=3000)
CSV_LIKE = st.lists(
    st.lists(
        st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12), min_size=1, max_size=6
    ),
    min_size=1,
    max_size=20,
).map(lambda rows: "\n".join(st_join(r) for r in rows))


def st_join(cells: list[str]) -> str:
    return ",".join(cells)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=st.one_of(BYTES, CSV_LIKE.map(str.encode)))
def test_reader_raises_nothing_but_our_clear_error(tmp_path: Path, payload: bytes) -> None:
    path = tmp_path / "fuzz.csv"
    path.write_bytes(payload)
    con = duckdb.connect()
    try:
        for n, source in enumerate(stage_file(con, path, tmp_path)):  # staged, then read in full
            read_rows(con, source, f"full_{n}", lambda scan: f"SELECT * FROM {scan}")
    except IngestError as exc:
        assert str(exc).startswith("fuzz.csv: ")
    finally:
        con.close()


def test_bytes_that_only_look_like_a_zip(ws: Workspace, tmp_path: Path) -> None:
    _refused(ws, _write(tmp_path, "export.zip", b"PK\x03\x04" + b"\x00" * 40), "zip archive cannot be opened")


def test_a_zip_bomb_is_refused_before_it_fills_the_disk(ws: Workspace, tmp_path: Path) -> None:
    bomb = tmp_path / "orders.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("orders.csv", ORDERS + "c1,p1,1,9.99,2025-01-02\n" * 2_000_000)  # 50 MB of one line
    assert bomb.stat().st_size < 1_000_000
    _refused(ws, bomb, "times its packed size")


def test_a_zip_over_the_unpacked_limit_is_refused(ws: Workspace, tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("PERSONALENS_MAX_UNPACKED_MB", "0.001")
    archive = tmp_path / "orders.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("orders.csv", ORDERS * 20)
    _refused(ws, archive, "unpacks to more than")


def test_a_gzip_bomb_is_refused(ws: Workspace, tmp_path: Path) -> None:
    import gzip

    bomb = tmp_path / "orders.csv.gz"
    bomb.write_bytes(gzip.compress((ORDERS + "c1,p1,1,9.99,2025-01-02\n" * 2_000_000).encode()))
    _refused(ws, bomb, "times its packed size")


def test_too_many_columns_and_too_much_in_one_upload_are_refused(
    ws: Workspace,
    tmp_path: Path,
    monkeypatch,  # noqa: ANN001
) -> None:
    wide = _write(tmp_path, "wide.csv", ",".join(f"c{i}" for i in range(600)) + "\n" + ",".join("1" * 600) + "\n")
    _refused(ws, wide, "600 columns, more than the 500")
    monkeypatch.setenv("PERSONALENS_MAX_UPLOAD_TOTAL_MB", "0.00015")
    parts = [_write(tmp_path, f"orders-{i}.csv", ORDERS) for i in range(2)]
    before = (ws.row_counts(), ws.data_version())
    with pytest.raises(IngestError, match="over the limit of 0 MB for one upload"):
        ingest(ws, parts)
    assert (ws.row_counts(), ws.data_version()) == before
    ingest(ws, parts[:1])  # each file alone is within the limit
