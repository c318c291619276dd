"""Builds the offline snapshot (recorded and rendered responses) that `futurescan crawl --snapshot` replays.

Run from the repository root with ../shared/data present:

    python -m spiders.snapshot.build --data ../shared/data

It writes spiders/snapshot/futurescan-snapshot.tar.gz: a recording folder (see spiders.replay)
plus manifest.json (the spider arguments that reproduce the recorded requests) and the config
files those arguments name. What is recorded and what is rendered is listed in PROVENANCE.md
next to it. Only licence-clear material goes in: CC0 arXiv metadata, MIT/Apache/BSD fixture
files, and official Chinese legal texts (not copyrightable, Art. 5 Copyright Law of the PRC).
"""

from __future__ import annotations

import argparse
import datetime as dt
import email.utils
import gzip
import hashlib
import html
import io
import json
import re
import tarfile
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from spiders.config import TechQuery, load_queries
from spiders.replay import RECORDINGS_FILE
from spiders.sources import arxiv, crossref, pubmed

HERE = Path(__file__).resolve().parent
SNAPSHOT_FILE = HERE / "futurescan-snapshot.tar.gz"

# The window the snapshot's paper crawls are pinned to (the digests' dated records fall in it).
SINCE = dt.date(2023, 12, 1)
UNTIL = dt.date(2026, 2, 28)
CONTACT = "futurescan-operator@example.org"  # stripped from replay keys; any contact replays

LAWLIB_HOST = "lawlib.snapshot.futurescan.invalid"
ARTICLES_HOST = "articles.snapshot.futurescan.invalid"
POLICY_PER_PAGE = 20
SNAPSHOT_MAX_RECORDS = 3000

ATOM = "application/atom+xml; charset=utf-8"
XML = "text/xml; charset=utf-8"
JSON = "application/json; charset=utf-8"
HTML = "text/html; charset=utf-8"


@dataclass
class Recorder:
    """Collects responses for one recording folder: bodies under bodies/<host>/, recordings.json."""

    folder: Path
    entries: list[dict[str, Any]] = field(default_factory=list)

    def add(self, url: str, body: bytes, content_type: str | None, status: int = 200, note: str = "") -> None:
        host = re.sub(r"[^A-Za-z0-9.\-]", "_", url.split("/")[2])
        digest = hashlib.sha1(url.encode()).hexdigest()[:12]
        tail = (
            re.sub(r"[^A-Za-z0-9.\-]+", "_", url.split("?")[0].rstrip("/").rsplit("/", 1)[-1])[-40:]
            or "index"
        )
        name = f"bodies/{host}/{tail}-{digest}"
        path = self.folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
        entry: dict[str, Any] = {"url": url, "file": name, "status": status}
        if content_type:
            entry["headers"] = {"Content-Type": content_type}
        if note:
            entry["note"] = note
        self.entries.append(entry)

    def save(self) -> None:
        (self.folder / RECORDINGS_FILE).write_text(
            json.dumps(self.entries, ensure_ascii=False, indent=1), encoding="utf-8"
        )


# ───────────────────────────── arXiv (rendered from CC0 metadata) ─────────────────────────────


def _phrase(term: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])" + re.escape(term) + r"(?![\w-])", re.I)


def matches(tech: TechQuery, rec: dict[str, Any]) -> bool:
    """Whether arXiv's search for a technology would return a record (title/abstract phrase match)."""
    cats = set(rec.get("categories") or [])
    if cats & set(tech.arxiv_all_categories):
        return True
    if not (tech.arxiv_categories or tech.keywords):
        return False
    if tech.arxiv_categories and not cats & set(tech.arxiv_categories):
        return False
    text = f"{rec.get('title', '')} {rec.get('abstract', '')}"
    return not tech.keywords or any(_phrase(k).search(text) for k in tech.keywords)


