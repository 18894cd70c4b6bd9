"""pandoc's Word and EPUB writers started ahead of the PDFs (issue 18): a build of every
edition starts them before it lays out the PDFs, so pandoc writes on the other core. The
files are the same as those of a build of the Word and EPUB editions alone (which starts
nothing ahead), and a writer that is not needed is ended with its folder."""

from __future__ import annotations

from pathlib import Path

from report.build import start_writers
from report.editions.context import BuildContext
from report.manuscript import load
from tests.conftest import build_tree

EDITIONS = ("constructs-report.docx", "constructs-report.epub")


def _files(root: Path) -> dict[str, bytes]:
    return {name: (root / "build" / name).read_bytes() for name in EDITIONS}


def test_editions_written_ahead_equal_those_written_alone(make_tree) -> None:
    root = make_tree("constructs")
    build_tree(root, "print", "docx", "epub", "--jobs", "1")  # writers started ahead
    ahead = _files(root)
    for name in EDITIONS:
        (root / "build" / name).unlink()
    # Nothing to lay out first: none started ahead (the Word contents take their page
    # numbers from the print edition's page map, as before).
    build_tree(root, "docx", "epub")
    assert _files(root) == ahead


def test_writers_start_only_when_pdfs_are_laid_out_first(make_tree) -> None:
    root = make_tree("constructs")
    context = BuildContext(load(root))
    start_writers(context, ["docx", "epub", "web"])
    assert context.writers == {}
    start_writers(context, ["print", "docx", "epub", "web"])
    assert set(context.writers) == {"docx", "epub"}
    for writing in context.writers.values():
        writing.stop()


def test_a_writer_not_needed_is_ended_and_its_folder_removed(make_tree) -> None:
    from report.editions import epub

    root = make_tree("constructs")
    writing = epub.start(BuildContext(load(root)))
    folder = Path(writing._folder.name)
    process = writing._run._proc
    assert folder.is_dir()
    writing.stop()
    assert not folder.exists()
    assert process.poll() is not None
