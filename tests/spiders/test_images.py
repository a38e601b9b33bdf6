"""Creative handling: which URLs may be fetched, which bytes are accepted as an image, their phash."""

from __future__ import annotations

import io
import random
import struct
import time
import zlib

import imagehash
import pytest
from PIL import Image, ImageDraw

from spiders.images import CreativeError, inspect_image, is_fetchable_creative_url
from tests.support.images import PNG_SIGNATURE, encoded, png_chunk

SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.cookie)</script></svg>"
)
HTML_PAGE = b"<!DOCTYPE html><html><body><script>alert(1)</script>not a banner</body></html>"


# --- pictures ------------------------------------------------------------------------------------


def banner(seed: int, size: tuple[int, int] = (320, 120)) -> Image.Image:
    """A made-up banner: coloured blocks on white, different for each seed."""
    rng = random.Random(seed)
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        draw.rectangle((x, y, x + rng.randrange(20, 120), y + rng.randrange(10, 60)), fill=colour)
    return image


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width` x `height` (1-bit grayscale): a decompression bomb's shape."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        PNG_SIGNATURE
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + png_chunk(b"IEND", b"")
    )


def phash_distance(a: str, b: str) -> int:
    """Hamming distance between two perceptual hashes in hex."""
    return int(imagehash.hex_to_hash(a) - imagehash.hex_to_hash(b))


BANNER_PNG = encoded(banner(1), "PNG")


# --- which URLs may be fetched -------------------------------------------------------------------

ALLOWED = {"img.zhaopin.example", "*.51jobcdn.example", "127.0.0.1", "招聘.example"}


@pytest.mark.parametrize(
    ("url", "fetchable"),
    [
        ("https://img.zhaopin.example/logo/1.png", True),
        ("http://img.zhaopin.example:8080/logo/1.png", True),
        ("https://IMG.ZHAOPIN.EXAMPLE./logo/1.png", True),
        ("https://img01.51jobcdn.example/a.jpg", True),
        ("https://a.b.51jobcdn.example/a.jpg", True),
        ("http://127.0.0.1:8000/banner.png", True),
        ("https://招聘.example/logo.png", True),
        ("https://img.zhaopin.example/our logo.png", True),
        ("https://51jobcdn.example/a.jpg", False),  # the wildcard covers subdomains only
        ("https://evil51jobcdn.example/a.jpg", False),
        ("https://img.zhaopin.example.evil.example/a.png", False),
        ("https://other.example/a.png", False),
        ("ftp://img.zhaopin.example/a.png", False),
        ("file:///etc/passwd", False),
        ("data:image/png;base64,iVBORw0KGgo=", False),
        ("javascript:alert(1)", False),
        ("//img.zhaopin.example/a.png", False),  # scheme-relative: resolve against the page first
        ("/logo/1.png", False),
        ("", False),
        ("https://user:secret@img.zhaopin.example/a.png", False),
        ("https://user@img.zhaopin.example/a.png", False),
        ("https://img.zhaopin.example@evil.example/a.png", False),
        ("https://img.zhaopin.example\\@evil.example/a.png", False),
        ("https://img.zhaopin.example/a.png\n", False),
        ("https://img.zhaopin.example:99999/a.png", False),
        ("http://10.0.0.5/a.png", False),
        ("http://192.168.1.1/a.png", False),
        ("http://169.254.169.254/latest/meta-data/", False),
        ("http://[::1]/a.png", False),
        ("http://127.0.0.2/a.png", False),
        ("http://localhost/a.png", False),
    ],
)
def test_is_fetchable_creative_url(url: str, fetchable: bool) -> None:
    assert is_fetchable_creative_url(url, ALLOWED) is fetchable


def test_a_private_address_is_fetchable_only_when_listed_explicitly() -> None:
    assert not is_fetchable_creative_url("http://10.0.0.5/a.png", {"*.0.0.5", "*.example"})
    assert is_fetchable_creative_url("http://10.0.0.5/a.png", {"10.0.0.5"})


# --- what the bytes are --------------------------------------------------------------------------


def animated_gif() -> bytes:
    frames = [banner(1).convert("P"), banner(2).convert("P")]
    return encoded(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=500, loop=0)


def transparent_logo() -> bytes:
    logo = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    ImageDraw.Draw(logo).ellipse((8, 8, 56, 56), fill=(200, 0, 0, 255))
    return encoded(logo, "PNG")


@pytest.mark.parametrize(
    ("data", "mime_type", "size"),
    [
        (BANNER_PNG, "image/png", (320, 120)),
        (encoded(banner(1), "JPEG", quality=90), "image/jpeg", (320, 120)),
        (encoded(banner(1).convert("P"), "GIF"), "image/gif", (320, 120)),
        (encoded(banner(1), "WEBP"), "image/webp", (320, 120)),
        (animated_gif(), "image/gif", (320, 120)),
        (transparent_logo(), "image/png", (64, 64)),
        (encoded(banner(3).convert("P"), "PNG", transparency=0), "image/png", (320, 120)),
    ],
    ids=["png", "jpeg", "gif", "webp", "animated-gif", "transparent-png", "palette-png-transparency"],
)
def test_inspect_image_accepts_raster_images(data: bytes, mime_type: str, size: tuple[int, int]) -> None:
    info = inspect_image(data)

    assert (info.mime_type, info.width, info.height) == (mime_type, *size)
    assert len(info.phash) == 16
    int(info.phash, 16)


def test_inspect_image_hashes_the_first_frame_of_an_animation() -> None:
    first_frame = inspect_image(encoded(banner(1).convert("P"), "GIF"))
    assert phash_distance(inspect_image(animated_gif()).phash, first_frame.phash) <= 2


@pytest.mark.parametrize(
    "data",
    [
        SVG_WITH_SCRIPT,
        HTML_PAGE,
        b"",
        b"%PDF-1.7\n",
        encoded(banner(1), "BMP"),
        encoded(banner(1), "TIFF"),
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 100,  # PNG magic, then nonsense
        BANNER_PNG[: len(BANNER_PNG) // 2],  # truncated
        b"\xff\xd8\xff" + HTML_PAGE,
    ],
    ids=["svg", "html", "empty", "pdf", "bmp", "tiff", "png-magic-only", "truncated-png", "jpeg-magic-html"],
)
def test_inspect_image_refuses_what_is_not_a_valid_image(data: bytes) -> None:
    with pytest.raises(CreativeError, match="creative: not a"):
        inspect_image(data)


@pytest.mark.parametrize("data", [SVG_WITH_SCRIPT, HTML_PAGE], ids=["svg", "html"])
def test_inspect_image_names_the_source_in_a_refusal(data: bytes) -> None:
    url = "https://img.zhaopin.example/logo.png"
    with pytest.raises(CreativeError, match="not a PNG, JPEG, GIF or WEBP") as refused:
        inspect_image(data, source=url)
    assert url in str(refused.value)


def test_decompression_guard_is_on() -> None:
    assert Image.MAX_IMAGE_PIXELS is not None


@pytest.mark.parametrize(
    ("width", "height", "max_pixels"),
    [
        (100_000, 100_000, 40_000_000),  # Pillow's DecompressionBombError
        (10_000, 10_000, 10**10),  # between 1x and 2x Image.MAX_IMAGE_PIXELS: Pillow warns; we refuse
        (5_000, 5_000, 1_000_000),  # our own, stricter limit
    ],
)
def test_inspect_image_refuses_a_decompression_bomb(width: int, height: int, max_pixels: int) -> None:
    bomb = png_declaring(width, height)
    assert len(bomb) < 200

    started = time.monotonic()
    with pytest.raises(CreativeError, match="decompression bomb|more than 1000000 pixels"):
        inspect_image(bomb, max_pixels=max_pixels)
    assert time.monotonic() - started < 1


# --- perceptual hashes ---------------------------------------------------------------------------


def test_phash_keeps_a_recompressed_jpeg_close_to_its_original_and_others_apart() -> None:
    original = encoded(banner(7), "JPEG", quality=95)
    # The same banner served again the next day: slightly smaller and compressed harder.
    recompressed = encoded(Image.open(io.BytesIO(original)).resize((300, 112)), "JPEG", quality=40)
    assert original != recompressed
    other = encoded(banner(8), "JPEG", quality=95)
    third = encoded(banner(9), "PNG")

    first, second, again, last = (
        inspect_image(data).phash for data in (original, other, recompressed, third)
    )

    assert phash_distance(first, again) <= 6
    assert min(phash_distance(first, second), phash_distance(first, last), phash_distance(second, last)) > 6
