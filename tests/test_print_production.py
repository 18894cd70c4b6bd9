"""The printer's files and the book's typography: cover with spine and barcode, marks
outside the bleed, CMYK, ISBN check digits, no-break spaces, smart quotes, URL breaks,
the early line break, and the preflight that catches each defect on a real PDF."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest

from report.checks.preflight import preflight_findings
from report.editions.pdf import write_pdf
from report.editions.printcover import spine_width
from tests.conftest import TREES, build_tree, commit_all

MM = 72 / 25.4


def codes(path: Path) -> list[str]:
    return [finding.code for finding in preflight_findings(path)]


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("print") / "constructs"
    shutil.copytree(TREES / "constructs", root, ignore=shutil.ignore_patterns("build"))
    chapter = root / "chapters" / "02-practice.md"
    chapter.write_text(chapter.read_text().replace(
        '::: {.quote by="practitioner, local authority" illustrative=true}',
        '::: {.quote by="practitioner, children\'s services" illustrative=true}') + (
        "\nThe Act is at <https://www.legislation.gov.uk/ukpga/2015/30/contents> and the "
        "guidance at <https://www.gov.uk/government/publications/criminal-exploitation-of-"
        "children-and-vulnerable-adults-county-lines>, which every practitioner should "
        "read with the statutory guidance on Section 3 of the Act, 40.3 million estimates "
        "and all.\n"))
    commit_all(root)
    build_tree(root, "print")
    return root


def print_files(root: Path) -> tuple[Path, Path]:
    entry = json.loads((root / "build" / "manifest.json").read_text())["editions"]["print"]
    return root / entry["path"], root / entry["cover"]


# -- the cover ---------------------------------------------------------------------------

def test_spine_width_follows_page_count_and_caliper() -> None:
    assert spine_width(100, 0.1, "perfect") == 6.0   # 50 leaves × 0.1 mm + 1 mm glue
    assert spine_width(101, 0.1, "perfect") == 6.1   # an odd page still takes a leaf
    assert spine_width(100, 0.1, "saddle-stitch") == 5.0


def test_barcode_is_an_ean13_in_black_ink() -> None:
    from report.editions.printcover import barcode_svg

    svg = str(barcode_svg("978-1-0000-0001-6"))
    bars = re.findall(r'<rect x="[^"]+" y="[^"]+" width="([^"]+)mm"[^>]*'
                      r'fill:device-cmyk\(0 0 0 1\)', svg)
    assert len(bars) == 30  # 3 guards of 2 bars, and 2 bars for each of 12 digits
    assert "9781000000016" in svg


def test_cover_is_its_own_file_with_spine_and_barcode(printed: Path) -> None:
    inside, cover = print_files(printed)
    with pikepdf.open(inside) as pdf:
        pages = len(pdf.pages)
        first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(inside), "-"],
                               capture_output=True, text=True, check=True).stdout
    assert "Constructs Report" in first and "A joint report of" in first  # title page
    with pikepdf.open(cover) as pdf:
        assert len(pdf.pages) == 1
        trim = [float(v) for v in pdf.pages[0].TrimBox]
        width_mm = (trim[2] - trim[0]) / MM
    assert width_mm == pytest.approx(2 * 210 + spine_width(pages, 0.1), abs=0.1)
    text = subprocess.run(["pdftotext", str(cover), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "ISBN 978-1-0000-0001-6" in text
    assert "Open Government Licence" in text
    # python-barcode prints the human-readable digits under the bars
    assert "9781000000016" in text.replace(" ", "").replace("\n", "")


def test_marks_outside_bleed_and_no_rgb_in_either_file(printed: Path) -> None:
    for path in print_files(printed):
        assert not [f for f in preflight_findings(path) if f.code in
                    ("PRINT001", "PRINT002", "PRINT004", "PRINT005")], path


def test_copyright_page_has_the_full_licence_statement(printed: Path) -> None:
    inside, _ = print_files(printed)
    text = subprocess.run(["pdftotext", "-raw", "-f", "2", "-l", "2", str(inside), "-"],
                          capture_output=True, text=True, check=True).stdout
    text = " ".join(text.replace("-\n", "-").split())  # a URL breaks after "-", unhyphenated
    assert "licensed under the terms of the Open Government Licence v3.0" in text
    assert "nationalarchives.gov.uk/doc/open-government-licence/version/3" in text


# -- typography --------------------------------------------------------------------------

def test_no_break_spaces_smart_quotes_and_url_breaks(printed: Path) -> None:
    from report.editions.paged import chapters_html
    from report.manuscript import load
    from report.render import render

    html = "".join(chapters_html(render(load(printed))))
    assert "Section\u00a03" in html and "40.3\u00a0million" in html
    assert "Chapter\u00a02" in html or "Chapter\u00a01" in html
    assert "— practitioner, children\u2019s services" in html
    link = re.search(r'<a href="https://www\.legislation[^"]*" class="[^"]*\burl\b[^"]*">'
                     r"(.*?)</a>", html)
    assert link and link.group(1).count("<wbr>") >= 8  # after each / and .


def test_no_url_is_hyphenated_in_the_print_file(printed: Path) -> None:
    inside, _ = print_files(printed)
    assert "PRINT006" not in codes(inside)


def test_the_early_line_break_is_gone(tmp_path: Path) -> None:
    """WeasyPrint 70 breaks after the first word of a text run when an inline element
    after it does not fit; at some widths this paragraph had "They" alone on a line."""
    from lxml import html as lxml_html

    from report.editions.paged import _space_before_inline

    paragraph = ("<p>Delegates valued joint decision-making, including the pilots that devolve "
                 "National Referral Mechanism decisions about children to local panels, and "
                 "models such as the Barnahus that bring services to the child. They also "
                 "described how uncertainty about sharing information still slows protection. "
                 '<a href="#x">Chapter 8</a> sets out what would help.</p>')
    fixed = lxml_html.fragment_fromstring(paragraph)
    _space_before_inline(fixed)
    fixed_html = lxml_html.tostring(fixed, encoding="unicode")

    def lone_words(fragment: str) -> int:
        body = "".join(f'<div style="width:{w / 10}mm">{fragment}</div><p>@@</p>'
                       for w in range(1300, 1420, 5))
        out = tmp_path / "w.pdf"
        write_pdf(f'<!DOCTYPE html><html lang="en-GB"><body><section class="chapter">{body}'
                  "</section></body></html>", out, tmp_path, tmp_path, ["paged.css"])
        text = subprocess.run(["pdftotext", "-raw", str(out), "-"], capture_output=True,
                              text=True, check=True).stdout
        return sum(1 for block in text.split("@@") for line in block.strip().splitlines()[:-1]
                   if len(line.split()) == 1 and not line.strip().isdigit())  # not folios

    assert lone_words(paragraph) > 0, "the WeasyPrint behaviour this guards against is gone"
    assert lone_words(fixed_html) == 0


def test_the_words_protected_are_those_that_end_the_paragraph() -> None:
    """The last word is kept whole (no hyphen) and a short one is not left alone on the
    last line, in the text that ends the paragraph: after a citation or a link whose
    text has an element of its own, not inside it."""
    from lxml import html as lxml_html

    from report.editions.paged import _last_word_whole

    fragment = lxml_html.fragment_fromstring(
        '<div><p>As the review found (<a href="#r"><span>Home</span> Office 2021</a>) '
        "no child consents to their own exploitation.</p>"
        '<p>Read <a href="#s"><span class="number">2.3</span> Safeguarding</a> and act '
        "on it.</p></div>")
    _last_word_whole(fragment)
    first, second = fragment.findall("p")
    assert first.xpath('.//span[@class="last-word"]/text()') == ["exploitation"]
    assert first.xpath('./span[@class="last-word"]')  # the paragraph's own, not the link's
    assert second[-1].tail == " and act on\u00a0it."


def test_the_last_words_are_protected_when_a_link_holds_them() -> None:
    """A paragraph whose last run of text is only the full stop after a citation or a
    cross-reference: its last words are inside the link, and they are the ones kept."""
    from lxml import html as lxml_html

    from report.editions.paged import _last_word_whole

    fragment = lxml_html.fragment_fromstring(
        '<div><p>As the <a href="#r">Independent Anti-Slavery Commissioner</a>.</p>'
        '<p>The figures are set out in <a href="#s">Section 2.3</a>.</p>'
        '<p>Guardians <em>were</em> <em>kind</em>.</p>'
        '<p>Split <em>exploit</em>ation.</p>'
        '<p>A note<span class="footnote">Said <a href="#x">in the Independent'
        ' review</a>.</span>.</p></div>')
    _last_word_whole(fragment)
    cited, section, emphasis, split, noted = fragment.findall("p")
    assert cited.xpath("./a/span[@class='last-word']/text()") == ["Commissioner"]
    assert cited.text_content() == "As the Independent Anti-Slavery Commissioner."
    assert section.find("a").text == "Section\u00a02.3"
    assert emphasis.text_content() == "Guardians were\u00a0kind."
    assert not split.xpath(".//span[@class='last-word']")  # a word across elements
    assert split.text_content() == "Split exploitation."
    assert noted.text_content() == "A\u00a0noteSaid in the Independent review.."
    assert not noted.xpath(".//span[@class='last-word']")


# -- the ISBN ----------------------------------------------------------------------------

def test_a_wrong_isbn_check_digit_refuses_the_build(make_tree, run_report) -> None:
    root = make_tree("constructs")
    manifest = root / "mkdocs.yml"
    manifest.write_text(manifest.read_text().replace("978-1-0000-0001-6", "978-1-0000-0001-7"))
    result = run_report(root, "build", "print")
    assert result.exit_code == 2
    assert re.search(r"mkdocs\.yml:\d+: ISBN for the print edition 978-1-0000-0001-7 has a "
                     r"wrong check digit: 7, not 6", result.output)
    assert not (root / "build" / "constructs-report-print.pdf").exists()


def test_a_placeholder_isbn_is_marked_as_one(make_tree, run_report) -> None:
    root = make_tree("constructs")
    manifest = root / "mkdocs.yml"
    manifest.write_text(manifest.read_text().replace('print: "978-1-0000-0001-6"',
                                                     'print: "978-1-0000-0001-6 (placeholder)"'))
    assert run_report(root, "build", "print").exit_code == 0
    cover = subprocess.run(["pdftotext", str(root / "build" / "constructs-report-cover.pdf"),
                            "-"], capture_output=True, text=True, check=True).stdout
    assert "PLACEHOLDER" in cover
    inside = subprocess.run(["pdftotext", "-f", "2", "-l", "2",
                             str(root / "build" / "constructs-report-print.pdf"), "-"],
                            capture_output=True, text=True, check=True).stdout
    assert "placeholder: not an allocated ISBN" in " ".join(inside.split())


# -- the preflight catches each defect ---------------------------------------------------

def _copy(source: Path, tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copy(source, target)
    return target


def test_preflight_catches_marks_in_the_bleed(printed: Path, tmp_path: Path) -> None:
    bad = _copy(print_files(printed)[0], tmp_path, "bleed.pdf")
    with pikepdf.open(bad, allow_overwriting_input=True) as pdf:
        for page in pdf.pages:
            page.obj.MediaBox = page.obj.BleedBox  # the sheet stops at the bleed
        pdf.save(bad)
    assert "PRINT001" in codes(bad)


def test_preflight_catches_a_page_without_trim_box(printed: Path, tmp_path: Path) -> None:
    bad = _copy(print_files(printed)[0], tmp_path, "trim.pdf")
    with pikepdf.open(bad, allow_overwriting_input=True) as pdf:
        del pdf.pages[3].obj["/TrimBox"]
        pdf.save(bad)
    assert "PRINT002" in codes(bad)


def test_preflight_catches_pdfx_without_output_intent(printed: Path, tmp_path: Path) -> None:
    bad = _copy(print_files(printed)[0], tmp_path, "intent.pdf")
    with pikepdf.open(bad, allow_overwriting_input=True) as pdf:
        pdf.docinfo["/GTS_PDFXVersion"] = "PDF/X-4"
        if "/OutputIntents" in pdf.Root:
            del pdf.Root["/OutputIntents"]
        pdf.save(bad)
    assert "PRINT003" in codes(bad)


def test_preflight_catches_a_font_not_embedded(printed: Path, tmp_path: Path) -> None:
    bad = _copy(print_files(printed)[0], tmp_path, "font.pdf")
    with pikepdf.open(bad, allow_overwriting_input=True) as pdf:
        font = next(iter(pdf.pages[0].Resources.Font.values()))
        descriptor = font.get("/FontDescriptor") or font.DescendantFonts[0].FontDescriptor
        for key in ("/FontFile", "/FontFile2", "/FontFile3"):
            if key in descriptor:
                del descriptor[key]
        pdf.save(bad)
    assert "PRINT004" in codes(bad)


def test_preflight_catches_rgb_in_a_cmyk_file(printed: Path, tmp_path: Path) -> None:
    bad = _copy(print_files(printed)[0], tmp_path, "rgb.pdf")
    with pikepdf.open(bad, allow_overwriting_input=True) as pdf:
        pdf.docinfo["/GTS_PDFXVersion"] = "PDF/X-4"  # claims CMYK
        pdf.pages[2].contents_add(pdf.make_stream(b"q 1 0 0 rg 0 0 20 20 re f Q"))
        pdf.save(bad)
    assert "PRINT005" in codes(bad)


def _laid_out(tmp_path: Path, body: str, css: str = "") -> Path:
    out = tmp_path / "made.pdf"
    write_pdf('<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"></head><body>'
              f"{body}</body></html>", out, tmp_path, tmp_path, ["paged.css"], css)
    return out


def test_preflight_catches_a_hyphenated_url(tmp_path: Path) -> None:
    url = "https://www.legislation.gov.uk/ukpga/2015/30/contents"
    body = f'<p style="width: 32mm">See <a href="{url}">{url}</a> now.</p>'
    made = _laid_out(tmp_path, body, "a { hyphens: auto; hyphenate-limit-chars: auto; }")
    assert "PRINT006" in codes(made)
    from report.editions.frontmatter import breakable

    fixed = _laid_out(tmp_path, f'<p style="width: 32mm">See <a class="url" href="{url}">'
                      f"{breakable(url)}</a> now.</p>")
    assert "PRINT006" not in codes(fixed)


def test_preflight_catches_a_short_page_before_a_blank(tmp_path: Path) -> None:
    full = "".join(f"<p>Line {n} of a page that is full enough.</p>" for n in range(40))
    body = (f'<h1>A chapter</h1>{full}<div style="break-before: page"></div>'
            '<p>One line.</p><p>Two lines.</p><div style="break-before: page"></div>'
            '<div style="break-before: page"></div><p>The next chapter.</p>')
    assert "PRINT007" in codes(_laid_out(tmp_path, body))
    body = ('<h1>A short chapter</h1><p>One line.</p><div style="break-before: page"></div>'
            '<div style="break-before: page"></div><p>The next chapter.</p>')
    assert "PRINT007" not in codes(_laid_out(tmp_path, body))  # it opens and ends there
    full = "".join(f"<p>Line {n} of a page that is full enough.</p>" for n in range(12))
    body = full + '<div style="break-before: page"></div><div style="break-before: page">' \
        "</div><p>The next chapter.</p>"
    assert "PRINT007" not in codes(_laid_out(tmp_path, body))


def test_preflight_catches_a_heading_stranded_at_the_foot(tmp_path: Path) -> None:
    filler = '<div style="height: 228mm"></div>'
    body = (f'{filler}<p>Text above.</p><h2 style="break-after: auto">A stranded heading</h2>'
            "<p>The text that should have gone with it.</p>")
    assert "PRINT008" in codes(_laid_out(tmp_path, body))
    body = (f'{filler}<p>Text above.</p><h2>A heading kept with its text</h2>'
            "<p>The text that goes with it.</p>")
    assert "PRINT008" not in codes(_laid_out(tmp_path, body))


def test_output_intent_follows_the_paper(bundled_build: Path) -> None:
    """The bundled report is printed on uncoated paper (FOGRA29), its cover on coated
    board (FOGRA39), when the toolkit's profiles are built."""
    from report.editions.printed import ICC

    if not (ICC / "FOGRA29L.icc").is_file():
        pytest.skip("toolkit's profiles not built (make print-profile)")
    for path, condition in zip(print_files(bundled_build), ("FOGRA29", "FOGRA39"), strict=True):
        with pikepdf.open(path) as pdf:
            assert str(pdf.Root.OutputIntents[0].OutputConditionIdentifier) == condition


