"""Edit a zip package (a Word document, an EPUB) part by part after pandoc wrote it.

pandoc's writers cover most of what the Word and EPUB editions need; what they cannot
say (a filled-in contents list, one-cell boxes, a PNG beside an SVG, EPUB conformance
metadata) is added to the parts afterwards. The package is rewritten entry by entry in
its own order, with each entry's own date and compression, so the EPUB's ``mimetype``
stays first and stored, and the same input gives the same bytes.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path

from lxml import etree

from report.errors import InputError, Problem
from report.outputs import atomic_path

Edit = Callable[[bytes], bytes]
FIXED_DATE = (1980, 1, 1, 0, 0, 0)


def rewrite(data: bytes, edits: Mapping[str, Edit], additions: Mapping[str, bytes] | None = None,
            date: tuple[int, ...] | None = None) -> bytes:
    """``data`` with each part named in ``edits`` passed through its edit, and
    ``additions`` appended (deflated). ``date`` replaces every entry's date when given."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        last = FIXED_DATE
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename in edits:
                content = edits[info.filename](content)
            stamp = tuple(date or info.date_time)
            last = stamp
            entry = zipfile.ZipInfo(info.filename, stamp)  # type: ignore[arg-type]
            entry.compress_type = info.compress_type
            entry.external_attr = info.external_attr
            target.writestr(entry, content)
        for name, content in (additions or {}).items():
            entry = zipfile.ZipInfo(name, tuple(date or last))  # type: ignore[arg-type]
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, content)
    return out.getvalue()


def replace_file(path: Path, data: bytes) -> None:
    """Write ``data`` over ``path`` atomically (a reader never sees half a package)."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def xml_edit(edit: Callable[[etree._Element], None]) -> Edit:
    """An :data:`Edit` of an XML part through lxml, written back with its declaration."""

    def apply(content: bytes) -> bytes:
        root = etree.fromstring(content)
        edit(root)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

    return apply


def names(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return package.namelist()


def read(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return package.read(name)


# pandoc's words for an image it left out of the file it wrote.
_IMAGE_LEFT_OUT = ("Could not fetch resource", "Could not convert image",
                   "Could not determine image size")


def refuse_missing_images(warnings: list[str], edition: str, where: str) -> None:
    """A package pandoc wrote without one of its images is not an edition: the build
    stops with pandoc's reason instead of printing a tick beside a warning."""
    missing = [w for w in warnings if any(text in w for text in _IMAGE_LEFT_OUT)]
    if missing:
        raise InputError([Problem(where, None, f"{edition} edition: an image could not be "
                                  f"included: {' '.join(w.split())}") for w in missing])
