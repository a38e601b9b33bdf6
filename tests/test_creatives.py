"""Creative handling: which URLs may be fetched, fetching from a real local server, image checks, phash."""

from __future__ import annotations

import io
import random
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from http.server import ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

import pytest
from PIL import Image, ImageDraw

from spiders.images import (
    CreativeError,
    fetch_creative,
    group_near_identical,
    inspect_image,
    is_fetchable_creative_url,
    phash_distance,
)
from tests.support.http import QuietHandler, serving
from tests.support.images import PNG_SIGNATURE, encoded, png_chunk
from tests.support.poll import wait_for

FIFTY_MB = 50 * 1024 * 1024
CHUNK = 64 * 1024
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


BANNER_PNG = encoded(banner(1), "PNG")


# --- a real local server -------------------------------------------------------------------------


class CreativeServer(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), CreativeHandler)
        self.release = threading.Event()  # held responses end when the test ends
        self.sent: dict[str, int] = {}
        self.finished: dict[str, threading.Event] = {}

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"


class CreativeHandler(QuietHandler):
    server: CreativeServer

    def do_GET(self) -> None:  # noqa: N802 - the base class's name
        path = unquote(urlsplit(self.path).path)
        route = ROUTES.get(path)
        self.server.finished.setdefault(path, threading.Event())
        try:
            if route is None:
                self.send_error(404)
            else:
                route(self)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading, as it should
        finally:
            self.server.finished[path].set()

    def stream_zeros(self, path: str, declare_length: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        if declare_length:
            self.send_header("Content-Length", str(FIFTY_MB))
        self.end_headers()
        self.wfile.write(b"\x89PNG\r\n\x1a\n")
        self.server.sent[path] = 0
        zeros = bytes(CHUNK)
        while self.server.sent[path] < FIFTY_MB:
            self.wfile.write(zeros)
            self.server.sent[path] += CHUNK

    def hold(self, drip: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()
        self.wfile.write(BANNER_PNG[:8])
        self.wfile.flush()
        # A byte every 50 ms never trips a per-read timeout; only a total deadline stops it.
        while not self.server.release.wait(0.05 if drip else 30):
            self.wfile.write(b"\x00")
            self.wfile.flush()


ROUTES: dict[str, Callable[[CreativeHandler], None]] = {
    "/banner.png": lambda handler: handler.reply(BANNER_PNG, "image/png"),
    "/横幅.png": lambda handler: handler.reply(BANNER_PNG, "image/png"),
    "/our logo.png": lambda handler: handler.reply(BANNER_PNG, "image/png"),
    "/script.svg": lambda handler: handler.reply(SVG_WITH_SCRIPT, "image/svg+xml"),
    "/page.png": lambda handler: handler.reply(HTML_PAGE, "image/png"),
    "/huge-declared.png": lambda handler: handler.stream_zeros("/huge-declared.png", declare_length=True),
    "/huge-streamed.png": lambda handler: handler.stream_zeros("/huge-streamed.png", declare_length=False),
    "/to-same-host.png": lambda handler: handler.redirect("/banner.png"),
    "/to-other-host.png": lambda handler: handler.redirect(
        f"http://localhost:{handler.server.port}/banner.png"
    ),
    "/loop.png": lambda handler: handler.redirect("/loop.png"),
    "/slow.png": lambda handler: handler.hold(drip=False),
    "/drip.png": lambda handler: handler.hold(drip=True),
}


@pytest.fixture
def server() -> Iterator[CreativeServer]:
    with serving(CreativeServer()) as server:
        try:
            yield server
        finally:
            server.release.set()


LOCAL = {"127.0.0.1"}


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


# --- fetching ------------------------------------------------------------------------------------


def test_fetch_returns_the_png(server: CreativeServer) -> None:
    assert fetch_creative(server.url("/banner.png"), allowed_hosts=LOCAL) == BANNER_PNG


@pytest.mark.parametrize("path", ["/横幅.png", "/our logo.png", "/%E6%A8%AA%E5%B9%85.png"])
def test_fetch_quotes_a_path_with_non_ascii_text_or_spaces(server: CreativeServer, path: str) -> None:
    assert fetch_creative(server.url(path), allowed_hosts=LOCAL) == BANNER_PNG


def test_fetch_refuses_a_declared_length_over_the_cap_before_reading(server: CreativeServer) -> None:
    with pytest.raises(CreativeError, match=r"huge-declared\.png: declares 52428800 bytes"):
        fetch_creative(server.url("/huge-declared.png"), allowed_hosts=LOCAL)


def test_fetch_stops_reading_at_the_cap_when_no_length_is_declared(server: CreativeServer) -> None:
    started = time.monotonic()
    with pytest.raises(CreativeError, match=r"huge-streamed\.png: larger than the 5000000 bytes"):
        fetch_creative(server.url("/huge-streamed.png"), allowed_hosts=LOCAL)
    assert time.monotonic() - started < 3

    wait_for(server.finished["/huge-streamed.png"].is_set)
    assert server.sent["/huge-streamed.png"] < FIFTY_MB // 2


def test_fetch_follows_a_redirect_on_the_same_host(server: CreativeServer) -> None:
    assert fetch_creative(server.url("/to-same-host.png"), allowed_hosts=LOCAL) == BANNER_PNG


def test_fetch_refuses_a_redirect_to_another_host(server: CreativeServer) -> None:
    url = server.url("/to-other-host.png")
    with pytest.raises(CreativeError, match=r"to-other-host\.png: redirect to http://localhost:\d+/banner"):
        fetch_creative(url, allowed_hosts=LOCAL)
    assert "/banner.png" not in server.finished


def test_fetch_follows_a_redirect_to_another_allowed_host(server: CreativeServer) -> None:
    url = server.url("/to-other-host.png")
    assert fetch_creative(url, allowed_hosts={"127.0.0.1", "localhost"}) == BANNER_PNG


def test_fetch_gives_up_on_endless_redirects(server: CreativeServer) -> None:
    with pytest.raises(CreativeError, match=r"loop\.png: more than 5 redirects"):
        fetch_creative(server.url("/loop.png"), allowed_hosts=LOCAL)


def test_fetch_refuses_a_host_not_allowed_without_connecting(server: CreativeServer) -> None:
    with pytest.raises(CreativeError, match=r"localhost:\d+/banner\.png: not an http\(s\) URL on an allowed"):
        fetch_creative(server.url("/banner.png", host="localhost"), allowed_hosts=LOCAL)
    assert server.finished == {}


@pytest.mark.parametrize("path", ["/slow.png", "/drip.png"])
def test_fetch_stops_at_the_total_deadline(server: CreativeServer, path: str) -> None:
    started = time.monotonic()
    with pytest.raises(CreativeError, match=rf"{path}: not fetched within 0.5 s"):
        fetch_creative(server.url(path), allowed_hosts=LOCAL, timeout=0.5)
    assert time.monotonic() - started < 1.5


def test_fetch_reports_an_http_error_with_the_url(server: CreativeServer) -> None:
    with pytest.raises(CreativeError, match=r"missing\.png: HTTP 404"):
        fetch_creative(server.url("/missing.png"), allowed_hosts=LOCAL)


def test_fetch_reports_a_refused_connection_with_the_url(server: CreativeServer) -> None:
    url = server.url("/banner.png")
    server.shutdown()
    server.server_close()
    with pytest.raises(CreativeError, match=r"banner\.png: fetch failed .*ConnectionRefusedError"):
        fetch_creative(url, allowed_hosts=LOCAL)


@pytest.mark.parametrize(
    ("path", "problem"),
    [("/script.svg", "not a PNG, JPEG, GIF or WEBP"), ("/page.png", "not a PNG, JPEG, GIF or WEBP")],
)
def test_fetched_svg_and_html_named_png_are_not_accepted_as_images(
    server: CreativeServer, path: str, problem: str
) -> None:
    url = server.url(path)
    data = fetch_creative(url, allowed_hosts=LOCAL)
    with pytest.raises(CreativeError, match=problem) as refused:
        inspect_image(data, source=url)
    assert url in str(refused.value)


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


# --- near-identical creatives --------------------------------------------------------------------


def test_phash_groups_a_recompressed_jpeg_with_its_original_and_separates_others() -> None:
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
    groups = group_near_identical([first, second, again, last])
    assert [set(group) for group in groups] == [{first, again}, {second}, {last}]


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("0000000000000000", "0000000000000000", 0),
        ("0000000000000000", "0000000000000001", 1),
        ("ffffffffffffffff", "0000000000000000", 64),
        ("F0F0F0F0F0F0F0F0", "f0f0f0f0f0f0f0f1", 1),
    ],
)
def test_phash_distance(a: str, b: str, distance: int) -> None:
    assert phash_distance(a, b) == distance


