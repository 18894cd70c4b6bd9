"""A review file written by hand (or by another tool) in the review-file shape.

It is checked against ``report/schemas/review.schema.json`` first, every problem with
its line. Hand-written targets may be partial (a quote and a chapter, or just a
paragraph number); they are located at the round's commit like any other import. Ids
written in the file are kept, so editing and re-importing it adds nothing twice.
"""

from __future__ import annotations

from pathlib import Path

from report.errors import InputError, Problem
from report.review import model
from report.review.anchoring import Found
from report.review.importers import Marked, RoundText
from report.review.importers.safety import check_size


def _parse(path: Path, display: str):
    check_size(path, display)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(Problem(display, None, f"not UTF-8 text: {exc.reason}")) from None
    return model.parse_review(text, display)


def round_named(path: Path, display: str) -> str | None:
    """The round a review file names, if any (used when ``--round`` is not given)."""
    if not path.is_file():
        return None
    data = _parse(path, display)
    return str(data["round"]) if data.get("round") else None


def read(path: Path, display: str, round_text: RoundText) -> list[Marked]:
    data = _parse(path, display)
    reviewer = model.reviewer_of(data, path.stem)
    items: list[Marked] = []
    for index, raw in enumerate(data.get("comments") or []):
        comment = model.Comment.from_dict(raw, f"item-{index + 1}")
        fixed = str(raw["id"]) if raw.get("id") else None
        target = comment.target
        located = target.commit == round_text.commit and target.start is not None
        if not located:
            paragraph = round_text.paragraph(target.paragraph) if target.paragraph else None
            if paragraph is not None and not target.exact:
                _rel, a, b = round_text.region(paragraph)
                chapter = round_text.chapter(paragraph.chapter)
                target = round_text.target(Found(chapter, a, b, "text", 100.0))
            elif target.exact:
                target = round_text.locate(target.exact, target.prefix, target.suffix,
                                           rel=target.source, paragraph=paragraph)
            else:
                target = round_text.unlocated("", rel=target.source)
        items.append(Marked(
            native_id=fixed or f"item-{index + 1}", id=fixed, kind=comment.kind,
            target=target, type=comment.type, body=comment.body, proposed=comment.proposed,
            author=comment.author or reviewer.name, initials=comment.initials,
            created=comment.created, resolved=comment.resolved,
            parent_native=comment.parent, move=comment.move,
            reviewer=reviewer.id, reviewer_name=reviewer.name,
            reviewer_organisation=reviewer.organisation))
    return items
