"""Images as the editions carry them: the pixels, without the metadata.

A photograph or a chart exported from a spreadsheet carries more than its picture: a PNG
text chunk with the author's name, EXIF with the camera owner and GPS position, XMP with
the editing history. None of that is the report's to publish, and none of it is seen by
the consent scan's reading of the text, so every edition gets images stripped of it.
Stripping works on the file's own structure (PNG chunks, JPEG segments, SVG elements):
the pixels are not decoded or re-encoded, so nothing is lost.
"""

from __future__ import annotations

import io
import re
import struct
from pathlib import Path

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Ancillary PNG chunks that carry words, dates or other metadata rather than pixels.
_PNG_DROP = frozenset({b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"})
# JPEG APPn segments to keep: JFIF (APP0), the ICC colour profile (APP2), Adobe (APP14).
_JPEG_KEEP_APP = {0xE0: (b"JFIF\0", b"JFXX\0"), 0xE2: (b"ICC_PROFILE\0",), 0xEE: (b"Adobe",)}
_SVG_METADATA = re.compile(rb"<(?:svg:)?metadata\b[^>]*/>"
                           rb"|<(?:svg:)?metadata\b.*?</(?:svg:)?metadata\s*>"
                           rb"|<!--.*?-->", re.S | re.I)


def strip_png(data: bytes) -> bytes:
    if not data.startswith(_PNG_SIGNATURE):
        return data
    out = [_PNG_SIGNATURE]
    at = len(_PNG_SIGNATURE)
    while at + 8 <= len(data):
        (length,) = struct.unpack(">I", data[at:at + 4])
        kind = data[at + 4:at + 8]
        end = at + 12 + length
        if end > len(data):
            return data  # damaged: leave it for the reader to refuse
        if kind not in _PNG_DROP:
            out.append(data[at:end])
        at = end
        if kind == b"IEND":
            break
    return b"".join(out)


def strip_jpeg(data: bytes) -> bytes:
    if not data.startswith(b"\xff\xd8"):
        return data
    out = [b"\xff\xd8"]
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            return data  # not a marker where one must be: damaged, leave it as it is
        marker = data[at + 1]
        if marker == 0xDA:  # start of scan: the compressed picture runs to the end
            out.append(data[at:])
            return b"".join(out)
        (length,) = struct.unpack(">H", data[at + 2:at + 4])
        segment = data[at:at + 2 + length]
        payload = segment[4:]
        is_app = 0xE0 <= marker <= 0xEF
        keep = not (is_app or marker == 0xFE) or any(
            payload.startswith(prefix) for prefix in _JPEG_KEEP_APP.get(marker, ()))
        if keep:
            out.append(segment)
        at += 2 + length
    return data


def strip_svg(data: bytes) -> bytes:
    return _SVG_METADATA.sub(b"", data)


def stripped(data: bytes, name: str) -> bytes:
    """``data`` (a file called ``name``) without its metadata; other kinds unchanged."""
    suffix = Path(name).suffix.lower()
    if suffix == ".png" or data.startswith(_PNG_SIGNATURE):
        return strip_png(data)
    if suffix in (".jpg", ".jpeg") or data.startswith(b"\xff\xd8"):
        return strip_jpeg(data)
    if suffix == ".svg":
        return strip_svg(data)
    return data


def read_stripped(path: Path) -> bytes:
    return stripped(path.read_bytes(), path.name)


def unreadable(data: bytes, name: str) -> str | None:
    """Why ``data`` (an image called ``name``) cannot be shown, or None if it can: a
    broken file is bad input at its name, not a half-built edition."""
    suffix = Path(name).suffix.lower()
    if suffix == ".svg":
        from lxml import etree

        try:
            etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True,
                                                   load_dtd=False))
        except etree.XMLSyntaxError as exc:
            return f"not a readable SVG image ({exc})"
        return None
    if suffix in (".png", ".jpg", ".jpeg", ".gif", ".webp"):
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(io.BytesIO(data)) as image:
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            return f"not a readable image ({exc})"
    return None
