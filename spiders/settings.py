"""Scrapy settings for every futurescan spider: polite by default, declared once; spiders may only tighten."""

from __future__ import annotations

BOT_NAME = "futurescan"
SPIDER_MODULES = ["spiders.sources"]
NEWSPIDER_MODULE = "spiders.sources"

# Who we are: the user agent names the project and a contact address, which the operator sets
# through FUTURESCAN_CONTACT (flows pass it as `-s FUTURESCAN_CONTACT=...`).
FUTURESCAN_CONTACT = "futurescan-operator@example.org"
FUTURESCAN_PROJECT_URL = "https://github.com/futurescan/futurescan"
USER_AGENT = None  # built from FUTURESCAN_CONTACT by spiders.middlewares.ContactUserAgentMiddleware
# EPO Open Patent Services OAuth client (the `epo` spider); passed in by flows, never stored here.
FUTURESCAN_EPO_KEY = None
FUTURESCAN_EPO_SECRET = None

# Politeness. These are floors and ceilings: a spider's custom_settings may only make them
# stricter (tests/spiders/test_settings.py checks every spider).
ROBOTSTXT_OBEY = True
# robots.txt groups are matched on the product token, not the whole user-agent string.
ROBOTSTXT_USER_AGENT = "futurescan"
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# Scrapy spaces requests from when each leaves its queue, not from when it reaches the server; on a
# loaded 2-core machine the gap the server saw was up to ~60 ms shorter than the delay
# (docs/benchmarks.md §5). Every delay is therefore the interval we promise times this margin, so a
# published "one request every N seconds" holds at the server, not only in Scrapy's clock.
DELAY_MARGIN = 1.1
DOWNLOAD_DELAY = 1.0 * DELAY_MARGIN
# Jitter would let a delay fall below its minimum (arXiv asks for 3 s between requests).
DOWNLOAD_DELAY_JITTER = 0.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# Failures: retry transient ones with backoff, honouring Retry-After (spiders.middlewares).
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [408, 429, 500, 502, 503, 504, 522, 524]
FUTURESCAN_BACKOFF_BASE = 2.0  # seconds; doubled per attempt when the server gives no Retry-After
FUTURESCAN_BACKOFF_MAX = 120.0
FUTURESCAN_RETRY_AFTER_MAX = 600.0  # a longer Retry-After means "come back another day": give up
DOWNLOAD_TIMEOUT = 60
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024
# A body shorter than its Content-Length is an error, never a document.
DOWNLOAD_FAIL_ON_DATALOSS = True

# APIs, feeds and government pages are anonymous reads: no cookies, and no listening ports
# (telnet console, remote control) on the crawling machine. With cookies off, Scrapy's cookie
# middleware is never enabled, and its tldextract extractor (the only one), which would download
# the public-suffix list on first use, is never called: no environment variable is needed for it.
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
HTTPCACHE_ENABLED = False

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.useragent.UserAgentMiddleware": None,
    "spiders.middlewares.ContactUserAgentMiddleware": 500,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "spiders.middlewares.BackoffRetryMiddleware": 550,
}

# Offline replay: the same handler downloads normally unless the spider got a base_url.
DOWNLOAD_HANDLERS = {
    "http": "spiders.replay_handler.ReplayDownloadHandler",
    "https": "spiders.replay_handler.ReplayDownloadHandler",
}

ITEM_PIPELINES = {
    "spiders.pipelines.ValidatePipeline": 100,
    "spiders.pipelines.LandingWriterPipeline": 900,
}

EXTENSIONS = {
    "spiders.extensions.CrawlReport": 500,
}

# Where the landing file, the final stats and the progress heartbeat go. flows/crawl.py sets all
# three; a bare `scrapy crawl` writes ./landing/<spider>-<UTC timestamp>.jsonl.
FUTURESCAN_LANDING_DIR = "landing"
FUTURESCAN_LANDING_FILE = None
FUTURESCAN_STATS_FILE = None
FUTURESCAN_PROGRESS_FILE = None
FUTURESCAN_PROGRESS_INTERVAL = 1.0

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
