"""The issue's round trip: open a round, comment on the pack's DOCX, import, anchor.

A reviewer comments in Word on the pack's DOCX (python-docx ``add_comment``) and makes
tracked changes (``w:ins``/``w:del`` written with lxml, as Word writes them); importing
the file must anchor every comment and change ``exact`` on the line of the chapter file
where the marked words are, and follow them when the text above them grows.
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import docx
import git
import pytest
from click.testing import CliRunner
from docx.oxml.ns import qn
from docx.text.run import Run
from lxml import etree

from report.cli import main

TREE = Path(__file__).resolve().parent.parent / "trees" / "review"
CHAPTER = "chapters/02-structural-factors.md"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def cli(root: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["--root", str(root), *args])
    assert result.exit_code == 0, result.output
    return result.output


def isolate(document, phrase: str) -> Run:
    """Split the run holding ``phrase`` so that the phrase is a run of its own."""
    for paragraph in document.paragraphs:
        for run in paragraph.runs:
            if phrase not in run.text:
                continue
            before, after = run.text.split(phrase, 1)
            pieces = []
            for text in (before, phrase, after):
                clone = copy.deepcopy(run._r)
                for old in clone.findall(qn("w:t")):
                    clone.remove(old)
                node = etree.SubElement(clone, qn("w:t"))
                node.text = text
                node.set(XML_SPACE, "preserve")
                run._r.addprevious(clone)
                pieces.append(clone)
            run._r.getparent().remove(run._r)
            return Run(pieces[1], paragraph)
    raise LookupError(phrase)


def tracked(tag: str, change_id: int, date: str):
    node = etree.Element(qn(tag))
    node.set(qn("w:id"), str(change_id))
    node.set(qn("w:author"), "Jane Smith")
    node.set(qn("w:date"), date)
    return node


def review_in_word(pack_docx: Path, out: Path) -> None:
    """What a reviewer does in Word: a comment, a deletion and an insertion."""
    document = docx.Document(str(pack_docx))
    marked = isolate(document, "Poverty, insecure")
    document.add_comment([marked], text="Say which kinds of poverty.", author="Jane Smith",
                         initials="JS")
    deleted = isolate(document, "potential ")
    wrapper = tracked("w:del", 901, "2021-11-20T10:00:00Z")
    deleted._r.addprevious(wrapper)
    wrapper.append(deleted._r)
    for node in deleted._r.findall(qn("w:t")):
        node.tag = qn("w:delText")
    before = isolate(document, "known to at least")
    inserted = tracked("w:ins", 902, "2021-11-20T10:05:00Z")
    run = etree.SubElement(inserted, qn("w:r"))
    text = etree.SubElement(run, qn("w:t"))
    text.text = "often "
    text.set(XML_SPACE, "preserve")
    before._r.addprevious(inserted)
    document.save(str(out))


def line_of(root: Path, phrase: str) -> int:
    text = (root / CHAPTER).read_text()
    return text[: text.index(phrase)].count("\n") + 1


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """Opened, reviewed and imported once; each test gets its own copy of the repo."""
    tmp_path = tmp_path_factory.mktemp("roundtrip")
    root = tmp_path / "report"
    shutil.copytree(TREE, root, ignore=shutil.ignore_patterns("build", "*.py"))
    (root / ".gitignore").write_text("build/\n")
    repo = git.Repo.init(root)
    repo.git.add(A=True)
    repo.index.commit("Draft for consultation")
    cli(root, "review", "open", "consultation-1", "--reviewer", "jsmith")
    pack = next((root / "build" / "review" / "consultation-1").glob("*.docx"))
    reviewed = tmp_path / "jsmith-comments.docx"
    review_in_word(pack, reviewed)
    cli(root, "review", "import", str(reviewed), "--reviewer", "jsmith")
    return root, reviewed


@pytest.fixture
def imported(prepared, tmp_path: Path):
    root, reviewed = prepared
    copy_root = tmp_path / "report"
    shutil.copytree(root, copy_root, symlinks=True)
    return copy_root, reviewed


def status(root: Path) -> dict[str, dict]:
    rows = json.loads(cli(root, "review", "status", "--format", "json"))
    return {row["kind"]: row for row in rows}


def test_comments_and_changes_anchor_exact_on_their_lines(imported) -> None:
    root, _ = imported
    rows = status(root)
    assert set(rows) == {"comment", "deletion", "insertion"}
    comment, deletion, insertion = rows["comment"], rows["deletion"], rows["insertion"]
    assert (comment["quote"], comment["body"], comment["reviewer"]) == (
        "Poverty, insecure", "Say which kinds of poverty.", "jsmith")
    assert deletion["quote"] == "potential"
    assert insertion["proposed"].strip() == "often"
    for row in rows.values():
        assert (row["chapter"], row["anchor"]) == (CHAPTER, "exact"), row
    assert comment["line"] == line_of(root, "Poverty, insecure")
    assert deletion["line"] == line_of(root, "potential victims")
    assert insertion["line"] == line_of(root, "known to at least")
    stored = (root / "review" / "consultation-1" / "jsmith.yaml").read_text()
    assert "author: Jane Smith" in stored and "initials: JS" in stored


def test_reimport_adds_nothing(imported) -> None:
    root, reviewed = imported
    head = git.Repo(root).head.commit.hexsha
    cli(root, "review", "import", str(reviewed), "--reviewer", "jsmith")
    assert git.Repo(root).head.commit.hexsha == head
    assert len(status(root)) == 3


def test_anchors_follow_an_edit_above(imported) -> None:
    root, _ = imported
    before = status(root)
    path = root / CHAPTER
    text = path.read_text()
    heading = "# Structural factors\n\n"
    path.write_text(text.replace(heading, heading + "A new opening paragraph.\n\n", 1))
    after = status(root)
    for kind, row in after.items():
        assert row["anchor"] in ("exact", "moved"), row
        assert row["line"] == before[kind]["line"] + 2


def test_template_filled_in_comes_back_to_its_paragraph(imported, tmp_path: Path) -> None:
    """The pack's comment form, filled in as a reviewer would, imports onto its paragraph."""
    import openpyxl

    from report.manuscript import load
    from report.review.paragraphs import number_paragraphs

    root, _ = imported
    para = next(p for p in number_paragraphs(load(root)) if "Exclusion from school" in p.text)
    template = root / "build" / "review" / "consultation-1" / "comments-consultation-1.xlsx"
    book = openpyxl.load_workbook(template)
    book["Comments"].append(["Asha Patel", "Structural factors", para.number, "te",
                             "Exclusion includes informal exclusion (off-rolling).", None])
    filled = tmp_path / "apatel.xlsx"
    book.save(filled)
    cli(root, "review", "import", str(filled), "--reviewer", "apatel")
    rows = json.loads(cli(root, "review", "status", "--format", "json"))
    row = next(r for r in rows if r["reviewer"] == "apatel")
    assert (row["chapter"], row["anchor"], row["line"]) == (CHAPTER, "exact", para.line)
    assert row["body"] == "Exclusion includes informal exclusion (off-rolling)."
