"""``report build`` with nothing to do checks the fingerprint and exits without laying out.

Each test builds the small constructs tree (the Word edition, the quickest to lay out),
changes one thing or nothing, and builds again: a rebuild is seen in the new mtime of the
edition's file, nothing done in unchanged mtimes of every file under ``build/`` (the render
cache included).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from report.fingerprint import FINGERPRINT_NAME


def _snapshot(build: Path) -> dict[str, int]:
    """Every file under ``build/`` with its mtime in nanoseconds."""
    return {p.relative_to(build).as_posix(): p.stat().st_mtime_ns
            for p in sorted(build.rglob("*")) if p.is_file()}


def _docx(root: Path) -> Path:
    manifest = json.loads((root / "build" / "manifest.json").read_text(encoding="utf-8"))
    return root / manifest["editions"]["docx"]["path"]


def _build(run_report: Callable[..., object], root: Path, *args: str):
    result = run_report(root, "build", *args)
    assert result.exit_code == 0, result.output
    return result


def test_a_build_with_no_change_lays_nothing_out(make_tree, run_report) -> None:
    root = make_tree("constructs")
    first = _build(run_report, root, "docx")
    assert (root / "build" / FINGERPRINT_NAME).is_file()
    assert any(p.is_file() for p in (root / "build" / ".cache").rglob("*")), \
        "the render cache this test watches is not where it looks"
    before = _snapshot(root / "build")

    second = _build(run_report, root, "docx")

    assert _snapshot(root / "build") == before  # no file written, render cache untouched
    assert "nothing changed since the last build" in second.output
    listed = [line for line in first.output.splitlines() if line.startswith("docx: build/")]
    assert listed and listed == [line for line in second.output.splitlines()
                                 if line.startswith("docx: ")]  # listed as usual


def _edit_chapter(root: Path) -> None:
    chapter = root / "chapters" / "02-practice.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\nOne more sentence.\n",
                       encoding="utf-8")


def _edit_manifest(root: Path) -> None:
    manifest = root / "mkdocs.yml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + "\n# a comment\n",
                        encoding="utf-8")


def _delete_output(root: Path) -> None:
    _docx(root).unlink()


def _modify_output(root: Path) -> None:
    with _docx(root).open("ab") as handle:
        handle.write(b"\0")


CHANGES = {
    "chapter edited": _edit_chapter,
    "mkdocs.yml edited": _edit_manifest,
    "output deleted": _delete_output,
    "output modified": _modify_output,
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_change_rebuilds(make_tree, run_report, change: str) -> None:
    root = make_tree("constructs")
    # The tree is already dirty before the first build, so the commit and dirty state
    # stay the same: only the fingerprint of the files can see the change.
    (root / "notes.txt").write_text("an untracked note\n", encoding="utf-8")
    _build(run_report, root, "docx")
    before = _docx(root).stat().st_mtime_ns if _docx(root).exists() else None

    CHANGES[change](root)
    _build(run_report, root, "docx")

    assert _docx(root).is_file()
    assert _docx(root).stat().st_mtime_ns != before
    # The rebuilt file is the one the manifest records, not the damaged one.
    manifest = json.loads((root / "build" / "manifest.json").read_text(encoding="utf-8"))
    assert hashlib.sha256(_docx(root).read_bytes()).hexdigest() == \
        manifest["editions"]["docx"]["sha256"]


@pytest.mark.parametrize("options", [("docx", "--final")])
def test_other_options_rebuild(make_tree, run_report, options: tuple[str, ...]) -> None:
    root = make_tree("constructs")
    _build(run_report, root, "docx")
    before = _docx(root).stat().st_mtime_ns

    _build(run_report, root, *options)

    assert _docx(root).stat().st_mtime_ns != before
    # and the same options again do nothing
    after = _snapshot(root / "build")
    _build(run_report, root, *options)
    assert _snapshot(root / "build") == after


def test_an_edition_whose_inputs_did_not_change_is_not_laid_out_again(make_tree,
                                                                       run_report) -> None:
    root = make_tree("constructs")
    _build(run_report, root, "docx")
    docx = _docx(root).stat().st_mtime_ns

    # Another edition asked for: it is built, the Word edition is kept as it is.
    result = _build(run_report, root, "docx", "epub")
    assert _docx(root).stat().st_mtime_ns == docx
    assert "docx (unchanged since the last build)" in result.output
    manifest = json.loads((root / "build" / "manifest.json").read_text(encoding="utf-8"))
    epub = root / manifest["editions"]["epub"]["path"]
    assert set(manifest["editions"]) == {"docx", "epub"}

    # One edition's file deleted: that edition alone is laid out again.
    epub.unlink()
    _build(run_report, root, "docx", "epub")
    assert epub.is_file()
    assert _docx(root).stat().st_mtime_ns == docx

    # A chapter edited: both are.
    _edit_chapter(root)
    _build(run_report, root, "docx", "epub")
    assert _docx(root).stat().st_mtime_ns != docx


def test_a_build_reads_the_toolkit_once_and_serve_sees_a_change_between_saves(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_tree, run_report) -> None:
    """Within a pin (one ``report build``) the toolkit is read once, however often its
    parts ask; outside one (``report serve`` between saves) each asking reads it again,
    so a filter edited between two saves is seen at the second."""
    from report import fingerprint

    package = tmp_path / "package"
    package.mkdir()
    (package / "filter.lua").write_text("-- one\n")
    monkeypatch.setattr(fingerprint, "PACKAGE", package)
    build = tmp_path / "build"
    first = fingerprint.toolkit(build)
    (package / "filter.lua").write_text("-- two, a longer one\n")
    second = fingerprint.toolkit(build)
    assert second != first
    with fingerprint.pinned():
        assert fingerprint.toolkit(build) == second
        (package / "filter.lua").write_text("-- three, longer again\n")
        with fingerprint.pinned():  # nested: the outer pin holds
            assert fingerprint.toolkit(tmp_path / "elsewhere") == second
        assert fingerprint.toolkit(build) == second
    assert fingerprint.toolkit(build) not in (first, second)
    monkeypatch.undo()

    readings: list[Path] = []
    reading = fingerprint._toolkit

    def counted(cache: Path) -> str:
        readings.append(cache)
        return reading(cache)

    monkeypatch.setattr(fingerprint, "_toolkit", counted)
    root = make_tree("constructs")
    _build(run_report, root, "docx", "epub")
    # The build's one reading, and one more to keep it once there is a build/ to keep
    # it in (a check after the build then writes nothing: the test above).
    assert len(readings) == 2, readings
    _edit_chapter(root)
    readings.clear()
    _build(run_report, root, "docx", "epub")
    assert len(readings) == 1, readings
