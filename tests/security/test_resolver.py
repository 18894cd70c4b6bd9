"""The resource gate's fast resolver (``tree.Resolver``: a folder's real path found once,
a file that is not a symlink taken as that folder's and its name) refuses and admits
exactly what resolving each path in full does, symlinks, ``..`` and missing files
included."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from report.manuscript import tree


def _in_full(root: Path, reference: str, base: Path | None, must_exist: bool) -> str:
    """The gate as it was: every path resolved in full (``Path.resolve``)."""
    root = root.resolve()
    try:
        target = ((base or root) / reference).resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return "cannot resolve"
    if target != root and not target.is_relative_to(root):
        return "outside"
    if must_exist and not target.exists():
        return "not found"
    if must_exist and not target.is_file():
        return "not a regular file"
    return str(target)


def _fast(resolver: tree.Resolver, reference: str, base: Path | None,
          must_exist: bool) -> str:
    try:
        return str(resolver.resolve(reference, base, must_exist=must_exist))
    except tree.Refused as exc:
        message = str(exc)
        return next(answer for answer in ("outside", "not found", "not a regular file",
                                          "cannot resolve")
                    if message.startswith(answer))


REFERENCES = ["a.md", "sub/b.md", "sub/../a.md", "../a.md", "../outside/secret.txt",
              "link-in.md", "link-out.md", "sub", "sub/", ".", "missing.md",
              "sub/missing/deeper.md", "dir-link/b.md", "dir-out/secret.txt",
              "loop.md", "sub/link-up.md", "a.md/nothing", "sub/./b.md",
              "dir-link/../a.md", "dir-out/../tree/a.md", "link-sibling.md",
              "../tree-sibling/s.md", "sub//b.md", "./a.md"]


@pytest.fixture
def tree_root(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    (root / "sub").mkdir(parents=True)
    (root / "a.md").write_text("a")
    (root / "sub" / "b.md").write_text("b")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_text("secret")
    os.symlink("a.md", root / "link-in.md")
    os.symlink(tmp_path / "outside" / "secret.txt", root / "link-out.md")
    os.symlink("sub", root / "dir-link")
    os.symlink(tmp_path / "outside", root / "dir-out")
    os.symlink("loop.md", root / "loop.md")
    os.symlink("../a.md", root / "sub" / "link-up.md")
    (tmp_path / "tree-sibling").mkdir()  # a name the tree's is a prefix of
    (tmp_path / "tree-sibling" / "s.md").write_text("s")
    os.symlink(tmp_path / "tree-sibling" / "s.md", root / "link-sibling.md")
    return root


@pytest.mark.parametrize("must_exist", [True, False])
@pytest.mark.parametrize("based", [False, True])
def test_the_resolver_answers_as_resolving_in_full(tree_root: Path, must_exist: bool,
                                                   based: bool) -> None:
    resolver = tree.Resolver(tree_root)
    base = tree_root / "sub" if based else None
    for reference in REFERENCES * 2:  # the second time from the folders it kept
        expected = _in_full(tree_root, reference, base, must_exist)
        assert _fast(resolver, reference, base, must_exist) == expected, reference


def test_the_real_path_of_any_path_is_resolving_it_in_full(tree_root: Path) -> None:
    """``Resolver.real`` (the web edition's list of files to publish) gives, for paths in
    the tree and out of it, what ``Path.resolve`` gives (a loop aside, which it raises)."""
    resolver = tree.Resolver(tree_root)
    for base in (tree_root, tree_root / "sub"):
        for reference in REFERENCES * 2:
            if reference == "loop.md":
                continue
            path = os.path.join(str(base), reference)
            assert resolver.real(path) == str(Path(path).resolve()), path
