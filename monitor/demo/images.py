"""Generated creatives for the fixture sites: a coloured rectangle with the advertiser's name on it.

The same creative is the same bytes every day and on every site, so content-addressed evidence storage
stores it once. Rendering is cached in memory.
"""

from __future__ import annotations

import colorsys
import io
import zlib
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

CJK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
CJK_FONT_SC_INDEX = 2  # the Simplified Chinese face inside the collection
PLACEHOLDER_SIZE = (150, 60)

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def _colour(key: str) -> tuple[int, int, int]:
    hue = (zlib.crc32(key.encode("utf-8")) % 360) / 360
    red, green, blue = colorsys.hsv_to_rgb(hue, 0.55, 0.75)
    return int(red * 255), int(green * 255), int(blue * 255)


@lru_cache(maxsize=64)
def _font(size: int) -> Font:
    if CJK_FONT.exists():
        return ImageFont.truetype(str(CJK_FONT), size, index=CJK_FONT_SC_INDEX)
    return ImageFont.load_default()


def _fitting_font(draw: ImageDraw.ImageDraw, label: str, width: int, height: int) -> Font:
    size = max(10, min(40, int(height * 0.45)))
    while size > 10:
        font = _font(size)
        left, _, right, _ = draw.textbbox((0, 0), label, font=font)
        if right - left <= width - 12:
            return font
        size -= 2
    return _font(size)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


@lru_cache(maxsize=1024)
def creative_png(key: str, label: str, width: int, height: int) -> bytes:
    """The PNG creative of advertiser `key`: its colour, its `label` centred."""
    image = Image.new("RGB", (width, height), _colour(key))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width - 1, height - 1), outline=(255, 255, 255), width=2)
    font = _fitting_font(draw, label, width, height)
    draw.text((width / 2, height / 2), label, fill=(255, 255, 255), font=font, anchor="mm")
    return _png(image)


@lru_cache(maxsize=1)
def placeholder_png() -> bytes:
    """The grey image lazy-loading pages show until the real one is loaded."""
    return _png(Image.new("RGB", PLACEHOLDER_SIZE, (236, 236, 236)))
