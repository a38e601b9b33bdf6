"""The `rivalwatch` command line.

Each subcommand lives in its own module under `monitor.cli` and is imported only when it runs, so
`rivalwatch match` does not pay for Scrapy and `rivalwatch --help` stays fast.
"""

from __future__ import annotations

import importlib

import click

# name -> "module:attribute" of a click command; modules are imported lazily.
COMMANDS: dict[str, str] = {
    "alerts": "monitor.cli.alerts:alerts_group",
    "import": "monitor.cli.roster:import_group",
    "db": "monitor.cli.roster:db_group",
    "crawl": "monitor.cli.crawl:crawl_command",
    "extract": "monitor.cli.extract:extract_command",
    "discover": "monitor.cli.discover:discover_command",
    "demo": "monitor.cli.demo:demo_command",
    "evidence": "monitor.cli.evidence:evidence_group",
    "health": "monitor.cli.health:health_command",
    "rematch": "monitor.cli.review:rematch_command",
    "review": "monitor.cli.review:review_group",
    "roster": "monitor.cli.transfers:roster_command",
    "scheduler": "monitor.cli.scheduler:scheduler_command",
    "transfer": "monitor.cli.transfers:transfer_command",
    "users": "monitor.cli.users:users",
    "web": "monitor.cli.web:web",
    "worker": "monitor.cli.worker:worker_command",
    "match": "monitor.cli.match:match_command",
    "match-eval": "monitor.cli.match:match_eval_command",
    "report": "monitor.cli.report:report_command",
    "periods": "monitor.cli.report:periods_command",
    "waive": "monitor.cli.report:waive_command",
    "leads": "monitor.cli.report:leads_command",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, _, attribute = target.partition(":")
        command = getattr(importlib.import_module(module_name), attribute)
        assert isinstance(command, click.Command)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=str),
    envvar="RIVALWATCH_CONFIG",
    help="Settings TOML file (default: ./rivalwatch.toml if present). Env: RIVALWATCH_CONFIG.",
)
@click.pass_context
def main(ctx: click.Context, config_file: str | None) -> None:
    """Rivalwatch: competitor ad monitoring and KA accountability."""
    ctx.obj = {"config_file": config_file}
