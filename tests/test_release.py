"""``report release``: every failed gate listed, nothing written or tagged on refusal; on a
clean tree the bundle (editions, summary, cover, manifest, SHA256SUMS) and the tag.

A release builds five editions and runs EPUBCheck, so the clean release is built once per
session (:func:`released_clones`) and shared with the reproducibility and embargo tests.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import git
import pikepdf
import pytest
from click.testing import CliRunner
from lxml import etree
from PIL import Image

from report.checks.built import pdf_accessibility_findings
from report.cli import main
from report.manuscript import load
from report.release import gates
from tests.conftest import commit_all
from tests.pdftext import pages

TREE = Path(__file__).resolve().parent / "trees" / "release"
PROFILE = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")
# Every commit of the test trees is dated here, long before any day the tests run: a
# build that used today's date instead of the commit's would show it.
COMMIT_DATE = "2022-02-28T12:00:00+00:00"
FAR_LAUNCH = "2999-01-01T00:01"
FAR_LAUNCH_SHOWN = "Tuesday 1 January 2999, 00:01 GMT"
VERSION = "1.0.0"
SLUG = "release-report"
DC = "http://purl.org/dc/elements/1.1/"


def run(root: Path, *args: str):
    return CliRunner().invoke(main, ["--root", str(root), *args], catch_exceptions=False)


def commit(root: Path, message: str = "release tree") -> git.Repo:
    """Commit everything in ``root`` (a new repository if needed) at :data:`COMMIT_DATE`."""
    return commit_all(root, message, author="Comms Officer", email="comms@example.org",
                      date=COMMIT_DATE)


def make_tree(dest: Path, edit: Callable[[Path], None] | None = None) -> Path:
    """tests/trees/release in a new repository; with the printer's profile where the
    machine has one, so the print edition is PDF/X-4 as a real release's would be."""
    shutil.copytree(TREE, dest)
    if PROFILE.is_file():
        shutil.copy(PROFILE, dest / "printer.icc")
        manifest = dest / "mkdocs.yml"
        manifest.write_text(manifest.read_text().replace(
            "extra:\n", "extra:\n  print_profile: printer.icc\n", 1))
    if edit:
        edit(dest)
    commit(dest)
    return dest


def clone(origin: Path, dest: Path) -> Path:
    """A fresh clone, as another machine would have (no tags, its own identity)."""
    repo = git.Repo.clone_from(origin, dest, no_tags=True)
    with repo.config_writer() as config:
        config.set_value("user", "name", "Comms Officer")
        config.set_value("user", "email", "comms@example.org")
    return dest


