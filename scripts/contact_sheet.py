#!/usr/bin/env python3
"""Every page of a PDF on a few contact sheets, and the figures a book designer asks for.

A designer signs a book off by looking at every page; this makes that quick for anyone:
the pages are rendered with poppler's ``pdftoppm`` (the real rasteriser, not a preview of
the HTML) and tiled into PNG sheets with Pillow, spreads side by side (page 1 alone on
the right, as a printed book opens). With ``--stats`` it also prints, from ``pdftotext``,
the share of lines that end in a hyphen, the longest run of hyphenated lines, and the
characters per line of the body text, so before/after figures come from one command.

Usage: scripts/contact_sheet.py PDF [-o DIR] [--columns 8] [--dpi 30] [--stats]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw

# A body line: long enough not to be a heading, a folio or a table cell.
BODY_LINE = 40
HYPHENATED = re.compile(r"\w-$")


def render_pages(pdf: Path, dpi: int, folder: Path) -> list[Path]:
    """One PNG per page, in page order."""
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(folder / "page")],
                   check=True)
    return sorted(folder.glob("page-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))


def sheets(pages: list[Path], columns: int, out: Path, stem: str) -> list[Path]:
    """Tile pages as spreads: an empty slot before page 1 so left pages sit on the left."""
    images = [Image.open(p).convert("RGB") for p in pages]
    width = max(i.width for i in images)
    height = max(i.height for i in images)
    columns += columns % 2  # whole spreads on a row
    slots: list[Image.Image | None] = [None, *images]
    rows_per_sheet = max(1, 2400 // (height + 24))
    per_sheet = columns * rows_per_sheet
    written = []
    for number, start in enumerate(range(0, len(slots), per_sheet), 1):
        chunk = slots[start:start + per_sheet]
        rows = (len(chunk) + columns - 1) // columns
        sheet = Image.new("RGB", (columns * (width + 6) + 12, rows * (height + 24) + 12),
                          "#777")
        draw = ImageDraw.Draw(sheet)
        for index, image in enumerate(chunk):
            row, col = divmod(index, columns)
            x = 6 + col * (width + 6) + (6 if col % 2 else 0)
            y = 6 + row * (height + 24)
            if image is not None:
                sheet.paste(image, (x, y))
                draw.text((x + 2, y + height + 4), str(start + index), fill="#fff")
        path = out / f"{stem}-sheet-{number}.png"
        sheet.save(path)
        written.append(path)
    return written


def line_stats(pdf: Path) -> dict[str, float]:
    """Hyphenated-line share and characters per line of the body text (pdftotext)."""
    text = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    lines = [" ".join(line.split()) for line in text.splitlines()]
    body = [line for line in lines if len(line) >= BODY_LINE]
    hyphenated = [HYPHENATED.search(line) is not None for line in body]
    run = longest = 0
    for flag in hyphenated:
        run = run + 1 if flag else 0
        longest = max(longest, run)
    lengths = sorted(len(line) for line in body)
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(
        ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout).group(1))
    return {
        "pages": pages,
        "body lines": len(body),
        "hyphenated lines %": round(100 * sum(hyphenated) / max(1, len(body)), 1),
        "longest hyphen run": longest,
        "chars/line median": statistics.median(lengths) if lengths else 0,
        "chars/line p90": lengths[int(len(lengths) * 0.9)] if lengths else 0,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pdf", type=Path)
    parser.add_argument("-o", "--out", type=Path, default=Path("build/contact-sheets"))
    parser.add_argument("--columns", type=int, default=8)
    parser.add_argument("--dpi", type=int, default=30)
    parser.add_argument("--stats", action="store_true", help="print the typography figures")
    parser.add_argument("--no-sheets", action="store_true", help="figures only")
    args = parser.parse_args(argv)
    if not args.pdf.is_file():
        print(f"{args.pdf}: no such file", file=sys.stderr)
        return 2
    if not args.no_sheets:
        args.out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            pages = render_pages(args.pdf, args.dpi, Path(tmp))
            for path in sheets(pages, args.columns, args.out, args.pdf.stem):
                print(path)
    if args.stats or args.no_sheets:
        for name, value in line_stats(args.pdf).items():
            print(f"{name:>22}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
