"""The `futurescan` command: one sub-command per user question, sharing --format where it prints data.

Every command module is imported to build the command, so each keeps the imports that take long
(torch, sentence-transformers, scikit-learn, prefect, scrapy, and the scoring/ and warehouse/
modules that bring numpy, pyarrow or pydantic) inside the commands that need them: read-only
commands start fast. Each module's docstring says which it defers.
"""

from __future__ import annotations

import typer

from flows.cli import crawl, db, eval, ingest, ledger, scan, score, topics, views
from flows.cli.common import settings
from flows.settings import apply_environment_defaults

app = typer.Typer(
    name="futurescan",
    help="Future-industry scanning: crawl, warehouse, topics, screening scores, watchlists.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)



@app.callback()
def _entry() -> None:
    # Runs before every command: the libraries' environment defaults, before any of them is imported.
    apply_environment_defaults(settings())


# Each area registers its own commands; the order here is the order of `futurescan --help`.
for module in (scan, db, crawl, ingest, topics, score, eval, views, ledger):
    module.register(app)


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
