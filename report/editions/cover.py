"""The report's cover as a picture: the EPUB cover, and the release's social-media image.

Drawn with Pillow from the manifest (partners, title, subtitle, date) in the report's own
colours and Open Sans, so the picture can never disagree with the title the editions
print. A draft carries its stamp in a band across the cover, so a draft EPUB or a shared
preview image cannot be mistaken for the published report. The same drawing works for a
portrait cover and a landscape card: sizes are proportions of the canvas.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from report.manuscript.manifest import Manifest

FONTS = Path(__file__).resolve().parent.parent / "styles" / "fonts"
ACCENT = (0x1D, 0x4E, 0x89)
STAMP = (0x8A, 0x3B, 0x12)
WHITE = (0xFF, 0xFF, 0xFF)
PALE = (0xDD, 0xE7, 0xF3)

EPUB_SIZE = (1600, 2400)
SOCIAL_SIZE = (1200, 630)


def _font(weight: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONTS / f"OpenSans-{weight}.ttf"), size)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont,
          width: float) -> list[str]:
    """Greedy word wrap; a single word longer than the line stays whole."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if line and draw.textlength(candidate, font=font) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    if line:
        lines.append(line)
    return lines


def _fitted(draw: ImageDraw.ImageDraw, text: str, weight: str, size: int, width: float,
            height: float) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest font (from ``size`` down) whose wrapped text fits the box."""
    while True:
        font = _font(weight, size)
        lines = _wrap(draw, text, font, width)
        widest = max((draw.textlength(line, font=font) for line in lines), default=0)
        if (len(lines) * size * 1.2 <= height and widest <= width) or size <= 12:
            return font, lines
        size = int(size * 0.92)


def _block(draw: ImageDraw.ImageDraw, lines: list[str], font: ImageFont.FreeTypeFont,
           x: float, y: float, fill: tuple[int, int, int], leading: float = 1.2) -> float:
    """Draw lines from ``y`` down; return the y below the last line."""
    size = font.size
    for line in lines:
        draw.text((x, y), line, font=font, fill=fill)
        y += size * leading
    return y


def draw_cover(manifest: Manifest, stamp: str | None = None,
               size: tuple[int, int] = EPUB_SIZE) -> Image.Image:
    """The cover of the report; ``stamp`` (a draft's) is drawn in a band across it."""
    width, height = size
    image = Image.new("RGB", size, ACCENT)
    draw = ImageDraw.Draw(image)
    unit = min(width, height)
    margin = unit * 0.08
    text_width = width - 2 * margin

    y = margin
    if manifest.partners:
        font, lines = _fitted(draw, " · ".join(manifest.partners), "Semibold",
                              int(unit * 0.035), text_width, height * 0.12)
        y = _block(draw, lines, font, margin, y, PALE)

    portrait = height >= width
    y = max(y + unit * 0.06, height * (0.28 if portrait else 0.22))
    title_box = height * (0.34 if portrait else 0.36)
    font, lines = _fitted(draw, manifest.title, "Bold", int(unit * 0.095), text_width, title_box)
    y = _block(draw, lines, font, margin, y, WHITE, leading=1.15)

    if manifest.subtitle:
        y += unit * 0.02
        font, lines = _fitted(draw, manifest.subtitle, "Regular", int(unit * 0.055),
                              text_width, height * 0.14)
        y = _block(draw, lines, font, margin, y, PALE)

    bottom = height - margin
    if stamp:
        band = unit * 0.11
        top = height - margin - band
        draw.rectangle((0, top, width, top + band), fill=STAMP)
        font, lines = _fitted(draw, stamp, "Semibold", int(unit * 0.03), text_width, band * 0.8)
        line_height = font.size * 1.2
        _block(draw, lines, font, margin, top + (band - line_height * len(lines)) / 2, WHITE)
        bottom = top - unit * 0.03
    if manifest.date:
        font = _font("Semibold", int(unit * 0.04))
        draw.text((margin, bottom - font.size * 1.2), manifest.date, font=font, fill=PALE)
    return image


def cover_png(manifest: Manifest, stamp: str | None = None,
              size: tuple[int, int] = EPUB_SIZE) -> bytes:
    """The cover as PNG bytes; the same input always gives the same bytes."""
    buffer = io.BytesIO()
    draw_cover(manifest, stamp, size).save(buffer, format="PNG")
    return buffer.getvalue()
