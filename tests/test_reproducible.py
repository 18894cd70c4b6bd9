"""Reproducible final editions: the same commit gives the same bytes, anywhere, any day.

Two clones of one commit, in different folders, released one after the other (see
``released_clones`` in test_release.py), must give identical ``SHA256SUMS``: every file of
the bundle, the print PDF (PDF/X-4 with the printer's profile where the machine has one),
the digital PDF, the EPUB, the DOCX, every file of the web edition, the summary and the
cover. No format needs a normalised comparison: each is byte-identical. What had to be
pinned for that:

- dates: every date in a file is the commit's (``SOURCE_DATE_EPOCH`` when set): the
  PDFs' ``dcterms.created``, pandoc's zip entries and OPF/core properties, MkDocs'
  sitemap (the release exports ``SOURCE_DATE_EPOCH``, else MkDocs takes today);
- identifiers: the EPUB's is its ISBN (else a UUID from slug and version), PDF/X-4's
  ``xmpMM:DocumentID`` is derived from the document (WeasyPrint draws ``uuid4``), the
  print edition's folio overlays have fixed names (pikepdf's ``add_overlay`` draws
  random ones), WeasyPrint's font subset tags and pydyf's ``/ID`` are hashes of content;
- paths: nothing records the folder the tree was built in.

The commits of these trees are dated 2022-02-28, so a file dated today instead of by the
commit fails :func:`test_every_date_is_the_commit_date`.
"""

from __future__ import annotations

import gzip
import struct
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pikepdf
import pytest

from tests.test_release import PROFILE, SLUG, bundle_of, released_clones

COMMIT = datetime(2022, 2, 28, 12, 0, tzinfo=UTC)


@pytest.fixture
def clones(tmp_path_factory) -> tuple[Path, Path]:
    return released_clones(tmp_path_factory)


def test_two_clones_of_one_commit_give_identical_sums(clones: tuple[Path, Path]) -> None:
    first, second = (bundle_of(root) for root in clones)
    sums = (first / "SHA256SUMS").read_text()
    assert sums == (second / "SHA256SUMS").read_text()
    # Every edition is among the checked files, the web edition file by file.
    for name in (f"{SLUG}-print.pdf", f"{SLUG}.pdf", f"{SLUG}.docx", f"{SLUG}.epub",
                 f"{SLUG}-executive-summary.pdf", f"{SLUG}-cover.png", "manifest.json",
                 "site/index.html", "site/sitemap.xml.gz", "site/search/search_index.json"):
        assert f"  {name}\n" in sums, name


def test_print_edition_is_pdfx_with_a_stable_document_id(clones: tuple[Path, Path]) -> None:
    if not PROFILE.is_file():
        pytest.skip(f"no CMYK profile at {PROFILE}: the print edition is not PDF/X-4 here")
    ids = []
    for root in clones:
        with pikepdf.open(bundle_of(root) / f"{SLUG}-print.pdf") as pdf:
            metadata = pdf.open_metadata()
            ids.append(str(metadata.get("{http://ns.adobe.com/xap/1.0/mm/}DocumentID")))
    assert ids[0].startswith("xmp.did:") and ids[0] == ids[1]


def test_every_date_is_the_commit_date(clones: tuple[Path, Path]) -> None:
    bundle = bundle_of(clones[0])
    for name in (f"{SLUG}-print.pdf", f"{SLUG}.pdf", f"{SLUG}-executive-summary.pdf"):
        with pikepdf.open(bundle / name) as pdf:
            assert str(pdf.docinfo["/CreationDate"]) == "D:20220228120000+00'00", name
            assert str(pdf.docinfo["/ModDate"]) == "D:20220228120000+00'00", name
    for name in (f"{SLUG}.docx", f"{SLUG}.epub"):
        with zipfile.ZipFile(bundle / name) as archive:
            # The commit's day; pandoc keeps some parts of the reference document at
            # the zip epoch. Either way, never the day of the build.
            days = {info.date_time[:3] for info in archive.infolist()}
            assert (2022, 2, 28) in days and days <= {(2022, 2, 28), (1980, 1, 1)}, name
            if name.endswith(".docx"):
                core = archive.read("docProps/core.xml").decode()
                assert "2022-02-28T12:00:00Z" in core
            else:
                opf = next(n for n in archive.namelist() if n.endswith(".opf"))
                assert "<meta property=\"dcterms:modified\">2022-02-28T12:00:00Z" in \
                    archive.read(opf).decode()
    sitemap = (bundle / "site" / "sitemap.xml.gz").read_bytes()
    (mtime,) = struct.unpack("<I", sitemap[4:8])  # the gzip header's date (RFC 1952)
    assert datetime.fromtimestamp(mtime, UTC).date() == COMMIT.date()
    gzip.decompress(sitemap)  # and it is a whole gzip file
