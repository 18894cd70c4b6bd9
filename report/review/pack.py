"""The reviewer pack: the draft as reviewers read it, numbered so comments find home.

Consultees do not use git. They get a PDF with every paragraph numbered in the margin
(so "para 12" means the same thing to everyone), a Word file whose paragraphs carry the
same numbers as bookmarks ``p-N`` (so a Word comment maps back to its paragraph exactly),
a comment form, and a page of instructions. Every page says it is a draft and which
commit it shows, so a stray printout can be traced and is not mistaken for the report.

The pack is the report itself: the digital PDF and the Word edition, laid out from the one
render with each citable block's number (assigned by the render, ``citable.lua``) in the
margin and as a bookmark, so reviewers see the numbered recommendations, resolved
cross-references and citations, figures, tables, boxes and marked draft passages that
readers will see.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from report.manuscript import Manuscript
from report.outputs import atomic_path, write_text
from report.review.model import Round
from report.review.paragraphs import Paragraph
from report.review.template import build_template

if TYPE_CHECKING:  # the editions render: importing the pack module need not
    from report.editions.context import BuildContext


@dataclass(frozen=True)
class Pack:
    """The files of a round's pack, all inside ``build/review/<round>/``."""

    pdf: Path
    docx: Path
    template: Path
    instructions: Path
    copies: tuple[Path, ...] = ()

    @property
    def files(self) -> list[Path]:
        return [self.pdf, self.docx, *self.copies, self.template, self.instructions]


def pack_mark(round_name: str, reviewer: str | None = None) -> str:
    """The words a pack's Word file carries in its document properties (Comments).

    Word and LibreOffice keep them when a reviewer saves the file, so an import can
    tell this round's pack (and whose copy it is) from any other Word file.
    """
    return f"review round {round_name}" + (f"; reviewer {reviewer}" if reviewer else "")


def read_mark(text: str | None) -> tuple[str | None, str | None]:
    """(round, reviewer) from :func:`pack_mark`'s words; (None, None) if absent."""
    import re

    found = re.fullmatch(r"\s*review round (\S+?)(?:; reviewer (\S+))?\s*", text or "")
    return (found.group(1), found.group(2)) if found else (None, None)


def stamp(manuscript: Manuscript, record: Round) -> str:
    return (f"Draft for consultation {manuscript.manifest.version} · {record.commit[:7]} · "
            "not for circulation")


def pack_context(manuscript: Manuscript, record: Round) -> BuildContext:
    """The build of the editions as the pack: the round's stamp on every page, pack
    numbers in the margin (PDF) and as ``[N]`` with bookmarks ``p-N`` (Word)."""
    from report.editions.context import BuildContext

    return BuildContext(manuscript, pack_stamp=stamp(manuscript, record))


def write_pdf(target: Path, manuscript: Manuscript, record: Round) -> Path:
    """The digital edition's layout (the report's CSS, its chapter-level layout cache),
    laid out as the pack, with the round's mark in its properties."""
    from report.editions import digital

    digital.lay_out(pack_context(manuscript, record), target)
    mark_pdf(target, target, pack_mark(record.name))
    return target


def mark_pdf(source: Path, target: Path, mark: str) -> Path:
    """Put :func:`pack_mark`'s words in the PDF's Subject; viewers keep it on save."""
    import pikepdf

    with pikepdf.open(source, allow_overwriting_input=True) as pdf:
        pdf.docinfo["/Subject"] = mark
        with atomic_path(target) as tmp:
            pdf.save(tmp)
    return target


def write_docx(target: Path, manuscript: Manuscript, record: Round) -> Path:
    """The Word edition laid out as the pack, marked as this round's in its properties."""
    import docx

    from report.editions import docx as word

    with atomic_path(target) as tmp:
        out = tmp.with_suffix(".docx")
        try:
            word.lay_out(pack_context(manuscript, record), out)
            document = docx.Document(str(out))
            document.core_properties.author = ""
            document.core_properties.comments = pack_mark(record.name)
            document.save(str(tmp))
        finally:
            out.unlink(missing_ok=True)
    return target


