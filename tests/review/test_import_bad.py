"""Bad input (issue 6): refused with exit 2 and ``path: message``, nothing written.

Every hostile or wrong file a reviewer might send (a corrupt or non-Word .docx, a
password-protected file, a zip bomb, a template with unknown columns, a Hypothesis export
made on another document, malformed YAML) leaves ``review/`` and git exactly as they were.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import openpyxl
import pytest
from reviewcore import FIXTURES, review_tree, run, snapshot

from report.review.importers import safety


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    root = review_tree(tmp_path_factory.mktemp("bad"))
    result = run(root, "import", str(FIXTURES / "pandoc-comments.docx"), "--not-pack")
    assert result.exit_code == 0, result.output
    return root


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _docx_with(path: Path, replace: dict[str, bytes]) -> Path:
    """A copy of a real fixture with some parts replaced."""
    with zipfile.ZipFile(FIXTURES / "pandoc-comments.docx") as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    members.update(replace)
    return _zip(path, members)


def _refused(tree: Path, file: Path, words: str) -> None:
    before = snapshot(tree)
    result = run(tree, "import", str(file))
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert lines and all(line.startswith(str(file)) for line in lines), result.stderr
    assert words in result.stderr
    assert result.stdout == ""
    assert snapshot(tree) == before


def test_corrupt_docx(tree: Path, tmp_path: Path) -> None:
    bad = tmp_path / "corrupt.docx"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip file at all" * 10)
    _refused(tree, bad, "not a Word file")


def test_truncated_docx(tree: Path, tmp_path: Path) -> None:
    bad = tmp_path / "truncated.docx"
    bad.write_bytes((FIXTURES / "pandoc-comments.docx").read_bytes()[:4000])
    _refused(tree, bad, "not a Word file")


def test_zip_that_is_not_word(tree: Path, tmp_path: Path) -> None:
    bad = _zip(tmp_path / "photos.docx", {"holiday.txt": b"sunny"})
    _refused(tree, bad, "no word/document.xml inside")


def test_docx_with_broken_xml(tree: Path, tmp_path: Path) -> None:
    bad = _docx_with(tmp_path / "broken.docx", {"word/document.xml": b"<w:document><oops"})
    _refused(tree, bad, "not well-formed XML")


def test_password_protected(tree: Path, tmp_path: Path) -> None:
    bad = tmp_path / "locked.docx"
    bad.write_bytes(safety.OLE_SIGNATURE + b"\0" * 4096)
    _refused(tree, bad, "password-protected")


def test_zip_bomb_by_ratio(tree: Path, tmp_path: Path) -> None:
    bomb = _docx_with(tmp_path / "bomb.docx", {"word/media/zeros.bin": b"\0" * (8 * 2**20)})
    _refused(tree, bomb, "zip bomb")


def test_zip_bomb_by_total_size(tree: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(safety, "MAX_EXPANDED", 64 * 1024)
    big = _docx_with(tmp_path / "big.docx", {"word/media/a.bin": bytes(range(256)) * 400})
    _refused(tree, big, "over the 0 MB limit")


def test_template_with_unknown_columns(tree: Path, tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Reviewer", "Chapter", "Paragraph", "Type", "Comment", "Mood"])
    sheet.append(["Jane Smith", "", 3, "ge", "Clearer, please.", "grumpy"])
    path = tmp_path / "template.xlsx"
    workbook.save(path)
    _refused(tree, path, "unknown column 'Mood'")
    csv_path = tmp_path / "template.csv"
    csv_path.write_text("reviewer,paragraph,comment,Priority\nJane,3,Hmm,high\n")
    _refused(tree, csv_path, "unknown column 'Priority'")


def test_excel_file_that_is_not_a_workbook(tree: Path, tmp_path: Path) -> None:
    bad = _zip(tmp_path / "sheet.xlsx", {"xl/workbook.xml": b"<nonsense/>"})
    _refused(tree, bad, "not a readable Excel file")


def test_hypothesis_export_for_another_document(tree: Path, tmp_path: Path) -> None:
    export = tmp_path / "hypothesis.json"
    export.write_text(json.dumps([{
        "id": "a1", "uri": "https://example.com/another-report/chapter-1/",
        "user": "acct:jsmith@hypothes.is", "text": "Hm.", "created": "2021-11-03T09:00:00Z",
        "target": [{"source": "https://example.com/another-report/chapter-1/",
                    "selector": [{"type": "TextQuoteSelector", "exact": "Poverty"}]}],
    }]))
    _refused(tree, export, "export for another document")


def test_hypothesis_file_that_is_not_an_export(tree: Path, tmp_path: Path) -> None:
    bad = tmp_path / "notes.json"
    bad.write_text('{"notes": "not annotations"')
    _refused(tree, bad, "malformed JSON")


def test_malformed_yaml(tree: Path, tmp_path: Path) -> None:
    bad = tmp_path / "jsmith.yaml"
    bad.write_text("reviewer: jsmith\ncomments:\n  - body: [unclosed\n")
    before = snapshot(tree)
    result = run(tree, "import", str(bad))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{bad}:")
    assert "malformed YAML" in result.stderr
    assert snapshot(tree) == before


def test_review_yaml_against_the_schema(tree: Path, tmp_path: Path) -> None:
    bad = tmp_path / "jsmith.yaml"
    bad.write_text("reviewer: jsmith\ncomments:\n  - body: Fine\n    kind: compliment\n")
    before = snapshot(tree)
    result = run(tree, "import", str(bad))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{bad}:4: comments/0/kind:"), result.stderr
    assert snapshot(tree) == before


def test_unsupported_file_type_and_missing_file(tree: Path, tmp_path: Path) -> None:
    odt = tmp_path / "comments.odt"
    odt.write_bytes(b"PK\x03\x04")
    _refused(tree, odt, "unsupported file type")
    pdf = tmp_path / "comments.pdf"
    pdf.write_bytes(b"%PDF-1.7\n")
    _refused(tree, pdf, "not a readable PDF")
    _refused(tree, tmp_path / "missing.docx", "file not found")


def test_no_round_open(tmp_path: Path) -> None:
    import shutil

    from reviewcore import TREE, commit

    root = tmp_path / "report"
    shutil.copytree(TREE, root, ignore=shutil.ignore_patterns("*.py"))
    commit(root, "draft")
    result = run(root, "import", str(FIXTURES / "pandoc-comments.docx"), "--not-pack")
    assert result.exit_code == 2
    assert "no open review round" in result.stderr
    assert not (root / "review").exists()


def test_zip_reads_are_capped_even_if_headers_lie(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(safety, "MAX_EXPANDED", 1000)
    path = _zip(tmp_path / "x.zip", {"a": b"x" * 5000})
    with zipfile.ZipFile(path) as archive:
        with pytest.raises(safety.InputError, match="zip bomb"):
            safety.read_member(archive, "a", "x.zip")