def _atom_entry(rec: dict[str, Any]) -> str:
    aid = rec["arxiv_id"]
    published = rec["published"] if "T" in rec["published"] else rec["published"][:10] + "T00:00:00Z"
    updated = rec.get("updated") or published
    if "T" not in updated:
        updated = updated[:10] + "T00:00:00Z"
    lines = [
        "  <entry>",
        f"    <id>http://arxiv.org/abs/{escape(aid)}</id>",
        f"    <title>{escape(' '.join(rec['title'].split()))}</title>",
        f"    <updated>{escape(updated)}</updated>",
        f'    <link href="https://arxiv.org/abs/{escape(aid)}" rel="alternate" type="text/html"/>',
        f"    <summary>{escape(rec['abstract'].strip())}</summary>",
    ]
    lines += [
        f'    <category term={quoteattr(c)} scheme="http://arxiv.org/schemas/atom"/>'
        for c in rec["categories"]
    ]
    lines.append(f"    <published>{escape(published)}</published>")
    if rec.get("journal_ref"):
        lines.append(f"    <arxiv:journal_ref>{escape(rec['journal_ref'])}</arxiv:journal_ref>")
    primary = rec.get("primary_category") or rec["categories"][0]
    lines.append(f"    <arxiv:primary_category term={quoteattr(primary)}/>")
    lines += [
        f"    <author>\n      <name>{escape(a)}</name>\n    </author>" for a in rec.get("authors") or []
    ]
    if rec.get("doi"):
        lines.append(f"    <arxiv:doi>{escape(rec['doi'])}</arxiv:doi>")
    lines.append("  </entry>")
    return "\n".join(lines)


def render_arxiv_page(url: str, entries: list[dict[str, Any]], total: int, start: int, size: int) -> bytes:
    """An arXiv API Atom page in the current format (opensearch paging elements, arxiv: extensions)."""
    head = (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
        'xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">\n'
        f"  <id>https://arxiv.org/api/futurescan-snapshot-{hashlib.sha1(url.encode()).hexdigest()[:16]}</id>\n"
        f"  <title>arXiv Query: {escape(url.split('?', 1)[1])}</title>\n"
        f"  <updated>{UNTIL.isoformat()}T00:00:00Z</updated>\n"
        f'  <link href={quoteattr(url)} type="application/atom+xml"/>\n'
        f"  <opensearch:itemsPerPage>{size}</opensearch:itemsPerPage>\n"
        f"  <opensearch:totalResults>{total}</opensearch:totalResults>\n"
        f"  <opensearch:startIndex>{start}</opensearch:startIndex>\n"
    )
    return (head + "\n".join(_atom_entry(e) for e in entries) + "\n</feed>\n").encode("utf-8")


def load_digest_records(data: Path) -> list[dict[str, Any]]:
    """The digest records usable as arXiv API entries: abstract, submission date and categories present."""
    path = data / "arxiv_recent_digests" / "arxiv_recent_digests.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    return [r for r in rows if r.get("abstract") and r.get("published") and r.get("categories")]


def add_arxiv(
    rec: Recorder, records: list[dict[str, Any]], techs: Iterable[TechQuery], page_size: int, max_records: int
) -> dict[str, int]:
    """Render every page the arxiv spider requests for the pinned window; returns records per technology."""
    counts: dict[str, int] = {}
    window = [r for r in records if SINCE.isoformat() <= r["published"][:10] <= UNTIL.isoformat()]
    for tech in techs:
        if not tech.has_arxiv:
            continue
        hits = sorted(
            (r for r in window if matches(tech, r)),
            key=lambda r: (r["published"], r["arxiv_id"]),
            reverse=True,
        )
        counts[tech.id] = len(hits)
        limit = min(len(hits), max_records)
        start = 0
        while True:
            url = arxiv.page_url(tech, SINCE, UNTIL, start, page_size)
            page = hits[start : min(start + page_size, limit)]
            rec.add(
                url,
                render_arxiv_page(url, page, len(hits), start, page_size),
                ATOM,
                note="rendered from CC0 arXiv metadata",
            )
            start += len(page)
            if not page or start >= limit:
                break
    return counts


# ─────────────────────────── PubMed and Crossref (recorded fixtures) ───────────────────────────