def instructions(manuscript: Manuscript, record: Round, pdf: str, docx_name: str,
                 template: str, paragraphs: int) -> str:
    site = manuscript.manifest.config.get("site_url")
    web = (f"the web draft at {site}" if site else "the web draft (the link is in the email "
           "that came with this pack)")
    deadline = f"by **{record.deadline}**" if record.deadline else "by the date in our email"
    return f"""# How to comment on the draft

*{manuscript.manifest.full_title}*: draft for consultation, review round {record.name}.

Thank you for reviewing this draft. Please send your comments {deadline}.
Every paragraph has a number (1 to {paragraphs}). The numbers are the same in every
version of the draft, so please quote the number with each comment.

There are four ways to comment. Use whichever suits you. If we sent you files with your
name in them (such as `{docx_name.removesuffix(".docx")}-yourname.docx`), please use
those: they tell us the comments are yours.

## 1. In Word

Open `{docx_name}`. Select the words you want to comment on and choose
**Review > New Comment**. To suggest new wording, turn on **Review > Track Changes** and
edit the text. Please do not remove the numbers in square brackets, such as [12].
Send the file back to us when you have finished.

## 2. On the PDF

Open `{pdf}` in any PDF reader (Adobe Acrobat Reader, Preview, Edge, Chrome, Foxit,
Okular). Highlight or underline words and add a note, strike out words to delete them,
insert text, or put a sticky note beside a paragraph. Save the file and send it back.

## 3. In the comment form

Open `{template}` in Excel or another spreadsheet program. Use one row per comment:
your name, the chapter, the paragraph number, the type of comment (ge = general,
te = technical, ed = editorial), your comment and, if you like, the wording you propose.
Leave the last column blank: we use it to reply. You can read the numbered draft in
`{pdf}`.

## 4. On the web draft

Open {web} and use the annotation tool (Hypothesis) to highlight text and add a note.

## What happens next

We read every comment and reply to each one. After the round, you will get a letter
saying what we did with each of your comments. Your name is not published, and no
comment is attributed to you in the report. Please do not circulate or quote the draft.
"""


def reviewer_copy(docx_path: Path, record: Round, reviewer: str) -> Path:
    """The Word pack for one invited reviewer: named, and marked, as theirs.

    Returned by that reviewer, it is filed under them whoever typed the comments.
    """
    import docx

    target = docx_path.with_name(f"{docx_path.stem}-{reviewer}.docx")
    document = docx.Document(str(docx_path))
    document.core_properties.comments = pack_mark(record.name, reviewer)
    with atomic_path(target) as tmp:
        document.save(str(tmp))
    return target


def build_pack(folder: Path, manuscript: Manuscript, record: Round,
               paragraphs: list[Paragraph]) -> Pack:
    """Write the four files of the pack into ``folder``."""
    slug = manuscript.manifest.slug
    pack = Pack(pdf=folder / f"{slug}-review-{record.name}.pdf",
                docx=folder / f"{slug}-review-{record.name}.docx",
                template=folder / f"comments-{record.name}.xlsx",
                instructions=folder / "instructions.md")
    write_pdf(pack.pdf, manuscript, record)
    write_docx(pack.docx, manuscript, record)
    copies = tuple(path for reviewer in record.reviewers for path in (
        reviewer_copy(pack.docx, record, reviewer),
        mark_pdf(pack.pdf, pack.pdf.with_name(f"{pack.pdf.stem}-{reviewer}.pdf"),
                 pack_mark(record.name, reviewer))))
    pack = replace(pack, copies=copies)
    chapters = [c.title for c in manuscript.chapters]
    build_template(pack.template, round_name=record.name, paragraphs=len(paragraphs),
                   chapters=chapters, deadline=record.deadline)
    forms = tuple(build_template(pack.template.with_name(f"{pack.template.stem}-{reviewer}.xlsx"),
                                 round_name=record.name, paragraphs=len(paragraphs),
                                 chapters=chapters, deadline=record.deadline, reviewer=reviewer)
                  for reviewer in record.reviewers)
    pack = replace(pack, copies=pack.copies + forms)
    write_text(pack.instructions, instructions(manuscript, record, pack.pdf.name,
                                               pack.docx.name, pack.template.name,
                                               len(paragraphs)))
    return pack
