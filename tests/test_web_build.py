"""``report build web``: the built site, read back with lxml."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from conftest import TREES, commit_all
from lxml import html

from report import build as pipeline
from report.editions import web
from report.manuscript import load

CHAPTER_PAGES = ["foreword", "summary", "01-introduction", "02-practice", "contributors",
                 "references"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The constructs tree with its web edition built as a draft (the default)."""
    root = tmp_path_factory.mktemp("web-build") / "constructs"
    shutil.copytree(TREES / "constructs", root, ignore=shutil.ignore_patterns("build"))
    commit_all(root)
    pipeline.build(load(root), ["web"])
    return root


def page(root: Path, name: str) -> html.HtmlElement:
    path = root / "build" / "site" / name / "index.html" if name else \
        root / "build" / "site" / "index.html"
    return html.parse(str(path)).getroot()


def content(tree: html.HtmlElement) -> html.HtmlElement:
    return tree.xpath("//article")[0]


def test_manifest_entry_and_one_page_per_chapter(built):
    manifest = json.loads((built / "build" / "manifest.json").read_text())
    assert manifest["editions"]["web"] == {"path": "build/site", "pages": 6}
    for name in CHAPTER_PAGES:
        assert (built / "build" / "site" / name / "index.html").is_file(), name
    # no temporary folder is left beside the site (.cache holds the render's parse cache)
    assert [p.name for p in (built / "build").iterdir()
            if p.name.startswith(".") and p.name != ".cache"] == []


def test_chapter_pages_show_the_render(built):
    intro = content(page(built, "01-introduction"))
    section = intro.xpath("./section[@id='ch-introduction']")[0]
    assert "".join(section.xpath("./h1")[0].itertext()) == "1 Introduction"
    # a no-break space binds each label to its number (typography.lua)
    assert intro.xpath(".//div[@id='rec-data']//strong/text()") == ["Recommendation\u00a01"]
    practice = content(page(built, "02-practice"))
    assert practice.xpath(".//div[@id='rec-guardians']//strong/text()") == [
        "Recommendation\u00a02"]
    assert practice.xpath(".//figure[@id='fig-referrals']//span[@class='caption-number']"
                          "/text()") == ["Figure\u00a01:"]
    # pandoc's syntax never reaches the page as text
    text = " ".join(practice.itertext())
    assert ":::" not in text and "@homeoffice2021nrm" not in text and "{#" not in text


def _target(root: Path, page_name: str, href: str) -> tuple[Path, str]:
    url = urljoin(f"http://site/{page_name}/", href)
    parts = urlsplit(url)
    path = root / "build" / "site" / parts.path.lstrip("/")
    if path.is_dir() or parts.path.endswith("/"):
        path = path / "index.html"
    return path, parts.fragment


def test_links_across_pages_reach_their_targets(built):
    intro = content(page(built, "01-introduction"))
    hrefs = {" ".join("".join(a.itertext()).split()): a.get("href") for a in intro.iter("a")}
    assert hrefs["Chapter 2"] == "../02-practice/"
    assert hrefs["Recommendation 2"] == "../02-practice/#rec-guardians"
    assert hrefs["International Labour Organization and Walk Free Foundation 2017"] == \
        "../references/#ref-ilo2017global"
    assert intro.xpath(".//a[@role='doc-noteref']/@href") == ["#fn1"]
    assert intro.xpath(".//section[@role='doc-endnotes']//li[@id='fn1']")
    # every internal link on every chapter page lands on an existing page and anchor
    for name in CHAPTER_PAGES:
        for a in content(page(built, name)).iter("a"):
            href = a.get("href")
            if not href or urlsplit(href).scheme:
                continue
            path, fragment = _target(built, name, href)
            assert path.is_file(), (name, href)
            if fragment:
                ids = html.parse(str(path)).getroot().xpath("//@id")
                assert fragment in ids, (name, href)


def test_summary_links_each_recommendation_to_its_chapter_page(built):
    summary = content(page(built, "summary"))
    links = summary.xpath(".//a[@class='rec-ref']/@href")
    assert links == ["../01-introduction/#rec-data", "../02-practice/#rec-guardians"]


def test_summary_says_where_each_recommendation_stands(built):
    summary = content(page(built, "summary"))
    where = summary.xpath(".//span[@class='rec-where']/a")
    assert [(a.text, a.get("href")) for a in where] == [
        ("Section\u00a01.1", "../01-introduction/#sec-scope"),
        ("Chapter\u00a02", "../02-practice/")]


def test_images_resolve_and_have_alt(built):
    practice = page(built, "02-practice")
    images = practice.xpath("//article//img")
    assert images
    for img in images:
        assert img.get("alt", "").strip()
        path, _ = _target(built, "02-practice", img.get("src"))
        assert path.is_file()


