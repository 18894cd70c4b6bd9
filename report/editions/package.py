"""Reading and editing the parts of a zip package (a Word document, an EPUB).

pandoc's writers cover most of what the Word and EPUB editions need; what they cannot
say (a filled-in contents list, one-cell boxes, a PNG beside an SVG, EPUB conformance
metadata) is added to the parts afterwards and written back with
:func:`report.editions.pandoc_writer.repack`, the one helper that rewrites a package.
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


def names(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return package.namelist()


def read(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return package.read(name)


def members(data: bytes, wanted: list[str]) -> dict[str, bytes]:
    """The parts named, read in one pass (opening the package for each part read the
    EPUB's zip directory 230 times on the corpus: 0.4 s)."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return {name: package.read(name) for name in wanted}


def edited(data: bytes, edits: Mapping[str, Edit]) -> dict[str, bytes]:
    """The new contents of the parts named in ``edits`` (for ``repack(changed=…)``)."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return {name: edit(package.read(name)) for name, edit in edits.items()}


def xml_edit(edit: Callable[[etree._Element], None]) -> Edit:
    """An :data:`Edit` of an XML part through lxml, written back with its declaration."""

    def apply(content: bytes) -> bytes:
        root = etree.fromstring(content)
        edit(root)
        return xml_bytes(root)

    return apply


def xml_bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def replace_file(path: Path, data: bytes) -> None:
    """Write ``data`` over ``path`` atomically (a reader never sees half a package)."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


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
