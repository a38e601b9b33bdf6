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


@lru_cache(maxsize=256)
def logo_png(
    name: str,
    width: int,
    height: int,
    *,
    symbol: bool = False,
    ink: tuple[int, int, int] = (20, 40, 120),
    paper: tuple[int, int, int] = (255, 255, 255),
    font_path: str = str(CJK_FONT),
    font_index: int = CJK_FONT_SC_INDEX,
    scale: float = 0.45,
) -> bytes:
    """A company logo as sites show one: the name in `ink` on `paper`, optionally a symbol beside it.

    The name is as large as `scale` of the height allows and the width fits; the symbol (a ring with
    a bar, in the ink's colour) takes a square at the left.
    """
    image = Image.new("RGB", (width, height), paper)
    draw = ImageDraw.Draw(image)
    left = 6
    if symbol:
        side = int(height * 0.6)
        top = (height - side) // 2
        draw.ellipse((left, top, left + side, top + side), outline=ink, width=max(2, side // 8))
        draw.rectangle((left + side // 3, top + side // 4, left + side // 2, top + side * 3 // 4), fill=ink)
        left += side + 6
    size = max(8, int(height * scale))
    while True:
        font = (
            ImageFont.truetype(font_path, size, index=font_index) if Path(font_path).exists() else _font(size)
        )
        box = draw.textbbox((0, 0), name, font=font)
        if box[2] - box[0] <= width - left - 6 or size <= 8:
            break
        size -= 1
    middle = left + (width - left) / 2
    draw.text((middle, height / 2), name, fill=ink, font=font, anchor="mm")
    return _png(image)


@lru_cache(maxsize=1)
def placeholder_png() -> bytes:
    """The grey image lazy-loading pages show until the real one is loaded."""
    return _png(Image.new("RGB", PLACEHOLDER_SIZE, (236, 236, 236)))