def test_preflight_passes_on_the_bundled_report(bundled_build: Path) -> None:
    inside, cover = print_files(bundled_build)
    assert [str(f) for f in preflight_findings(inside)] == []
    assert [str(f) for f in preflight_findings(cover)] == []


def test_a_part_without_rgb_is_kept_as_weasyprint_wrote_it(tmp_path: Path,
                                                           monkeypatch) -> None:
    """A page in whose content neither ``rg`` nor ``RG`` appears has nothing to convert
    and is not parsed to find that out; a part with no such page (and no RGB image) is
    kept as WeasyPrint wrote it, not saved again; in one with such a page that page is
    converted."""
    from report.editions import pdf as paged_pdf
    from report.editions.printed import convert_part, may_set_rgb

    cmyk = "<style>@page { size: A6 } html { color: device-cmyk(0 0 0 1) }</style><p>One.</p>"
    rgb = cmyk + "<h1 style='break-before: page; color: #d4351c'>Two</h1>"
    saved: list[int] = []
    save = paged_pdf.pdf_bytes

    def saving(pdf):
        saved.append(len(pdf.pages))
        return save(pdf)

    monkeypatch.setattr(paged_pdf, "pdf_bytes", saving)
    changed: list[bool] = []
    for html in (cmyk, rgb):
        out = tmp_path / "part.pdf"

        def converting(pdf, expected=[False] if html == cmyk else [False, True]):
            assert [may_set_rgb(page) for page in pdf.pages] == expected
            changed.append(convert_part(pdf, None))
            return changed[-1]

        paged_pdf.layout(f'<!DOCTYPE html><html lang="en"><body>{html}</body></html>', out,
                         tmp_path, tmp_path, [], finish=converting)
        with pikepdf.open(out) as part:
            assert not any(may_set_rgb(page) for page in part.pages)
    assert changed == [False, True]
    assert saved == [2]  # the part with a page in RGB only


