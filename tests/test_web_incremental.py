"""The web edition rebuilds only what changed, and the result is a cold build's."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

from report import build as pipeline
from report.manuscript import load

KEPT = Path("build") / ".cache" / "web" / "site"


def _site(root: Path, site: Path = Path("build") / "site") -> dict[str, tuple[int, int, bytes]]:
    """Every file of a site: (inode, mtime, bytes); gzip's own timestamp left out."""
    site = root / site
    files = {}
    for path in sorted(site.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            if path.suffix == ".gz":
                data = gzip.decompress(data)
            info = path.stat()
            files[path.relative_to(site).as_posix()] = (info.st_ino, info.st_mtime_ns, data)
    return files


def _rewritten(before: dict, after: dict) -> set[str]:
    return {name for name in after if before.get(name, (None, None))[:2] != after[name][:2]}


def _append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text)


def _cold(root: Path) -> dict[str, bytes]:
    """The site a build from nothing makes of the same tree, in a process that keeps
    nothing (what this one kept from the builds before is set aside meanwhile)."""
    from tests.test_serve_kept import _kept_nothing

    shutil.rmtree(root / "build")
    with _kept_nothing():
        pipeline.build(load(root), ["web"])
    return {name: data for name, (_, _, data) in _site(root).items()}


def test_one_chapter_edit_rewrites_its_page_and_the_search_index_only(make_tree):
    root = make_tree("constructs")
    # The stamp of a draft says "commit+" once the tree has uncommitted edits: a first
    # edit changes every page's stamp (rightly), so the tree is made dirty first.
    _append(root / "chapters" / "foreword.md", "\nA first edit.\n")
    pipeline.build(load(root), ["web"])
    before, kept_before = _site(root), _site(root, KEPT)

    _append(root / "chapters" / "02-practice.md", "\nA sentence added by an author.\n")
    pipeline.build(load(root), ["web"])
    after, kept_after = _site(root), _site(root, KEPT)

    # MkDocs rendered that page alone (the 404 page, whose navigation and settings are
    # unchanged, is kept)...
    assert {name for name in _rewritten(kept_before, kept_after)
            if name.endswith(".html")} == {"02-practice/index.html"}
    # ... and the published site changed in that page and the search index only.
    assert set(after) == set(before)
    assert _rewritten(before, after) == {"02-practice/index.html", "search/search_index.json"}
    assert b"A sentence added by an author." in after["02-practice/index.html"][2]
    assert b"A sentence added by an author." in after["search/search_index.json"][2]
    incremental = {name: data for name, (_, _, data) in after.items()}
    assert incremental == _cold(root)


def test_a_new_chapter_title_rewrites_every_page_that_shows_it(make_tree):
    root = make_tree("constructs")
    _append(root / "chapters" / "foreword.md", "\nA first edit.\n")
    pipeline.build(load(root), ["web"])
    before = _site(root)

    practice = root / "chapters" / "02-practice.md"
    text = practice.read_text(encoding="utf-8")
    heading = next(line for line in text.splitlines() if line.startswith("# "))
    practice.write_text(text.replace(heading, heading.replace("# ", "# Renamed ", 1), 1),
                        encoding="utf-8")
    pipeline.build(load(root), ["web"])
    after = _site(root)

    pages = {name for name in after if name.endswith("/index.html")}
    rewritten = _rewritten(before, after)
    # Every page's navigation names the chapter; its neighbours' previous/next links too;
    # and the 404 page's navigation.
    assert pages <= rewritten, sorted(pages - rewritten)
    assert "404.html" in rewritten
    assert not any(name.startswith("assets/") for name in rewritten)
    assert b"Renamed" in after["01-introduction/index.html"][2]
    incremental = {name: data for name, (_, _, data) in after.items()}
    assert incremental == _cold(root)


def test_a_chapter_added_then_removed_leaves_no_stale_page(make_tree):
    root = make_tree("constructs")
    pipeline.build(load(root), ["web"])
    manifest = root / "mkdocs.yml"
    original = manifest.read_text(encoding="utf-8")
    (root / "chapters" / "03-annex.md").write_text("# Annex\n\nA late annex.\n",
                                                    encoding="utf-8")
    manifest.write_text(original.replace("  - Contributors: contributors.md",
                                         "  - Annex: 03-annex.md\n"
                                         "  - Contributors: contributors.md"), encoding="utf-8")
    pipeline.build(load(root), ["web"])
    added = {name: data for name, (_, _, data) in _site(root).items()}
    assert "03-annex/index.html" in added
    assert b"Annex" in added["02-practice/index.html"]  # its neighbour's "next" link
    assert added == _cold(root)

    manifest.write_text(original, encoding="utf-8")
    (root / "chapters" / "03-annex.md").unlink()
    pipeline.build(load(root), ["web"])
    removed = {name: data for name, (_, _, data) in _site(root).items()}
    assert not any(name.startswith("03-annex") for name in removed)
    assert not (root / KEPT / "03-annex").exists()
    assert removed == _cold(root)


def test_a_download_the_author_links_to_stays_in_the_site(make_tree):
    """The site keeps only the editions it offers under downloads/ (those named after an
    old title go), but a file the author put in the chapters' downloads/ folder and
    links to is theirs: it is published, before and after the editions are copied in."""
    root = make_tree("constructs")
    handout = root / "chapters" / "downloads" / "handout.pdf"
    handout.parent.mkdir()
    handout.write_bytes(b"%PDF-1.4\n%%EOF\n")
    practice = root / "chapters" / "02-practice.md"
    practice.write_text(practice.read_text(encoding="utf-8")
                        + "\n\nSee the [handout](downloads/handout.pdf).\n", encoding="utf-8")
    pipeline.build(load(root), ["digital", "web"], jobs=2)
    site = root / "build" / "site" / "downloads"
    assert (site / "handout.pdf").read_bytes() == handout.read_bytes()
    assert (site / "constructs-report.pdf").is_file()


