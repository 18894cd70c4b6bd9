"""The privacy gate: names without consent in the sources and in built files (issue 5)."""

from __future__ import annotations

import base64
import gzip
import json
import shutil
import zipfile
from pathlib import Path

import docx
import pikepdf
import pypandoc
import pytest
import weasyprint
from click.testing import CliRunner

from report.checks.consent import (
    Leak,
    consent_findings,
    find_names,
    fold,
    forbidden_names,
    name_pattern,
    scan_built_files,
)
from report.cli import main
from report.manuscript import load

TREE = Path(__file__).resolve().parent / "trees" / "consent"
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAE"
                       "hQGAhKmMIQAAAABJRU5ErkJggg==")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "consent"
    shutil.copytree(TREE, root)
    return root


def add_to_chapter(root: Path, text: str, chapter: str = "01-introduction.md") -> int:
    """Append text to a chapter; return the file line where it starts."""
    path = root / "chapters" / chapter
    before = path.read_text(encoding="utf-8")
    path.write_text(before + "\n" + text + "\n", encoding="utf-8")
    return before.count("\n") + 2


def errors(root: Path) -> list[tuple[str, int, int, str, str]]:
    return [(f.path, f.line, f.column, f.code, f.message)
            for f in consent_findings(load(root)) if f.severity == "error"]


# ------------------------------------------------------------------- sources


def test_clean_tree_has_no_errors(tree: Path) -> None:
    assert errors(tree) == []


def test_withdrawn_name_in_a_chapter_names_file_line_column_and_record(tree: Path) -> None:
    line = add_to_chapter(tree, "The team of Wren Withdrawn found this.")
    assert errors(tree) == [(
        "chapters/01-introduction.md", line, 13, "CONSENT-NAME",
        "name of contributor 'wwithdrawn', who withdrew consent to be listed")]


def test_report_check_exits_1_and_report_build_writes_nothing(tree: Path) -> None:
    """Nothing at all, not even a cache: the check before the build (which reads the
    names Faker ships, as a new process would: none kept in memory) made no build/."""
    from report.checks import names

    names.lexicon.cache_clear()
    line = add_to_chapter(tree, "The team of Wren Withdrawn found this.")
    runner = CliRunner()
    check = runner.invoke(main, ["--root", str(tree), "check"])
    assert check.exit_code == 1
    assert (f"chapters/01-introduction.md:{line}:13: CONSENT-NAME error: name of contributor "
            "'wwithdrawn'") in check.stdout
    build = runner.invoke(main, ["--root", str(tree), "build", "digital"])
    assert build.exit_code != 0
    built = [p for p in (tree / "build").rglob("*") if p.is_file()] if (
        tree / "build").exists() else []
    assert built == []


def test_a_build_refused_in_a_built_tree_writes_nothing_either(tree: Path) -> None:
    """Where build/ is there from an earlier build, a build refused for a name without
    consent changes no file in it: the render runs beside the checks, and its parse and
    render entries (the chapter's words, the name among them) are written only once the
    checks have passed."""
    runner = CliRunner()
    assert runner.invoke(main, ["--root", str(tree), "build", "docx"]).exit_code == 0

    def files() -> dict[Path, int]:
        return {p: p.stat().st_mtime_ns for p in (tree / "build").rglob("*") if p.is_file()}

    before = files()
    add_to_chapter(tree, "The team of Wren Withdrawn found this.")
    build = runner.invoke(main, ["--root", str(tree), "build", "docx"])
    assert build.exit_code != 0 and "CONSENT-NAME" in build.output
    assert [p for p in files() if b"team of Wren Withdrawn" in p.read_bytes()] == []
    assert files() == before


