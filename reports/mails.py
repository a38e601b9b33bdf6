"""The report's emails: each rep's own items (HTML with thumbnails, and plain text), managers' summaries.

Structure of every mail: multipart/related [ multipart/alternative [ text/plain, text/html ], image/png … ],
the images referenced from the HTML as `cid:`, written to SMTP bytes by `reports.mime`. The HTML is
table-laid and its CSS inlined (css_inline), so that Outlook, Gmail and Foxmail show the same thing. Only
building happens here; `reports.publish` queues and sends.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.utils import formatdate

import css_inline
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape
from PIL import Image, UnidentifiedImageError

from monitor.core.evidence import EvidenceStorage, InvalidEvidenceHash
from monitor.core.i18n import DEFAULT_LANGUAGE, html_lang, install_translations, translator
from monitor.core.labels import DAY_STATE, LABELS
from reports.context import DayCell, EvidenceFile, ItemView, ReportContext, TeamSection
from reports.html import TEMPLATES_DIR
from reports.mime import related_mail

MAX_IMAGES_PER_ITEM = 3
MAX_IMAGES_PER_MAIL = 45
# The images' bytes in one mail: base64 adds a third, so with the text a rep's mail stays under 1 MB.
MAX_IMAGE_BYTES_PER_MAIL = 560_000
THUMBNAIL_BOX = (240, 90)  # width, height in pixels
_WHITESPACE = re.compile(r"\s+")
_INLINER = css_inline.CSSInliner(load_remote_stylesheets=False)


@dataclass(frozen=True)
class InlineImage:
    cid: str  # without angle brackets: the HTML says src="cid:{cid}"
    data: bytes
    width: int
    height: int


@dataclass
class ImageBudget:
    """The thumbnails of one mail: each file once, at most `limit` of them."""

    store: EvidenceStorage
    limit: int = MAX_IMAGES_PER_MAIL
    max_bytes: int = MAX_IMAGE_BYTES_PER_MAIL
    images: dict[str, InlineImage] = field(default_factory=dict)
    left_out: int = 0
    size: int = 0

    def take(self, files: Sequence[EvidenceFile]) -> list[InlineImage]:
        """Up to MAX_IMAGES_PER_ITEM of `files` as inline images (missing or unreadable files skipped)."""
        taken = []
        for file in files[:MAX_IMAGES_PER_ITEM]:
            image = self.images.get(file.sha256) or self._load(file)
            if image is not None:
                taken.append(image)
        self.left_out += max(0, len(files) - MAX_IMAGES_PER_ITEM)
        return taken

    def _load(self, file: EvidenceFile) -> InlineImage | None:
        if len(self.images) >= self.limit or self.size >= self.max_bytes:
            self.left_out += 1
            return None
        try:
            data = self.store.read(file.sha256)
        except (FileNotFoundError, InvalidEvidenceHash):
            return None
        image = thumbnail(file.sha256, data)
        if image is None:
            return None
        if self.size + len(image.data) > self.max_bytes:
            self.left_out += 1
            self.size = self.max_bytes  # full: the next images are left out too, in order
            return None
        self.images[file.sha256] = image
        self.size += len(image.data)
        return image


def thumbnail(sha: str, data: bytes, box: tuple[int, int] = THUMBNAIL_BOX) -> InlineImage | None:
    """`data` scaled down to fit `box`, as PNG; None when it is not an image Pillow can read."""
    try:
        with Image.open(io.BytesIO(data)) as source:
            source.load()
            picture = source.convert("RGBA") if source.mode not in ("RGB", "RGBA") else source.copy()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None
    picture.thumbnail(box)
    out = io.BytesIO()
    picture.save(out, format="PNG", optimize=True)
    # A short id: a Content-ID folded over two lines confuses some mail clients.
    return InlineImage(f"{sha[:32]}@rivalwatch", out.getvalue(), picture.width, picture.height)


# A day's cell colour in mail clients that ignore CSS classes (`bgcolor`), by state.
_DAY_COLOURS = {"seen": "#cf222e", "unknown": "#f0c000", "pending": "#ffffff"}


def timeline_table(translate: Callable[[str], str]) -> Callable[[Sequence[DayCell]], Markup]:
    """A function turning an item's day cells into the mail's timeline table, built in Python once per
    item: a publish draws hundreds of thousands of day cells, too many for template calls per cell."""
    titles = {state: escape(translate(label)) for state, label in DAY_STATE.items()}

    def table(cells: Sequence[DayCell]) -> Markup:
        heads = "".join(f'<td align="center">{cell.day.day}</td>' for cell in cells)
        days = "".join(
            f'<td class="cell-{cell.state}" data-state="{cell.state}" '
            f'bgcolor="{_DAY_COLOURS.get(cell.state, "#eaeef2")}" '
            f'title="{cell.day.isoformat()} {titles[cell.state]}">&nbsp;</td>'
            for cell in cells
        )
        return Markup(
            '<table class="days" role="presentation" cellpadding="0" cellspacing="0">\n'
            f'  <tr class="day-labels">{heads}</tr>\n  <tr>{days}</tr>\n</table>'
        )

    return table


@dataclass(frozen=True)
class RepMailItem:
    item: ItemView
    images: tuple[InlineImage, ...]


@functools.lru_cache(maxsize=8)
def mail_environment(language: str = DEFAULT_LANGUAGE) -> Environment:
    """Jinja2 for mails in `language`: HTML autoescaped, plain text not (it is never rendered as markup).

    One per language for the process: a publish renders hundreds of mails, and compiling the templates
    again for each took most of its time.
    """
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=lambda name: bool(name and name.endswith(".html")),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["oneline"] = lambda text: _WHITESPACE.sub(" ", str(text or "")).strip()
    environment.globals.update(labels=LABELS, html_lang=html_lang(language))
    return install_translations(environment, language)


def rep_message(
    *,
    context: ReportContext,
    language: str,
    sender: str,
    recipient: str,
    name: str,
    items: Sequence[ItemView],
    forms_url: str,
    signed_link: bool,
    store: EvidenceStorage,
    now: dt.datetime,
    environment: Environment | None = None,
) -> bytes:
    """One rep's mail, as SMTP carries it: their open items with timelines and a few thumbnails each, and
    the forms link."""
    budget = ImageBudget(store)
    entries = [RepMailItem(item, tuple(budget.take(item.thumbnails))) for item in items]
    values = {
        "report": context,
        "name": name,
        "entries": entries,
        "forms_url": forms_url,
        "signed_link": signed_link,
        "left_out": budget.left_out,
        "timeline": timeline_table(translator(language).gettext),
    }
    subject = translator(language).ngettext(
        "[Accountability report] %(period)s: %(num)d customer needs your explanation",
        "[Accountability report] %(period)s: %(num)d customers need your explanation",
        len(items),
    ) % {"period": context.label, "num": len(items)}
    return _message(
        environment or mail_environment(language),
        "email/rep",
        values,
        headers=_headers(
            sender, recipient, name, subject, now, _message_id(context, "rep", recipient, sender)
        ),
        images=list(budget.images.values()),
    )


def manager_message(
    *,
    context: ReportContext,
    language: str,
    sender: str,
    recipient: str,
    scope: str,
    teams: Sequence[TeamSection],
    overview_url: str,
    now: dt.datetime,
    environment: Environment | None = None,
) -> bytes:
    """A manager's mail, as SMTP carries it: their teams' totals per team and per rep, and every open item
    in one table."""
    count = sum(team.totals.items for team in teams)
    values = {"report": context, "scope": scope, "teams": teams, "overview_url": overview_url}
    subject = translator(language).ngettext(
        "[Accountability report] %(period)s: %(scope)s, %(num)d accountable customer",
        "[Accountability report] %(period)s: %(scope)s, %(num)d accountable customers",
        count,
    ) % {"period": context.label, "scope": scope, "num": count}
    headers = _headers(
        sender, recipient, None, subject, now, _message_id(context, "manager", recipient, sender)
    )
    return _message(
        environment or mail_environment(language), "email/manager", values, headers=headers, images=[]
    )


def _message(
    environment: Environment,
    template: str,
    values: Mapping[str, object],
    headers: Mapping[str, str | Address],
    images: Sequence[InlineImage],
) -> bytes:
    text = environment.get_template(f"{template}.txt").render(values)
    html = _INLINER.inline(environment.get_template(f"{template}.html").render(values))
    return related_mail(headers, text, html, [(image.cid, image.data) for image in images])


def _headers(
    sender: str, recipient: str, name: str | None, subject: str, now: dt.datetime, message_id: str
) -> dict[str, str | Address]:
    local, _, domain = recipient.rpartition("@")
    return {
        "From": sender,
        "To": Address(display_name=name or "", username=local, domain=domain),
        "Subject": subject,
        "Date": formatdate(now.timestamp(), localtime=False),
        # The same mail re-sent after a crash keeps its id, so mail clients can fold the duplicate.
        "Message-ID": message_id,
        "Auto-Submitted": "auto-generated",
    }


def _message_id(context: ReportContext, kind: str, recipient: str, sender: str) -> str:
    digest = hashlib.sha256(recipient.encode()).hexdigest()[:16]
    domain = sender.rpartition("@")[2] or "rivalwatch"
    return f"<rivalwatch.{context.start:%Y%m%d}.{kind}.{digest}@{domain}>"
