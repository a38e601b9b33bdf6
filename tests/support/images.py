"""Real images for tests, built in memory: single-colour PNGs without Pillow, and Pillow images encoded."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk: length, type, data and CRC."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A real, single-colour PNG (so that a browser can show the evidence)."""
    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        PNG_SIGNATURE
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(row * height))
        + png_chunk(b"IEND", b"")
    )


def encoded(image: Image.Image, pillow_format: str, **options: object) -> bytes:
    """`image` saved in `pillow_format` ("PNG", "JPEG", ...), as bytes."""
    output = io.BytesIO()
    image.save(output, format=pillow_format, **options)
    return output.getvalue()