# Real responses recorded by biopython and habanero for *their* test queries, served where the
# spiders' snapshot queries ask. Their content is unrelated to the technologies; they show the
# parsers at work on real bytes. (tech id, esearch file, efetch file)
PUBMED_MAP = (
    ("brain_computer_interface", "esearch1.xml", "pubmed4.xml"),
    ("cell_gene_therapy", "esearch3.xml", "pubmed5.xml"),
    ("regenerative_medicine", "esearch5.xml", "pubmed6.xml"),
)
CROSSREF_MAP = (
    ("embodied_ai", "test_works_sample.json"),
    ("large_ai_models", "test_works_field_queries.json"),
    ("quantum_computing", "test_works_query.json"),
)


def add_pubmed(rec: Recorder, data: Path, techs: dict[str, TechQuery], page_size: int) -> None:
    folder = data / "fixtures_api_more" / "pubmed_eutils"
    for tech_id, search_file, fetch_file in PUBMED_MAP:
        tech = techs[tech_id]
        assert tech.pubmed
        body = (folder / search_file).read_bytes()
        rec.add(
            pubmed.search_url(tech.pubmed, SINCE, UNTIL, 0, page_size, CONTACT),
            body,
            XML,
            note=f"recorded: {search_file}",
        )
        ids = re.findall(rb"<Id>(\d+)</Id>", body)
        url = pubmed.fetch_url([i.decode() for i in ids], CONTACT)
        rec.add(url, (folder / fetch_file).read_bytes(), XML, note=f"recorded: {fetch_file}")


def add_crossref(rec: Recorder, data: Path, techs: dict[str, TechQuery], page_size: int) -> None:
    folder = data / "fixtures" / "crossref_api"
    for tech_id, name in CROSSREF_MAP:
        tech = techs[tech_id]
        assert tech.crossref
        body = json.dumps(
            json.loads((folder / name).read_text(encoding="utf-8"))["response"], ensure_ascii=False
        )
        url = crossref.works_url(tech.crossref, SINCE, UNTIL, page_size, "*", CONTACT)
        rec.add(url, body.encode("utf-8"), JSON, note=f"recorded: {name}")


# ───────────────────────────── news feeds and article pages ─────────────────────────────

# (feed id, URL the feed is published at, fixture file, content type as the publisher served it)
FEED_FIXTURES = (
    (
        "phys.org",
        "https://phys.org/rss-feed/",
        "physorg_latest_news_rss2.xml",
        "application/rss+xml; charset=utf-8",
    ),
    (
        "qq-news",
        "http://news.qq.com/newsgn/rss_newsgn.xml",
        "qq_news_china_rss2_gb2312_2018-09-18.xml",
        "text/xml",
    ),
    (
        "guardian-us",
        "https://www.theguardian.com/us/rss",
        "guardian_us_rss2_2018-01-31.xml",
        "text/xml; charset=utf-8",
    ),
    (
        "heise-developer",
        "https://www.heise.de/developer/rss/news-atom.xml",
        "heise_developer_atom_2016-02-01.xml",
        ATOM,
    ),
)

# (article URL, fixture file): the pages' own canonical addresses.
ARTICLE_PAGES = (
    ("https://phys.org/news/2019-10-flint-flake-tool-partially-birch.html", "phys.org.tool.html"),
    ("https://www.nature.com/articles/d41586-019-02790-3", "nature.com.telescope.html"),
    (
        "https://www.theverge.com/2019/7/3/20680681/ios-13-beta-3-facetime-attention-correction-eye-contact",
        "theverge.com.ios13.html",
    ),
    (
        "https://www.heise.de/newsticker/meldung/Lithium-aus-dem-Schredder-4451133.html",
        "heise.de.lithium.html",
    ),
    ("https://www.wired.com/story/ai-great-things-burn-planet/", "wired.com.burn.html"),
    ("http://www.xinhuanet.com/local/2020-02/19/c_1125597921.htm", "xinhuanet.com.c_1125597921.html"),
    (
        "https://web.archive.org/web/20120611024252/http://www.he.xinhuanet.com/news/2012-06/04/content_25340717.htm",
        "archive.org.he.xinhuanet.com.25340717.html",
    ),
)
ARTICLES_FEED_URL = f"https://{ARTICLES_HOST}/feed.xml"


