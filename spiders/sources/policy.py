"""Policy spider: science-and-technology policy documents of the government bodies in policy_bodies.toml."""

from __future__ import annotations

from typing import Any, ClassVar

from spiders.listdetail import ListDetailSpider
from spiders.settings import DELAY_MARGIN


class PolicySpider(ListDetailSpider):
    """Title, issuing body, document number, issue date and full text of each new policy document."""

    name = "policy"
    # Government sites are small and slow: one connection per site, two seconds apart.
    custom_settings: ClassVar[dict[str, Any]] = {
        "DOWNLOAD_DELAY": 2.0 * DELAY_MARGIN,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
    }
