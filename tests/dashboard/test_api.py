from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.dashboard.conftest import HOSTILE
from tweetlake.dashboard.app import create_app
from tweetlake.storage import Storage


@pytest.fixture
def client(lake_dir: Path) -> TestClient:
    return TestClient(create_app(Storage(lake_dir)))


def test_every_endpoint_has_data(client: TestClient) -> None:
    summary = client.get("/api/summary").json()
    assert summary["posts"] > 1000 and summary["authors"] > 100 and summary["quarantined"] == 1
    assert summary["freshness_seconds"] is not None and -1 < summary["net_sentiment"] < 1
    volume = client.get("/api/volume").json()
    assert len(volume["rows"]) > 5 and volume["spikes"], "the synthetic news burst should show as a spike"
    assert client.get("/api/keywords").json()[0]["share"] > 0
    for kind in ("entities", "hashtags", "mentions", "domains", "authors"):
        assert client.get(f"/api/top/{kind}").json(), kind
    for kind in ("lang", "platform"):
        assert client.get(f"/api/breakdown/{kind}").json(), kind
    posts = client.get("/api/posts", params={"size": 5}).json()
    assert len(posts["rows"]) == 5 and posts["has_more"]
    assert client.get("/api/quarantine").json()["reasons"][0]["reason"] == "invalid JSON"


def test_filters_narrow_every_view(client: TestClient) -> None:
    everything = client.get("/api/summary").json()["posts"]
    kyiv = {"entity": "Kyiv", "entity_type": "LOCATION"}
    narrowed = client.get("/api/summary", params=kyiv).json()["posts"]
    assert 0 < narrowed < everything
    rows = client.get("/api/posts", params={**kyiv, "size": 50}).json()["rows"]
    assert rows and all(any(e["entity"] == "Kyiv" for e in r["entities"]) for r in rows)
    negative = client.get("/api/posts", params={"sentiment": "NEGATIVE", "keyword": "ukraine"}).json()["rows"]
    assert negative and all(r["sentiment"] == "NEGATIVE" and "ukraine" in r["matched_keywords"] for r in negative)
    tag = client.get("/api/top/hashtags", params={"hashtag": "ukraine"}).json()
    assert tag[0]["hashtag"] == "ukraine"


def test_post_text_comes_back_verbatim(client: TestClient) -> None:
    rows = client.get("/api/posts", params={"author": '"><b>x</b>'}).json()["rows"]
    assert rows[0]["text"].startswith(HOSTILE)


def test_posts_without_a_sentiment_label_say_why(client: TestClient) -> None:
    rows = client.get("/api/posts", params={"size": 200}).json()["rows"]
    unlabelled = [r for r in rows if r["sentiment"] is None]  # the fake scores English only
    assert unlabelled and len(unlabelled) < len(rows)
    assert all("not supported" in r["sentiment_reason"] for r in unlabelled)
    assert all(r["sentiment_reason"] is None for r in rows if r["sentiment"] is not None)


def test_bad_filters_and_writes_are_refused(client: TestClient) -> None:
    assert client.get("/api/summary", params={"range": "forever"}).status_code == 400
    assert "unknown filter" in client.get("/api/summary", params={"colour": "red"}).json()["error"]
    assert client.get("/api/top/nothing").status_code == 400
    for method in ("post", "put", "delete", "patch"):
        assert getattr(client, method)("/api/summary").status_code == 405


def test_csv_export_of_any_view(client: TestClient) -> None:
    response = client.get("/api/export/posts.csv", params={"keyword": "ukraine"})
    assert response.headers["content-type"].startswith("text/csv")
    header, *lines = response.text.splitlines()
    assert "text" in header.split(",") and lines
    assert client.get("/api/export/hashtags.csv").text.startswith("hashtag,posts")


def test_security_headers(client: TestClient) -> None:
    response = client.get("/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_token_required_off_loopback(lake_dir: Path) -> None:
    client = TestClient(create_app(Storage(lake_dir), token="s3cret"))
    assert client.get("/api/summary").status_code == 401
    assert client.get("/api/summary", headers={"Authorization": "Bearer s3cret"}).status_code == 200
    first = client.get("/?token=s3cret")
    assert first.status_code == 200 and "tweetlake_token" in first.headers["set-cookie"]
    assert client.get("/api/summary").status_code == 200  # the cookie carries it from now on