def test_page_title_and_table_of_contents_come_from_the_render(built):
    intro = page(built, "01-introduction")
    assert intro.findtext(".//title") == "1 Introduction - Constructs Report"
    toc = intro.xpath("//nav[contains(@class,'md-nav--secondary')]//a/@href")
    assert "#sec-scope" in toc
    nav = [" ".join("".join(a.itertext()).split())
           for a in intro.xpath("//nav[contains(@class,'md-nav--primary')]//a")]
    assert "2 Practice" in nav and "Appendix A Contributors" in nav and "Downloads" in nav


def test_every_page_is_en_gb_stamped_and_requests_nothing_elsewhere(built):
    site = built / "build" / "site"
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= 9
    for path in pages:
        tree = html.parse(str(path)).getroot()
        assert tree.get("lang") == "en-GB", path
        stamp = tree.xpath("//*[@class='report-stamp']/text()")
        assert stamp and stamp[0].startswith("Draft 1.2.0 · "), path
        # a draft is not for circulation: no page may be indexed
        assert tree.xpath("//head/meta[@name='robots']/@content") == ["noindex"], path
        for attribute in ("src", "href"):
            for node in tree.xpath(f"//*[self::script or self::link or self::img or "
                                   f"self::iframe or self::source][@{attribute}]"):
                assert not urlsplit(node.get(attribute)).netloc, (path, node.get(attribute))
    css = "".join(p.read_text(errors="ignore") for p in site.rglob("*.css"))
    assert "fonts.googleapis" not in css and "@import url(http" not in css
    assert (site / "assets" / "report" / "fonts" / "OpenSans-Regular.ttf").is_file()
    assert (site / "robots.txt").read_text() == "User-agent: *\nDisallow: /\n"


def test_title_page_and_downloads_page(built):
    home = content(page(built, ""))
    assert home.xpath(".//h1/text()") == ["Constructs Report"]
    assert home.xpath(".//ul[@class='report-contents']/li/a/@href")[:3] == [
        "foreword/", "summary/", "01-introduction/"]
    downloads = content(page(built, "downloads"))
    assert downloads.xpath(".//ul[@class='report-downloads']//a/@href") == [
        "constructs-report.pdf", "constructs-report.docx", "constructs-report.epub"]
    assert "ISBN 978-1-0000-0002-3" in " ".join(downloads.itertext())


def test_landing_page_is_the_report_at_a_glance(built):
    home = content(page(built, ""))
    words = " ".join(" ".join(home.itertext()).split())
    assert "Every construct once" in words
    assert "A report of Example Lodge and the Example Commissioner." in words
    # the key findings, as the report has them (heading from the box, no second label)
    assert home.xpath(".//h2[@id='key-findings']/text()") == ["Key findings"]
    assert home.xpath(".//div[contains(@class,'key-findings')]//li/text()") == [
        "Guardians help."]
    # every recommendation, linked to where it stands
    glance = home.xpath(".//ul[@class='report-recs-glance']/li")
    assert [" ".join(" ".join(li.itertext()).split()) for li in glance] == [
        "Recommendation 1 (to: Home Office): Publish referral data by age every quarter "
        "(Home Office 2021).",
        "Recommendation 2 (to: Department for Education): Give every child a guardian, as "
        "Recommendation 1 also needs."]
    assert [li.xpath("./a/@href")[0] for li in glance] == [
        "01-introduction/#rec-data", "02-practice/#rec-guardians"]
    # every edition, with its format
    downloads = home.xpath(".//ul[@class='report-downloads']/li")
    assert [" ".join(li.itertext()).split(" (")[0].strip() for li in downloads] == [
        "Accessible PDF", "Word document", "EPUB e-book"]
    assert all(li.xpath("./span/text()")[0].startswith(("(PDF", "(DOCX", "(EPUB"))
               for li in downloads)


@pytest.mark.bundled
def test_bundled_landing_page(bundled_build):
    home = content(page(bundled_build, ""))
    words = " ".join(" ".join(home.itertext()).split())
    assert "Emerging good practice from a cross-sector conference" in words
    # the executive summary's key findings, still marked as draft text
    box = home.xpath(".//div[contains(@class,'draft')][.//div[contains(@class,'key-findings')]]")
    assert box and "Draft text to be confirmed" in " ".join(box[0].itertext())
    rendered = len(re.findall(r"Recommendation \d+ \(to:", words))
    assert rendered == len(home.xpath(".//ul[@class='report-recs-glance']/li")) >= 20
    # a full build: every edition offered with its size
    metas = home.xpath(".//span[@class='report-download-meta']/text()")
    assert [re.match(r"\((PDF|DOCX|EPUB), \d+(\.\d)? (KB|MB)", m) is not None
            for m in metas] == [True, True, True], metas