def test_phash_distance_refuses_a_hash_of_another_length() -> None:
    with pytest.raises(ValueError, match="not a 64-bit perceptual hash"):
        phash_distance("abc", "0000000000000000")


def test_group_near_identical_links_chains_and_collapses_duplicates() -> None:
    a, a_near, a_nearer, far = "0000000000000000", "000000000000003f", "0000000000000fff", "ffffffffffffffff"

    assert group_near_identical([a, far, a_near, a, a_nearer]) == [[a, a_near, a_nearer], [far]]
    assert group_near_identical([a, a_nearer], max_distance=6) == [[a], [a_nearer]]
    assert group_near_identical([]) == []


def groups_by_comparing_every_pair(hashes: list[str], max_distance: int) -> set[frozenset[str]]:
    """The reference answer: merge the groups of every close pair."""
    group_of = {value: frozenset([value]) for value in hashes}
    for a in hashes:
        for b in hashes:
            if group_of[a] is not group_of[b] and phash_distance(a, b) <= max_distance:
                merged = group_of[a] | group_of[b]
                group_of.update(dict.fromkeys(merged, merged))
    return set(group_of.values())


def test_group_near_identical_matches_comparing_every_pair() -> None:
    rng = random.Random(2026)
    originals = [rng.getrandbits(64) for _ in range(150)]
    variants = [
        value ^ (1 << rng.randrange(64)) ^ (1 << rng.randrange(64)) for value in originals for _ in range(2)
    ]
    hashes = [f"{value:016x}" for value in originals + variants]

    for max_distance in (0, 3, 6, 12):
        groups = group_near_identical(hashes, max_distance)
        assert {frozenset(group) for group in groups} == groups_by_comparing_every_pair(hashes, max_distance)
        assert sum(len(group) for group in groups) == len(set(hashes))


def test_group_near_identical_refuses_a_distance_outside_the_hash() -> None:
    with pytest.raises(ValueError, match="max_distance must be 0..63"):
        group_near_identical(["0000000000000000"], max_distance=64)
