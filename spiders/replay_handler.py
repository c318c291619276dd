"""The HTTP download handler: downloads normally, or from a replay server when the spider has a base_url."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler

from spiders.replay import replay_url

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.http import Response


class ReplayDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler, redirected to ``spider.base_url`` when one is set.

    It sits below every middleware, so robots.txt, retries, throttling and size limits all run
    unchanged in replay; only the bytes come from the recording. The response keeps the original
    URL, so spiders see (and items carry) the real addresses.
    """

    async def download_request(self, request: Request) -> Response:
        base = getattr(self._crawler.spider, "base_url", None)
        if not base:
            return await super().download_request(request)
        local = request.replace(url=replay_url(base, request.url))
        response = await super().download_request(local)
        return response.replace(url=request.url, request=request)
