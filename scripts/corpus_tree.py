#!/usr/bin/env python3
"""Make a report tree from an mdBook (the Rust book in ../shared/corpora) for scale tests.

Reads SUMMARY.md for the chapter order, copies the chapters and images into a new tree
(outside this repository: the corpus is not ours to commit), and writes a minimal
mkdocs.yml. mdBook-only syntax is left as text; implicit figures get their alt text as
`fig-alt`, which the toolkit requires. Usage: scripts/corpus_tree.py SOURCE DEST
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
from pathlib import Path

LINK = re.compile(r"\[(?P<title>[^\]]+)\]\((?P<file>[^)]+\.md)\)")
# An inline link or a reference definition to a page of the book or of the Rust docs.
BOOK_LINK = re.compile(r"(?P<lead>\]\(|^\[[^\]]+\]:\s*)(?P<target>(?![a-z]+:)[^)\s#]*\.html"
                       r"|(?=#))(?P<fragment>#[^)\s]*)?", re.M)
DOCS = "https://doc.rust-lang.org/book/"
LONE_IMAGE = re.compile(r"^!\[(?P<alt>[^\]]*)\]\((?P<src>[^)\s]+)\)\s*$", re.M)


def chapters(summary: Path) -> list[tuple[str, str]]:
    found = []
    for line in summary.read_text(encoding="utf-8").splitlines():
        match = LINK.search(line)
        if match and match.group("file") not in {f for _, f in found}:
            found.append((match.group("title"), match.group("file")))
    return found


def adapt(text: str) -> str:
    """Give lone images a fig-alt (their alt text) and keep one level-1 heading per
    chapter, as the toolkit requires."""
    seen_h1 = False
    lines, fence = [], False
    for line in text.splitlines():
        if line.startswith("```"):
            fence = not fence
        if not fence and line.startswith("# "):
            if seen_h1:
                line = "#" + line
            seen_h1 = True
        lines.append(line)
    text = "\n".join(lines) + "\n"

    def figure(match: re.Match) -> str:
        alt = match.group("alt").replace('"', "'") or "Illustration"
        return f'![{match.group("alt")}]({match.group("src")}){{fig-alt="{alt}"}}'

    return LONE_IMAGE.sub(figure, text)


def book_links(text: str, own: str, found: dict[str, set[str]]) -> str:
    """mdBook links name the built pages (``ch06-02-match.html``): a chapter of the tree
    becomes its Markdown file, anything else (``../std/…``) the page on the web; an
    anchor the toolkit's checks do not find is dropped (mdBook's ids are not pandoc's),
    and a link to such an anchor in the same chapter becomes plain text."""
    def replace(match: re.Match) -> str:
        target, fragment = match.group("target"), match.group("fragment") or ""
        name = Path(target).with_suffix(".md").name if target else own
        if target and (target.startswith("..") or name not in found):
            return match.group("lead") + DOCS + target + fragment
        if fragment and fragment[1:] not in found[name]:
            fragment = ""
        if not target and not fragment:  # inline: plain text (below); a definition: the chapter
            return match.group("lead") + ("#" + _FIRST if match.group("lead") == "](" else own)
        return match.group("lead") + (name if target else "") + fragment

    text = BOOK_LINK.sub(replace, text)
    return re.sub(r"\[([^\]]+)\]\(#" + re.escape(_FIRST) + r"\)", r"\1", text)


_FIRST = "corpus-tree-no-anchor-"


def make_tree(source: Path, dest: Path) -> Path:
    if dest.exists():
        shutil.rmtree(dest)
    (dest / "chapters").mkdir(parents=True)
    from report.checks.outline import anchors
    from report.checks.source import mask_prose

    nav, texts = [], {}
    for title, name in chapters(source / "SUMMARY.md"):
        path = source / name
        if not path.is_file():
            continue
        texts[name] = adapt(path.read_text(encoding="utf-8"))
        nav.append({title: name})
    found = {name: anchors(mask_prose(text)) for name, text in texts.items()}
    for name, text in texts.items():
        (dest / "chapters" / name).write_text(book_links(text, name, found), encoding="utf-8")
    if (source / "img").is_dir():
        shutil.copytree(source / "img", dest / "chapters" / "img")
    manifest = {
        "site_name": "The Rust Programming Language",
        "docs_dir": "chapters",
        "theme": {"name": "material", "font": False},
        "extra": {"version": "1.0.0", "language": "en-GB"},
        "nav": nav,
    }
    (dest / "mkdocs.yml").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    (dest / "contributors.yaml").write_text("contributors: []\n", encoding="utf-8")
    (dest / "review").mkdir()
    return dest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("dest", type=Path)
    args = parser.parse_args()
    tree = make_tree(args.source.resolve(), args.dest.resolve())
    print(f"{len(chapters(args.source / 'SUMMARY.md'))} chapters → {tree}")


if __name__ == "__main__":
    main()
