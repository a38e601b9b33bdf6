"""What the fixture sites answer for a path on a day: pages from the Jinja2 templates in `sites/`,
the JavaScript site's ad data as JSON, and the generated creatives. Pure: no sockets, no clock.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import zlib
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from monitor.demo.catalogue import Ad, ads_by_slot, creatives
from monitor.demo.images import creative_png, placeholder_png
from monitor.demo.pages import PAGES, PAGES_BY_PATH, SITES, PageSpec

TEMPLATES = Path(__file__).resolve().parent / "sites"
RENAMED_SUFFIX = "_v2"  # what a "layout change" appends to a slot's container
_IMAGE_PATH = re.compile(r"^/(?P<site>[a-z]+)/img/(?P<slug>[a-z0-9-]+)\.png$")
_API_PATH = re.compile(r"^/feizhi/api/(?P<key>[a-z0-9_-]+)\.json$")
_JOB_TITLES = (
    "客户经理",
    "Java开发工程师",
    "管培生",
    "产品经理",
    "销售代表",
    "财务分析师",
    "运营专员",
    "算法工程师",
)


@dataclass(frozen=True)
class Response:
    status: int
    content_type: str
    body: bytes
    cacheable: bool = False


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def job_titles(ad: Ad) -> list[str]:
    """Zero to two job titles listed after a text ad (stable per ad)."""
    seed = zlib.crc32(ad.text.encode("utf-8"))
    return [_JOB_TITLES[(seed >> shift) % len(_JOB_TITLES)] for shift in (0, 8)][: seed % 3]


def render_page(page: PageSpec, day: dt.date, broken_slot: str | None = None) -> bytes:
    """The page's HTML on `day`, in the page's encoding; `broken_slot`'s container renamed."""

    def container(slot_name: str) -> str:
        name = page.slot(slot_name).container
        return name + RENAMED_SUFFIX if slot_name == broken_slot else name

    template = _environment().get_template(page.template)
    html = template.render(
        page=page,
        site=SITES[page.site],
        pages=[p for p in PAGES if p.site == page.site],
        slots=ads_by_slot(page.site, page.key, day),
        container=container,
        job_titles=job_titles,
        day=day,
    )
    return html.encode(page.encoding)


def feizhi_data(page: PageSpec, day: dt.date) -> bytes:
    """The JSON the JavaScript site loads its ads from: slot name -> list of ads."""
    slots = ads_by_slot(page.site, page.key, day)
    fields = ("text", "link", "image", "company_id")
    data = {name: [{key: asdict(ad)[key] for key in fields} for ad in ads] for name, ads in slots.items()}
    return json.dumps({"day": day.isoformat(), "slots": data}, ensure_ascii=False).encode("utf-8")


def _image(site: str, slug: str) -> Response | None:
    if site not in SITES:
        return None
    if slug == "placeholder":
        return Response(200, "image/png", placeholder_png(), cacheable=True)
    known = creatives().get(slug)
    if known is None:
        return None
    label, (width, height) = known
    key = slug.rsplit("-", 1)[0]
    return Response(200, "image/png", creative_png(key, label, width, height), cacheable=True)


def _html(body: bytes, encoding: str = "utf-8") -> Response:
    return Response(200, f"text/html; charset={encoding}", body)


def _index() -> Response:
    body = _environment().get_template("index.html").render(sites=SITES, pages=PAGES)
    return _html(body.encode("utf-8"))


def respond(path: str, day: dt.date, broken_slot: str | None = None) -> Response:
    """The fixture sites' answer to GET `path` on `day`; 404 for anything unknown."""
    if path == "/":
        return _index()
    if path == "/favicon.ico":
        return Response(200, "image/png", placeholder_png(), cacheable=True)
    page = PAGES_BY_PATH.get(path)
    if page is not None:
        return _html(render_page(page, day, broken_slot), page.encoding)
    if image := _IMAGE_PATH.match(path):
        return _image(image["site"], image["slug"]) or not_found()
    if api := _API_PATH.match(path):
        return _feizhi_api(api["key"], day) or not_found()
    return not_found()


def _feizhi_api(key: str, day: dt.date) -> Response | None:
    pages = [p for p in PAGES if p.site == "feizhi" and p.key == key]
    return Response(200, "application/json; charset=utf-8", feizhi_data(pages[0], day)) if pages else None


def not_found() -> Response:
    return Response(404, "text/html; charset=utf-8", "<h1>404 页面不存在</h1>".encode())


def error_page(status: int) -> Response:
    """A competitor's refusal (403: the anti-crawler wall) or breakdown (500)."""
    text = {403: "访问过于频繁，请完成安全验证后再试", 500: "服务器开小差了，请稍后再试"}[status]
    body = f"<html><body><h1>{status}</h1><p>{text}</p></body></html>"
    return Response(status, "text/html; charset=utf-8", body.encode("utf-8"))
