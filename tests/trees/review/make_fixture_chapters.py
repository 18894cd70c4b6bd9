"""Regenerate chapters/fixture-*.md from the shared Word fixtures (run from this folder).

Each chapter holds the fixture's *original* text (what a reviewer was given: tracked
deletions in, tracked insertions out), one Markdown paragraph per Word paragraph, so
that importing the fixture against this tree can find every comment and change.
"""

from pathlib import Path

import docx

from report.manuscript.manifest import slugify
from report.review.importers.docx import read_word_text

FIXTURES = Path(__file__).resolve().parents[3].parent / "shared" / "fixtures" / "word"


def main() -> None:
    for path in sorted(FIXTURES.glob("*.docx")):
        word = read_word_text(docx.Document(str(path)).element)
        body = "\n\n".join(word.text[a:b].strip() for a, b in word.paragraphs)
        name = slugify(path.stem)
        text = f"# Fixture {path.stem}\n\n{body}\n"
        Path("chapters", f"fixture-{name}.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
