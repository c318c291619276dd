"""Fast checks without a crawl: settings, parsers on recorded files, text helpers, replay keys, config, crawl state."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tarfile
import tomllib
from pathlib import Path
from typing import Any

import pytest
from scrapy.settings import Settings as ScrapySettings
from scrapy.spiderloader import SpiderLoader

from flows.crawl import SNAPSHOT_ARCHIVE, crawl_status, is_loopback
from spiders import settings as project_settings
from spiders.config import ConfigError, load_feeds, load_policy_bodies, load_queries
from spiders.middlewares import parse_retry_after, user_agent
from spiders.registry import ALL_SOURCES, DEFAULT_SOURCES
from spiders.registry import SOURCES as REGISTERED
from spiders.replay import original_url, recording_key, replay_url
from spiders.sources import arxiv, crossref, pubmed
from spiders.text import (
    find_doc_number,
    looks_like_html,
    parse_xml,
    transcode_gb_xml,
    xml_is_complete,
)
from tests.spiders.helpers import FIXTURES, REPO

SPIDERS = ("arxiv", "pubmed", "crossref", "news", "policy", "epo")


def _spider_classes() -> dict[str, type]:
    loader = SpiderLoader.from_settings(ScrapySettings({"SPIDER_MODULES": project_settings.SPIDER_MODULES}))
    return {name: loader.load(name) for name in loader.list()}


# ── settings ──


def test_every_source_has_a_spider_named_after_its_file() -> None:
    classes = _spider_classes()
    assert set(classes) == set(SPIDERS) == set(ALL_SOURCES)
    assert {s.spider for s in REGISTERED} == set(classes)
    for name, cls in classes.items():
        assert Path(sys.modules[cls.__module__].__file__).stem == name


def test_the_registry_names_what_a_bare_crawl_runs_and_what_needs_credentials() -> None:
    assert DEFAULT_SOURCES == ("arxiv", "pubmed", "crossref", "news", "policy")
    assert [s.name for s in REGISTERED if s.credentials] == ["epo"]
    # The crawl command's help lists every source.
    from flows.cli.crawl import crawl_cmd

    help_text = crawl_cmd.__defaults__[0].help
    assert all(name in help_text for name in ALL_SOURCES)


def test_spider_custom_settings_only_tighten_politeness() -> None:
    base = project_settings
    for name, cls in _spider_classes().items():
        custom = cls.custom_settings or {}
        assert custom.get("ROBOTSTXT_OBEY", True) is True, name
        assert custom.get("AUTOTHROTTLE_ENABLED", True) is True, name
        assert custom.get("DOWNLOAD_DELAY", base.DOWNLOAD_DELAY) >= base.DOWNLOAD_DELAY, name
        for key in (
            "CONCURRENT_REQUESTS",
            "CONCURRENT_REQUESTS_PER_DOMAIN",
            "DOWNLOAD_TIMEOUT",
            "DOWNLOAD_MAXSIZE",
        ):
            assert custom.get(key, getattr(base, key)) <= getattr(base, key), (name, key)
    # arXiv's terms: one request every 3 s, at the server: the configured delay carries a margin
    # for queue-to-wire jitter, so it must be strictly above the published interval.
    assert base.DELAY_MARGIN >= 1.05
    assert _spider_classes()["arxiv"].custom_settings["DOWNLOAD_DELAY"] >= 3.0 * 1.05
    assert _spider_classes()["policy"].custom_settings["DOWNLOAD_DELAY"] >= 2.0 * 1.05
    assert base.DOWNLOAD_DELAY_JITTER == 0  # jitter would push delays below their minimum


def test_polite_defaults() -> None:
    s = project_settings
    assert s.ROBOTSTXT_OBEY and s.AUTOTHROTTLE_ENABLED and s.RETRY_ENABLED
    assert 429 in s.RETRY_HTTP_CODES and 503 in s.RETRY_HTTP_CODES
    assert s.DOWNLOAD_TIMEOUT <= 120 and s.DOWNLOAD_MAXSIZE <= 64 * 1024 * 1024
    assert s.DOWNLOAD_FAIL_ON_DATALOSS
    assert not s.TELNETCONSOLE_ENABLED and not s.REMOTE_CONTROL_ENABLED
    ua = user_agent("scan-desk@stcsm.example", s.FUTURESCAN_PROJECT_URL)
    assert ua.startswith("futurescan/") and "mailto:scan-desk@stcsm.example" in ua


def test_the_cookie_middleware_and_its_suffix_list_are_never_used() -> None:
    # Scrapy's cookie middleware is tldextract's one user; its extractor would download the
    # public-suffix list on first use. With cookies off no crawler enables the middleware.
    assert project_settings.COOKIES_ENABLED is False
    for name, cls in _spider_classes().items():
        assert (cls.custom_settings or {}).get("COOKIES_ENABLED", False) is False, name
    env = {k: v for k, v in os.environ.items() if k != "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS"}
    code = (
        "from scrapy.core.downloader.middleware import DownloaderMiddlewareManager\n"
        "from scrapy.settings import Settings\n"
        "from scrapy.spiderloader import SpiderLoader\n"
        "from scrapy.utils.test import get_crawler\n"
        "from spiders import settings as project\n"
        "values = {k: getattr(project, k) for k in dir(project) if k.isupper()}\n"
        "loader = SpiderLoader.from_settings(Settings(values))\n"
        "for name in loader.list():\n"
        "    manager = DownloaderMiddlewareManager.from_crawler(get_crawler(loader.load(name), values))\n"
        "    print(name, sorted(type(m).__name__ for m in manager.middlewares))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=REPO
    ).stdout.splitlines()
    assert len(out) == len(SPIDERS)
    assert all("ContactUserAgentMiddleware" in line and "CookiesMiddleware" not in line for line in out), out


# ── parsers on recorded files ──


def test_arxiv_entry_with_affiliations_and_legacy_format() -> None:
    root = parse_xml((FIXTURES / "arxiv" / "query_all_testing_start0_max100.xml").read_bytes())
    entries = [arxiv.parse_entry(e) for e in root.findall("atom:entry", arxiv.NS)]
    gaudel = next(e for e in entries if e and e["arxiv_id"] == "0804.0970")
    assert gaudel["authors"] == ["Marie-Claude Gaudel", "Pascale Le Gall"]
    assert gaudel["affiliations"] == ["LRI", "IBISC"]
    legacy = parse_xml((FIXTURES / "arxiv" / "legacy_format_search_au_del_maestro.xml").read_bytes())
    first = arxiv.parse_entry(legacy.findall("atom:entry", arxiv.NS)[0])
    assert first is not None
    assert first["arxiv_id"] == "1201.4869" and first["extra"]["version"] == "1"
    assert first["title"] == "A Luttinger Liquid Core Inside Helium-4 Filled Nanopores"
    assert first["abstract"].startswith("As helium-4 is cooled below 2.17 K")  # line breaks folded
    assert first["doi"] == "10.1142/S021797921244002X"


def test_arxiv_query_shape() -> None:
    tech = next(t for t in load_queries().technologies if t.id == "embodied_ai")
    q = arxiv.search_query(tech, dt.date(2026, 11, 15), dt.date(2026, 11, 22))
    assert q.startswith("((cat:cs.RO) OR ((cat:cs.AI")
    assert 'all:"legged robot"' in q and 'all:"vision-language-action"' in q
    assert q.endswith("AND submittedDate:[202611150000 TO 202611222359]")
    url = arxiv.page_url(tech, dt.date(2026, 11, 15), dt.date(2026, 11, 22), 100, 100)
    assert "sortBy=submittedDate" in url and "sortOrder=descending" in url and "start=100" in url


@pytest.mark.parametrize(
    ("name", "pmid", "published", "doi"),
    [
        ("pubmed2.xml", "11748933", "2001-06", "10.1006/cryo.2001.2328"),
        ("pubmed5.xml", "28775130", "2017-08-03", "10.1136/oemed-2017-104431"),
        ("pubmed6.xml", "30108519", "2018-07-31", "10.3389/fphys.2018.01034"),
    ],
)
def test_pubmed_article_fields(name: str, pmid: str, published: str, doi: str) -> None:
    root = parse_xml((FIXTURES / "pubmed" / name).read_bytes())  # declares an external DTD: not loaded
    arts = {a["pmid"]: a for a in map(pubmed.parse_article, root.findall("PubmedArticle"))}
    art = arts[pmid]
    assert art["published"] == published and art["doi"] == doi and art["language"] == "en"
    assert art["authors"] and art["affiliations"] and art["abstract"]


def test_pubmed_structured_abstract_keeps_labels() -> None:
    root = parse_xml((FIXTURES / "pubmed" / "pubmed5.xml").read_bytes())
    art = pubmed.parse_article(root.find("PubmedArticle"))
    assert art["abstract"].startswith("OBJECTIVES: Animal studies suggest")
    assert "thyroid stimulating hormone" in art["keywords"]


def test_epo_requests_carry_the_token_and_the_date_window() -> None:
    import scrapy

    from spiders.sources.epo import EpoSpider, biblio_url, search_url

    spider = EpoSpider(
        queries_file=str(FIXTURES / "epo" / "queries.toml"), since="2026-11-15", until="2026-11-22"
    )
    spider.token = "t0"
    req = spider.authorised(scrapy.Request("https://ops.epo.org/3.2/rest-services/published-data/search?q=x"))
    assert req.headers["Authorization"] == b"Bearer t0"
    url = search_url("ta=qubit", dt.date(2026, 11, 15), dt.date(2026, 11, 22), 100, 100)
    assert "Range=101-200" in url and "pd+within+%2220261115+20261122%22" in url
    assert biblio_url(["EP.1000000.A1", "US.11984624.B1"]).endswith(
        "/docdb/EP.1000000.A1,US.11984624.B1/biblio"
    )


def test_crossref_single_work_response() -> None:
    body = json.loads((FIXTURES / "crossref" / "test_works_with_one_id.json").read_text())["response"]
    work = crossref.parse_work(body["message"])
    assert work is not None
    assert work["doi"] == "10.1371/journal.pone.0033693"
    assert work["title"].startswith("Methylphenidate Exposure Induces Dopamine Neuron Loss")
    assert work["published"] == "2012-03-21" and work["extra"]["venue"] == "PLoS ONE"
    assert work["authors"][0] == "Shankar Sadasivan"


# ── text helpers ──


def test_doc_number_at_the_head_only() -> None:
    assert (
        find_doc_number("上海市科学技术委员会关于印发《…》的通知\n沪科合〔2025〕7号\n各有关单位：")
        == "沪科合〔2025〕7号"
    )
    assert find_doc_number("国发[2017]35号 国务院关于印发新一代人工智能发展规划的通知") == "国发[2017]35号"
    assert find_doc_number("工信部联科（2024）12 号") == "工信部联科（2024）12号"
    assert find_doc_number("中华人民共和国主席令第六十二号") == "中华人民共和国主席令第六十二号"
    assert find_doc_number("文号：沪科规〔2024〕3号") == "沪科规〔2024〕3号"
    assert find_doc_number("关于印发《办法》的通知沪科合〔2025〕7号") is None  # no clean start: no guess
    cited_late = "为依法惩治危害药品安全犯罪……" + "第一条 ……" * 200 + "（法释〔2009〕9号）同时废止"
    assert find_doc_number(cited_late) is None


def test_xml_completeness_and_html_detection() -> None:
    page = (FIXTURES / "arxiv" / "query_all_testing_start0_max10.xml").read_bytes()
    assert xml_is_complete(page) and xml_is_complete(page + b"\n\n")
    assert not xml_is_complete(page[: len(page) // 2])
    assert not looks_like_html(page, "application/atom+xml")
    assert looks_like_html(b"<!DOCTYPE html><html><body>busy</body></html>", None)
    assert looks_like_html(b"<?xml version='1.0'?><feed/>", "text/html; charset=utf-8")


def test_gb2312_feed_transcodes_to_utf8() -> None:
    from spiders.replay import load_recordings, read_body

    rec = load_recordings(FIXTURES / "news")[recording_key("http://news.qq.com/newsgn/rss_newsgn.xml")]
    raw = read_body(FIXTURES / "news", rec.file)
    assert raw.startswith(b'<?xml version="1.0" encoding="gb2312"?>')
    utf8 = transcode_gb_xml(raw)
    assert utf8.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    assert "习近平为何如此强调崇尚英雄？" in utf8.decode("utf-8")
    assert (
        transcode_gb_xml(b"<?xml version='1.0' encoding='utf-8'?><a/>")
        == b"<?xml version='1.0' encoding='utf-8'?><a/>"
    )


def test_retry_after_parsing() -> None:
    now = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.UTC)
    assert parse_retry_after(b"120") == 120.0
    assert parse_retry_after("Sun, 22 Nov 2026 12:00:30 GMT", now) == 30.0
    assert parse_retry_after("Sun, 22 Nov 2026 11:00:00 GMT", now) == 0.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


# ── replay ──


def test_replay_keys_ignore_order_and_identity() -> None:
    a = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/esearch.fcgi?db=pubmed&term=x&email=a@b.c&tool=futurescan"
    b = "http://eutils.ncbi.nlm.nih.gov/entrez/eutils/esearch.fcgi?term=x&db=pubmed&email=other@d.e"
    assert recording_key(a) == recording_key(b)
    assert recording_key(a) != recording_key(a.replace("term=x", "term=y"))
    local = replay_url("http://127.0.0.1:8080", a)
    assert local.startswith(
        "http://127.0.0.1:8080/eutils.ncbi.nlm.nih.gov/entrez/eutils/esearch.fcgi?db=pubmed"
    )
    assert recording_key(original_url("/", local[len("http://127.0.0.1:8080") :])) == recording_key(a)


def test_shipped_snapshot_is_small_and_clean() -> None:
    assert SNAPSHOT_ARCHIVE.stat().st_size < 5 * 1024 * 1024
    with tarfile.open(SNAPSHOT_ARCHIVE) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("snapshot/manifest.json"))  # type: ignore[arg-type]
        recordings = json.load(tar.extractfile("snapshot/recordings.json"))  # type: ignore[arg-type]
    assert set(manifest["crawls"]) == set(DEFAULT_SOURCES)
    assert all(f"snapshot/{r['file']}" in names for r in recordings)
    hosts = {r["url"].split("/")[2] for r in recordings}
    # Only licence-clear material: no CCTV, Hacker News, Zhihu/Weibo/Toutiao data.
    assert not any(
        h.endswith(("cctv.com", "ycombinator.com", "zhihu.com", "weibo.com", "toutiao.com")) for h in hosts
    )
    assert "export.arxiv.org" in hosts and "lawlib.snapshot.futurescan.invalid" in hosts


# ── configuration ──


def test_shipped_configs_load() -> None:
    assert len(load_queries().technologies) >= 15
    assert {f.language for f in load_feeds()} == {"en", "zh"}
    bodies = load_policy_bodies()
    assert {b.id for b in bodies} >= {"gov_cn", "stcsm", "most", "miit"}


def test_query_technologies_are_taxonomy_ids() -> None:
    taxonomy = REPO / "scoring" / "technologies" / "taxonomy.toml"
    if not taxonomy.exists():
        pytest.skip("scoring/technologies/taxonomy.toml not present")
    ids = {t["id"] for t in tomllib.loads(taxonomy.read_text(encoding="utf-8"))["technology"]}
    assert {t.id for t in load_queries().technologies} <= ids


def test_config_errors_name_the_entry(tmp_path: Path) -> None:
    bad = tmp_path / "feeds.toml"
    bad.write_text(
        '[[feed]]\nid = "x"\nurl = "https://x.test/f"\nfetch_article = "sometimes"\n', encoding="utf-8"
    )
    with pytest.raises(ConfigError, match="feed 'x'.*fetch_article"):
        load_feeds(bad)
    dup = tmp_path / "queries.toml"
    dup.write_text('[[technology]]\nid = "a"\n[[technology]]\nid = "a"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="duplicate id"):
        load_queries(dup)
    body = tmp_path / "bodies.toml"
    body.write_text(
        '[[body]]\nid = "b"\nname = "n"\nlist_urls = ["https://x.test/"]\nitem = "li"\nitem_link = "a::attr(href)"\n'
        'fields = { signed_by = "签发人" }\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="unknown field"):
        load_policy_bodies(body)


# ── crawl outcome and state ──


def test_crawl_status_rules() -> None:
    assert crawl_status(None, 1)[0] == "failed"
    assert crawl_status({"finish_reason": "shutdown", "landing_part": "x.part"}, 0)[0] == "failed"
    assert crawl_status({"finish_reason": "finished", "incomplete": 2}, 0)[0] == "partial"
    assert crawl_status({"finish_reason": "finished", "incomplete": 0}, 0) == ("succeeded", None)
    assert is_loopback("http://127.0.0.1:5000") and is_loopback("http://localhost:1/x")
    assert not is_loopback("https://export.arxiv.org") and not is_loopback(None)


def test_watermark_comes_from_the_last_succeeded_run_of_the_same_mode(warehouse_con: Any) -> None:
    from warehouse.crawl_store import finish_run, last_watermark, recent_runs, start_run

    con = warehouse_con
    assert last_watermark(con, "arxiv") is None
    start_run(con, "r1", "arxiv", since="2026-11-01")
    finish_run(con, "r1", "succeeded", {"watermark": "2026-11-08", "items": 5, "errors_by_kind": {}})
    start_run(con, "r2", "arxiv", since="2026-11-08")
    finish_run(con, "r2", "partial", {"watermark": "2026-11-15", "errors_by_kind": {"timeout": 1}})
    start_run(con, "r3", "arxiv", mode="snapshot")
    finish_run(con, "r3", "succeeded", {"watermark": "2026-02-04"})
    assert last_watermark(con, "arxiv") == "2026-11-08"  # partial and snapshot runs do not move it
    assert last_watermark(con, "arxiv", "snapshot") == "2026-02-04"
    start_run(con, "r4", "arxiv")  # never finished: the process died
    start_run(con, "r5", "arxiv")  # the next crawl closes it as abandoned
    runs = {r["run_id"]: r for r in recent_runs(con, "arxiv")}
    assert runs["r4"]["status"] == "failed" and "abandoned" in runs["r4"]["error"]
    assert runs["r2"]["errors"] == {"timeout": 1}
    with pytest.raises(ValueError):
        finish_run(con, "r5", "running")