def released_clones(factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two clones of one commit, each released as 1.0.0 with a far launch (embargoed),
    once per session: a marker file in the session's temporary folder says it is done."""
    base = factory.getbasetemp() / "release-clones"
    first, second = base / "first", base / "second"
    if (base / "done").is_file():
        return first, second
    base.mkdir()
    origin = make_tree(base / "origin")
    for root in (first, second):
        clone(origin, root)
        result = run(root, "release", VERSION, "--launch", FAR_LAUNCH, "--allow-open-comments")
        assert result.exit_code == 0, result.output
    (base / "done").write_text("")
    return first, second


@pytest.fixture
def released(tmp_path_factory) -> Path:
    return released_clones(tmp_path_factory)[0]


def bundle_of(root: Path) -> Path:
    return root / "build" / "release" / VERSION


# ----------------------------------------------------------------------------- refusals

OPEN_COMMENT = """\
  - id: pat-2
    kind: comment
    type: te
    body: Is this figure still current?
    target:
      source: chapters/01-introduction.md
      selector:
        - {type: TextQuoteSelector, exact: "modern slavery", prefix: "people were in ", suffix: ""}
    disposition: {status: open}
"""


def spoil(root: Path) -> None:
    """The four reasons of the acceptance test, each in its own place."""
    chapter = root / "chapters" / "01-introduction.md"
    chapter.write_text(chapter.read_text() + (
        "\nPractice has {++improved++} since then.\n"
        "\nThe housing officer, Wren Withdrawn, described the local response.\n"
        "\n![A chart without alt text.](images/referrals.svg)\n"))
    review = root / "review" / "r1" / "pat.yaml"
    review.write_text(review.read_text() + OPEN_COMMENT)


def test_refusal_lists_every_reason_and_writes_nothing(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "spoilt", spoil)
    result = run(root, "release", VERSION)
    assert result.exit_code == 1, result.output
    out = result.output
    assert f"release {VERSION} refused" in out
    assert "check: chapters/01-introduction.md:13:14: DRAFT001 CriticMarkup" in out
    assert "consent: chapters/01-introduction.md:15:22: CONSENT-NAME name of contributor " \
        "'wwithdrawn', who withdrew consent" in out
    assert "check: chapters/01-introduction.md:17:1: STRUCT031 figure without alt text" in out
    assert "review: review/r1/pat.yaml: comment pat-2 (round r1, pat, at " \
        "chapters/01-introduction.md:3) is open on “modern slavery”" in out
    assert "accessibility: not checked" in out
    assert "Wren Withdrawn" not in out  # messages name the record, never the person
    assert not (root / "build").exists()
    assert git.Repo(root).tags == []


def test_allowing_open_comments_drops_only_that_reason(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "spoilt", spoil)
    result = run(root, "release", VERSION, "--allow-open-comments")
    assert result.exit_code == 1
    assert "review:" not in result.output
    assert "DRAFT001" in result.output and "CONSENT-NAME" in result.output


def test_draft_passage_and_language_to_avoid(tmp_path: Path) -> None:
    """A draft div and a terminology error fail the final check; an answered comment
    (accepted) does not hold the release."""
    def draft(root: Path) -> None:
        chapter = root / "chapters" / "01-introduction.md"
        chapter.write_text(chapter.read_text() + "\n::: {.draft}\nTo be confirmed.\n:::\n"
                           "\nSome reports still speak of child prostitution.\n")

    root = make_tree(tmp_path / "draft", draft)
    result = run(root, "release", VERSION)
    assert result.exit_code == 1
    assert "check: chapters/01-introduction.md:13:1: DRAFT003" in result.output
    assert "check: chapters/01-introduction.md:17:" in result.output
    assert "TERM001 avoid “child prostitution”" in result.output
    assert "review:" not in result.output


def test_version_tag_and_git_gates(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "tree")
    repo = git.Repo(root)
    repo.create_tag("v2.0.0", message="released elsewhere")
    (root / "stray.txt").write_text("not committed\n")
    chapter = root / "chapters" / "references.md"
    chapter.write_text(chapter.read_text() + "\nAn edit.\n")
    (root / "build").mkdir()
    (root / "build" / "leftover.txt").write_text("outputs are never committed\n")
    result = run(root, "release", "2.0.0")
    assert result.exit_code == 1
    out = result.output
    line = (root / "mkdocs.yml").read_text().splitlines().index('  version: "1.0.0"') + 1
    assert f"version: mkdocs.yml:{line}: extra.version is '1.0.0', not '2.0.0'" in out
    assert "tag: tag v2.0.0 already exists" in out
    assert "git: chapters/references.md: not committed" in out
    assert "git: stray.txt: untracked" in out
    assert "leftover" not in out
    assert not (root / "build" / "release").exists()


def test_build_folder_is_never_a_change_even_without_gitignore(tmp_path: Path) -> None:
    def unignore(root: Path) -> None:
        (root / ".gitignore").unlink()

    root = make_tree(tmp_path / "tree", unignore)
    (root / "build" / "site").mkdir(parents=True)
    (root / "build" / "site" / "index.html").write_text("<html></html>")
    assert gates.git_gate(gates.repository(root), root) == []
    (root / "notes.txt").write_text("x")
    assert [str(f) for f in gates.git_gate(gates.repository(root), root)][0] == \
        "git: notes.txt: untracked"


def test_outside_git_the_release_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    shutil.copytree(TREE, root)
    result = run(root, "release", VERSION)
    assert result.exit_code == 1
    assert "is not in a git repository" in result.output


@pytest.mark.parametrize("args", [["release", "1..0"], ["release", "v1/../x"],
                                  ["release", VERSION, "--launch", "next Tuesday"],
                                  ["release", VERSION, "--launch", "2022-03-27T01:30"]])
def test_bad_version_or_launch_is_a_usage_error(tmp_path: Path, args: list[str]) -> None:
    root = make_tree(tmp_path / "tree")
    result = run(root, *args)
    assert result.exit_code == 2, result.output
    assert not (root / "build").exists()


def test_a_failure_after_the_build_leaves_no_bundle_and_no_tag(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The last step, the tag, fails (git has no identity to sign it with): the bundle
    built in its temporary folder is discarded, and nothing is tagged."""
    root = make_tree(tmp_path / "tree")
    repo = git.Repo(root)
    with repo.config_writer() as config:
        config.remove_section("user")
        config.set_value("user", "useConfigOnly", "true")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME",
                 "GIT_COMMITTER_EMAIL", "EMAIL"):
        monkeypatch.delenv(name, raising=False)
    result = run(root, "release", VERSION)
    assert result.exit_code == 1, result.output
    assert "tag: git could not tag v1.0.0" in result.output
    assert repo.tags == []
    release_dir = root / "build" / "release"
    assert not release_dir.exists() or list(release_dir.iterdir()) == []


# ------------------------------------------------------------------------------ bundle


def test_bundle_holds_the_editions_summary_cover_and_checksums(released: Path) -> None:
    bundle = bundle_of(released)
    names = sorted(p.name for p in bundle.iterdir())
    assert names == sorted([
        "SHA256SUMS", "manifest.json", "site", f"{SLUG}-print.pdf", f"{SLUG}-cover.pdf",
        f"{SLUG}.pdf", f"{SLUG}.docx", f"{SLUG}.epub", f"{SLUG}-executive-summary.pdf",
        f"{SLUG}-cover.png"])
    sums = (bundle / "SHA256SUMS").read_text().splitlines()
    listed = [line.split("  ", 1)[1] for line in sums]
    assert listed == sorted(listed)
    on_disk = sorted(p.relative_to(bundle).as_posix() for p in bundle.rglob("*")
                     if p.is_file() and p.name != "SHA256SUMS")
    assert listed == on_disk
    checked = subprocess.run(["sha256sum", "--quiet", "-c", "SHA256SUMS"], cwd=bundle,
                             capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(bundle.stat().st_mode) == 0o777 & ~umask
    assert stat.S_IMODE((bundle / "site").stat().st_mode) == 0o777 & ~umask


def test_manifest_records_version_commit_isbns_and_launch(released: Path) -> None:
    manifest = json.loads((bundle_of(released) / "manifest.json").read_text())
    head = git.Repo(released).head.commit.hexsha
    assert manifest["version"] == VERSION and manifest["tag"] == "v1.0.0"
    assert manifest["commit"] == head
    assert manifest["draft"] is False and manifest["dirty"] is False
    assert manifest["launch"] == "2999-01-01T00:01:00+00:00"
    assert manifest["launch_display"] == FAR_LAUNCH_SHOWN
    editions = manifest["editions"]
    assert list(editions) == ["print", "digital", "web", "docx", "epub"]
    assert editions["print"]["isbn"] == "978-1-0000-0001-6"
    assert editions["digital"]["isbn"] == "978-1-0000-0002-3"
    assert editions["epub"]["isbn"] == "978-1-0000-0003-0"
    assert "isbn" not in editions["web"]
    for entry in [*editions.values(), *manifest["extras"].values()]:
        assert entry["path"].startswith("build/release/1.0.0/")
        assert (released / entry["path"]).exists()
    assert manifest["extras"]["summary"]["pages"] == 1


def test_tag_is_annotated_on_the_commit_and_names_the_launch(released: Path) -> None:
    repo = git.Repo(released)
    tag = repo.tags["v1.0.0"]
    assert tag.tag is not None, "not an annotated tag"
    assert tag.commit == repo.head.commit
    message = tag.tag.message
    assert f"Launch: 2999-01-01T00:01:00+00:00 ({FAR_LAUNCH_SHOWN})" in message
    import hashlib
    sums = (bundle_of(released) / "SHA256SUMS").read_bytes()
    assert f"SHA256SUMS: {hashlib.sha256(sums).hexdigest()}" in message


def test_pdfs_print_the_version_and_their_own_isbn(released: Path) -> None:
    bundle = bundle_of(released)
    for name, isbn in ((f"{SLUG}-print.pdf", "ISBN 978-1-0000-0001-6 (print)"),
                       (f"{SLUG}.pdf", "ISBN 978-1-0000-0002-3 (PDF)")):
        text = "\n".join(page.text for page in pages(bundle / name))
        assert isbn in text, name
        assert "Version 1.0.0" in text, name
        assert "not for circulation" not in text, name  # final: no draft stamp
    for name, isbn in ((f"{SLUG}-print.pdf", "978-1-0000-0001-6"),
                       (f"{SLUG}.pdf", "978-1-0000-0002-3")):
        with pikepdf.open(bundle / name) as pdf:
            metadata = pdf.open_metadata()
            assert metadata.get(f"{{{DC}}}identifier") == f"urn:isbn:{isbn}", name
            if name.endswith("-print.pdf") and PROFILE.is_file():
                assert "GTS_PDFXVersion" in str(metadata)


def test_epub_carries_its_isbn(released: Path) -> None:
    import zipfile

    with zipfile.ZipFile(bundle_of(released) / f"{SLUG}.epub") as epub:
        opf = next(n for n in epub.namelist() if n.endswith(".opf"))
        package = etree.fromstring(epub.read(opf))
    identifiers = package.xpath("//dc:identifier/text()",
                                namespaces={"dc": "http://purl.org/dc/elements/1.1/"})
    assert "urn:isbn:978-1-0000-0003-0" in identifiers


def test_executive_summary_is_a_tagged_pdf_of_the_summary_only(released: Path) -> None:
    summary = bundle_of(released) / f"{SLUG}-executive-summary.pdf"
    assert pdf_accessibility_findings(summary) == []
    text = " ".join(" ".join(page.text for page in pages(summary)).split())
    assert "Executive summary" in text
    assert "Practitioners met to share what works" in text
    assert "Recommendation 1" in text  # a cross-reference kept as its text
    assert "40.3 million" not in text  # the introduction is not in the summary
    assert "ISBN 978-1-0000-0002-3" in text and "Version 1.0.0" in text
    with pikepdf.open(summary) as pdf:
        assert str(pdf.docinfo["/Title"]).startswith("Executive summary: Release Report")


def test_cover_for_social_posts(released: Path) -> None:
    with Image.open(bundle_of(released) / f"{SLUG}-cover.png") as image:
        assert image.format == "PNG" and image.size == (1200, 630)


def test_embargoed_web_edition_is_noindex_everywhere(released: Path) -> None:
    site = bundle_of(released) / "site"
    html_pages = sorted(site.rglob("*.html"))
    assert len(html_pages) >= 4
    for page in html_pages:
        assert b'<meta name="robots" content="noindex' in page.read_bytes(), page
    downloads = {p.name for p in (site / "downloads").iterdir()}
    assert {f"{SLUG}.pdf", f"{SLUG}.docx", f"{SLUG}.epub"} <= downloads


def test_release_of_the_same_version_again_is_refused(released: Path) -> None:
    result = run(released, "release", VERSION)
    assert result.exit_code == 1
    assert "tag: tag v1.0.0 already exists" in result.output
    assert load(released).manifest.version == VERSION


def test_a_placeholder_contributor_record_is_refused(tmp_path: Path) -> None:
    def mark(root: Path) -> None:
        register = root / "contributors.yaml"
        text = register.read_text()
        first = text.index("  - id: ")
        end = text.index("\n", first) + 1
        register.write_text(text[:end] + "    placeholder: true\n" + text[end:])

    root = make_tree(tmp_path / "placeholder", mark)
    result = run(root, "release", VERSION, "--allow-open-comments")
    assert result.exit_code == 1, result.output
    assert "is marked placeholder: confirm its consent record" in result.output
    assert not (root / "build" / "release").exists()