def test_parts_are_made_cmyk_where_they_are_laid_out(make_tree, monkeypatch) -> None:
    """The print edition's parts are made CMYK as they are laid out and kept so in the
    layout cache (report.editions.printed.convert_part): after an edit only the part laid
    out again is converted, the book's assembly goes through no page's colours (it went
    through every page of the book at every build), and the file is a cold build's."""
    from report.checks.preflight import _rgb_uses
    from report.editions import printed

    root = make_tree("constructs")
    practice = root / "chapters/02-practice.md"
    # An edit before the first build: the next one changes the text, not the draft stamp.
    practice.write_text(practice.read_text().replace("referrals rose", "referrals grew", 1))
    build_tree(root, "print", "--jobs", "1")
    parts = sorted((root / "build/.cache/layout").glob("*.pdf"))
    assert len(parts) > 4
    for part in parts:
        with pikepdf.open(part) as pdf:
            assert _rgb_uses(pdf) == [], part
    converted: list[int] = []
    gone_through: list[int] = []  # the page count of each file whose pages were
    convert, go_through = printed.convert_part, printed.CmykConverter.stream

    def converting(pdf, profile):
        converted.append(len(pdf.pages))
        return convert(pdf, profile)

    def going_through(self, container):
        gone_through.append(len(self.pdf.pages))
        return go_through(self, container)

    monkeypatch.setattr(printed, "convert_part", converting)
    monkeypatch.setattr(printed.CmykConverter, "stream", going_through)
    practice.write_text(practice.read_text().replace("referrals grew", "referrals climbed"))
    build_tree(root, "print", "--jobs", "1")
    assert len(converted) == 1  # the edited chapter, its pagination unchanged
    book = root / "build/constructs-report-print.pdf"
    with pikepdf.open(book) as pdf:
        assert len(pdf.pages) not in gone_through  # the part's pages, the cover's; no book
    assert set(gone_through) <= {converted[0], 1}
    assert "PRINT005" not in codes(book)
    rebuilt = book.read_bytes()
    shutil.rmtree(root / "build")
    build_tree(root, "print", "--jobs", "1")
    assert book.read_bytes() == rebuilt


