"""futurescan warehouse package."""
