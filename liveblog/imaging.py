"""Photo processing with Pillow, no database and no files: an upload's bytes in, the encoded
variants out (:func:`process`).

The format is told from the bytes alone (never a file name or a client's content type): JPEG,
PNG, WebP and GIF (its first frame) are read, anything else (HEIC, SVG, PDF, ...) is refused
(:class:`UnsupportedImage`). The pixel count is checked from the header before anything is
decoded (:class:`TooManyPixels`: a decompression bomb never gets near the memory), and a file
that does not decode (truncated, corrupt) is :class:`UnreadableImage`.

What is written: the photo turned upright (EXIF orientation), in sRGB (an embedded colour profile
is applied to the pixels, then dropped), at the widths of :data:`WIDTHS` that the photo reaches
(never upscaled; a photo narrower than the smallest gets one variant at its own width), each
as WebP, AVIF (where Pillow can write it) and a JPEG (PNG when the photo has transparency).
No metadata at all is written: no EXIF (so no GPS position or camera serial), no XMP, no ICC
profile, no comments. Files are named by the first 16 hex digits of the SHA-256 of the uploaded
bytes and the width: ``3f9a0c1d2e4b5a69-960.webp``.
"""

from __future__ import annotations

import hashlib
import io
import struct
import threading
from dataclasses import dataclass
from math import ceil

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError, features

WIDTHS = (480, 960, 1600)
"""The widths of the variants, in pixels."""
FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
"""What an upload may be (Pillow's names)."""

_ORIENTATION = 0x0112
_TURNED = frozenset({5, 6, 7, 8})
"""EXIF orientations that swap width and height."""
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError, KeyError)
"""What Pillow raises on a file that does not decode."""
_BOMB = (Image.DecompressionBombError, Image.DecompressionBombWarning)
_AT_ONCE = threading.BoundedSemaphore(2)
"""At most two photos are decoded and encoded at once per process: a 50-megapixel photo takes
some 200 MB while it is worked on."""


class ImageRefused(Exception):
    """The upload cannot be used; ``str()`` is a sentence for the uploader."""


class UnsupportedImage(ImageRefused):
    """Not a JPEG, PNG, WebP or GIF (415)."""


class UnreadableImage(ImageRefused):
    """Claims a supported format but does not decode: truncated or corrupt (422)."""


class TooManyPixels(ImageRefused):
    """Larger than the pixel limit (422), checked before decoding."""


@dataclass(frozen=True)
class Rendition:
    """One encoded variant."""

    name: str
    width: int
    height: int
    mime: str
    data: bytes


@dataclass(frozen=True)
class Processed:
    """A processed photo: its size as shown (that of its largest variant) and its variants,
    AVIF first, then WebP, then the fallback, each from narrow to wide."""

    width: int
    height: int
    renditions: tuple[Rendition, ...]

    @property
    def fallback(self) -> Rendition:
        """The widest JPEG or PNG."""
        return [r for r in self.renditions if r.mime in ("image/jpeg", "image/png")][-1]


