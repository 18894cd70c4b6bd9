"""Refuse files that would hurt before reading them: reviewers' files are untrusted.

A ``.docx`` or ``.xlsx`` is a zip of XML. A zip bomb expands a few kilobytes into
gigabytes; a password-protected Office file is not a zip at all but an OLE compound
file (signature ``D0 CF 11 E0``), as is a legacy ``.doc``; a renamed PDF is neither.
Each is refused with a message the reviewer's contact can act on, before anything is
written, and reads are capped even when a zip's headers lie about sizes.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from report.errors import InputError, Problem

MAX_INPUT = 50 * 1024 * 1024          # bytes of the file itself
MAX_EXPANDED = 100 * 1024 * 1024      # total uncompressed size of the zip
MAX_RATIO = 100                       # uncompressed / compressed, for members over 1 MB
MAX_MEMBERS = 10_000
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def refuse(display: str, message: str) -> InputError:
    return InputError(Problem(display, None, message))


def check_size(path: Path, display: str) -> None:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise refuse(display, f"cannot read: {exc.strerror or exc}") from None
    if size > MAX_INPUT:
        raise refuse(display, f"refused: {size // 2**20} MB is larger than the "
                     f"{MAX_INPUT // 2**20} MB limit for a review file")
    if size == 0:
        raise refuse(display, "empty file")


def open_office_zip(path: Path, display: str, kind: str, required: str) -> zipfile.ZipFile:
    """Open an Office file (``kind`` "Word"/"Excel") as a zip, refusing bad or hostile ones.

    ``required`` is the member that must exist (``word/document.xml``).
    """
    check_size(path, display)
    with path.open("rb") as handle:
        head = handle.read(8)
    if head == OLE_SIGNATURE:
        raise refuse(display, f"password-protected or old-format {kind} file: remove the "
                     f"password (or save as .{'docx' if kind == 'Word' else 'xlsx'}) and "
                     "send it again")
    if not zipfile.is_zipfile(path):
        raise refuse(display, f"not a {kind} file (corrupt, or not a "
                     f".{'docx' if kind == 'Word' else 'xlsx'})")
    try:
        archive = zipfile.ZipFile(path)
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise refuse(display, f"not a {kind} file: {exc}") from None
    if len(infos) > MAX_MEMBERS:
        raise refuse(display, f"refused: {len(infos)} parts in the file (zip bomb?)")
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise refuse(display, f"password-protected {kind} file: remove the password "
                         "and send it again")
        total += info.file_size
        if info.file_size > 2**20 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            raise refuse(display, f"refused: {info.filename} expands {ratio} times (zip bomb?)")
    if total > MAX_EXPANDED:
        raise refuse(display, f"refused: expands to {total // 2**20} MB, over the "
                     f"{MAX_EXPANDED // 2**20} MB limit (zip bomb?)")
    names = {info.filename for info in infos}
    if required not in names:
        raise refuse(display, f"not a {kind} file: no {required} inside")
    return archive


def read_member(archive: zipfile.ZipFile, name: str, display: str) -> bytes | None:
    """A member's bytes (None if absent), capped whatever the headers claim."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    try:
        with archive.open(info) as member:
            data = member.read(MAX_EXPANDED + 1)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise refuse(display, f"corrupt file: cannot read {name}: {exc}") from None
    if len(data) > MAX_EXPANDED:
        raise refuse(display, f"refused: {name} expands past {MAX_EXPANDED // 2**20} MB "
                     "(zip bomb?)")
    return data


def parse_xml(data: bytes, name: str, display: str):
    """Parse an XML part without entities, DTDs or network access."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False, remove_blank_text=False)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise refuse(display, f"corrupt file: {name} is not well-formed XML ({exc})") from None


def core_description(path: Path, display: str, kind: str, required: str) -> str | None:
    """The "Comments" document property (``dc:description`` in ``docProps/core.xml``) of
    a Word or Excel file: where the pack marks its round and reviewer."""
    with open_office_zip(path, display, kind, required) as archive:
        data = read_member(archive, "docProps/core.xml", display)
    if not data:
        return None
    core = parse_xml(data, "docProps/core.xml", display)
    description = core.find("{http://purl.org/dc/elements/1.1/}description")
    return description.text if description is not None else None
