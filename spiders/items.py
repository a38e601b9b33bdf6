"""What the spider hands to the pipeline: plain dataclasses of plain values (no database models)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Literal

from spiders.extract import ExtractedAd, PageExtraction

# The values of models.enums.CaptureStatus; spiders do not import the models.
Status = Literal["ok", "http_error", "timeout", "blocked", "parse_error"]


# Where an element sat on the full-page screenshot: x, y, width, height in CSS pixels.
Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class ElementShot:
    """An ad element cut out of the full-page screenshot: the PNG and the box it was cut at."""

    png: bytes = field(repr=False)
    box: Box


@dataclass
class CapturedAd:
    """One ad as extracted, plus its element screenshot (PNG) and box when a browser rendered the page.

    A carousel's hidden slides have neither: they are read from the DOM but show no pixels.
    """

    slot: str
    kind: str
    position: int
    advertiser: str
    text: str
    link: str | None
    image: str | None
    company_id: str | None
    is_house_ad: bool
    element_screenshot: bytes | None = field(default=None, repr=False)
    box: Box | None = None

    @classmethod
    def from_extracted(cls, ad: ExtractedAd, shot: ElementShot | None = None) -> CapturedAd:
        return cls(
            slot=ad.slot,
            kind=ad.kind,
            position=ad.position,
            advertiser=ad.advertiser,
            text=ad.text,
            link=ad.link,
            image=ad.image,
            company_id=ad.company_id,
            is_house_ad=ad.is_house_ad,
            element_screenshot=shot.png if shot else None,
            box=shot.box if shot else None,
        )


@dataclass
class SlotResult:
    slot: str
    kind: str
    found: bool
    ads: list[CapturedAd] = field(default_factory=list)

    @property
    def ad_count(self) -> int:
        return len(self.ads)


@dataclass
class PageCaptureItem:
    """One configured page on one day. A status other than ok means the page's day is unknown."""

    site: str
    page_key: str
    url: str
    capture_date: dt.date
    status: Status
    fetched_at: dt.datetime  # aware UTC
    http_status: int | None = None
    error: str | None = None
    # The body as fetched, or the rendered DOM (UTF-8) for browser pages.
    html: bytes | None = field(default=None, repr=False)
    text: str | None = field(default=None, repr=False)  # the decoded HTML that extraction read
    screenshot: bytes | None = field(default=None, repr=False)  # full-page PNG, browser pages only
    # The HTTP response as received from the network (spiders.network.http_message), every page.
    response: bytes | None = field(default=None, repr=False)
    slots: list[SlotResult] = field(default_factory=list, repr=False)

    @property
    def ads(self) -> list[CapturedAd]:
        return [ad for slot in self.slots for ad in slot.ads]

    def without_evidence(self) -> PageCaptureItem:
        """A copy without the page, screenshots and text: what a summary needs, in little memory."""
        slots = [
            replace(slot, ads=[replace(ad, element_screenshot=None) for ad in slot.ads])
            for slot in self.slots
        ]
        return replace(self, html=None, text=None, screenshot=None, response=None, slots=slots)


@dataclass
class CreativeItem:
    """A creative image downloaded once in a crawl and accepted as an image (see spiders.images).

    The pipeline links it to every sighting of the crawl whose image URL is `url`, whichever of the
    two is stored first.
    """

    url: str
    data: bytes = field(repr=False)
    sha256: str
    mime_type: str
    width: int
    height: int
    phash: str
    capture_date: dt.date


def slot_results(
    extraction: PageExtraction, screenshots: dict[tuple[str, int], ElementShot] | None = None
) -> list[SlotResult]:
    """Extraction results as item values; `screenshots` maps (slot, position) to an element's cut-out."""
    shots = screenshots or {}
    return [
        SlotResult(
            slot=slot.slot,
            kind=slot.kind,
            found=slot.found,
            ads=[CapturedAd.from_extracted(ad, shots.get((ad.slot, ad.position))) for ad in slot.ads],
        )
        for slot in extraction.slots
    ]


@dataclass
class RunState:
    """How a crawl went, told back by the pipeline to whoever started the crawl (in the same process).

    Scrapy deep-copies its settings for each crawler; this is passed through them by reference.
    """

    run_id: int | None = None
    reason: str | None = None  # Scrapy's close reason: finished, shutdown (a signal), ...
    database_error: str | None = None  # the database could not be opened: nothing was crawled

    def __deepcopy__(self, memo: dict[int, object]) -> RunState:
        return self
