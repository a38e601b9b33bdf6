"""`rivalwatch demo`: the whole pipeline over 14 simulated days on the embedded default."""

from __future__ import annotations

import os
from pathlib import Path

import click


@click.command("demo")
@click.option(
    "--var-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("var/demo"),
    show_default=True,
    help="Folder for the demo's database, evidence and report (emptied first).",
)
@click.option(
    "--serve/--no-serve",
    default=None,
    help="Serve the web app afterwards (default: yes, unless RIVALWATCH_DEMO_SERVE=0).",
)
@click.option("--port", default=8000, show_default=True, help="Port for the web app.")
def demo_command(var_dir: Path, serve: bool | None, port: int) -> None:
    """Serve the fictional competitor sites, crawl 14 days, match, and write the period's report.

    Prints `report: PATH` on its own line; then, unless told not to, serves the web app on
    http://127.0.0.1:PORT with demo users and prints `web: URL` (Ctrl-C stops it).
    """
    from monitor.demo.run import run_demo

    result = run_demo(var_dir, say=lambda line: click.echo(line, err=True))
    if result.failed_days:
        raise click.ClickException(f"crawl failed on {', '.join(map(str, result.failed_days))}")
    click.echo(f"report: {result.report_path.resolve()}")
    if serve is None:
        serve = os.environ.get("RIVALWATCH_DEMO_SERVE", "1") != "0"
    if serve:
        from monitor.demo.web import serve_demo_web

        serve_demo_web(result.settings, port=port, say=click.echo)
