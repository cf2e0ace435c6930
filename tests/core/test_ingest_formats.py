"""Readers and mapping on the shapes exports come in; corrections remembered per file signature."""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from core.ingest.pipeline import ingest
from core.workspace import Workspace, create_workspace

ROWS = [("c1", "p1", "4", "2025-01-02"), ("c2", "p2", "5", "2025-01-03"), ("c3", "p1", "2", "2025-01-04")]


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return create_workspace(tmp_path / "ws")


def _text(sep: str, header: bool = True) -> str:
    lines = [sep.join(("userId", "movieId", "rating", "timestamp"))] if header else []
    return "\n".join([*lines, *(sep.join(r) for r in ROWS)]) + "\n"


@pytest.mark.parametrize("sep", [",", "\t", ";", "|"])
def test_delimiters_are_sniffed(ws: Workspace, tmp_path: Path, sep: str) -> None:
    path = tmp_path / "ratings.txt"
    path.write_text(_text(sep))
    (report,) = ingest(ws, [path]).reports
    assert report.proposal.mapping() == {
        "userId": "customer_id",
        "movieId": "product_id",
        "rating": "rating",
        "timestamp": "timestamp",
    }
    assert ws.row_counts()["interactions"] == 3


def test_utf8_bom_and_windows_1252_text(ws: Workspace, tmp_path: Path) -> None:
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + "review_id,text,rating\nr1,Très bon café,5\n".encode())
    cp = tmp_path / "cp1252.csv"
    cp.write_bytes("review_id,text,rating\nr2,“Worth every €” – superb,5\n".encode("cp1252"))
    reports = ingest(ws, [bom, cp]).reports
    assert [r.encoding for r in reports] == ["utf-8-sig", "cp1252"]
    texts = ws.query("SELECT text FROM reviews ORDER BY review_id")["text"].tolist()
    assert texts == ["Très bon café", "“Worth every €” – superb"]


@pytest.mark.parametrize("at", [0.5, 0.99])  # inside the sniffer's first 20,480 rows, and near the end
def test_windows_1252_past_the_first_megabyte_is_still_read(ws: Workspace, tmp_path: Path, at: float) -> None:
    rows = [f"r{n},plain ascii review number {n} with a few more words to make it longer,4" for n in range(30_000)]
    rows[int(len(rows) * at)] = "r-late,Caf\u00e9 cr\u00e8me \u2013 \u20ac5,5"
    path = tmp_path / "late.csv"
    path.write_bytes(("review_id,text,rating\n" + "\n".join(rows) + "\n").encode("cp1252"))
    assert path.stat().st_size > 2 << 20
    (report,) = ingest(ws, [path]).reports
    assert report.encoding == "cp1252"
    assert report.rows_accepted == 30_000
    assert ws.query("SELECT text FROM reviews WHERE review_id = 'r-late'")["text"].tolist() == ["Café crème – €5"]


