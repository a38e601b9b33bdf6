"""`rivalwatch discover`: propose a site config for a new competitor from one of its pages."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

import click

from monitor.capture.discovery import suggest_site_config
from spiders.extract import decode_page

FETCH_TIMEOUT_SECONDS = 20
BROWSER_USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0 Safari/537.36"
)


def fetch_page(url: str, timeout: float = FETCH_TIMEOUT_SECONDS) -> tuple[bytes, str | None]:
    """The page body and the charset its HTTP headers declare, fetched like a browser would."""
    request = urllib.request.Request(
        url, headers={"User-Agent": BROWSER_USER_AGENT, "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - http(s) checked by caller
        return response.read(), response.headers.get_content_charset()


def _default_name(url: str) -> str:
    from urllib.parse import urlsplit

    host = (urlsplit(url).hostname or "newsite").lower()
    labels = [label for label in host.split(".") if label not in ("www", "com", "cn", "net", "org")]
    name = "".join(ch if ch.isalnum() else "-" for ch in (labels[-1] if labels else host)).strip("-")
    return name if name and name[0].isalnum() else f"site-{name or 'new'}"


@click.command("discover")
@click.argument("url")
@click.option(
    "--file",
    "page_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A saved copy of the page (default: fetch URL).",
)
@click.option("--name", help="Site name for the config (default: from the URL's host).")
@click.option("--encoding", help="The page's encoding when it does not say (e.g. gbk).")
def discover_command(url: str, page_file: Path | None, name: str | None, encoding: str | None) -> None:
    """Print a suggested site-config YAML for the ad slots found on URL."""
    if not url.startswith(("http://", "https://")):
        raise click.ClickException(f"{url}: give an http(s) URL (use --file for a saved page)")
    try:
        if page_file is not None:
            body, charset = page_file.read_bytes(), None
        else:
            body, charset = fetch_page(url)
    except (OSError, urllib.error.URLError) as exc:
        raise click.ClickException(f"{page_file or url}: cannot read: {exc}") from exc
    html = decode_page(body, encoding, charset)
    try:
        click.echo(suggest_site_config(html, url, (name or _default_name(url)).lower()), nl=False)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
