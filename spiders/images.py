"""Creative images from competitor pages, handled as the untrusted input they are.

Pure functions: which creative URLs may be fetched (only configured hosts), and which bytes are accepted:
only real raster images (sniffed from their bytes) with Pillow's decompression-bomb guard on, described by
type, size and a perceptual hash. The download itself goes through Scrapy (spiders/creatives.py), whose
size cap, timeout and redirect check (spiders/middlewares.py) use these functions.
"""

from __future__ import annotations

import io
import ipaddress
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

import imagehash
from PIL import Image


class CreativeError(ValueError):
    """A creative that may not be fetched or is not an acceptable image; the message names it."""


@dataclass(frozen=True)
class ImageInfo:
    mime_type: str
    width: int
    height: int
    phash: str  # 64-bit perceptual hash of the first frame, 16 hex digits


# --- which URLs may be fetched ------------------------------------------------------------------


def normalize_host(host: str) -> str:
    """Lowercase, no trailing dot, internationalized names in their ASCII (IDNA) form."""
    host = host.strip().rstrip(".").lower()
    if host.startswith("*."):
        return "*." + normalize_host(host[2:])
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def host_is_allowed(host: str, allowed_hosts: Iterable[str]) -> bool:
    """True when `host` is listed, or is a subdomain of a `*.example.com` entry.

    IP literals (private ranges included) match only when listed exactly, never through a wildcard.
    """
    host = normalize_host(host)
    allowed = {normalize_host(entry) for entry in allowed_hosts}
    if host in allowed:
        return True
    if not host or _is_ip_literal(host):
        return False
    return any(entry.startswith("*.") and host.endswith(entry[1:]) for entry in allowed)


def is_fetchable_creative_url(url: str, allowed_hosts: set[str]) -> bool:
    """True for an http(s) URL without credentials whose host is one of `allowed_hosts`."""
    # Control characters and backslashes are read differently by different URL parsers: refuse them.
    if not url or any(ord(char) < 0x20 or char in "\\\x7f" for char in url):
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return False
    return host_is_allowed(parts.hostname, allowed_hosts)


# --- what the bytes are ---------------------------------------------------------------------------


def sniff_image_type(data: bytes) -> str | None:
    """The MIME type from the magic bytes, for the four raster types we accept; None otherwise."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


_PILLOW_FORMAT = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/webp": "WEBP"}


def _open(data: bytes, pillow_format: str) -> Image.Image:
    # Only the sniffed format's decoder may claim the bytes.
    return Image.open(io.BytesIO(data), formats=[pillow_format])


def _as_seen_on_white(image: Image.Image) -> Image.Image:
    """The first frame as RGB, transparent parts on white, as a logo shows on a white page."""
    image.seek(0)
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def _decode(data: bytes, mime_type: str, max_pixels: int, source: str) -> ImageInfo:
    pillow_format = _PILLOW_FORMAT[mime_type]
    with _open(data, pillow_format) as image:
        width, height = image.size
        if width * height > max_pixels:
            raise CreativeError(f"{source}: {width}x{height} is more than {max_pixels} pixels")
        image.verify()
    with _open(data, pillow_format) as image:
        first_frame = _as_seen_on_white(image)
    return ImageInfo(mime_type, width, height, str(imagehash.phash(first_frame)))


def inspect_image(data: bytes, max_pixels: int = 40_000_000, *, source: str = "creative") -> ImageInfo:
    """Type, size and perceptual hash of a PNG, JPEG, GIF or WEBP; CreativeError for anything else.

    The type comes from the bytes, never a name or header. Images over `max_pixels` are refused, and so
    is whatever Pillow's own decompression-bomb guard (Image.MAX_IMAGE_PIXELS) warns about: the
    stricter of the two wins. `source` (e.g. the URL) names the image in error messages.
    """
    mime_type = sniff_image_type(data)
    if mime_type is None:
        raise CreativeError(f"{source}: not a PNG, JPEG, GIF or WEBP image (starts {data[:16]!r})")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return _decode(data, mime_type, max_pixels, source)
    except CreativeError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise CreativeError(f"{source}: refused as a decompression bomb: {exc}") from exc
    except Exception as exc:  # any failure to decode untrusted bytes means: not an acceptable image
        raise CreativeError(f"{source}: not a valid {mime_type}: {exc.__class__.__name__}: {exc}") from exc
