"""Load and validate a report tree: manifest, chapters in nav order, contributors.

This is the only place that knows the layout of a report tree on disk; everything
downstream takes a :class:`Manuscript`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from report.errors import InputError, Problem
from report.manuscript.chapter import Chapter, load_chapter
from report.manuscript.manifest import MANIFEST, Manifest, load_manifest

__all__ = ["Chapter", "Manifest", "Manuscript", "load", "MANIFEST"]


@dataclass
class Manuscript:
    """A loaded report tree."""

    root: Path
    manifest: Manifest
    chapters: list[Chapter]

    @property
    def build_dir(self) -> Path:
        return self.root / "build"

    def chapter_by_rel(self, rel: str) -> Chapter | None:
        return next((c for c in self.chapters if c.rel == rel), None)

    def rel(self, path: Path) -> str:
        return path.resolve().relative_to(self.root).as_posix()


def load(root: Path | str) -> Manuscript:
    """Load the tree at ``root``; every problem found is raised together."""
    root = Path(root).resolve()
    if not (root / MANIFEST).is_file():
        raise InputError(Problem(MANIFEST, None, f"no {MANIFEST} in {root}: not a report tree"))
    manifest = load_manifest(root)
    docs = root / manifest.docs_dir
    problems: list[Problem] = []
    chapters: list[Chapter] = []
    seen: set[str] = set()
    for entry in manifest.nav:
        rel = f"{manifest.docs_dir}/{entry.file}"
        path = docs / entry.file
        if not entry.file.endswith(".md"):
            continue
        if entry.file in seen:
            problems.append(Problem(MANIFEST, entry.line,
                                    f"chapter listed twice in nav: {entry.file}"))
            continue
        seen.add(entry.file)
        if not path.is_file():
            problems.append(Problem(MANIFEST, entry.line, f"chapter in nav does not exist: {rel}"))
            continue
        try:
            chapters.append(load_chapter(path, rel, entry.title))
        except InputError as exc:
            problems.extend(exc.problems)
    labels: dict[str, str] = {}
    for chapter in chapters:
        if chapter.label in labels:
            problems.append(Problem(chapter.rel, 1, f"duplicate label {chapter.label!r} "
                                    f"(also {labels[chapter.label]})"))
        labels[chapter.label] = chapter.rel
    if problems:
        raise InputError(problems)
    return Manuscript(root=root, manifest=manifest, chapters=chapters)
