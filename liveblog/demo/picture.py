"""The demo's photo: an invented picture of a dike in a storm, drawn with Pillow when the demo
is seeded (no photo of real people or places ships with liveblog). It goes through the same
upload as an editor's photo, so the demo shows responsive variants, a caption and a credit."""

from __future__ import annotations

import io
import math
from collections.abc import Callable

from PIL import Image, ImageDraw

WIDTH = 1600
HEIGHT = 1000


def storm_dike() -> bytes:
    """A JPEG: storm clouds, a lighthouse, a dike with sandbags and high water in front."""
    picture = Image.new("RGB", (WIDTH, HEIGHT))
    draw = ImageDraw.Draw(picture)
    horizon = int(HEIGHT * 0.55)
    for y in range(horizon):  # a grey sky, darker at the top
        shade = 70 + int(90 * y / horizon)
        draw.line([(0, y), (WIDTH, y)], fill=(shade - 10, shade, shade + 12))
    for cx, cy, r in ((260, 120, 170), (640, 90, 210), (1080, 140, 190), (1420, 80, 160)):
        draw.ellipse([cx - r * 1.6, cy - r * 0.6, cx + r * 1.6, cy + r * 0.6], fill=(58, 63, 72))
    # The lighthouse on the dike, red and white.
    base_x, top_y, bottom_y = 1240, 250, horizon + 40
    for i, y in enumerate(range(top_y, bottom_y, 45)):
        colour = (190, 30, 40) if i % 2 == 0 else (235, 235, 230)
        narrow = (y - top_y) * 0.08
        draw.rectangle([base_x - 34 - narrow, y, base_x + 34 + narrow, y + 45], fill=colour)
    draw.polygon(
        [(base_x - 48, top_y), (base_x + 48, top_y), (base_x, top_y - 70)], fill=(40, 40, 45)
    )
    draw.rectangle([base_x - 30, top_y - 30, base_x + 30, top_y], fill=(250, 220, 120))
    # The dike: a green bank with a line of sandbags on its crown.
    crown = horizon + 20
    draw.polygon(
        [(0, crown), (WIDTH, crown - 30), (WIDTH, HEIGHT), (0, HEIGHT)], fill=(74, 112, 62)
    )
    for x in range(20, WIDTH, 70):
        top = crown - 30 * x / WIDTH
        bag = [x - 34, top - 26, x + 34, top + 8]
        draw.ellipse(bag, fill=(196, 170, 118), outline=(120, 100, 60))
    # High water in front of the dike, with waves.
    sea = int(HEIGHT * 0.72)
    draw.rectangle([0, sea, WIDTH, HEIGHT], fill=(52, 78, 96))
    for row in range(12):
        y0 = sea + 18 + row * 24
        points = [(x, y0 + 7 * math.sin((x + row * 37) / 45)) for x in range(0, WIDTH + 20, 20)]
        draw.line(points, fill=(150, 178, 190), width=3)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85)
    return out.getvalue()


PICTURES: dict[str, Callable[[], bytes]] = {"storm_dike": storm_dike}
"""The demo's pictures by the name ``content.json`` gives them."""
