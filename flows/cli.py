"""The `futurescan` command: one sub-command per user question, sharing --format where it prints data.

Heavy libraries (torch, sentence-transformers, prefect, scrapy) are imported inside the commands
that need them, so read-only commands start fast.
"""

from __future__ import annotations

import typer

from flows import (
    cli_crawl,
    cli_db,
    cli_eval,
    cli_ingest,
    cli_ledger,
    cli_scan,
    cli_score,
    cli_topics,
    cli_views,
)

app = typer.Typer(
    name="futurescan",
    help="Future-industry scanning: crawl, warehouse, topics, screening scores, watchlists.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Each area registers its own commands; the order here is the order of `futurescan --help`.
for module in (cli_scan, cli_db, cli_crawl, cli_ingest, cli_topics, cli_score, cli_eval, cli_views, cli_ledger):
    module.register(app)


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