@pytest.mark.parametrize(("text", "column"), [
    ("As Wren Withdrawn's team found.", 4),
    ("As Wren Withdrawn\u2019s team found.", 4),
    ("As WREN WITHDRAWN said.", 4),
    ("As wren withdrawn said.", 4),
    ("As W. Withdrawn said.", 4),
    ("As W Withdrawn said.", 4),
    ("As W.Withdrawn said.", 4),
    ("(Withdrawn, Wren, 2021)", 2),
    ("(Withdrawn, W., 2021)", 2),
    ("As Dr Withdrawn said.", 4),
    ("As Ms. Withdrawn said.", 4),
    ("As Wren  \t Withdrawn said.", 4),
    ("As Wren With\u00addrawn said.", 4),
])
def test_names_are_matched_as_people_write_them(tree: Path, text: str, column: int) -> None:
    line = add_to_chapter(tree, text)
    assert [(f[1], f[2], f[3]) for f in errors(tree)] == [(line, column, "CONSENT-NAME")]


def test_a_name_across_a_line_break(tree: Path) -> None:
    line = add_to_chapter(tree, "We thank Wren\nWithdrawn for the notes.")
    assert [(f[1], f[2]) for f in errors(tree)] == [(line, 10)]


@pytest.mark.parametrize("text", [
    "A withdrawn note about wren nests.",
    "Wrenwithdrawn is one word.",
    "As w withdrawn said.",
    "Jane Doe was listed by name.",
    "Example Borough Council took part.",
])
def test_no_false_alarms(tree: Path, text: str) -> None:
    add_to_chapter(tree, text)
    assert errors(tree) == []


@pytest.mark.parametrize(("text", "record", "reason"), [
    ("Chris Declined spoke.", "cdeclined", "who declined to be listed"),
    ("Nat Noanswer spoke.", "nnoanswer", "who has no consent record"),
    ("Sam Sample spoke.", "ssample", "who consented to be listed by affiliation only"),
])
def test_every_kind_of_missing_consent(tree: Path, text: str, record: str, reason: str) -> None:
    add_to_chapter(tree, text)
    [(_, _, _, code, message)] = errors(tree)
    assert code == "CONSENT-NAME"
    assert f"'{record}'" in message and reason in message
    assert text.split(" spoke")[0] not in message  # the message never repeats the name


def test_caption_and_alt_text_are_checked(tree: Path) -> None:
    line = add_to_chapter(tree, '![Delegates at work.](images/a.svg){#fig-a '
                                'fig-alt="Chris Declined at a round table."}')
    assert [(f[1], f[2], f[4].split(",")[0]) for f in errors(tree)] == [
        (line, 53, "name of contributor 'cdeclined'")]


def test_files_outside_nav_are_checked(tree: Path) -> None:
    (tree / "chapters" / "notes.md").write_text("Notes\n\nFrom Nat Noanswer.\n")
    assert [(f[0], f[1], f[2]) for f in errors(tree)] == [("chapters/notes.md", 3, 6)]


def test_manifest_is_checked(tree: Path) -> None:
    manifest = tree / "mkdocs.yml"
    manifest.write_text(manifest.read_text() + "  authors: [Wren Withdrawn]\n")
    assert [(f[0], f[1], f[2]) for f in errors(tree)] == [("mkdocs.yml", 10, 13)]


def test_accents_are_ignored_both_ways() -> None:
    for written, text in (("Élodie Ångström", "Elodie Angstrom spoke"),
                          ("Elodie Angstrom", "Élodie Ångström spoke"),
                          ("Zoë O'Neil", "Zoe O\u2019Neil\u2019s view")):
        assert name_pattern(written).search(fold(text)[0]), (written, text)


@pytest.mark.parametrize("text", [
    "Jane Doe (Example Council) said",
    "Jane Doe, Example Council, said",
    "Jane Doe of Example Council said",
    "Jane Doe from the Example Council said",
    "Jane Doe \u2013 Example Council",
    "Example Council\u2019s Jane Doe said",
])
def test_affiliation_next_to_a_name_only_person(tree: Path, text: str) -> None:
    line = add_to_chapter(tree, text)
    assert [(f[1], f[2], f[3]) for f in errors(tree)] == [(line, 1, "CONSENT-AFFILIATION")]


def test_quote_attributed_to_a_named_delegate(tree: Path) -> None:
    line = add_to_chapter(tree, '::: {.quote by="Marta van Dijk, delegate"}\nWords.\n:::')
    assert [(f[1], f[2], f[3]) for f in errors(tree)] == [(line, 17, "CONSENT-QUOTE")]


