"""liveblog.imaging: uploads are checked by their bytes, turned upright, stripped of every
metadata block and written as WebP, AVIF and JPEG/PNG variants of the promised widths."""

from __future__ import annotations

import hashlib
import io

import pytest
from PIL import Image

from liveblog import imaging
from tests import photos

LIMIT = 50_000_000


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_a_phone_photo_is_upright_without_any_metadata() -> None:
    processed = imaging.process(photos.phone_photo(2000, 1500), max_pixels=LIMIT)
    # Orientation 6: the stored 2000 x 1500 photo shows 1500 wide and 2000 high.
    assert (processed.width, processed.height) == (960, 1280)
    assert {r.width for r in processed.renditions} == {480, 960}
    for rendition in processed.renditions:
        image = opened(rendition.data)
        assert image.size == (rendition.width, rendition.height)
        assert image.height > image.width
        assert not image.getexif()
        for marker in (b"Exif", b"SecretCam", b"secret note", b"ICC_PROFILE", b"xmp", b"GPS"):
            assert marker not in rendition.data, (rendition.name, marker)
        assert "icc_profile" not in image.info
        assert "exif" not in image.info
        assert "comment" not in image.info
        rgb = image.convert("RGB")
        # The red corner, top left as stored, is top right once turned.
        assert rgb.getpixel((image.width - 3, 3)) == pytest.approx(photos.RED, abs=40)
        assert rgb.getpixel((3, 3)) == pytest.approx(photos.BLUE, abs=40)


def test_variants_have_the_promised_widths_types_and_names() -> None:
    data = photos.png(2400, 1200)
    processed = imaging.process(data, max_pixels=LIMIT)
    digest = hashlib.sha256(data).hexdigest()[:16]
    kinds = ["avif", "webp", "jpg"] if imaging.avif_available() else ["webp", "jpg"]
    expected = [f"{digest}-{w}.{k}" for k in kinds for w in (480, 960, 1600)]
    assert [r.name for r in processed.renditions] == expected
    assert [(r.width, r.height) for r in processed.renditions[:3]] == [
        (480, 240),
        (960, 480),
        (1600, 800),
    ]
    mimes = {r.name.rsplit(".", 1)[1]: r.mime for r in processed.renditions}
    assert mimes["webp"] == "image/webp"
    assert mimes["jpg"] == "image/jpeg"
    for rendition in processed.renditions:
        assert (
            opened(rendition.data).format
            == {
                "image/avif": "AVIF",
                "image/webp": "WEBP",
                "image/jpeg": "JPEG",
            }[rendition.mime]
        )
    assert processed.fallback.name == f"{digest}-1600.jpg"


def test_avif_can_be_left_out() -> None:
    processed = imaging.process(photos.png(500, 300), max_pixels=LIMIT, avif=False)
    assert {r.mime for r in processed.renditions} == {"image/webp", "image/jpeg"}


@pytest.mark.parametrize(
    ("width", "widths"),
    [
        (300, (300,)),
        (480, (480,)),
        (1000, (480, 960)),
        (1600, (480, 960, 1600)),
        (5000, (480, 960, 1600)),
    ],
)
def test_never_upscaled(width: int, widths: tuple[int, ...]) -> None:
    assert imaging.variant_widths(width) == widths
    processed = imaging.process(photos.png(width, 100), max_pixels=LIMIT, avif=False)
    assert sorted({r.width for r in processed.renditions}) == list(widths)


def test_transparency_keeps_a_png_fallback_and_opaque_alpha_does_not() -> None:
    see_through = imaging.process(
        photos.png(600, 400, "RGBA", (255, 0, 0, 128)), max_pixels=LIMIT, avif=False
    )
    assert {r.mime for r in see_through.renditions} == {"image/webp", "image/png"}
    assert opened(see_through.fallback.data).mode == "RGBA"
    opaque = imaging.process(
        photos.png(600, 400, "RGBA", (255, 0, 0, 255)), max_pixels=LIMIT, avif=False
    )
    assert opaque.fallback.mime == "image/jpeg"


@pytest.mark.parametrize("mode", ["P", "L", "LA", "1", "CMYK", "I;16"])
def test_colour_modes_are_converted(mode: str) -> None:
    image = Image.new(mode, (500, 300))
    kind = "JPEG" if mode == "CMYK" else "PNG"
    processed = imaging.process(photos.encoded(image, kind), max_pixels=LIMIT, avif=False)
    assert opened(processed.fallback.data).mode in ("RGB", "RGBA")


def test_a_cmyk_jpeg_keeps_its_colour() -> None:
    magenta = photos.encoded(Image.new("CMYK", (500, 500), (0, 255, 0, 0)), "JPEG")
    processed = imaging.process(magenta, max_pixels=LIMIT, avif=False)
    pixel = opened(processed.fallback.data).convert("RGB").getpixel((10, 10))
    assert pixel == pytest.approx((255, 0, 255), abs=40)


def test_a_gif_gives_its_first_frame_and_webp_is_read() -> None:
    frames = [Image.new("RGB", (500, 200), c) for c in (photos.RED, photos.BLUE)]
    gif = io.BytesIO()
    frames[0].save(gif, "GIF", save_all=True, append_images=frames[1:], duration=100)
    processed = imaging.process(gif.getvalue(), max_pixels=LIMIT, avif=False)
    pixel = opened(processed.fallback.data).convert("RGB").getpixel((5, 5))
    assert pixel == pytest.approx(photos.RED, abs=40)
    webp = photos.encoded(Image.new("RGB", (700, 350), photos.BLUE), "WEBP")
    assert imaging.process(webp, max_pixels=LIMIT, avif=False).width == 480


@pytest.mark.parametrize(
    "data",
    [photos.HEIC, photos.SVG, photos.PDF, photos.TEXT, b"", b"RIFF\x00\x00\x00\x00WAVEfmt "],
    ids=["heic", "svg", "pdf", "text", "empty", "wav"],
)
def test_other_formats_are_refused_by_their_bytes(data: bytes) -> None:
    with pytest.raises(imaging.UnsupportedImage):
        imaging.process(data, max_pixels=LIMIT)


def test_a_truncated_or_corrupt_file_is_unreadable() -> None:
    photo = photos.phone_photo(800, 600)
    with pytest.raises(imaging.UnreadableImage):
        imaging.process(photo[: len(photo) // 2], max_pixels=LIMIT)
    with pytest.raises(imaging.UnreadableImage):
        imaging.process(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, max_pixels=LIMIT)
    with pytest.raises(imaging.UnreadableImage):
        imaging.process(b"\xff\xd8\xff" + b"garbage" * 20, max_pixels=LIMIT)


def test_a_png_bomb_is_refused_before_it_is_decoded() -> None:
    bomb = photos.png_bomb()
    assert len(bomb) < 100_000
    with pytest.raises(imaging.TooManyPixels):
        imaging.process(bomb, max_pixels=LIMIT)
    # Beyond Pillow's own bomb limit too: never its error, always ours.
    with pytest.raises(imaging.TooManyPixels):
        imaging.process(photos.png_bomb(20_000), max_pixels=10**12)


def test_the_pixel_limit_is_the_settings() -> None:
    with pytest.raises(imaging.TooManyPixels, match="at most 1,000 pixels"):
        imaging.process(photos.png(40, 30), max_pixels=1_000)
    assert imaging.process(photos.png(40, 25), max_pixels=1_000, avif=False).width == 40
