"""`rivalwatch extract`: run a site config's selectors over a saved page and print the ads found."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import click

from monitor.core.siteconfig import PageConfig, SiteConfig, SiteConfigError, load_site_config
from spiders.extract import SelectorError, check_selectors, decode_page, extract_ads


def _comparable(url: str) -> tuple[str, str, str]:
    parts = urlsplit(url)
    return (parts.netloc.lower(), parts.path.rstrip("/") or "/", parts.query)


def _page_url(site: SiteConfig, page: PageConfig) -> str | None:
    try:
        return site.page_url(page)
    except SiteConfigError:  # a ${VAR} that is not set here: this page cannot be the one meant
        return None


def pick_page(site: SiteConfig, url: str | None, key: str | None) -> PageConfig:
    """The page named by `key`, else the one whose configured URL is `url` (scheme and final / ignored)."""
    if key is not None:
        return site.page(key)
    if url is None:
        raise KeyError("give --url or --page")
    wanted = _comparable(url)
    for page in site.pages:
        page_url = _page_url(site, page)
        if page_url is not None and _comparable(page_url) == wanted:
            return page
    known = ", ".join(f"{page.key}={_page_url(site, page) or page.url}" for page in site.pages)
    raise KeyError(f"no page of site {site.name!r} has URL {url}; use --page (pages: {known})")


@click.command("extract")
@click.argument("page_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--site",
    "site_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Site config YAML whose selectors to use.",
)
@click.option("--auto", is_flag=True, help="No config: find ad-like slots by themselves (needs --url).")
@click.option("--encoding", help="With --auto: the page's encoding (default: detected).")
@click.option("--url", help="The URL the page was saved from (picks the page; resolves relative links).")
@click.option(
    "--page", "page_key", help="Page key in the site config (default: the page whose URL is --url)."
)
def extract_command(
    page_file: Path,
    site_file: Path | None,
    auto: bool,
    encoding: str | None,
    url: str | None,
    page_key: str | None,
) -> None:
    """Print one JSON line per ad found in PAGE_FILE, by a site config's selectors (--site) or by
    slot discovery (--auto)."""
    if auto == (site_file is not None):
        raise click.UsageError("give either --site CONFIG.yaml or --auto")
    body = _read(page_file)
    if auto:
        _extract_auto(page_file, body, url, encoding)
        return
    assert site_file is not None
    try:
        site = load_site_config(site_file)
        check_selectors(site)  # every selector, `item` and `css:` source, named by page and slot
        page = pick_page(site, url, page_key)
    except (SiteConfigError, SelectorError, KeyError) as exc:
        raise click.ClickException(
            f"{site_file}: {exc.args[0] if isinstance(exc, KeyError) else exc}"
        ) from exc
    base_url = url or _page_url(site, page)
    if base_url is None:
        raise click.ClickException(
            f"{site_file}: page {page.key!r} URL needs an environment variable; give --url"
        )
    html = decode_page(body, page.encoding or site.encoding, None)
    try:
        result = extract_ads(html, site, page, base_url)
    except SelectorError as exc:
        raise click.ClickException(f"{site_file}: {exc}") from exc
    for slot in result.slots:
        if not slot.found:
            click.echo(f"{page_file}: slot {slot.slot!r}: selector matched nothing", err=True)
        for ad in slot.ads:
            click.echo(json.dumps(ad.record(), ensure_ascii=False))


def _read(page_file: Path) -> bytes:
    try:
        return page_file.read_bytes()
    except OSError as exc:
        raise click.ClickException(f"{page_file}: cannot read: {exc.strerror}") from exc


def _extract_auto(page_file: Path, body: bytes, url: str | None, encoding: str | None) -> None:
    from monitor.capture.discovery import discover_ads, discovered_ads_as_json_lines

    if url is None:
        raise click.UsageError("--auto needs --url (the address the page was saved from)")
    slots = discover_ads(decode_page(body, encoding, None), url)
    if not slots:
        click.echo(f"{page_file}: no ad-like slots found", err=True)
    for line in discovered_ads_as_json_lines(slots):
        click.echo(line)