def test_the_profile_weasyprint_writes_never_reaches_the_sheets(tmp_path: Path) -> None:
    """A PDF/X-4 layout writes its output profile compressed fast (level 1, not
    WeasyPrint's 9: 0.3 s a layout), and finish_sheets puts the profile's own file in
    its place: the sheets are the bytes they are from WeasyPrint's own writing."""
    from weasyprint import HTML

    from report.editions import pdf as layout_module
    from report.editions.printed import ICC, finish_sheets, profile_css

    profile = ICC / "FOGRA39L.icc"
    if not profile.is_file():
        pytest.skip("toolkit's profiles not built (make print-profile)")
    css, options = profile_css(profile)
    # Dated, as every edition's document is: without a date WeasyPrint's PDF/X writer
    # stamps the clock's, and two layouts a second boundary apart differed (seen in CI).
    document = ("<meta name='dcterms.created' content='2026-01-02T03:04:05Z'>"
                "<meta name='dcterms.modified' content='2026-01-02T03:04:05Z'>"
                "<style>@page { size: A6 }</style>"
                "<p style='color: device-cmyk(0 0 0 1)'>In black ink.</p>"
                "<p style='color: #1d70b8'>In RGB, converted.</p>")
    fast, slow = tmp_path / "fast.pdf", tmp_path / "slow.pdf"
    write_pdf(document, fast, tmp_path, tmp_path, [], css, **options)
    fonts, sheets, profiles = layout_module._stylesheets([], css, tmp_path)
    HTML(string=document, base_url=str(tmp_path) + "/").render(
        stylesheets=sheets, font_config=fonts, color_profiles=profiles, **options).write_pdf(
        slow, finisher=layout_module.finish_metadata, **options)

    def profile_stream(path: Path) -> bytes:
        with pikepdf.open(path) as pdf:
            return pdf.Root.OutputIntents[0].DestOutputProfile.read_raw_bytes()

    assert len(profile_stream(fast)) > len(profile_stream(slow)) * 1.1  # level 1, not 9
    for path in (fast, slow):
        finish_sheets(path, ("FOGRA39", "Coated FOGRA39"), profile)
    assert fast.read_bytes() == slow.read_bytes()


