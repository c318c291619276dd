"""futurescan flows package."""
