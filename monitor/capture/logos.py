"""Read the advertiser's name off a logo when the page names it only generically (`公司logo`, a file name).

After a day's crawl, each sighting whose advertiser text is empty or generic and that has a creative gets
the name OCR reads on that creative (rapidocr with onnxruntime; its models ship in the wheel). Each
creative is read once (`creative.ocr_read`), however many days it is shown. The sighting keeps the page's
own text in `raw_text`; `advertiser_text` becomes what OCR read, with `advertiser_source = "ocr"` and the
confidence, and its Advertiser row carries that confidence, so matching trusts it less (see
`monitor.matching.store`: never an automatic match below `matching.ocr_auto_confidence`).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import Advertiser, Creative, PageCapture, Sighting
from monitor.core.evidence import EvidenceStorage
from spiders.persist import insert_missing

logger = logging.getLogger(__name__)

# Words a site writes where the advertiser's name should be (compared without case, spaces or punctuation).
GENERIC_WORDS = frozenset(
    {
        "logo",
        "logos",
        "公司logo",
        "企业logo",
        "品牌logo",
        "logo图片",
        "公司标志",
        "企业标志",
        "标志",
        "图片",
        "图标",
        "image",
        "img",
        "banner",
        "广告",
        "icon",
        "pic",
        "picture",
        "companylogo",
    }
)
_IMAGE_NAME = re.compile(r"^[\w\-.%~+]+\.(?:png|jpe?g|gif|webp|svg|bmp|ico)$", re.IGNORECASE)
_NOISE = re.compile(r"[\s\-_:：·•|/\\()（）\[\]【】.,，。'\"“”]+")
# Rapidocr's two settings that keep a banner to one detection pass at a sane size: without them a wide
# banner is upscaled and the read is ~30x slower.
_ROW_PIXELS = 20
_EMBLEM = re.compile(r"^[0OoQD〇○◯]\s*(?=[\u4e00-\u9fff])")
OCR_PARAMS = {"Det.limit_type": "max", "Det.limit_side_len": 960}


def is_generic_logo_text(text: str | None, image_url: str | None = None) -> bool:
    """True when `text` names no advertiser: empty, a generic word like `公司logo`, or an image file name."""
    stripped = (text or "").strip()
    if not stripped:
        return True
    if _IMAGE_NAME.match(stripped):
        return True
    if image_url:
        name = unquote(urlsplit(image_url).path.rsplit("/", 1)[-1])
        if name and (stripped == name or stripped == name.rsplit(".", 1)[0]):
            return True
    return _NOISE.sub("", stripped).lower() in GENERIC_WORDS


@dataclass(frozen=True)
class LogoRead:
    text: str  # the lines read, in reading order, joined
    confidence: float  # 0..1: the least confident line's score (a name is as sure as its worst part)


def join_lines(boxes: list[tuple[float, float, str, float]]) -> LogoRead | None:
    """(left, top, text, score) per line read -> the name, lines in reading order (top, then left)."""
    lines = sorted((top, left, text.strip(), score) for left, top, text, score in boxes if text.strip())
    if not lines:
        return None
    rows: list[list[tuple[float, float, str, float]]] = []
    for line in lines:  # tops within _ROW_PIXELS of a row's first line are on that row
        if rows and line[0] - rows[-1][0][0] < _ROW_PIXELS:
            rows[-1].append(line)
        else:
            rows.append([line])
    texts = [text for row in rows for _, _, text, _ in sorted(row, key=lambda line: line[1])]
    joiner = " " if all(text.isascii() for text in texts) else ""
    name = clean_read(joiner.join(texts))
    return LogoRead(name, min(line[3] for line in lines)) if name else None


def clean_read(text: str) -> str:
    """OCR's text without what a logo's symbol reads as: symbols, circled numbers, stray end punctuation,
    and a lone ring-like letter or digit (`0`, `O`, `〇`) just before a Chinese name (a round emblem)."""
    kept = "".join(char for char in text if not _is_symbol(char))
    kept = _EMBLEM.sub("", kept)
    return kept.strip(" -_|·•:：,，.。'\"“”")


def _is_symbol(char: str) -> bool:
    category = unicodedata.category(char)
    return category.startswith("S") or category == "No"


class LogoReader:
    """The OCR engine, made on first use (loading its models takes about a second)."""

    def __init__(self) -> None:
        self._engine: Any = None

    def _ensure(self) -> Any:
        if self._engine is None:
            from rapidocr import RapidOCR

            self._engine = RapidOCR(params=dict(OCR_PARAMS))
        return self._engine

    def read(self, image: bytes) -> LogoRead | None:
        """What the image says, or None when OCR finds no text (or cannot open the image)."""
        try:
            output = self._ensure()(image)
        except Exception as exc:  # noqa: BLE001 - an image OCR cannot open is one unread logo, no more
            logger.warning("OCR could not read an image: %s", exc)
            return None
        texts = output.txts or ()
        if not texts:
            return None
        boxes = [
            (float(min(x for x, _ in box)), float(min(y for _, y in box)), str(text), float(score))
            for box, text, score in zip(output.boxes, texts, output.scores, strict=True)
        ]
        return join_lines(boxes)


@dataclass
class LogosSummary:
    creatives_read: int = 0
    sightings_named: int = 0
    unread: int = 0  # generic sightings whose creative showed no text


def _read_creative(
    creative: Creative, store: EvidenceStorage, read: Callable[[bytes], LogoRead | None]
) -> None:
    creative.ocr_read = True
    try:
        data = store.read(creative.sha256)
    except FileNotFoundError:
        return
    found = read(data)
    if found is not None:
        creative.ocr_text = found.text[:500]
        creative.ocr_confidence = round(found.confidence, 4)


def _advertiser_id(session: Session, text: str, confidence: float, now: dt.datetime) -> int:
    """The Advertiser of an OCR-read name; a name only OCR has read keeps its best confidence."""
    insert_missing(
        session, Advertiser, [{"text": text, "first_seen_at": now, "ocr_confidence": confidence}], "text"
    )
    session.execute(
        update(Advertiser)
        .where(Advertiser.text == text, Advertiser.ocr_confidence < confidence)
        .values(ocr_confidence=confidence)
    )
    advertiser_id = session.scalar(select(Advertiser.id).where(Advertiser.text == text))
    assert advertiser_id is not None
    return advertiser_id


def read_logos(
    session: Session,
    store: EvidenceStorage,
    day: dt.date,
    now: dt.datetime,
    read: Callable[[bytes], LogoRead | None] | None = None,
) -> LogosSummary:
    """Name the day's logo-only sightings from their creatives (see the module docstring); not committed."""
    reader = read or LogoReader().read
    summary = LogosSummary()
    rows = session.execute(
        select(Sighting, Creative)
        .join(Creative, Creative.id == Sighting.creative_id)
        .join(PageCapture, PageCapture.id == Sighting.capture_id)
        .where(PageCapture.capture_date == day, Sighting.is_house_ad.is_(False))
        .order_by(Sighting.id)
    ).all()
    for sighting, creative in rows:
        if not is_generic_logo_text(sighting.advertiser_text, sighting.image_url):
            continue  # a named ad, or one OCR named already (a re-run of the day resets the page's text)
        if not creative.ocr_read:
            _read_creative(creative, store, reader)
            summary.creatives_read += 1
        if not creative.ocr_text or creative.ocr_confidence is None:
            summary.unread += 1
            continue
        sighting.advertiser_text = creative.ocr_text
        sighting.advertiser_source = "ocr"
        sighting.ocr_confidence = creative.ocr_confidence
        sighting.advertiser_id = _advertiser_id(session, creative.ocr_text, creative.ocr_confidence, now)
        summary.sightings_named += 1
    session.flush()
    return summary
