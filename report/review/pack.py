"""The reviewer pack: the draft as reviewers read it, numbered so comments find home.

Consultees do not use git. They get a PDF with every paragraph numbered in the margin
(so "para 12" means the same thing to everyone), a Word file whose paragraphs carry the
same numbers as bookmarks ``p-N`` (so a Word comment maps back to its paragraph exactly),
a comment form, and a page of instructions. Every page says it is a draft and which
commit it shows, so a stray printout can be traced and is not mistaken for the report.

The pack shows the words a reader sees (the projection used for anchoring), not the
Markdown: what a reviewer quotes is then what anchoring searches for.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, replace
from pathlib import Path

from report.manuscript import Manuscript
from report.outputs import atomic_path, write_text
from report.review.model import Round
from report.review.paragraphs import Paragraph
from report.review.template import build_template


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


@dataclass(frozen=True)
class _Block:
    """One thing to lay out in order: a chapter title, a section title or a paragraph."""

    kind: str  # chapter | section | paragraph
    text: str
    paragraph: Paragraph | None = None


def layout(manuscript: Manuscript, paragraphs: list[Paragraph]) -> list[_Block]:
    """Chapters in nav order, a section heading wherever the section changes."""
    by_chapter: dict[str, list[Paragraph]] = {}
    for para in paragraphs:
        by_chapter.setdefault(para.chapter, []).append(para)
    blocks: list[_Block] = []
    for chapter in manuscript.chapters:
        blocks.append(_Block("chapter", chapter.title))
        section = chapter.title
        for para in sorted(by_chapter.get(chapter.rel, []), key=lambda p: p.number):
            if para.section and para.section != section:
                section = para.section
                blocks.append(_Block("section", section))
            blocks.append(_Block("paragraph", para.text, para))
    return blocks


def _one_line(text: str) -> str:
    return " ".join(text.split())


PDF_CSS = """
@page { size: A4; margin: 24mm 20mm 22mm 32mm;
  @top-center { content: string(stamp); font: 600 8pt "Report Sans", sans-serif;
                color: #a40000; }
  @bottom-center { content: "Page " counter(page) " of " counter(pages);
                   font: 8pt "Report Sans", sans-serif; color: #555; } }
html { font-family: "Report Sans", sans-serif; font-size: 10.5pt; line-height: 1.45;
       color: #1b1b1b; }
.stamp { string-set: stamp content(); color: #a40000; font-weight: 600; font-size: 9pt; }
h1 { font-size: 20pt; margin: 0 0 4mm; }
h1.chapter { break-before: page; }
h2 { font-size: 13pt; margin: 6mm 0 2mm; }
p.para { position: relative; margin: 0 0 2.5mm; }
p.para .num { position: absolute; left: -17mm; width: 12mm; text-align: right;
              font-size: 8pt; font-weight: 600; color: #555; }
.cover p { max-width: 130mm; }
"""


def pdf_html(manuscript: Manuscript, record: Round, paragraphs: list[Paragraph]) -> str:
    esc = html.escape
    parts = []
    for block in layout(manuscript, paragraphs):
        if block.kind == "chapter":
            parts.append(f'<h1 class="chapter">{esc(block.text)}</h1>')
        elif block.kind == "section":
            parts.append(f"<h2>{esc(block.text)}</h2>")
        else:
            number = block.paragraph.number
            parts.append(f'<p class="para" id="p-{number}"><span class="num">{number}</span>'
                         f"{esc(_one_line(block.text))}</p>")
    deadline = (f"<p>Please send your comments by <strong>{esc(record.deadline)}</strong>.</p>"
                if record.deadline else "")
    title = manuscript.manifest.full_title
    return f"""<!DOCTYPE html>
<html lang="{esc(manuscript.manifest.language)}">
<head><meta charset="utf-8"><title>{esc(title)}: draft for consultation</title>
</head>
<body>
<section class="cover">
<p class="stamp">{esc(stamp(manuscript, record))}</p>
<h1>{esc(title)}</h1>
<p>Draft for consultation, review round {esc(record.name)}, opened {esc(record.opened)}.</p>
{deadline}
<p>Every paragraph is numbered in the margin. Please give the paragraph number with each
comment. You can comment in the Word version of this draft, in the comment form
(spreadsheet), or on the web draft: see the instructions sent with this pack.</p>
<p>This draft is confidential to the people consulted. Please do not circulate or quote
it.</p>
</section>
{chr(10).join(parts)}
</body>
</html>
"""


def write_pdf(target: Path, manuscript: Manuscript, record: Round,
              paragraphs: list[Paragraph]) -> Path:
    """Through the one WeasyPrint door (bundled fonts, the tree-only URL fetcher)."""
    from report.editions.pdf import write_pdf as weasyprint_pdf

    weasyprint_pdf(pdf_html(manuscript, record, paragraphs), target, manuscript.root,
                   manuscript.root, stylesheets=["fonts.css"], extra_css=PDF_CSS)
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


def _inlines(text: str) -> list[dict]:
    """Plain text as pandoc inlines: words and single spaces (no Markdown parsing)."""
    out: list[dict] = []
    for word in text.split():
        if out:
            out.append({"t": "Space"})
        out.append({"t": "Str", "c": word})
    return out


def docx_ast(manuscript: Manuscript, record: Round,
             paragraphs: list[Paragraph]) -> dict:
    """A pandoc document built directly (not from Markdown), so no text is re-parsed.

    Each paragraph is ``[N] `` followed by a span with id ``p-N``: pandoc writes the span
    as a Word bookmark ``p-N``, which survives reviewers' edits and comments.
    """
    import pypandoc

    api = json.loads(pypandoc.convert_text("", "json", format="markdown"))["pandoc-api-version"]
    blocks: list[dict] = [{"t": "Para", "c": [{"t": "Strong",
                                               "c": _inlines(stamp(manuscript, record))}]}]
    for block in layout(manuscript, paragraphs):
        if block.kind in ("chapter", "section"):
            level = 1 if block.kind == "chapter" else 2
            blocks.append({"t": "Header", "c": [level, ["", [], []], _inlines(block.text)]})
        else:
            number = block.paragraph.number
            span = {"t": "Span", "c": [[f"p-{number}", [], []], _inlines(block.text)]}
            blocks.append({"t": "Para", "c": [{"t": "Str", "c": f"[{number}]"},
                                              {"t": "Space"}, span]})
    title = manuscript.manifest.full_title
    meta = {"title": {"t": "MetaInlines", "c": _inlines(title)},
            "lang": {"t": "MetaString", "c": manuscript.manifest.language}}
    return {"pandoc-api-version": api, "meta": meta, "blocks": blocks}


def write_docx(target: Path, manuscript: Manuscript, record: Round,
               paragraphs: list[Paragraph]) -> Path:
    """pandoc writes the body; python-docx adds the draft stamp to every page header."""
    import docx
    import pypandoc

    ast = json.dumps(docx_ast(manuscript, record, paragraphs))
    with atomic_path(target) as tmp:
        out = tmp.with_suffix(".docx")
        try:
            pypandoc.convert_text(ast, "docx", format="json", outputfile=str(out),
                                  extra_args=["--sandbox"])  # reads nothing but its input
            document = docx.Document(str(out))
            for section in document.sections:
                section.header.is_linked_to_previous = False
                section.header.paragraphs[0].text = stamp(manuscript, record)
            document.core_properties.title = manuscript.manifest.full_title
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
    write_pdf(pack.pdf, manuscript, record, paragraphs)
    write_docx(pack.docx, manuscript, record, paragraphs)
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