def test_the_cover_is_laid_out_beside_the_book_and_taken_up(make_tree, monkeypatch,
                                                           tmp_path: Path) -> None:
    """With two jobs the cover is laid out in a process of its own, started once the
    page count is known (before the book is assembled and its sheets finished), and the
    build takes up what that process laid out: the same bytes as one job lays out in
    the build's own process. A damaged kept cover is a miss, laid out again."""
    import os

    from report.editions import chaptered, printcover

    log = tmp_path / "log"

    def note(line: str) -> None:
        with log.open("a", encoding="utf-8") as out:
            out.write(line + "\n")

    def spied(module, name: str, line) -> None:
        real = getattr(module, name)

        def spy(*args, **kwargs):
            note(line(*args))
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, spy)

    spied(printcover, "write_pdf", lambda *a: f"cover laid out in {os.getpid()}")
    spied(printcover.PrintCover, "start", lambda _, pages: f"cover started for {pages}")
    spied(chaptered, "_save", lambda *a: "book assembled")
    here = os.getpid()

    def built(root: Path, jobs: str) -> tuple[list[str], bytes, bytes]:
        log.unlink(missing_ok=True)
        build_tree(root, "print", "--jobs", jobs)
        inside, cover = print_files(root)
        return log.read_text().splitlines(), inside.read_bytes(), cover.read_bytes()

    root = make_tree("constructs")
    events, inside, cover = built(root, "2")
    with pikepdf.open(print_files(root)[0]) as pdf:
        pages = len(pdf.pages)
    here_events = [e for e in events if not e.startswith("cover laid out")]
    assert here_events == [f"cover started for {pages}", "book assembled"], events
    assert events.count(f"cover laid out in {here}") == 0, events  # not in this process
    assert len([e for e in events if e.startswith("cover laid out in")]) == 1, events

    one_job = tmp_path / "one-job"
    shutil.copytree(root, one_job, ignore=shutil.ignore_patterns("build"))
    events_one, inside_one, cover_one = built(one_job, "1")
    assert events_one.count(f"cover laid out in {here}") == 1, events_one
    assert (inside_one, cover_one) == (inside, cover)

    for entry in (root / "build/.cache/bytes").glob("print-cover-*"):
        entry.write_bytes(entry.read_bytes()[:-100])  # cut short
    print_files(root)[1].unlink()
    events, _, again = built(root, "2")
    assert [e for e in events if e.startswith("cover laid out in")] != [], events
    assert again == cover

    # A cover process not done in time is stopped, and the cover laid out here: the same.
    monkeypatch.setattr(printcover, "COVER_WAIT", 0.0)
    for entry in (root / "build/.cache/bytes").glob("print-cover-*"):
        entry.unlink()
    print_files(root)[1].unlink()
    events, _, again = built(root, "2")
    assert any(e.startswith("cover laid out in") for e in events), events
    assert again == cover