def test_quote_attributed_to_a_delegates_organisation(tree: Path) -> None:
    line = add_to_chapter(tree, "::: {.quote by='practitioner, Example Police'}\nWords.\n:::")
    [(_, at_line, column, code, message)] = errors(tree)
    assert (at_line, column, code) == (line, 31, "CONSENT-QUOTE")
    assert "organisation of contributor 'marta'" in message


def test_quote_attributed_by_role_is_fine(tree: Path) -> None:
    add_to_chapter(tree, '::: {.quote by="survivor adviser" illustrative=true}\nWords.\n:::')
    assert errors(tree) == []


def test_incomplete_consent_record_is_a_warning(tree: Path) -> None:
    records = tree / "contributors.yaml"
    records.write_text(records.read_text().replace("      method: in-person\n", "", 1))
    warnings = [f for f in consent_findings(load(tree)) if f.code == "CONSENT-RECORD"]
    assert [(f.path, f.line, f.severity) for f in warnings] == [
        ("contributors.yaml", 28, "warning")]


# --------------------------------------------------------------- built files


def leaks(paths: list[Path], root: Path) -> set[tuple[str, str, str]]:
    return {(leak.path.name, leak.record_id, leak.part) for leak in scan_built_files(paths, root)}


def test_forbidden_names_are_the_people_without_current_consent(tree: Path) -> None:
    assert sorted(record for record, _ in forbidden_names(tree)) == [
        "cdeclined", "nnoanswer", "ssample", "wwithdrawn"]


def test_pdf_text_metadata_and_alt_text(tree: Path, tmp_path: Path) -> None:
    image = base64.b64encode(PNG).decode()
    page = ('<html lang="en"><head><title>Report</title>'
            '<meta name="author" content="Nat Noanswer"></head><body>'
            '<p>We thank Wren Withdrawn\u2019s team, and Jane Doe.</p>'
            f'<img alt="Chris Declined at a table" src="data:image/png;base64,{image}">'
            '</body></html>')
    pdf = tmp_path / "report.pdf"
    weasyprint.HTML(string=page).write_pdf(pdf, pdf_variant="pdf/ua-1")
    assert leaks([pdf], tree) == {
        ("report.pdf", "wwithdrawn", "page 1"),
        ("report.pdf", "nnoanswer", "document strings and metadata"),
        ("report.pdf", "nnoanswer", "XMP metadata"),
        ("report.pdf", "cdeclined", "document strings and metadata"),
    }
    clean = tmp_path / "clean.pdf"
    weasyprint.HTML(string="<p>Jane Doe and Example Borough Council.</p>").write_pdf(clean)
    assert leaks([clean], tree) == set()


def test_pdf_strings_are_read_from_every_object(tree: Path, tmp_path: Path) -> None:
    """Strings are read from every object of the file, text or not: under a page's
    resources (a marked-content property list, which a reader can show), in a string
    that is not text (qpdf writes it as hex), in an annotation; a page's text found
    clean is not enough."""
    clean = tmp_path / "clean.pdf"
    weasyprint.HTML(string="<p>Jane Doe and Example Borough Council.</p>").write_pdf(clean)
    planted = tmp_path / "planted.pdf"
    with pikepdf.open(clean) as pdf:
        page = pdf.pages[0].obj
        page.Resources["/Properties"] = pikepdf.Dictionary(
            MC0=pikepdf.Dictionary(Title=pikepdf.String("Sam Sample\u2019s layer")))
        page["/PieceInfo"] = pikepdf.Dictionary(Note=pikepdf.String(b"Chris Declined\x00\x01"))
        page["/Annots"] = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Text, Rect=[0, 0, 10, 10],
            Contents=pikepdf.String("W. Withdrawn")))]))
        pdf.save(planted)
    from report.checks.consent import Verdicts

    verdicts = Verdicts()
    assert leaks([clean], tree) == set()
    scan_built_files([clean], tree, verdicts)  # its page is known clean now
    assert leaks([planted], tree) == {
        ("planted.pdf", record, "document strings and metadata")
        for record in ("ssample", "cdeclined", "wwithdrawn")}
    assert {(leak.record_id, leak.part) for leak in scan_built_files(
        [planted], tree, Verdicts(clean=set(verdicts.seen)))} == {
        (record, "document strings and metadata")
        for record in ("ssample", "cdeclined", "wwithdrawn")}