def render_articles_feed(pages: Iterable[tuple[str, bytes]]) -> bytes:
    """An RSS 2.0 feed whose items carry each page's own title, date and description, and link to it.

    Summary-only on purpose: it is the case where the news spider fetches the article page.
    """
    import trafilatura
    from w3lib.encoding import html_to_unicode

    items = []
    for url, body in pages:
        _, text = html_to_unicode(None, body)
        meta = trafilatura.extract_metadata(text)
        title = (meta.title if meta else None) or url
        desc = (meta.description if meta else None) or ""
        day = dt.date.fromisoformat(meta.date) if meta and meta.date else None
        pub = (
            f"<pubDate>{email.utils.format_datetime(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC))}</pubDate>"
            if day
            else ""
        )
        items.append(
            f"<item><title>{escape(title)}</title><link>{escape(url)}</link><guid>{escape(url)}</guid>"
            f"{pub}<description>{escape(desc)}</description></item>"
        )
    xml = (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        "<title>futurescan snapshot: article fixtures</title>"
        f"<link>https://{ARTICLES_HOST}/</link><description>Rendered list of recorded article pages</description>"
        + "\n".join(items)
        + "</channel></rss>\n"
    )
    return xml.encode("utf-8")


def add_news(rec: Recorder, data: Path, articles: Iterable[tuple[str, str]] = ARTICLE_PAGES) -> None:
    rss = data / "fixtures" / "rss"
    for _, url, name, ctype in FEED_FIXTURES:
        rec.add(url, (rss / name).read_bytes(), ctype, note=f"recorded: {name}")
    pages = []
    for url, name in articles:
        body = (data / "fixtures" / "html_articles" / name).read_bytes()
        # No charset in the header: the GB-encoded page declares its encoding in a <meta> tag.
        rec.add(url, body, "text/html", note=f"recorded: {name}")
        pages.append((url, body))
    rec.add(
        ARTICLES_FEED_URL, render_articles_feed(pages), "application/rss+xml; charset=utf-8", note="rendered"
    )


def news_feeds_toml() -> str:
    lines = ["# Feeds of the offline snapshot (spiders/snapshot/PROVENANCE.md).", ""]
    for fid, url, name, _ in FEED_FIXTURES:
        lines += ["[[feed]]", f'id = "{fid}"', f'name = "{name}"', f'url = "{url}"']
        lines += ["# Its article pages were not recorded: keep the feed text.", 'fetch_article = "never"', ""]
    lines += [
        "[[feed]]",
        'id = "article-fixtures"',
        f'url = "{ARTICLES_FEED_URL}"',
        'fetch_article = "always"',
        "",
    ]
    return "\n".join(lines)


# ──────────────────────── policy: official legal texts rendered as a site ────────────────────────


