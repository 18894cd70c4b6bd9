"""``mkdocs.yml`` is data: no tag, setting or path in it runs code or reads outside the tree.

Each attack is one line added to a minimal tree's manifest; the build must stop with
``mkdocs.yml:line: message`` and exit 2 before MkDocs (whose loader runs python tags)
reads the file, and leave no marker file behind.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

ATTACKS = [
    ('extra:\n  x: !!python/object/apply:os.system ["touch {marker}"]\n', 9,
     "!!python/object/apply:os.system not allowed"),
    ('site_description: !!python/object/new:os.system ["touch {marker}"]\n', 8,
     "not allowed: this file is data, not code"),
    ("site_description: !ENV [HOME]\n", 8, "!ENV not allowed"),
    ("hooks:\n  - {outside}/hook.py\n", 8, "hooks not allowed"),
    ("INHERIT: {outside}/base.yml\n", 8, "INHERIT not allowed"),
    ("plugins:\n  - search\n  - report\n  - macros\n", 11, "plugin 'macros' not allowed"),
    ("markdown_extensions:\n  - evil_module\n", 9, "Markdown extension 'evil_module'"),
    ("extra:\n  bibliography: /etc/passwd\n", 9, "extra.bibliography: absolute path"),
    ("extra:\n  csl: ../../outside.csl\n", 9, "extra.csl: outside the report tree"),
    ("extra_javascript:\n  - https://tracker.example/t.js\n", 9, "extra_javascript: URL"),
    ("extra_css:\n  - ../../outside.css\n", 9, "extra_css: outside the report tree"),
]


def _hook(outside: Path, marker: Path) -> None:
    (outside / "hook.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    (outside / "base.yml").write_text(f"hooks: [{outside / 'hook.py'}]\n")


@pytest.mark.parametrize(("addition", "line", "message"), ATTACKS)
def test_manifest_attack_is_refused_before_mkdocs_reads_it(
        make_tree, run_report, tmp_path: Path, addition: str, line: int, message: str) -> None:
    root = make_tree("minimal")
    marker = tmp_path / "code-ran"
    _hook(tmp_path, marker)
    manifest = root / "mkdocs.yml"
    manifest.write_text(manifest.read_text() + addition.format(marker=marker, outside=tmp_path))
    result = run_report(root, "build", "web", "docx")
    assert result.exit_code == 2, result.output
    assert f"mkdocs.yml:{line}: " in result.output and message in result.output, result.output
    assert not marker.exists()
    assert not (root / "build" / "site").exists()


def test_theme_custom_dir_docs_dir_and_nav_outside_the_tree(make_tree, run_report) -> None:
    root = make_tree("minimal")
    manifest = root / "mkdocs.yml"
    text = manifest.read_text().replace("theme:\n  name: material",
                                        "theme:\n  name: material\n  custom_dir: /tmp")
    manifest.write_text(text.replace("  - Findings: findings.md\n", "  - Findings: findings.md\n"
                                     "  - Outside: ../../outside.md\n"))
    result = run_report(root, "build", "web")
    assert result.exit_code == 2
    assert "mkdocs.yml:9: theme.custom_dir not allowed" in result.output
    assert "mkdocs.yml:6: nav entry outside the report tree: ../../outside.md" in result.output
    manifest.write_text(text.replace("docs_dir: chapters", "docs_dir: ../.."))
    result = run_report(root, "build", "web")
    assert result.exit_code == 2
    assert "mkdocs.yml:2: docs_dir must be a folder inside the report tree" in result.output


def test_symlinked_chapter_is_refused(make_tree, run_report, tmp_path: Path) -> None:
    from tests.security.attack import SECRET, outside_file

    root = make_tree("minimal")
    (root / "chapters" / "findings.md").unlink()
    (root / "chapters" / "findings.md").symlink_to(outside_file(tmp_path, "outside.md"))
    result = run_report(root, "build", "web", "docx")
    assert result.exit_code == 2
    assert "mkdocs.yml:5: nav entry outside the report tree: findings.md" in result.output
    assert SECRET not in result.output
    (root / "chapters" / "findings.md").unlink()
    (root / "chapters" / "findings.md").symlink_to(root / "chapters" / "intro.md")
    result = run_report(root, "build", "web")
    assert result.exit_code == 2
    assert "mkdocs.yml:5: nav entry is a symlink: findings.md" in result.output


BOMB = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9 if prev else ['lol'] * 9)}]\n"
    for prev, name in zip([None, "a", "b", "c", "d", "e", "f", "g"], "abcdefgh", strict=True))


@pytest.mark.parametrize("target", ["mkdocs.yml", "contributors.yaml"])
def test_yaml_alias_bomb_is_bad_input_within_a_second(make_tree, run_report,
                                                      target: str) -> None:
    root = make_tree("minimal")
    path = root / target
    path.write_text(path.read_text() + BOMB)
    started = time.monotonic()
    result = run_report(root, "check")
    assert time.monotonic() - started < 5  # the check itself; the bomb alone is refused in ms
    assert result.exit_code == 2, result.output
    assert "an alias bomb?" in result.output and f"{target}:" in result.output


def test_yaml_nesting_is_bounded(make_tree, run_report) -> None:
    root = make_tree("minimal")
    path = root / "contributors.yaml"
    path.write_text("contributors: " + "[" * 5000 + "]" * 5000 + "\n")
    result = run_report(root, "check")
    assert result.exit_code == 2, result.output
    assert "contributors.yaml:1: nested more than" in result.output
