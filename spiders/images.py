"""Creative images from competitor pages, handled as the untrusted input they are.

Pure functions: which creative URLs may be fetched (only configured hosts), fetching one with a size
cap, a total deadline and checked redirects, accepting only real raster images (sniffed from their
bytes) with Pillow's decompression-bomb guard on, and perceptual hashes to group near-identical banners.
"""

from __future__ import annotations

import http.client
import io
import ipaddress
import itertools
import socket
import ssl
import time
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import SplitResult, quote, urljoin, urlsplit

import imagehash
from PIL import Image

ALLOWED_MIME_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
MAX_REDIRECTS = 5
_READ_CHUNK = 64 * 1024
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Characters left as they are when quoting a path or query that carries non-ASCII text.
_URL_SAFE = "/%:@!$&'()*+,;=-._~?"


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


# --- fetching -------------------------------------------------------------------------------------


class _Deadline:
    """A total time budget; `remaining()` raises once it is spent."""

    def __init__(self, url: str, seconds: float) -> None:
        self.url, self.seconds = url, seconds
        self.end = time.monotonic() + seconds

    def expired(self) -> bool:
        return time.monotonic() >= self.end

    def error(self) -> CreativeError:
        return CreativeError(f"{self.url}: not fetched within {self.seconds:g} s")

    def remaining(self) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            raise self.error()
        return left


def _request_target(parts: SplitResult) -> str:
    target = quote(parts.path or "/", safe=_URL_SAFE)
    if parts.query:
        target += "?" + quote(parts.query, safe=_URL_SAFE)
    return target


def _connect(parts: SplitResult, deadline: _Deadline) -> http.client.HTTPConnection:
    host = normalize_host(parts.hostname or "")
    if parts.scheme == "https":
        return http.client.HTTPSConnection(
            host, parts.port, timeout=deadline.remaining(), context=ssl.create_default_context()
        )
    return http.client.HTTPConnection(host, parts.port, timeout=deadline.remaining())


def _read_body(
    url: str, response: http.client.HTTPResponse, sock: socket.socket, max_bytes: int, deadline: _Deadline
) -> bytes:
    """Read at most `max_bytes`, one socket read at a time, each bounded by what is left of the deadline."""
    declared = response.getheader("Content-Length")
    if declared is not None and declared.strip().isdigit() and int(declared) > max_bytes:
        raise CreativeError(f"{url}: declares {int(declared)} bytes, more than the {max_bytes} allowed")
    body = bytearray()
    while True:
        sock.settimeout(deadline.remaining())
        chunk = response.read1(_READ_CHUNK)
        if not chunk:
            return bytes(body)
        body += chunk
        if len(body) > max_bytes:
            raise CreativeError(f"{url}: larger than the {max_bytes} bytes allowed; stopped reading")


def _fetch_once(url: str, headers: dict[str, str], max_bytes: int, deadline: _Deadline) -> bytes | str:
    """The body of a 200 response, or the absolute URL a redirect points to."""
    parts = urlsplit(url)
    connection = _connect(parts, deadline)
    try:
        connection.connect()
        sock: socket.socket = connection.sock
        sock.settimeout(deadline.remaining())
        connection.request("GET", _request_target(parts), headers=headers)
        sock.settimeout(deadline.remaining())
        with connection.getresponse() as response:
            if response.status in _REDIRECT_STATUSES:
                location = response.getheader("Location")
                if not location:
                    raise CreativeError(f"{url}: redirect ({response.status}) without a Location")
                return urljoin(url, location.strip())
            if response.status != 200:
                raise CreativeError(f"{url}: HTTP {response.status} {response.reason}")
            return _read_body(url, response, sock, max_bytes, deadline)
    finally:
        connection.close()


def fetch_creative(
    url: str,
    *,
    allowed_hosts: set[str],
    max_bytes: int = 5_000_000,
    timeout: float = 10.0,
    user_agent: str | None = None,
    referer: str | None = None,
) -> bytes:
    """The bytes at `url`: only from allowed hosts, at most `max_bytes`, within `timeout` seconds in all.

    Redirects are followed (up to MAX_REDIRECTS) only to allowed hosts. Connections are direct (no proxy
    from the environment). Name resolution is the one step the deadline cannot interrupt. The bytes are
    not checked here: pass them to `inspect_image`.
    """
    if not is_fetchable_creative_url(url, allowed_hosts):
        raise CreativeError(f"{url}: not an http(s) URL on an allowed host; not fetched")
    headers = {"Accept": "image/*", "Accept-Encoding": "identity", "Connection": "close"}
    if user_agent:
        headers["User-Agent"] = user_agent
    if referer:
        headers["Referer"] = referer
    deadline = _Deadline(url, timeout)
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        try:
            result = _fetch_once(current, headers, max_bytes, deadline)
        except (OSError, http.client.HTTPException) as exc:
            # Every socket timeout is set to what is left of the deadline, so a timeout means it is spent.
            if isinstance(exc, TimeoutError) or deadline.expired():
                raise deadline.error() from exc
            raise CreativeError(f"{url}: fetch failed at {current}: {exc.__class__.__name__}: {exc}") from exc
        if isinstance(result, bytes):
            return result
        if not is_fetchable_creative_url(result, allowed_hosts):
            raise CreativeError(f"{url}: redirect to {result} refused (not an allowed host)")
        current = result
    raise CreativeError(f"{url}: more than {MAX_REDIRECTS} redirects")


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


# --- near-identical creatives ---------------------------------------------------------------------


def _phash_bits(value: str) -> int:
    if len(value) != 16:
        raise ValueError(f"not a 64-bit perceptual hash: {value!r}")
    return int(value, 16)


def phash_distance(a: str, b: str) -> int:
    """Hamming distance (0..64) between two 64-bit perceptual hashes in hex."""
    return (_phash_bits(a) ^ _phash_bits(b)).bit_count()


def _candidate_pairs(bits: list[int], max_distance: int) -> Iterator[tuple[int, int]]:
    """Index pairs that may lie within `max_distance` (a superset; pairs may repeat).

    Split the 64 bits into max_distance + 1 blocks: two hashes that differ in at most max_distance bits
    agree exactly on at least one block, so only hashes sharing a block value need comparing.
    """
    blocks = max_distance + 1
    bounds = [64 * index // blocks for index in range(blocks + 1)]
    for low, high in itertools.pairwise(bounds):
        mask = (1 << (high - low)) - 1
        buckets: dict[int, list[int]] = {}
        for index, value in enumerate(bits):
            buckets.setdefault((value >> low) & mask, []).append(index)
        for members in buckets.values():
            yield from itertools.combinations(members, 2)


def group_near_identical(hashes: Iterable[str], max_distance: int = 6) -> list[list[str]]:
    """Group distinct hashes linked by distance <= max_distance (chains join groups), in first-seen order."""
    if not 0 <= max_distance < 64:
        raise ValueError(f"max_distance must be 0..63, not {max_distance}")
    distinct = list(dict.fromkeys(hashes))
    bits = [_phash_bits(value) for value in distinct]
    parent = list(range(len(distinct)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    for i, j in _candidate_pairs(bits, max_distance):
        if (bits[i] ^ bits[j]).bit_count() <= max_distance:
            parent[root(j)] = root(i)
    groups: dict[int, list[str]] = {}
    for index, value in enumerate(distinct):
        groups.setdefault(root(index), []).append(value)
    return list(groups.values())