def load_law_texts(data: Path) -> list[dict[str, Any]]:
    """The full texts of laws and regulations in policy_zh (official documents), newest first."""
    with gzip.open(data / "policy_zh" / "policy_zh.jsonl.gz", "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    laws = [r for r in rows if r["doc_type"].startswith("law_or_regulation_fulltext") and r.get("text")]
    return sorted(laws, key=lambda r: (r["published"], r["id"]), reverse=True)


def _body_name(raw: str | None) -> str:
    # The dataset infers local bodies from its folder names and says so in brackets; keep the name.
    return re.sub(r"（.*?）", "", raw or "").strip()


def law_url(doc: dict[str, Any], host: str = LAWLIB_HOST) -> str:
    return f"https://{host}/docs/{hashlib.sha1(doc['id'].encode()).hexdigest()[:12]}.html"


def render_law_page(doc: dict[str, Any]) -> bytes:
    """A detail page in the common TRS/UCAP layout: meta tags, a 发文机关/成文日期 table, the text."""
    day = dt.date.fromisoformat(doc["published"])
    paras = []
    for line in doc["text"].splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("#"):
            paras.append(f"<p><strong>{html.escape(line.lstrip('#').strip())}</strong></p>")
        else:
            paras.append(f"<p>{html.escape(line)}</p>")
    title = html.escape(doc["title"])
    page = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="ArticleTitle" content="{title}">
<meta name="firstpublishedtime" content="{day.isoformat()}">
<title>{title}</title></head>
<body><div class="article">
<table class="bd1">
<tr><td><b>标　　题：</b></td><td>{title}</td></tr>
<tr><td><b>发文机关：</b></td><td>{html.escape(_body_name(doc.get("issuing_body")))}</td></tr>
<tr><td><b>成文日期：</b></td><td>{day.year}年{day.month:02d}月{day.day:02d}日</td></tr>
<tr><td><b>效力级别：</b></td><td>{html.escape(doc.get("level") or "")}</td></tr>
</table>
<div id="UCAP-CONTENT" class="pages_content">
{chr(10).join(paras)}
</div></div></body></html>
"""
    return page.encode("utf-8")


def render_law_list(docs: list[dict[str, Any]], page: int, pages: int, host: str = LAWLIB_HOST) -> bytes:
    items = "\n".join(
        f'<li><a href="{law_url(d, host)}" title="{html.escape(d["title"])}">{html.escape(d["title"])}</a>'
        f'<span class="date">{d["published"]}</span></li>'
        for d in docs
    )
    nxt = f'<a class="next" href="index_{page + 1}.html">下一页</a>' if page < pages else ""
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>科技法律法规 第{page}页</title></head>
<body><div class="list"><ul>
{items}
</ul></div><div class="pages">第{page}/{pages}页 {nxt}</div></body></html>
""".encode()


def list_url(page: int, host: str = LAWLIB_HOST) -> str:
    return f"https://{host}/list/" + ("index.html" if page == 1 else f"index_{page}.html")


def add_policy(
    rec: Recorder, docs: list[dict[str, Any]], per_page: int = POLICY_PER_PAGE, host: str = LAWLIB_HOST
) -> int:
    pages = max(1, -(-len(docs) // per_page))
    for p in range(1, pages + 1):
        chunk = docs[(p - 1) * per_page : p * per_page]
        rec.add(list_url(p, host), render_law_list(chunk, p, pages, host), HTML, note="rendered list page")
    for d in docs:
        rec.add(law_url(d, host), render_law_page(d), HTML, note=f"rendered from LawRefBook {d['path']}")
    return pages


def policy_bodies_toml(max_pages: int, host: str = LAWLIB_HOST) -> str:
    return f"""# The snapshot's policy body: official legal texts rendered as a list + detail site.
[[body]]
id = "lawlib"
name = "法律法规（快照）"
list_urls = ["{list_url(1, host)}"]
item = ".list li"
item_link = "a::attr(href)"
item_title = "a::text"
item_date = ".date::text"
next_page = "a.next::attr(href)"
detail_title = "meta[name=ArticleTitle]::attr(content)"
detail_text = "#UCAP-CONTENT"
detail_date = "meta[name=firstpublishedtime]::attr(content)"
fields = {{ issuing_body = "发文机关", doc_number = "发文字号", published = "成文日期" }}
max_pages = {max_pages}
verified = true
"""


# ─────────────────────────────────────── assembly ───────────────────────────────────────


def build(data: Path, out: Path) -> dict[str, Any]:
    """Build the snapshot archive at `out`; returns what went in, for PROVENANCE.md."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "snapshot"
        root.mkdir()
        # The shipped queries, with a higher cap: the snapshot covers 27 months, not one week.
        shipped = load_queries().path.read_text(encoding="utf-8")
        capped = re.sub(
            r"(?m)^max_records_per_query = \d+", f"max_records_per_query = {SNAPSHOT_MAX_RECORDS}", shipped
        )
        (root / "queries.toml").write_text(capped, encoding="utf-8")
        queries = load_queries(root / "queries.toml")
        techs = {t.id: t for t in queries.technologies}
        rec = Recorder(root)
        counts = add_arxiv(
            rec,
            load_digest_records(data),
            queries.technologies,
            queries.page_size,
            queries.max_records_per_query,
        )
        add_pubmed(rec, data, techs, queries.page_size)
        add_crossref(rec, data, techs, queries.page_size)
        add_news(rec, data)
        laws = load_law_texts(data)
        pages = add_policy(rec, laws)
        rec.save()
        (root / "feeds.toml").write_text(news_feeds_toml(), encoding="utf-8")
        (root / "policy_bodies.toml").write_text(policy_bodies_toml(pages), encoding="utf-8")
        window = {"since": SINCE.isoformat(), "until": UNTIL.isoformat(), "queries_file": "queries.toml"}
        manifest = {
            "built": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "about": "Recorded and rendered responses for offline crawls; see PROVENANCE.md.",
            "crawls": {
                "arxiv": window,
                "pubmed": {**window, "techs": ",".join(t for t, _, _ in PUBMED_MAP), "max_pages": "1"},
                "crossref": {**window, "techs": ",".join(t for t, _ in CROSSREF_MAP), "max_pages": "1"},
                "news": {"feeds_file": "feeds.toml"},
                "policy": {"bodies_file": "policy_bodies.toml"},
            },
            "arxiv_records_per_technology": counts,
            "policy_documents": len(laws),
        }
        (root / "manifest.json").write_text(
            json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w:gz", compresslevel=9) as tar:
            for path in sorted(root.rglob("*")):
                info = tar.gettarinfo(str(path), arcname=str(path.relative_to(root.parent)))
                info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "", ""
                if path.is_file():
                    with path.open("rb") as fh:
                        tar.addfile(info, fh)
                else:
                    tar.addfile(info)
        out.write_bytes(buf.getvalue())
        return {**manifest, "recordings": len(rec.entries), "bytes": out.stat().st_size}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"), help="the shared data folder")
    parser.add_argument("--out", type=Path, default=SNAPSHOT_FILE)
    parser.add_argument(
        "--test-fixtures", type=Path, help="write the rendered test fixtures under this folder instead"
    )
    args = parser.parse_args(argv)
    if args.test_fixtures:
        build_test_fixtures(args.data, args.test_fixtures)
        return
    summary = build(args.data, args.out)
    print(json.dumps(summary, ensure_ascii=False, indent=1))


# ─────────────────────────────── test fixtures ───────────────────────────────

TEST_LAWS = (
    "最高人民法院关于审理网络消费纠纷案件适用法律若干问题的规定（一）",
    "最高人民法院、最高人民检察院关于办理危害药品安全刑事案件适用法律若干问题的解释",
    "上海市推进科技创新中心建设条例",
    "北京国际科技创新中心建设条例",
    "科学技术档案工作条例",
    "科学技术进步法",
)
TEST_ARTICLES = (ARTICLE_PAGES[0], ARTICLE_PAGES[5], ARTICLE_PAGES[6])
TEST_FEEDS = ("phys.org", "qq-news", "heise-developer")


def build_test_fixtures(data: Path, dest: Path) -> None:
    """The rendered parts of tests/fixtures/spiders/{news,policy} (the raw fixtures are copied as-is)."""
    laws = [d for d in load_law_texts(data) if d["title"] in TEST_LAWS]
    policy = Recorder(dest / "policy")
    pages = add_policy(policy, laws, per_page=4)
    policy.save()
    (dest / "policy" / "policy_bodies.toml").write_text(policy_bodies_toml(pages), encoding="utf-8")

    news = Recorder(dest / "news")
    rss = data / "fixtures" / "rss"
    for fid, url, name, ctype in FEED_FIXTURES:
        if fid in TEST_FEEDS:
            news.add(url, (rss / name).read_bytes(), ctype, note=f"recorded: {name}")
    pages_html = []
    for url, name in TEST_ARTICLES:
        body = (data / "fixtures" / "html_articles" / name).read_bytes()
        news.add(url, body, "text/html", note=f"recorded: {name}")
        pages_html.append((url, body))
    news.add(
        ARTICLES_FEED_URL,
        render_articles_feed(pages_html),
        "application/rss+xml; charset=utf-8",
        note="rendered",
    )
    news.save()
    feeds = [
        f
        for f in news_feeds_toml().split("[[feed]]")
        if any(f'id = "{i}"' in f for i in (*TEST_FEEDS, "article-fixtures"))
    ]
    (dest / "news" / "feeds.toml").write_text(
        "\n[[feed]]".join(["# Feeds of the news spider test.\n", *feeds]), encoding="utf-8"
    )


if __name__ == "__main__":
    main()
