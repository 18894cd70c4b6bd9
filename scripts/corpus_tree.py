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


def make_tree(source: Path, dest: Path) -> Path:
    if dest.exists():
        shutil.rmtree(dest)
    (dest / "chapters").mkdir(parents=True)
    nav = []
    for title, name in chapters(source / "SUMMARY.md"):
        path = source / name
        if not path.is_file():
            continue
        (dest / "chapters" / name).write_text(adapt(path.read_text(encoding="utf-8")),
                                              encoding="utf-8")
        nav.append({title: name})
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