def test_gzip_and_zip_with_junk_members(ws: Workspace, tmp_path: Path) -> None:
    gz = tmp_path / "ratings.csv.gz"
    gz.write_bytes(gzip.compress(_text(",").encode()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("__MACOSX/._products.csv", "\x00junk")
        zf.writestr(".DS_Store", "junk")
        zf.writestr(
            "export/products.csv",
            "product_id,title,category,price\np1,Desk Lamp,Home|Office,$25.00\np2,Yoga Mat,Sports,19.5\n",
        )
        zf.writestr("export/customers.csv", "customer_id,email,age,gender\nc1,a@example.com,34,F\n")
    archive = tmp_path / "shop.zip"
    archive.write_bytes(buffer.getvalue())
    result = ingest(ws, [gz, archive])
    assert sorted(r.role for r in result.reports) == ["customers", "interactions", "products"]
    assert ws.row_counts() == {"customers": 1, "products": 2, "interactions": 3, "reviews": 0, "campaign_results": 0}
    assert ws.query("SELECT price FROM products ORDER BY product_id")["price"].tolist() == [25.0, 19.5]


def test_json_lines_with_nested_lists_and_json_arrays(ws: Workspace, tmp_path: Path) -> None:
    lines = tmp_path / "reviews.json"
    records = [
        {
            "reviewerID": "A1",
            "asin": "B1",
            "overall": 5.0,
            "reviewText": "Great strings, warm tone.",
            "summary": "Love them",
            "helpful": [1, 2],
            "unixReviewTime": 1393545600,
        },
        {
            "reviewerID": "A2",
            "asin": "B1",
            "overall": 2.0,
            "reviewText": "They broke in a week.",
            "summary": "Meh",
            "helpful": [0, 0],
            "unixReviewTime": 1393632000,
        },
    ]
    lines.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    catalogue = tmp_path / "catalogue.json"
    catalogue.write_text(json.dumps([{"asin": "B1", "title": "Guitar Strings", "category": ["Music", "Strings"]}]))
    ingest(ws, [lines, catalogue])
    review = ws.query("SELECT title, rating, strftime(timestamp, '%Y-%m-%d') d FROM reviews ORDER BY rating")
    assert review.values.tolist() == [["Meh", 2.0, "2014-03-01"], ["Love them", 5.0, "2014-02-28"]]
    assert ws.query("SELECT category FROM products")["category"].tolist() == ["Music|Strings"]


def test_excel_workbook(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "customers.xlsx"
    pd.DataFrame({"Customer ID": ["c1", "c2"], "Age": [31, 58], "City": ["Leeds", "Bath"]}).to_excel(path, index=False)
    (report,) = ingest(ws, [path]).reports
    assert report.role == "customers"
    assert ws.query("SELECT location FROM customers ORDER BY customer_id")["location"].tolist() == ["Leeds", "Bath"]


def test_corrections_are_remembered_for_the_same_columns(ws: Workspace, tmp_path: Path) -> None:
    first = tmp_path / "march.csv"
    first.write_text("who,what,stars,notes\nc1,p1,4,gift\nc2,p2,5,\n")
    overrides = {"who": "customer_id", "what": "product_id", "stars": "rating", "notes": ""}
    ingest(ws, [first], overrides=overrides, role="interactions")
    second = tmp_path / "april.csv"
    second.write_text("who,what,stars,notes\nc3,p1,3,\n")
    (report,) = ingest(ws, [second], dry_run=True).reports
    assert report.role == "interactions"
    assert report.proposal.mapping() == {"who": "customer_id", "what": "product_id", "stars": "rating"}
    assert {g.reason for g in report.proposal.columns} == {"remembered from your last upload of this file"}


def test_dry_run_writes_nothing_and_replace_mode_replaces(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "ratings.csv"
    path.write_text(_text(","))
    preview = ingest(ws, [path], dry_run=True)
    assert not preview.committed and preview.reports[0].tables == {"interactions": 3}
    assert ws.row_counts()["interactions"] == 0 and ws.raw_files().empty
    ingest(ws, [path])
    smaller = tmp_path / "smaller.csv"
    smaller.write_text("userId,movieId,rating\nc9,p9,1\n")
    ingest(ws, [smaller], mode="replace")
    assert ws.read_table("interactions")["customer_id"].tolist() == ["c9"]


def test_headerless_ratings_by_content(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "u.data"
    path.write_text(
        "".join(f"{u}\t{i}\t{(u * i) % 5 + 1}\t{881250949 + u * 97 + i}\n" for u in range(1, 30) for i in range(1, 12))
    )
    (report,) = ingest(ws, [path]).reports
    assert report.role == "interactions"
    assert report.proposal.mapping() == {
        "column0": "customer_id",
        "column1": "product_id",
        "column2": "rating",
        "column3": "timestamp",
    }


def test_repeated_rows_are_counted_and_kept_and_repeated_ids_keep_the_first(ws: Workspace, tmp_path: Path) -> None:
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "InvoiceNo,CustomerID,StockCode,Quantity,InvoiceDate\n"
        "1,c1,p1,2,2025-01-02\n1,c1,p1,2,2025-01-02\n1,c1,p1,3,2025-01-02\nC2,c1,p1,-2,2025-01-03\n"
    )
    (report,) = ingest(ws, [orders]).reports
    assert report.duplicates == 1 and report.returns == 1
    assert ws.row_counts()["interactions"] == 4, "an order file's repeated rows are kept"
    catalogue = tmp_path / "products.csv"
    catalogue.write_text("product_id,title,price\np1,First title,2.50\np2,Other,1.00\np1,Second title,9.99\n")
    (report,) = ingest(ws, [catalogue]).reports
    assert report.duplicates == 1
    assert ws.query("SELECT title FROM products WHERE product_id = 'p1'")["title"].tolist() == ["First title"]


def test_a_long_read_reports_its_progress_from_the_calling_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    import duckdb

    from core.ingest import sources

    monkeypatch.setattr(sources, "PROGRESS_POLL_S", 0.005)
    seen: list[tuple[float, bool]] = []
    con = duckdb.connect()
    sql = "CREATE TEMP TABLE t AS SELECT sum(hash(i)) AS h FROM range(200000000) r(i)"
    sources.execute_reporting(
        con, sql, lambda f: seen.append((f, threading.current_thread() is threading.main_thread()))
    )
    assert con.execute("SELECT count(*) FROM t").fetchall()[0][0] == 1
    assert seen and all(0 <= f <= 1 and in_caller for f, in_caller in seen)
