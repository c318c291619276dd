"""Presentation of a scan for people: watchlist, movers, assessments, the HTML report with radar, exports."""