def test_theme_templates_compiled_once_for_every_later_build(tmp_path, monkeypatch):
    """Material's templates are compiled by the first build only: a later process (here a
    fresh cache in front of the same folder) reads the compiled code back; an edited
    template is compiled again."""
    import jinja2

    from report.editions.web_plugin import _TemplateBytecode

    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "page.html").write_text("<p>{{ words }}</p>")
    compiled: list[str] = []
    compile_source = jinja2.Environment.compile

    def counting(self, source, name=None, filename=None, raw=False, defer_init=False):
        compiled.append(name)
        return compile_source(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    folder = tmp_path / "bytecode"
    folder.mkdir(mode=0o700)

    def render() -> str:
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates)),
                                 bytecode_cache=_TemplateBytecode(str(folder)))
        return env.get_template("page.html").render(words="kept")

    assert render() == "<p>kept</p>" and compiled == ["page.html"]
    assert render() == "<p>kept</p>" and compiled == ["page.html"]  # read back
    (templates / "page.html").write_text("<div>{{ words }}</div>")
    assert render() == "<div>kept</div>" and compiled == ["page.html", "page.html"]


def test_a_new_process_keeps_the_search_entries_of_unchanged_pages(make_tree, monkeypatch):
    """``report build`` is a new process each time: the search entries of every page are
    kept with the site's state, so after a one-chapter edit the other pages are neither
    parsed again for the index nor built, and the site is a cold build's."""
    from material.plugins.search.plugin import SearchIndex

    from report.editions import web_plugin

    root = make_tree("constructs")
    _append(root / "chapters" / "foreword.md", "\nA first edit.\n")
    pipeline.build(load(root), ["web"])
    parsed: list[str] = []
    add = SearchIndex.add_entry_from_context

    def recording(self, page):
        parsed.append(page.file.src_uri)
        return add(self, page)

    monkeypatch.setattr(SearchIndex, "add_entry_from_context", recording)
    monkeypatch.setattr(web_plugin, "_SEARCH_ENTRIES", {})  # as in a new process
    _append(root / "chapters" / "02-practice.md", "\nA sentence added by an author.\n")
    pipeline.build(load(root), ["web"])
    assert parsed == ["02-practice.md"]
    after = {name: data for name, (_, _, data) in _site(root).items()}
    assert b"A sentence added by an author." in after["search/search_index.json"]
    assert after == _cold(root)


def test_an_image_is_copied_again_only_when_it_or_its_copy_changed(make_tree):
    """The site's copy of an image (its metadata stripped) is written again when the image
    changed or the copy in the kept site is no longer the one written, and only then:
    ``report serve`` hands MkDocs every image on every save."""
    root = make_tree("constructs")
    _append(root / "chapters" / "foreword.md", "\nA first edit.\n")
    pipeline.build(load(root), ["web"])
    image = root / "chapters" / "images" / "referrals.svg"
    copy = next((root / KEPT).rglob("referrals.svg"))

    def stamp() -> tuple[int, int]:
        info = copy.stat()
        return info.st_ino, info.st_mtime_ns

    def edit_and_build(n: int) -> None:
        _append(root / "chapters" / "02-practice.md", f"\nA sentence added, number {n}.\n")
        pipeline.build(load(root), ["web"])

    edit_and_build(1)  # this process wrote the copy the first time: it knows it now
    before = stamp()
    edit_and_build(2)
    assert stamp() == before  # the image and its copy as they were: not written again

    svg = image.read_text(encoding="utf-8")
    image.write_text(svg.replace("10,613", "10,614").replace(
        "<title>", "<metadata>Author: A. Person</metadata><title>"), encoding="utf-8")
    edit_and_build(3)
    assert stamp() != before
    assert b"10,614" in copy.read_bytes() and b"A. Person" not in copy.read_bytes()

    copy.write_bytes(b"<svg>tampered</svg>")  # the kept site's copy changed behind us
    edit_and_build(4)
    assert b"10,614" in copy.read_bytes() and b"tampered" not in copy.read_bytes()
    published = root / "build" / "site" / copy.relative_to(root / KEPT)
    assert published.read_bytes() == copy.read_bytes()
    after = {name: data for name, (_, _, data) in _site(root).items()}
    assert after == _cold(root)


def test_a_chapter_whose_front_matter_alone_changed_is_read_again(make_tree):
    """A chapter page whose file is as this process last read it is not read again
    (``_read_as_before``); one whose front matter changed, with no change to its render,
    is: MkDocs' theme acts on it (here, the page's table of contents hidden)."""
    root = make_tree("constructs")
    _append(root / "chapters" / "foreword.md", "\nA first edit.\n")
    pipeline.build(load(root), ["web"])
    _append(root / "chapters" / "01-introduction.md", "\nAn edit elsewhere.\n")
    pipeline.build(load(root), ["web"])  # this process has read every chapter now
    page = root / "build" / "site" / "02-practice" / "index.html"
    toc = b'data-md-type="toc" >'
    assert toc in page.read_bytes()

    practice = root / "chapters" / "02-practice.md"
    practice.write_text("---\nhide:\n  - toc\n---\n" + practice.read_text(encoding="utf-8"),
                        encoding="utf-8")
    _append(root / "chapters" / "01-introduction.md", "\nAnother edit elsewhere.\n")
    pipeline.build(load(root), ["web"])
    assert toc not in page.read_bytes() and b'data-md-type="toc" hidden' in page.read_bytes()
    after = {name: data for name, (_, _, data) in _site(root).items()}
    assert after == _cold(root)
