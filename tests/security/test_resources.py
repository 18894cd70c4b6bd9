"""Chapters read only the tree: every image, media element and link pandoc sees.

Each attack is written into a chapter of the minimal tree, the way an author (or a pull
request) could: the build must stop at the chapter's line with exit 2, write no edition,
embed nothing from outside and send no request to a listener on 127.0.0.1. The sandbox
that backs the gate up is tested on its own: pandoc's writers given an outside image or
a URL by hand still read nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from report.render import pandoc
from tests.security.attack import SECRET, assert_nothing_outside, listener, outside_file

EDITIONS = ("web", "docx", "epub", "digital")


def _attack(root: Path, text: str) -> int:
    """Append ``text`` to the findings chapter; return the line it starts on."""
    chapter = root / "chapters" / "findings.md"
    before = chapter.read_text()
    chapter.write_text(before + "\n" + text + "\n")
    return before.count("\n") + 2


def _png_at(path: Path) -> Path:
    from PIL import Image

    Image.new("RGB", (4, 4), (200, 30, 30)).save(path)
    return path


CHAPTER_ATTACKS = [
    ('<img src="{secret}" alt="x">', "<img src> absolute path not allowed"),
    ('<video src="{secret}"></video>', "<video src> absolute path not allowed"),
    ('<audio controls src="../../secret.txt"></audio>', "<audio src> outside the report tree"),
    ('<video><source src="{secret}"></video>', "<source src> absolute path not allowed"),
    ("![A chart.](../../secret.txt 'single-quoted title')", "image outside the report tree"),
    ("![A chart][fig]\n\n[fig]: {secret}", "image absolute path not allowed"),
    ("![alt [with] brackets](../../secret.txt)", "image outside the report tree"),
    ('<div style="background: url({secret})">x</div>', "CSS url() absolute path"),
    ("[the file](file://{secret})", "link scheme file: not allowed"),
    ("[up and out](../../secret.txt)", "link outside the report tree"),
]


@pytest.mark.parametrize(("text", "message"), CHAPTER_ATTACKS)
def test_outside_resources_are_bad_input_at_their_line(make_tree, run_report, tmp_path: Path,
                                                       text: str, message: str) -> None:
    root = make_tree("minimal")
    secret = outside_file(tmp_path)
    line = _attack(root, text.format(secret=secret))
    line += text.count("\n")  # where the path is written: a reference's definition
    result = run_report(root, "build", *EDITIONS)
    assert result.exit_code == 2, result.output
    assert f"chapters/findings.md:{line}" in result.output and message in result.output, \
        result.output
    assert SECRET not in result.output
    assert_nothing_outside(root / "build")
    assert not list((root / "build").glob("*.docx")) and not (root / "build" / "site").exists()


def test_symlinked_image_out_of_the_tree_is_refused(make_tree, run_report,
                                                    tmp_path: Path) -> None:
    root = make_tree("minimal")
    images = root / "chapters" / "images"
    images.mkdir()
    (images / "chart.png").symlink_to(_png_at(tmp_path / "outside.png"))
    line = _attack(root, '![A chart.](images/chart.png){fig-alt="A chart."}')
    result = run_report(root, "build", "docx")
    assert result.exit_code == 2
    assert f"chapters/findings.md:{line}" in result.output
    assert "image outside the report tree: images/chart.png" in result.output


@pytest.mark.parametrize("template", [
    '![A chart.]({url}/image.png){{fig-alt="A chart."}}',
    '<img src="{url}/img.png" alt="x">',
    '<video src="{url}/v.mp4"></video> <audio src="{url}/a.mp3"></audio>',
    '<img srcset="{url}/small.png 1x, {url}/big.png 2x" alt="x">',
])
def test_no_request_reaches_a_listener(make_tree, run_report, template: str) -> None:
    root = make_tree("minimal")
    with listener() as (url, hits):
        line = _attack(root, template.format(url=url))
        result = run_report(root, "build", *EDITIONS)
    assert result.exit_code == 2, result.output
    assert f"chapters/findings.md:{line}" in result.output
    assert "URL not allowed" in result.output
    assert hits == []


def test_csl_parent_is_not_fetched(make_tree, run_report) -> None:
    root = make_tree("constructs")
    with listener() as (url, hits):
        (root / "dependent.csl").write_text(
            '<?xml version="1.0" encoding="utf-8"?>\n'
            '<style xmlns="http://purl.org/net/xbiblio/csl" version="1.0" class="in-text">\n'
            f'  <info><title>Dependent</title><id>x</id>'
            f'<link rel="independent-parent" href="{url}/parent.csl"/></info>\n'
            '</style>\n')
        manifest = root / "mkdocs.yml"
        text = manifest.read_text().replace("  bibliography: refs.bib",
                                            "  bibliography: refs.bib\n  csl: dependent.csl")
        manifest.write_text(text)
        line = text.splitlines().index("  csl: dependent.csl") + 1
        result = run_report(root, "build", "docx")
    assert result.exit_code == 2, result.output
    assert f"mkdocs.yml:{line}: extra.csl: its independent parent style must be a file in " \
        "the tree" in result.output
    assert hits == []


def test_csl_parent_in_the_tree_is_used(make_tree, run_report) -> None:
    from report.render import DEFAULT_CSL

    root = make_tree("constructs")
    (root / "styles").mkdir()
    (root / "styles" / "parent.csl").write_bytes(DEFAULT_CSL.read_bytes())
    (root / "styles" / "dependent.csl").write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<style xmlns="http://purl.org/net/xbiblio/csl" version="1.0" class="in-text">\n'
        '  <info><title>Dependent</title><id>x</id>'
        '<link rel="independent-parent" href="parent.csl"/></info>\n</style>\n')
    manifest = root / "mkdocs.yml"
    manifest.write_text(manifest.read_text().replace(
        "  bibliography: refs.bib", "  bibliography: refs.bib\n  csl: styles/dependent.csl"))
    result = run_report(root, "build", "docx")
    assert result.exit_code == 0, result.output


def test_sandboxed_writers_read_nothing_by_themselves(tmp_path: Path) -> None:
    """Behind the gate: pandoc as the toolkit runs it ignores an outside image, raw HTML
    media and URLs even when handed them directly."""
    secret = outside_file(tmp_path, "secret.png")
    with listener() as (url, hits):
        raw = f'<img src="{secret}"><video src="{url}/v.mp4"></video>'
        doc = {"pandoc-api-version": [1, 23, 1], "meta": {}, "blocks": [
            {"t": "Para", "c": [{"t": "Image", "c": [["", [], []], [], [str(secret), ""]]},
                                {"t": "Image", "c": [["", [], []], [], [f"{url}/i.png", ""]]}]},
            {"t": "RawBlock", "c": ["html", raw]}]}
        source = tmp_path / "doc.json"
        source.write_text(json.dumps(doc))
        for writer in ("docx", "epub3"):
            out = tmp_path / f"out.{writer}"
            pandoc.run(["-f", "json", "-t", writer, "-o", str(out), str(source)], cwd=tmp_path)
            assert out.is_file()
    assert hits == []
    out_dir = tmp_path / "outputs"
    out_dir.mkdir()
    for writer in ("docx", "epub3"):
        (tmp_path / f"out.{writer}").rename(out_dir / f"out.{writer}")
    assert_nothing_outside(out_dir)
