"""The report tree as it was at a past commit, read straight from git.

A review round is made against one commit; comments keep offsets into the chapters as
they were then. Reading blobs from the object database (rather than checking out) keeps
the author's working tree untouched and lets ``status`` compare then and now cheaply.
The report tree may sit in a sub-folder of the repository, so paths carry a prefix.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import git

from report.errors import InputError, Problem
from report.manuscript import yamlsource
from report.manuscript.chapter import _FRONT_MATTER, _default_label
from report.manuscript.manifest import MANIFEST, _flatten_nav


@dataclass(frozen=True)
class ChapterAt:
    """A chapter file at a commit: its path in the tree, its text and its label."""

    rel: str
    text: str
    label: str


def chapter_label(rel: str, text: str) -> str:
    """The chapter's cross-reference label, as :mod:`report.manuscript.chapter` gives it."""
    match = _FRONT_MATTER.match(text)
    if match:
        try:
            meta = yamlsource.parse(match.group(1) or "", rel)
        except InputError:
            meta = None
        if isinstance(meta, dict) and meta.get("label"):
            return str(meta["label"])
    return _default_label(Path(rel))


class History:
    """Git access for one report tree; blobs and navs are cached per commit."""

    def __init__(self, root: Path):
        self.root = Path(root).resolve()
        try:
            self.repo = git.Repo(self.root, search_parent_directories=True)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            raise InputError(Problem(str(self.root), None,
                                     "not a git repository: review rounds need git")) from None
        work = Path(self.repo.working_tree_dir or self.root).resolve()
        rel = self.root.relative_to(work).as_posix()
        self.prefix = "" if rel == "." else rel + "/"
        self._texts: dict[tuple[str, str], str | None] = {}
        self._chapters: dict[str, list[ChapterAt]] = {}

    @cached_property
    def head(self) -> str | None:
        return self.repo.head.commit.hexsha if self.repo.head.is_valid() else None

    def resolve(self, rev: str) -> str:
        """Full sha of a commit, tag or branch name; unknown is an input error."""
        try:
            commit = self.repo.commit(rev)
            commit.tree  # noqa: B018 - a full sha names a commit whether or not it exists
            return commit.hexsha
        except (git.BadName, ValueError, git.BadObject):
            raise InputError(Problem(str(rev), None, "unknown commit")) from None

    def text_at(self, commit: str, rel: str) -> str | None:
        """The file ``rel`` (relative to the report tree) at ``commit``, or None."""
        key = (commit, rel)
        if key not in self._texts:
            try:
                blob = self.repo.commit(commit).tree / (self.prefix + rel)
                self._texts[key] = blob.data_stream.read().decode("utf-8")
            except (KeyError, ValueError, git.BadName, UnicodeDecodeError):
                self._texts[key] = None
        return self._texts[key]

    def chapters_at(self, commit: str, fallback: list[str] | None = None) -> list[ChapterAt]:
        """The chapters in nav order at ``commit`` (``fallback`` rels if no manifest then)."""
        if commit in self._chapters:
            return self._chapters[commit]
        rels = list(fallback or [])
        manifest = self.text_at(commit, MANIFEST)
        if manifest is not None:
            try:
                config = yamlsource.parse(manifest, MANIFEST)
                docs_dir = str(config.get("docs_dir") or "docs")
                entries = _flatten_nav(config.get("nav") or [], MANIFEST, [])
                rels = [f"{docs_dir}/{e.file}" for e in entries if e.file.endswith(".md")]
            except (InputError, AttributeError):
                pass
        chapters = []
        for rel in dict.fromkeys(rels):
            text = self.text_at(commit, rel)
            if text is not None:
                chapters.append(ChapterAt(rel, text, chapter_label(rel, text)))
        self._chapters[commit] = chapters
        return chapters

    def is_ancestor(self, older: str, newer: str) -> bool:
        try:
            return self.repo.is_ancestor(older, newer)
        except git.GitCommandError:
            return False

