"""Running the CLI in-process for the view tests."""

from __future__ import annotations

from typer.testing import CliRunner


def run(*args: str, code: int = 0) -> tuple[str, str]:
    """Invoke `futurescan ARGS`; assert the exit code; return (stdout, stderr)."""
    from flows.cli import app

    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "240"})
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr, result.exception)
    return result.stdout, result.stderr
