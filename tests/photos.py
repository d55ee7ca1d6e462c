"""Test images, made with Pillow: a phone photo with GPS EXIF and an orientation tag, files
that are no supported image, a truncated one and a decompression bomb."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image

RED = (255, 0, 0)
BLUE = (0, 0, 255)
GPS_IFD = 0x8825
ORIENTATION = 0x0112


def encoded(image: Image.Image, kind: str, **options: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, kind, **options)
    return out.getvalue()


def phone_photo(width: int = 2000, height: int = 1500, orientation: int = 6) -> bytes:
    """A blue JPEG with a red top-left corner as stored, EXIF orientation ``orientation`` (6:
    shown turned 90 degrees clockwise, so the red corner shows top right), a GPS position, a
    camera, a comment and an sRGB-ish ICC profile."""
    image = Image.new("RGB", (width, height), BLUE)
    image.paste(RED, (0, 0, width // 5, height // 5))
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0110] = "Model X"
    exif[GPS_IFD] = {1: "N", 2: (52.0, 31.0, 12.5), 3: "E", 4: (13.0, 24.0, 36.0)}
    return encoded(image, "JPEG", exif=exif.tobytes(), comment=b"secret note", quality=90)


def png(width: int, height: int, mode: str = "RGB", colour: Any = BLUE) -> bytes:
    return encoded(Image.new(mode, (width, height), colour), "PNG")


def png_bomb(side: int = 10_000) -> bytes:
    """A 1-bit PNG of ``side`` x ``side`` pixels: a few kilobytes on disk."""
    return encoded(Image.new("1", (side, side)), "PNG", optimize=True)


HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 200
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>'
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TEXT = b"this is not an image at all"
