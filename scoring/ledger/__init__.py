"""The forecast ledger: dated probabilistic forecasts per watchlist entry, resolved and scored by later scans."""
