"""`python -m flows.cli`: the same command as the `futurescan` entry point."""

from flows.cli import main

main()
