"""The `futurescan` command: one sub-command per user question, sharing --format where it prints data.

Heavy libraries (torch, sentence-transformers, prefect, scrapy) are imported inside the commands
that need them, so read-only commands start fast.
"""

from __future__ import annotations

import typer

from flows.cli import crawl, db, eval, ingest, ledger, scan, score, topics, views

app = typer.Typer(
    name="futurescan",
    help="Future-industry scanning: crawl, warehouse, topics, screening scores, watchlists.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Each area registers its own commands; the order here is the order of `futurescan --help`.
for module in (scan, db, crawl, ingest, topics, score, eval, views, ledger):
    module.register(app)


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
