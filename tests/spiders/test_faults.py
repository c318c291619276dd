"""Faults: each ends with the right items or a clear recorded error, never a partial document stored as complete."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from spiders.config import load_queries
from spiders.replay import load_recordings, read_body, serve
from spiders.snapshot.build import render_articles_feed
from spiders.sources import arxiv
from tests.spiders.faults import cut, fault_server, ok, stall, status
from tests.spiders.helpers import FIXTURES, Crawl, CrawlResult, run_all
from warehouse.landing import LandingRecord

SINCE, UNTIL = dt.date(2026, 4, 1), dt.date(2026, 4, 12)
ARXIV = FIXTURES / "arxiv"
PAGE_A = (ARXIV / "query_all_testing_start0_max10.xml").read_bytes()
PAGE_B = (ARXIV / "query_all_testing_start10_max10.xml").read_bytes()
BIG = (ARXIV / "query_all_testing_start0_max100.xml").read_bytes()  # 231 KB, over the 100 KB limit below
ATOM = "application/atom+xml; charset=utf-8"
ERROR_HTML = (
    b"<!DOCTYPE html><html><head><title>Service busy</title></head>"
    b"<body><h1>Please try again later</h1></body></html>"
)
CN_ERROR_HTML = "<!DOCTYPE html><html><head><title>页面不存在</title></head><body>您访问的页面不存在</body></html>".encode()

ARXIV_TECHS = ["rate", "flaky", "slow", "cut", "cutraw", "big", "errpage", "toolong"]


def _ids(page: bytes) -> set[str]:
    import re

    return set(re.findall(r"<id>http://arxiv.org/abs/([^<]+?)v\d+</id>", page.decode()))


def arxiv_routes(tmp: Path) -> tuple[Path, dict]:
    queries = tmp / "queries.toml"
    queries.write_text(
        "[defaults]\npage_size = 10\nmax_records_per_query = 10\n"
        + "".join(f'[[technology]]\nid = "{t}"\nkeywords = ["{t}"]\n' for t in ARXIV_TECHS),
        encoding="utf-8",
    )
    techs = {t.id: t for t in load_queries(queries).technologies}

    def url(t: str) -> str:
        return arxiv.page_url(techs[t], SINCE, UNTIL, 0, 10)

    routes = {
        url("rate"): [status(429, {"Retry-After": "1"}), ok(PAGE_A, ATOM)],
        url("flaky"): [status(500), ok(PAGE_B, ATOM)],
        url("slow"): [stall(3.0)],
        url("cut"): [cut(PAGE_A, ATOM, framed=True)],
        url("cutraw"): [cut(PAGE_A, ATOM, framed=False)],
        url("big"): [ok(BIG, ATOM)],
        url("errpage"): [ok(ERROR_HTML, "text/html")],
        url("toolong"): [status(429, {"Retry-After": "86400"})],
    }
    return queries, routes


NEWS = FIXTURES / "news"
NEWS_REC = load_recordings(NEWS)


def news_body(url: str) -> bytes:
    from spiders.replay import recording_key

    return read_body(NEWS, NEWS_REC[recording_key(url)].file)


GOOD_PAGE = "https://phys.org/news/2019-10-flint-flake-tool-partially-birch.html"
GONE_PAGE = "https://web.archive.org/web/20120611024252/http://www.he.xinhuanet.com/news/2012-06/04/content_25340717.htm"
CUT_PAGE = "http://www.xinhuanet.com/local/2020-02/19/c_1125597921.htm"
FEEDS = {
    "bare-amp": "https://phys.org/rss-feed/",
    "gb2312": "http://news.qq.com/newsgn/rss_newsgn.xml",
    "cut-feed": "https://feeds.example.test/cut.xml",
    "error-feed": "https://feeds.example.test/error.xml",
    "articles": "https://feeds.example.test/articles.xml",
}


def news_routes(tmp: Path) -> tuple[Path, dict]:
    feeds = tmp / "feeds.toml"
    feeds.write_text(
        "".join(
            f'[[feed]]\nid = "{fid}"\nurl = "{url}"\nfetch_article = "{"always" if fid == "articles" else "never"}"\n'
            for fid, url in FEEDS.items()
        ),
        encoding="utf-8",
    )
    physorg = news_body(FEEDS["bare-amp"])
    pages = [(u, news_body(u)) for u in (GOOD_PAGE, GONE_PAGE, CUT_PAGE)]
    routes = {
        FEEDS["bare-amp"]: [ok(physorg, "application/rss+xml")],
        FEEDS["gb2312"]: [ok(news_body(FEEDS["gb2312"]), "text/xml")],
        FEEDS["cut-feed"]: [cut(physorg, "application/rss+xml", keep=0.5, framed=False)],
        FEEDS["error-feed"]: [ok(ERROR_HTML, "text/html")],
        FEEDS["articles"]: [ok(render_articles_feed(pages), "application/rss+xml")],
        GOOD_PAGE: [ok(pages[0][1], "text/html")],
        GONE_PAGE: [status(404)],
        CUT_PAGE: [cut(pages[2][1], "text/html", keep=0.5, framed=False)],
    }
    return feeds, routes


POLICY = FIXTURES / "policy"
POLICY_REC = load_recordings(POLICY)


def policy_routes() -> tuple[dict, list[str]]:
    urls = [r.url for r in POLICY_REC.values()]
    docs = urls[2:]  # the first two are the list pages
    routes = {
        u: [ok(read_body(POLICY, POLICY_REC[k].file), "text/html")]
        for k, u in zip(POLICY_REC, urls, strict=True)
    }
    routes[docs[1]] = [ok(CN_ERROR_HTML, "text/html; charset=utf-8")]  # an error page served with 200
    routes[docs[2]] = [status(500), routes[docs[2]][0]]  # 500, then the page
    routes[docs[3]] = [status(404)]
    return routes, docs


@pytest.fixture(scope="module")
def faults(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    tmp = tmp_path_factory.mktemp("faults")
    aq, a_routes = arxiv_routes(tmp)
    nq, n_routes = news_routes(tmp)
    p_routes, docs = policy_routes()
    # A timeout with room to spare on a loaded 2-core machine: only the stalled route (3 s) may hit it.
    tight = {"DOWNLOAD_TIMEOUT": "1.5", "RETRY_TIMES": "2", "DOWNLOAD_MAXSIZE": "100000"}
    with (
        fault_server(a_routes) as a_srv,
        fault_server(n_routes) as n_srv,
        fault_server(p_routes) as p_srv,
        serve(POLICY) as replay,
    ):
        window = {"since": SINCE.isoformat(), "until": UNTIL.isoformat()}
        crawls = [
            Crawl(
                "arxiv", tmp / "arxiv", {"base_url": a_srv.base_url, "queries_file": str(aq), **window}, tight
            ),
            # Article pages run to 300 KB: the news crawl keeps a limit above them.
            Crawl(
                "news",
                tmp / "news",
                {"base_url": n_srv.base_url, "feeds_file": str(nq)},
                {**tight, "DOWNLOAD_MAXSIZE": "1000000"},
            ),
            Crawl(
                "policy",
                tmp / "policy",
                {"base_url": p_srv.base_url, "bodies_file": str(POLICY / "policy_bodies.toml")},
                tight,
            ),
            # Stopped after two items, as an interrupted crawl is: the landing file must not be sealed.
            Crawl(
                "policy",
                tmp / "stopped",
                {"base_url": replay.base_url, "bodies_file": str(POLICY / "policy_bodies.toml")},
                {"CLOSESPIDER_ITEMCOUNT": "2", "CONCURRENT_REQUESTS": "1"},
            ),
        ]
        arx, news, policy, stopped = run_all(crawls)
        yield {
            "arxiv": arx,
            "arxiv_server": a_srv,
            "arxiv_routes": list(a_routes),
            "news": news,
            "policy": policy,
            "policy_docs": docs,
            "stopped": stopped,
        }


def _valid_lines(result: CrawlResult) -> None:
    assert result.landing.exists(), "a finished crawl seals its landing file"
    for line in result.landing.read_text(encoding="utf-8").splitlines():
        LandingRecord.model_validate_json(line)


def test_arxiv_faults_end_in_items_or_recorded_errors(faults: dict) -> None:
    result: CrawlResult = faults["arxiv"]
    assert result.returncode == 0, result.log[-3000:]
    assert result.report["finish_reason"] == "finished"
    # 429-then-OK and 500-then-OK pages delivered all their items; the failed ones nothing.
    assert {i["arxiv_id"] for i in result.items} == _ids(PAGE_A) | _ids(PAGE_B)
    assert len(result.items) == 20
    assert result.errors == {
        "error_page": 1,  # HTML with status 200 where Atom was expected
        "http_429": 1,  # Retry-After of a day: given up at once, not waited for
        "malformed": 1,  # cut off without Content-Length: only the XML shows it
        "timeout": 1,
        "too_large": 1,
        "truncated": 1,  # cut off short of its Content-Length
    }
    # Failures that can lose documents mark the crawl incomplete (its watermark must not advance).
    assert result.report["incomplete"] == 6
    _valid_lines(result)


def test_retry_after_is_honoured_and_backoff_applied(faults: dict) -> None:
    server, urls = faults["arxiv_server"], faults["arxiv_routes"]
    rate, flaky, slow, _, _, big, _, toolong = urls
    t = server.times(rate)
    assert len(t) == 2 and t[1] - t[0] >= 0.95, "the retry waited for Retry-After: 1"
    assert len(server.times(flaky)) == 2
    assert len(server.times(slow)) == 3  # first try + RETRY_TIMES=2
    assert len(server.times(big)) == 1  # a body over the limit is not retried
    assert len(server.times(toolong)) == 1
    stats = faults["arxiv"].report["stats"]
    assert stats["futurescan/retry_after_too_long"] == 1
    assert stats["retry/reason_count/500 Internal Server Error"] == 1
    assert sum(v for k, v in stats.items() if k.startswith("retry/reason_count/429")) == 1
    assert stats["retry/reason_count/scrapy.exceptions.DownloadTimeoutError"] == 2


def test_news_faults(faults: dict) -> None:
    result: CrawlResult = faults["news"]
    assert result.returncode == 0, result.log[-3000:]
    by_feed: dict[str, list] = {}
    for item in result.items:
        by_feed.setdefault(item["extra"]["feed"], []).append(item)
    assert len(by_feed["bare-amp"]) == 30  # a bare '&' is sloppy, not fatal
    assert len(by_feed["gb2312"]) == 20
    assert all("\ufffd" not in i["title"] for i in by_feed["gb2312"])
    # A cut feed yields nothing (feedparser alone would have returned its first items).
    assert "cut-feed" not in by_feed and "error-feed" not in by_feed
    articles = {i["url"]: i for i in by_feed["articles"]}
    assert articles[GOOD_PAGE]["extra"]["text_from"] == "article"
    # A missing or cut article page keeps the feed item with its summary, never a fragment as text.
    for url in (GONE_PAGE, CUT_PAGE):
        assert articles[url]["extra"]["text_from"] == "summary_only"
        assert "text" not in articles[url]
    assert result.errors == {"article_http_404": 1, "article_truncated": 1, "error_page": 1, "truncated": 1}
    assert result.report["incomplete"] == 2  # the two feeds; article failures lose no item
    _valid_lines(result)


def test_policy_faults(faults: dict) -> None:
    result: CrawlResult = faults["policy"]
    docs = faults["policy_docs"]
    assert result.returncode == 0, result.log[-3000:]
    got = {i["url"] for i in result.items}
    assert got == {docs[0], docs[2], docs[4], docs[5]}  # the 500-then-OK page is in; error pages are not
    assert result.errors == {"error_page": 1, "http_404": 1}
    _valid_lines(result)


def test_interrupted_crawl_leaves_no_landing_file(faults: dict) -> None:
    result: CrawlResult = faults["stopped"]
    assert result.report["finish_reason"] == "closespider_itemcount"
    assert result.report["landing_file"] is None
    assert not result.landing.exists()
    part = Path(result.report["landing_part"])
    assert part.name.endswith(".jsonl.part") and part.exists()
    lines = part.read_text(encoding="utf-8").splitlines()
    assert len(lines) >= 2
    assert all(json.loads(line)["title"] for line in lines)  # whole lines only
