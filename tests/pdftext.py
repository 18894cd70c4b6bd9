"""Reading PDFs the way a reader or a printer would: page text, folios, outline."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader

STAMP = re.compile(r"Draft \S+ · \S+ · \d{4}-\d{2}-\d{2} · not for circulation")


@dataclass
class Page:
    index: int
    text: str

    @property
    def folio(self) -> str | None:
        text = STAMP.sub("", self.text)
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if not lines:
            return None
        last = lines[-1].split()[-1]
        return last if re.fullmatch(r"\d+|[ivxlc]+", last) else None


def pages(path: Path) -> list[Page]:
    """Each page's text; a no-break space (after "Chapter", between a number and its
    unit) reads as a space."""
    reader = PdfReader(str(path))
    return [Page(i, (page.extract_text() or "").replace("\u00a0", " "))
            for i, page in enumerate(reader.pages)]


def outline(path: Path) -> list[tuple[str, int]]:
    """Every bookmark, flattened, with the 0-based index of its page."""
    reader = PdfReader(str(path))
    found: list[tuple[str, int]] = []

    def walk(items) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                # titles as a reader sees them: a no-break space is a space
                found.append((" ".join(item.title.split()),
                              reader.get_destination_page_number(item)))

    walk(reader.outline)
    return found


def normalise(text: str) -> str:
    text = text.replace("\u00ad", "").replace("\u2010\n", "").replace("-\n", "")
    return " ".join(text.split())
