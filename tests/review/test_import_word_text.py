"""Word's own text quirks do not break matching; the pack's ``p-<n>`` bookmarks map exactly.

The documents are built here with python-docx (comments through ``add_comment``), then
given what Word itself writes: a complex field (``MERGEFIELD``) whose result is a word
of the text, a soft hyphen, a non-breaking space, curly quotes, a tracked insertion, and
the pack's visible paragraph numbers and bookmarks.
"""

from __future__ import annotations

from pathlib import Path

import docx
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from reviewcore import commit, open_round, review_tree, run

from report.manuscript import load
from report.review import model
from report.review.pack import pack_mark
from report.review.paragraphs import number_paragraphs
from report.review.status import rows
from report.review.text import fold

CHILD = "chapters/03-child-centred.md"


def _run(paragraph, text: str):
    return paragraph.add_run(text)


def _field(paragraph, instruction: str, result: str) -> None:
    """A complex field as Word writes it: begin, instruction, separate, result, end."""
    for kind, text in (("begin", None), (None, instruction), ("separate", None),
                       (None, result), ("end", None)):
        run = paragraph.add_run(text if kind is None and text == result else "")
        if kind is not None:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        elif text == instruction:
            instr = OxmlElement("w:instrText")
            instr.text = instruction
            run._r.append(instr)


def _soft_hyphen(run) -> None:
    run._r.append(OxmlElement("w:softHyphen"))


def _insertion(paragraph, text: str, author: str) -> None:
    ins = OxmlElement("w:ins")
    ins.set(qn("w:id"), "901")
    ins.set(qn("w:author"), author)
    ins.set(qn("w:date"), "2021-11-04T10:00:00Z")
    run = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = text
    t.set(qn("xml:space"), "preserve")
    run.append(t)
    ins.append(run)
    paragraph._p.append(ins)


def test_fields_soft_hyphens_nbsp_and_curly_quotes(tmp_path: Path) -> None:
    root = review_tree(tmp_path)
    document = docx.Document()
    document.add_paragraph("A child-centred approach starts from what the child says they "
                           "need. It treats the child as a victim of exploitation, never as "
                           "a willing participant.")
    paragraph = document.add_paragraph()
    _run(paragraph, "Delegates agreed that ")
    first = _run(paragraph, "children must be ")
    _field(paragraph, " MERGEFIELD verb \\* MERGEFORMAT ", "asked")
    hyphenated = _run(paragraph, " how they want to be de")
    _soft_hyphen(hyphenated)
    _run(paragraph, "scribed. Some prefer")
    _insertion(paragraph, ", for instance,", "Amir Patel")
    last = _run(paragraph, " \u201csurvivor\u201d, others \u201cyoung\u00a0person\u201d")
    _run(paragraph, ", and some want no label at all.")
    document.add_comment([first, last], text="Which children?", author="Amir Patel",
                         initials="AP")
    path = tmp_path / "apatel.docx"
    document.save(path)

    result = run(root, "import", str(path), "--not-pack")
    assert result.exit_code == 0, result.output
    found = {row["kind"]: row for row in rows(load(root))}
    comment = found["comment"]
    assert comment["anchor"] == "exact" and comment["chapter"] == CHILD
    assert comment["line"] == 12
    assert fold(comment["quote"]) == fold(
        'children must be asked how they want to be described. Some prefer "survivor", '
        'others "young person"')
    insertion = found["insertion"]
    assert insertion["anchor"] == "exact" and insertion["proposed"] == ", for instance,"
    stored = {c.kind: c for c in model.load_round(root, "r1")[0].comments}
    chapter = (root / CHILD).read_text()
    assert chapter[stored["insertion"].target.start:].startswith('\n"survivor"')
    assert stored["comment"].target.marked is None  # Word's text equals the manuscript's


def test_pack_bookmarks_map_numbers_exactly(tmp_path: Path) -> None:
    root = review_tree(tmp_path)
    chapter = root / CHILD
    chapter.write_text(chapter.read_text() + "\n## Afterwards\n\n"
                       "Speak to the child alone, in a place they choose.\n")
    open_round(root, "r2", commit(root, "A repeated sentence"), opened="2021-12-01")
    numbered = {p.number: p for p in number_paragraphs(load(root))}
    repeated = [n for n, p in numbered.items()
                if p.text == "Speak to the child alone, in a place they choose."]
    assert len(repeated) == 2
    document = docx.Document()
    targets = {}
    first = min(n for n, p in numbered.items() if p.chapter == CHILD)
    for number, paragraph in numbered.items():
        if number not in (first, repeated[1]):
            continue  # a reviewer's extract: only the numbers can tell the repeats apart
        word = document.add_paragraph(f"[{number}] ")
        start = OxmlElement("w:bookmarkStart")
        start.set(qn("w:id"), str(number))
        start.set(qn("w:name"), f"p-{number}")
        word._p.append(start)
        text_run = _run(word, paragraph.text)
        end = OxmlElement("w:bookmarkEnd")
        end.set(qn("w:id"), str(number))
        word._p.append(end)
        targets[number] = text_run
    document.add_comment([targets[repeated[1]]], text="Also here?", author="Amir Patel")
    number_run = document.paragraphs[0].runs[0]
    document.add_comment([number_run, targets[min(targets)]], text="Whole paragraph.",
                         author="Amir Patel")
    path = tmp_path / "pack-apatel.docx"
    document.core_properties.comments = pack_mark("r2", "apatel")  # as the pack copy has
    document.save(path)

    result = run(root, "import", str(path), "--round", "r2")
    assert result.exit_code == 0, result.output
    found = {row["body"]: row for row in rows(load(root), "r2")}
    also = found["Also here?"]
    lines = chapter.read_text().splitlines()
    second = len(lines) - lines[::-1].index(
        "Speak to the child alone, in a place they choose.")
    assert second > 20  # the repeat in the new section, not the list item
    assert also["anchor"] == "exact" and also["line"] == second
    whole = found["Whole paragraph."]
    assert whole["quote"].startswith("A child-centred approach") and "[" not in whole["quote"]
    stored = {c.body: c for c in model.load_round(root, "r2")[0].comments}
    assert stored["Also here?"].target.paragraph == repeated[1]


def test_resolved_state_from_comments_extended(tmp_path: Path) -> None:
    import zipfile

    from reviewcore import FIXTURES

    root = review_tree(tmp_path)
    source = FIXTURES / "pandoc-comments.docx"
    path = tmp_path / "resolved.docx"
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(path, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename == "word/commentsExtended.xml":
                data = data.replace(b'w15:paraId="49E49F95" w15:done="0"',
                                    b'w15:paraId="49E49F95" w15:done="1"')
            new.writestr(info, data)
    assert run(root, "import", str(path), "--not-pack").exit_code == 0
    resolved = {c.body: c.resolved for c in model.load_round(root, "r1")[0].comments}
    assert resolved["I left a comment."] is True
    assert sum(resolved.values()) == 1


def test_a_refused_commit_leaves_nothing_behind(tmp_path: Path) -> None:
    from reviewcore import FIXTURES, snapshot

    root = review_tree(tmp_path)
    hook = root / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho 'refused by policy' >&2\nexit 1\n")
    hook.chmod(0o755)
    before = snapshot(root)
    result = run(root, "import", str(FIXTURES / "pandoc-comments.docx"), "--not-pack")
    assert result.exit_code == 2
    assert "git commit failed" in result.stderr
    assert snapshot(root) == before
