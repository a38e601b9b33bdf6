"""`rivalwatch worker`: a Celery worker that crawls batches of distributed days (crawl.backend = "celery")."""

from __future__ import annotations

from pathlib import Path

import click

from monitor.cli._context import sessions_from, settings_from


@click.command("worker")
@click.option(
    "--concurrency",
    "-c",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Batches crawled at once by this worker (each in its own process with its own browser).",
)
@click.option("--name", "-n", help="The worker's name (default: celery@HOSTNAME; unique per machine).")
@click.option(
    "--sites-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of site config YAML files (default: settings.sites_dir).",
)
@click.option("--loglevel", default="INFO", show_default=True)
@click.pass_context
def worker_command(
    ctx: click.Context, concurrency: int, name: str | None, sites_dir: Path | None, loglevel: str
) -> None:
    """Crawl batches from the queue (Redis at crawl.broker_url) until stopped (Ctrl-C or SIGTERM).

    Start one or more per machine; each needs the same settings (database, evidence store, broker) and
    the same site configs as the process that queues the day (`rivalwatch crawl --distributed` or the
    scheduler with crawl.backend = "celery").
    """
    from monitor.jobs.celery_app import configure

    settings = settings_from(ctx)
    sessions_from(ctx)  # migrate once here, not in every task
    app = configure(settings, ctx.find_root().obj.get("config_file"), sites_dir)
    argv = [
        "worker",
        f"--concurrency={concurrency}",
        f"--loglevel={loglevel}",
        "--without-gossip",
        "--without-mingle",
        f"--queues={settings.crawl.queue}",
    ]
    if name:
        argv.append(f"--hostname={name}")
    app.worker_main(argv)