def test_web_pages_search_index_and_sitemap(tree: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "search").mkdir(parents=True)
    (site / "a").mkdir()
    (site / "index.html").write_text("<p>Jane Doe, Example Borough Council.</p>")
    (site / "a" / "index.html").write_text(
        "<p>Wren <em>With&shy;drawn</em>&rsquo;s team</p>", encoding="utf-8")
    (site / "b.html").write_text('<img src="x.png" alt="Chris&#32;Declined">')
    (site / "search" / "search_index.json").write_text(json.dumps(
        {"docs": [{"location": "c/", "text": "<p>Thanks to Nat\u00a0Noanswer</p>"}]}))
    (site / "sitemap.xml.gz").write_bytes(gzip.compress(
        b"<urlset><url><loc>https://x/sam-sample/</loc><!-- Sam Sample --></url></urlset>"))
    assert {(leak.path.relative_to(site).as_posix(), leak.record_id)
            for leak in scan_built_files([site], tree)} == {
        ("a/index.html", "wwithdrawn"), ("b.html", "cdeclined"),
        ("search/search_index.json", "nnoanswer"), ("sitemap.xml.gz", "ssample"),
    }


def test_docx_body_and_document_properties(tree: Path, tmp_path: Path) -> None:
    target = tmp_path / "report.docx"
    pypandoc.convert_text("---\ntitle: Report\nauthor: Nat Noanswer\n---\n\n"
                          "Thanks to W. Withdrawn and to Jane Doe.\n",
                          "docx", format="markdown", outputfile=str(target))
    assert leaks([target], tree) == {
        ("report.docx", "nnoanswer", "docProps/core.xml"),
        ("report.docx", "nnoanswer", "word/document.xml"),
        ("report.docx", "wwithdrawn", "word/document.xml"),
    }


def test_docx_runs_split_inside_a_name(tree: Path, tmp_path: Path) -> None:
    document = docx.Document()
    paragraph = document.add_paragraph("We thank Chris Dec")
    paragraph.add_run("lined").bold = True
    document.add_paragraph("Clean text.")
    target = tmp_path / "edited.docx"
    document.save(target)
    assert leaks([target], tree) == {("edited.docx", "cdeclined", "word/document.xml")}


def test_epub_parts(tree: Path, tmp_path: Path) -> None:
    target = tmp_path / "report.epub"
    pypandoc.convert_text("---\ntitle: Report\nauthor: Research Team\n---\n\n# One\n\n"
                          "Thanks to Sam Sample.\n", "epub3", format="markdown",
                          outputfile=str(target))
    found = leaks([target], tree)
    assert {record for _, record, _ in found} == {"ssample"}
    assert any(part.endswith(".xhtml") for _, _, part in found)
    with zipfile.ZipFile(target) as archive:
        assert any(n.endswith(".opf") for n in archive.namelist())


def test_unreadable_output_counts_as_leaking(tree: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"not a zip")
    [leak] = scan_built_files([broken], tree)
    assert isinstance(leak, Leak) and leak.record_id == "?"


