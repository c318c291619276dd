"""News spider: the English and Chinese RSS/Atom feeds listed in feeds.toml."""

from __future__ import annotations

from spiders.feedlist import FeedListSpider


class NewsSpider(FeedListSpider):
    """Technology news from every enabled feed of feeds.toml (adding a feed needs no code)."""

    name = "news"