def test_sizes_of_every_edition_on_a_full_build(tmp_path_factory):
    """The site is built after the editions it offers, so each has its size."""
    root = tmp_path_factory.mktemp("web-sizes") / "constructs"
    shutil.copytree(TREES / "constructs", root, ignore=shutil.ignore_patterns("build"))
    commit_all(root)
    pipeline.build(load(root), ["web", "docx", "epub"])
    for name in ("", "downloads"):
        metas = content(page(root, name)).xpath(".//span[@class='report-download-meta']/text()")
        assert re.fullmatch(r"\(DOCX, \d+ KB\)", metas[1]), (name, metas)
        assert re.fullmatch(r"\(EPUB, \d+ KB, ISBN 978-1-0000-0003-0\)", metas[2]), (name, metas)


def test_footnotes_numbered_per_page(built):
    for name in ("01-introduction", "02-practice"):
        chapter = content(page(built, name))
        assert chapter.xpath(".//a[@role='doc-noteref']//text()") == ["1"], name
        assert chapter.xpath(".//section[@role='doc-endnotes']//li/@value") == ["1"], name


def test_tables_and_figures_scroll_in_signposted_regions(built):
    practice = content(page(built, "02-practice"))
    for node, label in ((practice.xpath(".//table")[0], "Table 1"),
                        (practice.xpath(".//figure//img")[0], "Figure 1")):
        region = node.getparent()
        assert "report-scroll" in region.get("class").split()
        assert region.get("role") == "region" and region.get("tabindex") == "0"
        assert region.get("aria-label").startswith(label)
        assert region.get("data-hint") == (
            f"{label} is wider than the screen: scroll sideways to see all of it.")
    # referrals.svg is 400 units wide with 14-unit text: at 21.43em wide its text is 0.75em
    img = practice.xpath(".//figure//img")[0]
    assert img.get("style") == "min-width: 21.43em"


def test_final_build_has_no_stamp_and_noindex_marks_every_page(make_tree):
    root = make_tree("constructs")
    pipeline.build(load(root), ["web"], final=True)
    assert not page(root, "01-introduction").xpath("//*[@class='report-stamp']")
    for path in (root / "build" / "site").rglob("*.html"):
        assert not html.parse(str(path)).getroot().xpath("//meta[@name='robots']"), path
    assert not (root / "build" / "site" / "robots.txt").exists()
    pipeline.build(load(root), ["web"], final=True, noindex=True)
    for path in (root / "build" / "site").rglob("*.html"):
        tree = html.parse(str(path)).getroot()
        assert tree.xpath("//head/meta[@name='robots']/@content") == ["noindex"], path
    assert "Disallow: /" in (root / "build" / "site" / "robots.txt").read_text()


def test_editions_in_build_are_copied_into_downloads(make_tree):
    root = make_tree("constructs")
    slug = "constructs-report"
    build_dir = root / "build"
    build_dir.mkdir()
    (build_dir / f"{slug}.pdf").write_bytes(b"%PDF-1.7 the digital edition\n")
    pipeline.build(load(root), ["web"])
    site = build_dir / "site"
    assert (site / "downloads" / f"{slug}.pdf").read_bytes() == \
        (build_dir / f"{slug}.pdf").read_bytes()
    assert "KB" in " ".join(content(page(root, "downloads")).itertext())
    # an edition built later is brought in by add_downloads (report build calls it)
    (build_dir / f"{slug}.epub").write_bytes(b"PK epub")
    context = pipeline.BuildContext(load(root))
    copied = web.add_downloads(context)
    assert site / "downloads" / f"{slug}.epub" in copied


def test_a_tree_without_the_plugin_named_still_gets_it(make_tree):
    root = make_tree("minimal")
    assert "report" not in (root / "mkdocs.yml").read_text()
    manifest = pipeline.build(load(root), ["web"])
    assert manifest["editions"]["web"]["pages"] == 2
    intro = page(root, "intro")
    assert intro.get("lang") == "en-GB"
    assert intro.xpath("//section[contains(@class,'chapter')]")


def test_plain_mkdocs_build_gives_the_same_chapter_pages(built, tmp_path):
    mkdocs = Path(sys.executable).parent / "mkdocs"
    out = tmp_path / "plain"
    subprocess.run([str(mkdocs), "build", "-q", "-f", str(built / "mkdocs.yml"), "-d", str(out)],
                   check=True, cwd=built)
    for name in CHAPTER_PAGES:
        ours = content(page(built, name))
        plain = html.parse(str(out / name / "index.html")).getroot().xpath("//article")[0]
        assert html.tostring(plain) == html.tostring(ours), name


def test_bad_input_builds_nothing(make_tree, run_report):
    root = make_tree("constructs")
    chapter = root / "chapters" / "02-practice.md"
    chapter.write_text(chapter.read_text() + "\nSee @rec-nowhere.\n")
    result = run_report(root, "build", "web")
    assert result.exit_code == 2
    assert "chapters/02-practice.md:" in result.output
    assert not (root / "build" / "site").exists()
