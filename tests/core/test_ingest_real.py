"""Real exports from ../shared/data go in with no hand edits; counts match each SOURCE.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.ingest.pipeline import ingest
from core.workspace import Workspace, create_workspace
from tests.conftest import SHARED_DATA

pytestmark = pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="../shared/data is not beside the project")
ML = SHARED_DATA / "movielens-100k"
AMAZON_MI = SHARED_DATA / "amazon-musical-instruments" / "reviews_Musical_Instruments_5.json.gz"
GIFT = SHARED_DATA / "amazon-gift-cards"
RETAIL = SHARED_DATA / "uci-online-retail" / "online_retail.csv.gz"


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return create_workspace(tmp_path / "ws")


def _distinct(ws: Workspace, table: str, column: str) -> int:
    return int(ws.query(f"SELECT count(DISTINCT {column}) AS n FROM {table}")["n"].iloc[0])


def test_movielens_headerless_latin1_and_one_hot_genres(ws: Workspace) -> None:
    result = ingest(ws, [ML / "u.item", ML / "u.user", ML / "u.data"])
    roles = {r.source: r.role for r in result.reports}
    assert roles == {"u.item": "products", "u.user": "customers", "u.data": "interactions"}
    assert ws.row_counts() == {
        "customers": 943,
        "products": 1682,
        "interactions": 100_000,
        "reviews": 0,
        "campaign_results": 0,
    }
    assert _distinct(ws, "interactions", "customer_id") == 943
    assert _distinct(ws, "interactions", "product_id") == 1682
    ratings = ws.query("SELECT min(rating) lo, max(rating) hi, count(timestamp) ts FROM interactions")
    assert ratings.iloc[0].tolist() == [1.0, 5.0, 100_000]
    item = ws.query("SELECT title, category FROM products WHERE product_id = '1'").iloc[0]
    assert item["title"] == "Toy Story (1995)"
    assert len(item["category"].split("|")) == 3  # three genre flags set
    latin1 = ws.query("SELECT title FROM products WHERE title LIKE '%é%'")
    assert len(latin1) > 0, "Latin-1 titles decoded"
    user = ws.query("SELECT age, gender, occupation, location FROM customers WHERE customer_id = '1'").iloc[0]
    assert user.tolist() == [24, "M", "technician", "85711"]


def test_amazon_musical_instruments_reviews_feed_interactions(ws: Workspace) -> None:
    (report,) = ingest(ws, [AMAZON_MI]).reports
    assert report.role == "reviews"
    assert report.proposal.mapping()["reviewText"] == "text"
    assert report.proposal.mapping()["overall"] == "rating"
    assert ws.row_counts()["reviews"] == 10_261
    assert _distinct(ws, "reviews", "customer_id") == 1429
    assert _distinct(ws, "reviews", "product_id") == 900
    stars = ws.query("SELECT rating, count(*) n FROM reviews GROUP BY 1 ORDER BY 1")["n"].tolist()
    assert stars == [217, 250, 772, 2084, 6938]
    assert ws.row_counts()["interactions"] == 10_261
    span = ws.query(
        "SELECT strftime(min(timestamp), '%Y-%m-%d') lo, strftime(max(timestamp), '%Y-%m-%d') hi FROM reviews"
    ).iloc[0]
    assert str(span["lo"]) == "2004-09-18" and str(span["hi"]) == "2014-07-22"


def test_amazon_gift_cards_reviews_join_the_catalogue(ws: Workspace) -> None:
    result = ingest(ws, [GIFT / "meta_Gift_Cards.json.gz", GIFT / "Gift_Cards_5.json.gz"])
    assert [r.role for r in result.reports] == ["products", "reviews"]
    assert ws.row_counts()["products"] == 1547
    assert ws.row_counts()["reviews"] == 2972
    reviewed = ws.query(
        "SELECT count(DISTINCT r.product_id) n, count(DISTINCT p.product_id) known "
        "FROM reviews r LEFT JOIN products p USING (product_id)"
    ).iloc[0]
    assert reviewed["n"] == reviewed["known"] == 148
    assert result.reports[1].orphans.empty
    prices = ws.query("SELECT count(price) n, min(price) lo FROM products").iloc[0]
    assert prices["n"] > 100 and prices["lo"] > 0, "'$25.00' strings read as numbers"
    assert not ws.query("SELECT 1 FROM products WHERE title LIKE '%<%>%' OR description LIKE '%<div%'").shape[0]


def test_online_retail_keeps_returns_and_rejects_rows_without_customer(ws: Workspace) -> None:
    (report,) = ingest(ws, [RETAIL]).reports
    assert report.role == "interactions"
    assert report.rows_read == 541_909
    assert report.rows_rejected == 135_080
    assert set(report.rejected["reason"].head(100)) == {"no customer_id"}
    assert report.rows_accepted == 541_909 - 135_080
    assert ws.row_counts()["interactions"] == report.rows_accepted
    assert _distinct(ws, "interactions", "customer_id") == 4372
    returns = ws.query("SELECT count(*) n, max(quantity) q FROM interactions WHERE event_type = 'return'").iloc[0]
    assert returns["n"] == report.returns > 8000 and returns["q"] <= 0
    assert (
        ws.query("SELECT count(*) n FROM interactions WHERE order_id LIKE 'C%' AND event_type <> 'return'")["n"].iloc[0]
        == 0
    )
    assert ws.row_counts()["customers"] == 4372  # Country carried into the customer profile
    assert ws.query("SELECT count(*) n FROM products WHERE title IS NOT NULL")["n"].iloc[0] > 3000


def test_appending_the_same_export_again_adds_nothing(ws: Workspace) -> None:
    ingest(ws, [ML / "u.data"])
    again = ingest(ws, [ML / "u.data"]).reports[0]
    assert again.written == {"interactions": 0}
    assert ws.row_counts()["interactions"] == 100_000
    assert len(ws.raw_files()) == 2, "both uploads are kept as received"
