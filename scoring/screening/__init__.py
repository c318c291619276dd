"""Screening: indicators from the evidence linked to each technology, the criteria built on them, and their evaluation."""
