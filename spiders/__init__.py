"""futurescan spiders package."""
