"""Scrapy spiders that crawl papers, news, policy and patents into landing files (see spiders/README.md)."""
