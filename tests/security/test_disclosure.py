"""Only what the report needs goes out: the pages, the images they show (without their
metadata), and never a name without consent, however it is spelled or wherever it hides.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from report.cli import main
from tests.security.attack import SECRET, assert_nothing_outside, built_texts


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(
        ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_with_text(text: str) -> bytes:
    """A 1×1 PNG carrying ``text`` in tEXt, iTXt and eXIf chunks, as cameras and
    spreadsheet exports write them."""
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + _chunk(b"tEXt", b"Author\x00" + text.encode())
            + _chunk(b"iTXt", b"Description\x00\x00\x00\x00\x00" + text.encode())
            + _chunk(b"eXIf", b"MM\x00*" + text.encode())
            + _chunk(b"IDAT", pixels) + _chunk(b"IEND", b""))


def jpeg_with_text(text: str) -> bytes:
    """A small JPEG (Pillow) with EXIF, XMP and a comment holding ``text``."""
    import io

    from PIL import Image

    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x013B] = text  # Artist
    Image.new("RGB", (8, 8), (10, 120, 200)).save(out, "JPEG", comment=text.encode(),
                                                  exif=exif.tobytes())
    data = out.getvalue()
    xmp = b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta>" + text.encode() + b"</x:xmpmeta>"
    return data[:2] + b"\xff\xe1" + struct.pack(">H", len(xmp) + 2) + xmp + data[2:]


def _chapter(root: Path, text: str) -> None:
    chapter = root / "chapters" / "findings.md"
    chapter.write_text(chapter.read_text() + "\n" + text + "\n")


def test_web_publishes_only_pages_and_the_assets_they_use(make_tree, run_report,
                                                          tmp_path: Path) -> None:
    root = make_tree("minimal")
    chapters = root / "chapters"
    (chapters / "images").mkdir()
    (chapters / "images" / "used.png").write_bytes(png_with_text(SECRET))
    (chapters / "images" / "unused.png").write_bytes(png_with_text(SECRET))
    for name in ("notes.tsv", "letter.rtf", "tool.js", "draft-notes.md"):
        (chapters / name).write_text(f"{SECRET}\n")
    (tmp_path / "outside.txt").write_text(SECRET)
    (chapters / "linked.txt").symlink_to(tmp_path / "outside.txt")
    _chapter(root, '![A chart.](images/used.png){fig-alt="A chart."}')
    result = run_report(root, "build", "web")
    assert result.exit_code == 0, result.output
    site = root / "build" / "site"
    published = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()
                 and not p.relative_to(site).as_posix().startswith(("assets/", "search/"))}
    assert "images/used.png" in published
    assert not {"images/unused.png", "notes.tsv", "letter.rtf", "tool.js", "linked.txt",
                "draft-notes/index.html"} & published
    assert_nothing_outside(root / "build")


def test_image_metadata_is_stripped_from_every_edition(make_tree, run_report) -> None:
    from PIL import Image

    root = make_tree("minimal")
    images = root / "chapters" / "images"
    images.mkdir()
    (images / "chart.png").write_bytes(png_with_text(SECRET))
    (images / "photo.jpg").write_bytes(jpeg_with_text(SECRET))
    assert Image.open(images / "photo.jpg").size == (8, 8)
    _chapter(root, '![A chart.](images/chart.png){fig-alt="A chart."}\n\n'
                   '![A photo.](images/photo.jpg){fig-alt="A photo."}')
    result = run_report(root, "build", "web", "docx", "epub", "digital")
    assert result.exit_code == 0, result.output
    assert_nothing_outside(root / "build")
    shown = [where for where, data in built_texts(root / "build")
             if where.endswith((".png", ".jpg", ".jpeg")) and data[:2] in (b"\x89P", b"\xff\xd8")]
    assert any("site/images/photo.jpg" in w for w in shown), shown
    assert Image.open(root / "build" / "site" / "images" / "photo.jpg").size == (8, 8)


NAME = "Wren Withdrawn"
HIDDEN = {
    "soft hyphen": "Wren With\u00addrawn",
    "zero-width space": "Wr\u200ben Withdrawn",
    "invisible separator": "Wren\u2063 Withdrawn",
    "entity": "Wren&#32;With&#100;rawn",
    "case and diacritics": "WREN WÎTHDRAWN",
}


@pytest.mark.parametrize("edition", ["web", "docx", "epub"])
@pytest.mark.parametrize("spelling", list(HIDDEN), ids=list(HIDDEN))
def test_a_hidden_name_stops_every_single_edition_build(make_tree, edition: str,
                                                        spelling: str) -> None:
    root = make_tree("consent")
    chapter = root / "chapters" / "01-introduction.md"
    chapter.write_text(chapter.read_text() + f"\nWe thank {HIDDEN[spelling]} for this.\n")
    result = CliRunner().invoke(main, ["--root", str(root), "build", edition])
    assert result.exit_code in (1, 2), result.output
    assert "wwithdrawn" in result.output
    build = root / "build"
    assert not list(build.glob("*.docx")) + list(build.glob("*.epub"))
    assert not (build / "site").exists()


@pytest.mark.parametrize("edition", ["web", "epub"])
def test_a_name_in_a_file_name_or_url_is_found(make_tree, edition: str) -> None:
    root = make_tree("consent")
    (root / "chapters" / "01-introduction.md").rename(root / "chapters" / "wren-withdrawn.md")
    manifest = root / "mkdocs.yml"
    manifest.write_text(manifest.read_text().replace("01-introduction.md", "wren-withdrawn.md"))
    result = CliRunner().invoke(main, ["--root", str(root), "build", edition])
    assert result.exit_code == 1, result.output
    assert "wwithdrawn" in result.output
    assert not (root / "build" / "site").exists() and not list((root / "build").glob("*.epub"))


def test_check_reads_the_contributors_list_and_bibliography_as_the_build_does(
        make_tree, run_report) -> None:
    root = make_tree("consent")
    register = root / "contributors.yaml"
    register.write_text(register.read_text().replace("affiliation: Example University",
                                                     "affiliation: Wren Withdrawn Associates"))
    result = run_report(root, "check")
    assert result.exit_code == 1
    assert "contributors.yaml:" in result.output and "contributors list entry of 'alex'" \
        in result.output
    register.write_text(register.read_text().replace("Wren Withdrawn Associates",
                                                     "Example University"))
    (root / "refs.bib").write_text("@book{x, title = {Notes by Wren Withdrawn}, year = 2020}\n")
    manifest = root / "mkdocs.yml"
    manifest.write_text(manifest.read_text() + "  bibliography: refs.bib\n")
    result = run_report(root, "check")
    assert result.exit_code == 1
    assert "refs.bib:1:" in result.output and "wwithdrawn" in result.output
