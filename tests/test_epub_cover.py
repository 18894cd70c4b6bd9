"""The cover picture (EPUB cover, social-media card): fitted text, stamp, same bytes."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw

from report.editions.cover import EPUB_SIZE, SOCIAL_SIZE, _fitted, cover_png, draw_cover
from report.manuscript.manifest import Manifest

STAMP_COLOUR = (0x8A, 0x3B, 0x12)


def manifest(title: str = "Practitioner Responses to Child Trafficking") -> Manifest:
    return Manifest(root=Path("."), title=title, subtitle="Emerging Good Practice",
                    partners=["Cumberland Lodge", "Independent Anti-Slavery Commissioner"],
                    date="2022")


def colours(image: Image.Image) -> set[tuple[int, int, int]]:
    return {colour for _count, colour in image.convert("RGB").getcolors(1 << 20)}


def test_same_input_same_bytes() -> None:
    assert cover_png(manifest(), "Draft 0.1.0") == cover_png(manifest(), "Draft 0.1.0")
    assert cover_png(manifest(), "Draft 0.1.0") != cover_png(manifest(), None)


def test_sizes_and_stamp_band() -> None:
    for size in (EPUB_SIZE, SOCIAL_SIZE):
        stamped = Image.open(io.BytesIO(cover_png(manifest(), "Draft 0.1.0 · abc1234", size)))
        assert stamped.size == size
        assert STAMP_COLOUR in colours(stamped)
        assert STAMP_COLOUR not in colours(draw_cover(manifest(), None, size))


def test_long_title_is_shrunk_to_fit() -> None:
    image = Image.new("RGB", EPUB_SIZE)
    draw = ImageDraw.Draw(image)
    title = "A very long title " * 12
    font, lines = _fitted(draw, title, "Bold", 150, 1300, 800)
    assert font.size < 150
    assert len(lines) * font.size * 1.2 <= 800
    assert max(draw.textlength(line, font=font) for line in lines) <= 1300
    assert " ".join(lines) == " ".join(title.split()), "no word lost in wrapping"


def test_title_is_drawn_in_white() -> None:
    blank = draw_cover(Manifest(root=Path("."), title=" "), None)
    titled = draw_cover(manifest(), None)
    assert (255, 255, 255) in colours(titled)
    assert (255, 255, 255) not in colours(blank)
