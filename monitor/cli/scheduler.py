"""`rivalwatch scheduler`: run the daily crawl and the biweekly report unattended."""

from __future__ import annotations

import contextlib

import click

from monitor.cli._context import sessions_from, settings_from


@click.command("scheduler")
@click.option("--list", "list_only", is_flag=True, help="Print the jobs and their next run times, then exit.")
@click.pass_context
def scheduler_command(ctx: click.Context, list_only: bool) -> None:
    """Run APScheduler in the foreground (Ctrl-C stops it); jobs are stored in the database."""
    from monitor.core.logs import configure_json_logging
    from monitor.jobs.scheduler import build_scheduler

    settings = settings_from(ctx)
    sessions_from(ctx)  # migrate before the job store reads its table
    configure_json_logging()
    config_file = ctx.find_root().obj.get("config_file")
    scheduler = build_scheduler(settings, config_file, background=list_only)
    if list_only:
        scheduler.start(paused=True)
        for job in scheduler.get_jobs():
            click.echo(f"{job.id}: next run {job.next_run_time.isoformat()}")
        scheduler.shutdown(wait=False)
        return
    click.echo(f"scheduler: daily crawl at {settings.crawl.daily_time} {settings.timezone}; Ctrl-C stops")
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()