def test_build_gate_rescans_kept_files_when_consent_changes(tree: Path) -> None:
    """The build's gate skips the content of files found clean before, by their bytes,
    only while the names it looks for are the same: a withdrawal rescans everything."""
    from report import build as pipeline
    from report.editions import EditionResult
    from report.editions.context import BuildContext

    context = BuildContext(load(tree))
    site = context.path("site")
    site.mkdir(parents=True)
    (site / "index.html").write_text("<p>Jane Doe, Example Borough Council.</p>")
    result = EditionResult("web", site)
    pipeline._privacy_gate(context, result)  # clean, and now known clean

    (site / "new.html").write_text("<p>Wren Withdrawn\u2019s team</p>")  # new bytes: scanned
    with pytest.raises(pipeline.LeakFound):
        pipeline._privacy_gate(context, result)
    assert not site.exists()  # the refused edition is deleted

    site.mkdir()
    (site / "index.html").write_text("<p>Jane Doe, Example Borough Council.</p>")
    pipeline._privacy_gate(context, result)
    register = tree / "contributors.yaml"
    text = register.read_text(encoding="utf-8")
    register.write_text(text.replace("    consent:\n      listed: true\n      show: name\n"
                                     "      given: 2021-11-02",
                                     "    consent:\n      listed: false\n      show: name\n"
                                     "      given: 2021-11-02", 1), encoding="utf-8")
    assert "jdoe" in [record for record, _ in forbidden_names(tree)]
    with pytest.raises(pipeline.LeakFound):  # same bytes, other names: scanned again
        pipeline._privacy_gate(context, result)


def _two_page_pdf(path: Path, second: str) -> Path:
    """Two pages; the first the same whatever ``second`` says in glyphs the first page
    uses (WeasyPrint's font subset and ToUnicode map follow the glyphs' first use)."""
    weasyprint.HTML(string=(
        "<style>@page { size: A6 } h1 { break-before: page }</style>"
        "<p>Jane Doe and Example Borough Council; team Wren, withdrawn.</p>"
        f"<h1>Two</h1><p>{second}</p>")).write_pdf(path)
    return path


def test_gate_rescans_only_changed_pdf_pages_and_never_keeps_a_leak(tree: Path,
                                                                    tmp_path: Path) -> None:
    """A PDF page drawn from the same content as a page found clean is not read again;
    a changed page is, so a name on it is found; reverted, the page is clean again; a
    damaged verdict file is a miss (everything scanned)."""
    from report import build as pipeline
    from report.checks.consent import Verdicts, _page_keys
    from report.editions import EditionResult
    from report.editions.context import BuildContext

    context = BuildContext(load(tree))
    context.path(".").mkdir(parents=True, exist_ok=True)
    pdf = context.path("report.pdf")
    result = EditionResult("digital", pdf)
    clean_bytes = _two_page_pdf(pdf, "team Wren, withdrawn.").read_bytes()
    pipeline._privacy_gate(context, result)
    kept = json.loads((context.path(".cache") / "privacy.json").read_text())["clean"]
    assert sum(k.startswith("page:") for k in kept) == 2

    leaking = _two_page_pdf(tmp_path / "leak.pdf", "Wren Withdrawn, team.")
    with pikepdf.open(leaking) as one, pikepdf.open(pdf) as other:
        first, second = _page_keys(one), _page_keys(other)
    assert first[0] == second[0] and first[1] != second[1]
    verdicts = Verdicts(clean=set(kept))
    assert {(leak.record_id, leak.part) for leak in scan_built_files([leaking], tree, verdicts)
            } == {("wwithdrawn", "page 2")}
    assert first[0] in verdicts.seen and first[1] not in verdicts.seen  # page 1 not read

    pdf.write_bytes(leaking.read_bytes())
    with pytest.raises(pipeline.LeakFound):
        pipeline._privacy_gate(context, result)
    pdf.write_bytes(clean_bytes)  # reverted: clean, from what was kept
    pipeline._privacy_gate(context, result)

    (context.path(".cache") / "privacy.json").write_text('{"key": ')  # damaged: a miss
    pdf.write_bytes(leaking.read_bytes())
    with pytest.raises(pipeline.LeakFound):
        pipeline._privacy_gate(context, result)
    kept_path = context.path(".cache") / "privacy.json"
    pdf.write_bytes(clean_bytes)
    pipeline._privacy_gate(context, result)
    key = json.loads(kept_path.read_text())["key"]
    kept_path.write_text(json.dumps({"key": key, "clean": ["page:" + "0" * 64, 7]}))
    pdf.write_bytes(leaking.read_bytes())
    with pytest.raises(pipeline.LeakFound):  # wrong entries: nothing known
        pipeline._privacy_gate(context, result)


