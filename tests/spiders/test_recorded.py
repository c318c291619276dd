"""Each spider crawls real recorded responses served from localhost; items are compared with expected files."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from spiders.config import load_queries
from spiders.replay import serve
from spiders.sources import arxiv, crossref, epo, pubmed
from tests.spiders.helpers import FIXTURES, Crawl, CrawlResult, check_expected, run_all, write_recordings

SINCE, UNTIL = dt.date(2026, 4, 1), dt.date(2026, 4, 12)
WINDOW = {"since": SINCE.isoformat(), "until": UNTIL.isoformat()}
ATOM = {"Content-Type": "application/atom+xml; charset=utf-8"}
XML = {"Content-Type": "text/xml; charset=utf-8"}
JSON = {"Content-Type": "application/json"}


def arxiv_recordings(tmp: Path) -> Path:
    folder = FIXTURES / "arxiv"
    testing, nothing = load_queries(folder / "queries.toml").technologies
    pages = [
        (testing, 0, "query_all_testing_start0_max10.xml"),
        (testing, 10, "query_all_testing_start10_max10.xml"),
        (nothing, 0, "id_list_0000.0000_error.xml"),  # a real answer with totalResults 0
    ]
    return write_recordings(
        tmp,
        [
            {"url": arxiv.page_url(t, SINCE, UNTIL, start, 10), "file": str(folder / f), "headers": ATOM}
            for t, start, f in pages
        ],
    )


def pubmed_recordings(tmp: Path) -> Path:
    folder = FIXTURES / "pubmed"
    pairs = {
        "brain_computer_interface": ("esearch1.xml", "pubmed4.xml"),
        "cell_gene_therapy": ("esearch5.xml", "pubmed7.xml"),
        "regenerative_medicine": ("esearch2.xml", "pubmed1.xml"),
    }
    entries = []
    for tech in load_queries(folder / "queries.toml").technologies:
        search, fetch = pairs[tech.id]
        assert tech.pubmed
        entries.append(
            {
                "url": pubmed.search_url(tech.pubmed, SINCE, UNTIL, 0, 20, "x"),
                "file": str(folder / search),
                "headers": XML,
            }
        )
        ids = re.findall(r"<Id>(\d+)</Id>", (folder / search).read_text())
        entries.append({"url": pubmed.fetch_url(ids, "x"), "file": str(folder / fetch), "headers": XML})
    return write_recordings(tmp, entries)


def crossref_recordings(tmp: Path) -> Path:
    folder = FIXTURES / "crossref"
    files = {
        "ecology_boettiger": "test_works_field_queries.json",
        "ecology": "test_works_query.json",
        "sample": "test_works_sample.json",
    }
    entries = []
    for tech in load_queries(folder / "queries.toml").technologies:
        assert tech.crossref
        # The fixtures wrap the recorded body as {"request_uri", "response"}: serve the body.
        body = json.loads((folder / files[tech.id]).read_text())["response"]
        (tmp / files[tech.id]).parent.mkdir(parents=True, exist_ok=True)
        (tmp / files[tech.id]).write_text(json.dumps(body), encoding="utf-8")
        url = crossref.works_url(tech.crossref, SINCE, UNTIL, 20, "*", "x")
        entries.append({"url": url, "file": files[tech.id], "headers": JSON})
    return write_recordings(tmp, entries)


def epo_recordings(tmp: Path) -> Path:
    folder = FIXTURES / "epo"
    (tech,) = load_queries(folder / "queries.toml").technologies
    assert tech.epo
    search = folder / "TestSearchApi.test_search__0.xml"
    found = re.findall(
        r"<country>(\w+)</country>\s*<doc-number>(\w+)</doc-number>\s*<kind>(\w+)</kind>", search.read_text()
    )
    # Scaffolding, not a recording: the OAuth answer only has to carry a token.
    (tmp / "token.json").parent.mkdir(parents=True, exist_ok=True)
    (tmp / "token.json").write_text(json.dumps({"access_token": "test-token", "expires_in": "1199"}))
    return write_recordings(
        tmp,
        [
            {"url": "https://ops.epo.org/3.2/auth/accesstoken", "file": "token.json", "headers": JSON},
            {"url": epo.search_url(tech.epo, SINCE, UNTIL, 0, 100), "file": str(search), "headers": XML},
            {
                "url": epo.biblio_url([".".join(f) for f in found]),
                "file": str(folder / "TestPublishedBiblioApi.test_doc_example_biblio__0.xml"),
                "headers": XML,
            },
        ],
    )


@pytest.fixture(scope="module")
def crawls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, CrawlResult]]:
    """The five spiders, side by side, each against its own replay server."""
    tmp = tmp_path_factory.mktemp("recorded")
    folders = {
        "arxiv": arxiv_recordings(tmp / "rec-arxiv"),
        "pubmed": pubmed_recordings(tmp / "rec-pubmed"),
        "crossref": crossref_recordings(tmp / "rec-crossref"),
        "news": FIXTURES / "news",
        "policy": FIXTURES / "policy",
        "epo": epo_recordings(tmp / "rec-epo"),
    }
    args = {
        "arxiv": {**WINDOW, "queries_file": str(FIXTURES / "arxiv" / "queries.toml")},
        "pubmed": {**WINDOW, "queries_file": str(FIXTURES / "pubmed" / "queries.toml")},
        "crossref": {**WINDOW, "queries_file": str(FIXTURES / "crossref" / "queries.toml")},
        "news": {"feeds_file": str(FIXTURES / "news" / "feeds.toml")},
        "policy": {"bodies_file": str(FIXTURES / "policy" / "policy_bodies.toml")},
        "epo": {**WINDOW, "queries_file": str(FIXTURES / "epo" / "queries.toml")},
    }
    # The epo spider asks for an OAuth token first when it has a client configured.
    settings = {"epo": {"FUTURESCAN_EPO_KEY": "key", "FUTURESCAN_EPO_SECRET": "secret"}}
    servers = {name: serve(folder) for name, folder in folders.items()}
    running = {name: cm.__enter__() for name, cm in servers.items()}
    try:
        specs = [
            Crawl(
                name, tmp / name, {"base_url": running[name].base_url, **args[name]}, settings.get(name, {})
            )
            for name in folders
        ]
        results = dict(zip(folders, run_all(specs), strict=True))
        for name, server in running.items():
            results[name].report["_served"] = list(server.log)
            results[name].report["_misses"] = list(server.misses)
        yield results
    finally:
        for cm in servers.values():
            cm.__exit__(None, None, None)


@pytest.mark.parametrize("name", ["arxiv", "pubmed", "crossref", "news", "policy", "epo"])
def test_spider_output_matches_expected(crawls: dict[str, CrawlResult], name: str) -> None:
    result = crawls[name]
    assert result.returncode == 0, result.log[-3000:]
    assert result.report["finish_reason"] == "finished"
    assert result.report["landing_file"] == str(result.landing)
    check_expected(name, FIXTURES / name, result.items)


def test_arxiv_pages_and_fields(crawls: dict[str, CrawlResult]) -> None:
    result = crawls["arxiv"]
    assert result.report["errors_by_kind"] == {}
    # Two pages of ten for "testing" (the cap is 20), one empty answer for "nothing".
    assert len(result.items) == 20
    assert len([u for u in result.report["_served"] if "/api/query" in u]) == 3
    first = next(i for i in result.items if i["arxiv_id"] == "2202.12139")
    assert (
        first["title"]
        == "Testing Deep Learning Models: A First Comparative Study of Multiple Testing Techniques"
    )
    assert first["published"] == "2022-02-24"
    assert first["authors"] == ["Mohit Kumar Ahuja", "Arnaud Gotlieb", "Helge Spieker"]
    assert first["categories"] == ["cs.SE", "cs.LG"]
    assert first["doi"] == "10.1109/ICSTW55395.2022.00035"
    assert first["extra"]["primary_category"] == "cs.SE"
    # Nothing newer than the window start was seen: the watermark stays where it was.
    assert result.report["watermark"] == SINCE.isoformat()


def test_pubmed_fields(crawls: dict[str, CrawlResult]) -> None:
    items = {i["pmid"]: i for i in crawls["pubmed"].items}
    assert set(items) == {"27797938", "29963580", "12091962", "9997"}
    gut = items["27797938"]
    assert gut["title"].startswith("Leucocyte telomere length, genetic variants at the TERT gene region")
    assert gut["abstract"].startswith("OBJECTIVE: Telomere shortening occurs")
    assert gut["doi"] == "10.1136/gutjnl-2016-312510"
    assert gut["extra"]["venue"] == "Gut"
    assert items["12091962"]["published"] == "1990"  # <PubDate><Year>1990</Year><Season>Spring</Season>
    assert items["9997"]["published"] == "1976-09-28"
    # The efetch answers held fewer records than the esearch ids asked for: counted, not an error.
    assert crawls["pubmed"].report["stats"]["futurescan/pubmed_records_missing"] > 0


def test_crossref_fields_and_drop(crawls: dict[str, CrawlResult]) -> None:
    result = crawls["crossref"]
    items = {i["doi"]: i for i in result.items}
    assert len(items) == 23
    forecast = items["10.1111/ele.14024"]
    assert forecast["title"] == "The forecast trap"
    assert forecast["authors"] == ["Carl Boettiger"]
    assert forecast["affiliations"][0].startswith(
        "Department of Environmental Science, Policy, and Management"
    )
    assert forecast["abstract"].startswith("Encouraged by decision makers")  # JATS markup and heading removed
    assert "<jats:" not in forecast["abstract"]
    # The sample page holds a journal issue without a title: dropped, counted with its reason.
    assert result.report["dropped"] == 1
    assert result.report["dropped_by_reason"] == {"title:missing": 1}


def test_news_feeds(crawls: dict[str, CrawlResult]) -> None:
    result = crawls["news"]
    assert result.report["errors_by_kind"] == {}
    by_source: dict[str, list[dict]] = {}
    for item in result.items:
        by_source.setdefault(item["source"], []).append(item)
    # phys.org's feed has a bare '&' (not well-formed XML): all 30 items still come through.
    assert len(by_source["rss:phys.org"]) == 30
    assert result.report["stats"]["futurescan/feed_not_well_formed/phys.org"] == 1
    # The QQ feed is GB2312: Chinese text intact (the landing contract rejects U+FFFD).
    qq = by_source["rss:qq-news"]
    assert len(qq) == 20
    assert qq[0]["title"] == "习近平为何如此强调崇尚英雄？" or any(
        i["title"] == "习近平为何如此强调崇尚英雄？" for i in qq
    )
    assert all(i["published"] == "2018-09-18" or i["published"] == "2018-09-17" for i in qq)
    assert len(by_source["rss:heise-developer"]) == 15
    # Summary-only items were completed from their article pages, feed metadata kept.
    articles = {i["url"]: i for i in by_source["rss:article-fixtures"]}
    assert len(articles) == 3
    assert all(i["extra"]["text_from"] == "article" for i in articles.values())
    gb = articles[
        "https://web.archive.org/web/20120611024252/http://www.he.xinhuanet.com/news/2012-06/04/content_25340717.htm"
    ]
    assert gb["title"] == "话剧《约定无期限》河北各市巡演结束"
    assert "一个约定，信守15年" in gb["text"]
    flint = articles["https://phys.org/news/2019-10-flint-flake-tool-partially-birch.html"]
    assert flint["published"] == "2019-10-22"
    assert "birch tar" in flint["text"]
    assert json.loads(result.report["watermark"])["phys.org"] == "2021-07-20"


def test_policy_documents(crawls: dict[str, CrawlResult]) -> None:
    result = crawls["policy"]
    assert result.report["errors_by_kind"] == {}
    items = {i["title"]: i for i in result.items}
    assert len(items) == 6
    netshop = items["最高人民法院关于审理网络消费纠纷案件适用法律若干问题的规定（一）"]
    assert netshop["extra"]["doc_number"] == "法释〔2022〕8号"
    assert netshop["extra"]["issuing_body"] == "最高人民法院/最高人民检察院"
    assert netshop["published"] == "2022-03-01"
    # This one cites another document's number deep in its text; that number is not its own.
    drugs = items["最高人民法院、最高人民检察院关于办理危害药品安全刑事案件适用法律若干问题的解释"]
    assert "法释〔2009〕9号" in drugs["text"]
    assert "doc_number" not in drugs["extra"]
    shanghai = items["上海市推进科技创新中心建设条例"]
    assert shanghai["language"] == "zh"
    assert shanghai["text"].count("\n") > 20  # paragraphs kept as lines
    assert json.loads(result.report["watermark"]) == {"lawlib": max(i["published"] for i in result.items)}


def test_epo_token_then_search_then_biblio(crawls: dict[str, CrawlResult]) -> None:
    result = crawls["epo"]
    served = result.report["_served"]
    assert served[0] == "https://ops.epo.org/robots.txt" or "auth/accesstoken" in served[0]
    assert [u for u in served if "accesstoken" in u] == ["https://ops.epo.org/3.2/auth/accesstoken"]
    assert result.report["_misses"] == ["https://ops.epo.org/robots.txt"]
    (patent,) = result.items
    assert patent["source_record_id"] == "EP1000000A1"
    assert patent["title"] == "Apparatus for manufacturing green bricks for the brick manufacturing industry"
    assert patent["published"] == "2000-05-17"
    assert patent["kind"] == "patent"
    assert "B28B1/29" in patent["categories"]
    assert patent["extra"]["family_id"] == "19768124"
    assert result.report["stats"]["futurescan/epo_records_missing"] == 99
