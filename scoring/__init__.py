"""futurescan scoring package."""