def test_gate_takes_no_verdicts_without_this_users_seal(tree: Path) -> None:
    """Verdicts planted in ``build/.cache/privacy.json`` (its key is made of public things:
    the register's names and the toolkit) that call a leaking file clean are not taken:
    without this user's seal the gate scans the file and refuses it. The same forgery with
    the seal would be taken, so the seal is the check."""
    from report import build as pipeline
    from report.checks.consent import Verdicts, _page_keys
    from report.editions import EditionResult
    from report.editions.context import BuildContext
    from report.seal import seal

    context = BuildContext(load(tree))
    context.path(".").mkdir(parents=True, exist_ok=True)
    pdf = context.path("report.pdf")
    result = EditionResult("digital", pdf)
    _two_page_pdf(pdf, "team Wren, withdrawn.")
    pipeline._privacy_gate(context, result)
    kept_path = context.path(".cache") / "privacy.json"
    kept = json.loads(kept_path.read_text())
    assert kept.get("seal")  # this user's

    leaking = _two_page_pdf(pdf, "Wren Withdrawn, team.").read_bytes()
    with pikepdf.open(pdf) as opened:
        forged = sorted({*kept["clean"], *_page_keys(opened), Verdicts().file_key(pdf)})
    kept_path.write_text(json.dumps({**kept, "clean": forged}))  # the old seal: wrong
    with pytest.raises(pipeline.LeakFound):
        pipeline._privacy_gate(context, result)
    pdf.write_bytes(leaking)
    kept_path.write_text(json.dumps({**kept, "clean": forged, "seal": seal(
        "privacy", json.dumps([kept["key"], forged]).encode())}))
    pipeline._privacy_gate(context, result)  # sealed: taken (the forgery would work)


def test_gate_scans_the_print_editions_cover_too(tree: Path) -> None:
    """The print edition is two files, the inside pages and the cover: a name on the
    cover refuses the edition, and both files are deleted."""
    from report import build as pipeline
    from report.editions import EditionResult
    from report.editions.context import BuildContext

    context = BuildContext(load(tree))
    context.path(".").mkdir(parents=True, exist_ok=True)
    inside = _two_page_pdf(context.path("report-print.pdf"), "team Wren, withdrawn.")
    cover = context.path("report-cover.pdf")
    weasyprint.HTML(string="<p>Cover photograph: Jane Doe.</p>").write_pdf(cover)
    result = EditionResult("print", inside, extra={"cover": context.rel(cover)})
    pipeline._privacy_gate(context, result)  # clean
    weasyprint.HTML(string="<p>Cover photograph: Sam Sample.</p>").write_pdf(cover)
    with pytest.raises(pipeline.LeakFound) as refused:
        pipeline._privacy_gate(context, result)
    assert [leak for leak in refused.value.leaks if "report-cover.pdf" in leak
            and "'ssample'" in leak]
    assert not inside.exists() and not cover.exists()


def test_a_long_text_is_judged_by_pieces_as_whole(tree: Path) -> None:
    """A long text (a Word body) is matched piece by piece, with the verdict of a match
    on the whole wherever a name falls (across every cut between pieces), and after an
    edit only the pieces around it are matched again."""
    import random

    from report.checks.consent import Verdicts, _names_by_piece, piece_starts

    names = forbidden_names(tree)
    chooser = random.Random(18)
    vocabulary = ["practice", "the", "child", "team", "Wren", "W.", "Dr", "referral", "and",
                  "Chris", "of", "safeguarding", "Nat,", *(f"word{n}" for n in range(2000))]
    words = [chooser.choice(vocabulary) for _ in range(5000)]
    clean = " ".join(words)
    assert find_names(clean, names) == set()
    cuts = piece_starts(words)[1:]
    assert len(cuts) >= 3
    # A name on each side of every cut and across it, and elsewhere.
    for at in sorted({*(c + d for c in cuts for d in range(-4, 3)), 0, 1234, len(words)}):
        for name in ("Wren Withdrawn", "Dr Withdrawn", "Withdrawn,\nW.", "Nat\n\nNoanswer"):
            text = " ".join([*words[:at], name, *words[at:]])
            assert _names_by_piece(text, names, Verdicts()) == find_names(text, names), at

    verdicts = Verdicts()
    assert _names_by_piece(clean, names, verdicts) == set()
    pieces = len(verdicts.seen)
    assert pieces == len(cuts) + 1
    edited = " ".join([*words[:2000], "an", "edit", *words[2000:]])
    again = Verdicts(clean=set(verdicts.seen))
    assert _names_by_piece(edited, names, again) == set()
    assert len(again.seen - verdicts.seen) <= 2 < pieces  # the pieces around the edit
    leaking = " ".join([*words[:2000], "Wren", "Withdrawn", *words[2000:]])
    assert _names_by_piece(leaking, names, Verdicts(clean=set(verdicts.seen))) == {"wwithdrawn"}


