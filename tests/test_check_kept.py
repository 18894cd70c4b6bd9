"""The build's gate: only the checks that can find an error, each chapter's kept by its
text (``report.checks.chapterwise``). The errors must be those of a full, uncached run:
in draft and final, after an edit, and with a damaged cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from report.checks.runner import chapter_checks, manuscript_findings
from report.manuscript import load

ATTRIBUTED = """

::: {.quote by="Sarah Johnson, a social worker"}
We saw it every week.
:::
"""


def errors(findings) -> set:
    return {f for f in findings if f.severity == "error"}


def kept_errors(root: Path, final: bool = False) -> set:
    manuscript = load(root)
    kept = chapter_checks(manuscript, manuscript.build_dir / ".cache", final,
                          errors_only=True)
    found = manuscript_findings(manuscript, final, errors_only=True, kept=kept)
    kept.save()
    return errors(found)


def entries(root: Path) -> set[str]:
    return {path.name for path in (root / "build" / ".cache" / "checks").glob("*.json")}


@pytest.mark.parametrize("name", ["check", "consent", "constructs"])
@pytest.mark.parametrize("final", [False, True])
def test_errors_only_finds_every_error(make_tree, name: str, final: bool) -> None:
    root = make_tree(name, commit=False)
    chapter = load(root).chapters[-1].path  # a name in an attribution: an error
    chapter.write_text(chapter.read_text(encoding="utf-8") + ATTRIBUTED, encoding="utf-8")
    full = errors(manuscript_findings(load(root), final))
    assert any(f.code == "NAME-ATTRIBUTION" for f in full)
    assert kept_errors(root, final) == full  # cold: every chapter checked and kept
    assert len(entries(root)) == len(load(root).chapters)
    assert kept_errors(root, final) == full  # warm: read back


def test_an_edit_rechecks_its_chapter_only(make_tree) -> None:
    root = make_tree("check", commit=False)
    kept_errors(root)
    before = entries(root)
    chapter = root / "chapters" / "01-language.md"
    chapter.write_text(chapter.read_text(encoding="utf-8")
                       + "\nTODO a new draft mark.\n", encoding="utf-8")
    found = kept_errors(root, final=True)
    assert found == errors(manuscript_findings(load(root), True))
    assert any(f.code == "DRAFT002" and f.message.startswith("TODO") for f in found)
    kept_errors(root)
    after = entries(root)
    # the edited chapter has a new entry, the other chapter its old one; the replaced
    # entry is pruned
    assert len(after) == len(before) and len(after & before) == len(before) - 1


@pytest.mark.parametrize("damage", [b"", b"{not json", b'{"findings": 3, "allowed": []}',
                                    b'{"findings": [{"path": 1}], "allowed": []}',
                                    b'{"findings": [], "allowed": [{"codes": 5}]}'])
def test_a_damaged_entry_is_a_miss(make_tree, damage: bytes) -> None:
    root = make_tree("check", commit=False)
    full = kept_errors(root)
    for name in entries(root):
        (root / "build" / ".cache" / "checks" / name).write_bytes(damage)
    assert kept_errors(root) == full
    # checked again and kept again: readable entries
    assert all((root / "build" / ".cache" / "checks" / name).stat().st_size > 20
               for name in entries(root))