def sniff(data: bytes) -> str:
    """The format of ``data`` by its first bytes (one of :data:`FORMATS`), else
    :class:`UnsupportedImage`."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "GIF"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    raise UnsupportedImage(
        "is not a JPEG, PNG, WebP or GIF image (HEIC, SVG and PDF are not taken)"
    )


def variant_widths(width: int) -> tuple[int, ...]:
    """The widths of :data:`WIDTHS` a photo ``width`` pixels wide reaches, or its own width."""
    return tuple(w for w in WIDTHS if w <= width) or (width,)


def avif_available() -> bool:
    return bool(features.check("avif"))


def process(data: bytes, *, max_pixels: int, avif: bool | None = None) -> Processed:
    """Check and decode an upload and encode its variants (see the module's description).
    ``avif`` ``None``: AVIF where Pillow can write it."""
    kind = sniff(data)
    with _AT_ONCE:
        upright, size = _decoded(data, kind, max_pixels)
        return _encoded(upright, size, hashlib.sha256(data).hexdigest()[:16], avif)


def _decoded(data: bytes, kind: str, max_pixels: int) -> tuple[Image.Image, tuple[int, int]]:
    """The photo upright, in RGB or RGBA, without metadata, at least as wide as its widest
    variant; and its size upright at full resolution."""
    try:
        with Image.open(io.BytesIO(data), formats=[kind]) as opened:
            width, height = opened.size
            if width < 1 or height < 1:
                raise UnreadableImage("has no pixels")
            if width * height > max_pixels:
                raise TooManyPixels(
                    f"has {width} x {height} pixels; at most {max_pixels:,} pixels are taken"
                )
            turned = opened.getexif().get(_ORIENTATION, 1) in _TURNED
            upright_width, upright_height = (height, width) if turned else (width, height)
            widest = variant_widths(upright_width)[-1]
            # A JPEG decodes at 1/2, 1/4 or 1/8 of its size where that is still wide enough.
            scale = widest / upright_width
            opened.draft(None, (ceil(width * scale), ceil(height * scale)))
            opened.load()
            upright = ImageOps.exif_transpose(opened)
            return _srgb(upright), (upright_width, upright_height)
    except ImageRefused:
        raise
    except _BOMB as exc:
        raise TooManyPixels(f"has too many pixels; at most {max_pixels:,} are taken") from exc
    except UnidentifiedImageError as exc:
        raise UnreadableImage(f"is not a readable {kind} image") from exc
    except _DECODE_ERRORS as exc:
        raise UnreadableImage(f"is not a readable {kind} image (truncated or corrupt)") from exc


def _srgb(image: Image.Image) -> Image.Image:
    """``image`` in RGB (RGBA if it has transparency that shows), its colour profile applied to
    the pixels, with no metadata left."""
    if image.mode in ("I", "I;16", "I;16L", "I;16B", "I;16N", "F"):  # 16-bit grey
        image = image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    alpha = image.has_transparency_data
    target = "RGBA" if alpha else "RGB"
    profile = image.info.get("icc_profile")
    converted = None
    if profile and image.mode in ("RGB", "RGBA", "CMYK", "L"):
        converted = _profile_applied(image, profile, "RGBA" if image.mode == "RGBA" else "RGB")
    if converted is None or converted.mode != target:
        converted = (converted or image).convert(target)
    if alpha and converted.getchannel("A").getextrema() == (255, 255):
        converted = converted.convert("RGB")  # an alpha channel that hides nothing
    converted.info = {}
    return converted


def _profile_applied(image: Image.Image, profile: bytes, mode: str) -> Image.Image | None:
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        result = ImageCms.profileToProfile(
            image, source, ImageCms.createProfile("sRGB"), outputMode=mode
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None  # a profile lcms cannot use: the pixels as they are
    return result


_MIME = {"avif": "image/avif", "webp": "image/webp", "jpg": "image/jpeg", "png": "image/png"}
_OPTIONS: dict[str, tuple[str, dict[str, object]]] = {
    "avif": ("AVIF", {"quality": 60, "speed": 7}),
    "webp": ("WEBP", {"quality": 80, "method": 4}),
    "jpg": ("JPEG", {"quality": 82, "optimize": True, "progressive": True}),
    "png": ("PNG", {"compress_level": 9}),
}


def _encoded(
    image: Image.Image, size: tuple[int, int], digest: str, avif: bool | None
) -> Processed:
    upright_width, upright_height = size
    sized = []
    for width in variant_widths(upright_width):
        height = max(1, round(upright_height * width / upright_width))
        if (width, height) == image.size:
            sized.append(image)
        else:
            sized.append(image.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3))
    fallback = "png" if image.mode == "RGBA" else "jpg"
    use_avif = avif_available() if avif is None else avif
    kinds = ("avif", "webp", fallback) if use_avif else ("webp", fallback)
    renditions = []
    for kind in kinds:
        for variant in sized:
            variant.info = {}  # nothing of the original's (comments, profiles) is written
            out = io.BytesIO()
            pillow_format, options = _OPTIONS[kind]
            variant.save(out, pillow_format, **options)
            name = f"{digest}-{variant.width}.{kind}"
            renditions.append(
                Rendition(name, variant.width, variant.height, _MIME[kind], out.getvalue())
            )
    widest = sized[-1]
    return Processed(widest.width, widest.height, tuple(renditions))