def test_a_contributor_opting_out_between_two_builds_is_gone_from_the_next(tree: Path) -> None:
    """Two builds in one process (as ``report serve`` or a test runner makes them), the
    register edited between: what the process keeps (the parsed register, the toolkit's
    reading, the gate's verdicts) must not carry the old consent into the second. The
    name leaves the contributors list, and the gate judges against the new names."""
    from report.checks.consent import Verdicts

    def build_docx() -> tuple[str, str]:
        result = CliRunner().invoke(main, ["--root", str(tree), "build", "docx"],
                                    catch_exceptions=False)
        assert result.exit_code == 0, result.output
        [path] = (tree / "build").glob("*.docx")
        text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
        return text, json.loads((tree / "build" / ".cache" / "privacy.json").read_text())["key"]

    listed, key = build_docx()
    assert "Jane Doe" in listed
    register = tree / "contributors.yaml"
    text = register.read_text(encoding="utf-8")
    opted_out = text.replace("  - id: jdoe\n    name: Jane Doe\n    affiliation: Example Council\n"
                             "    roles: [conference-delegate]\n    consent:\n      listed: true",
                             "  - id: jdoe\n    name: Jane Doe\n    affiliation: Example Council\n"
                             "    roles: [conference-delegate]\n    consent:\n      listed: false")
    assert opted_out != text
    register.write_text(opted_out, encoding="utf-8")
    unlisted, key_now = build_docx()
    assert "Jane Doe" not in unlisted and "Alex Example" in unlisted
    assert key_now != key  # judged against the new names, not the kept verdicts
    [path] = (tree / "build").glob("*.docx")
    assert scan_built_files([path], tree, Verdicts()) == []


@pytest.mark.parametrize("markup", [
    '<a href="/wren-withdrawn/">x</a>', "<A HREF = '/people/Wren_Withdrawn.html'>x</A>",
    '<img SRC="img/wren-withdrawn.png">', '<meta content="https://x/wren-withdrawn">',
    '<object data="wren-withdrawn.svg"></object>', '<video poster="wren-withdrawn.jpg">',
    '<form action="/wren-withdrawn">', '<img srcset="wren-withdrawn-2x.png 2x">',
    "<urlset><LOC>https://x/wren-withdrawn/</LOC></urlset>"])
def test_a_name_spelt_in_a_url_is_found(tree: Path, tmp_path: Path, markup: str) -> None:
    page = tmp_path / "page.html"
    page.write_text(markup, encoding="utf-8")
    assert ("page.html", "wwithdrawn", "URLs") in leaks([page], tree)


@pytest.mark.parametrize(("markup", "text"), [
    ('<p class="x">Jane</p><p>Doe</p>', "x Jane Doe"),
    ("<img alt='Wren' title = \"Withdrawn\"/>", "Wren Withdrawn"),
    ("<w:t xml:space=\"preserve\">Ch</w:t><w:t>ris</w:t>", "preserve Ch ris"),
    ("<!-- Sam Sample --><br/>A&amp;B &eacute;", "Sam Sample A&B \u00e9"),
    ("<a <b c='1'>x</a>", "1 x"),  # a tag ends at its first ">"
    ("<p data-x=1 y='2'>z</p>", "2 z"),  # an unquoted value is not one
    ("a < b", "a < b"),
])
def test_markup_text_keeps_words_attribute_values_and_comments(markup: str, text: str) -> None:
    from report.checks.consent import markup_text

    assert markup_text(markup) == text
