"""Where every comment of a round stands now: anchor, line, disposition.

Anchors are computed at every call against the manuscript on disk (never stored), so
the table is right after any edit. ``rows`` gives exactly the entries of the CLI
contract (``report review status --format json``); :func:`entries` gives the records
behind them for exporters that need more (type, paragraph, author, dates).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from report.errors import InputError
from report.review import model
from report.review.anchoring import Anchor, Anchorer
from report.review.model import Comment, ReviewFile, Round

ROW_FIELDS = ("id", "round", "reviewer", "author", "kind", "chapter", "paragraph", "quote",
              "body", "proposed", "anchor", "line", "status", "response", "resolved",
              "parent", "created")


@dataclass
class Entry:
    """One comment with its review file, round and anchor now."""

    round: Round
    review: ReviewFile
    comment: Comment
    anchor: Anchor

    def row(self) -> dict:
        comment = self.comment
        return {
            "id": comment.id,
            "round": self.round.name,
            "reviewer": self.review.reviewer.id,
            "author": comment.author,
            "kind": comment.kind,
            "chapter": self.anchor.chapter if self.anchor.status != "orphaned" else None,
            "paragraph": comment.target.paragraph,
            "quote": comment.quote,
            "body": comment.body,
            "proposed": comment.proposed,
            "anchor": self.anchor.status,
            "line": self.anchor.line if self.anchor.status != "orphaned" else None,
            "status": comment.disposition.status,
            "response": comment.disposition.response,
            "resolved": comment.resolved,
            "parent": comment.parent,
            "created": comment.created,
        }


def current_round(root, name: str | None = None) -> Round:
    """The named round; else the newest open one; else the newest of all."""
    if name is not None:
        return model.get_round(root, name)
    try:
        return model.get_round(root, None, open_only=True)
    except InputError:
        return model.get_round(root, None, open_only=False)


def entries(manuscript, round: str | None = None, anchorer: Anchorer | None = None
            ) -> list[Entry]:
    """Every comment of the round, anchored now, in reading order (orphans last)."""
    record = current_round(manuscript.root, round)
    anchorer = anchorer or Anchorer(manuscript)
    order = {c.rel: index for index, c in enumerate(manuscript.chapters)}
    found: list[Entry] = []
    for review in model.load_round(manuscript.root, record):
        for comment in review.comments:
            found.append(Entry(record, review, comment,
                               anchorer.anchor(comment, record.commit)))
    found.sort(key=lambda e: (
        e.anchor.status == "orphaned",
        order.get(e.anchor.chapter or "", len(order)),
        e.anchor.line or 0,
        e.anchor.start or 0,
        e.review.reviewer.id,
        e.comment.created or "",
    ))
    return found


def rows(manuscript, round: str | None = None) -> list[dict]:
    """The contract's status entries, one per comment or suggested change."""
    return [entry.row() for entry in entries(manuscript, round)]


def table(entries_: list[Entry], round_name: str):
    """A rich renderable: the comments, then counts by anchor and by status."""
    from rich.console import Group
    from rich.table import Table

    listing = Table(title=f"Review round {round_name}: {len(entries_)} comments",
                    title_justify="left", expand=True)
    listing.add_column("id", style="cyan", no_wrap=True)
    listing.add_column("reviewer", max_width=18, overflow="fold")
    listing.add_column("kind", no_wrap=True)
    listing.add_column("where", max_width=36, overflow="fold")
    listing.add_column("anchor", no_wrap=True)
    listing.add_column("status", no_wrap=True)
    listing.add_column("comment", min_width=30, ratio=1, overflow="fold")
    colours = {"exact": "green", "moved": "green", "fuzzy": "yellow", "section": "yellow",
               "orphaned": "red"}
    for entry in entries_:
        row = entry.row()
        where = f"{row['chapter']}:{row['line']}" if row["chapter"] else "-"
        text = row["body"] or ""
        if row["proposed"] is not None:
            text = (text + " " if text else "") + f"→ {row['proposed']!r}"
        if row["quote"]:
            text = f"“{_short(row['quote'], 40)}” {text}"
        listing.add_row(row["id"], row["reviewer"], row["kind"], where,
                        f"[{colours[row['anchor']]}]{row['anchor']}[/]", row["status"],
                        _short(text, 160))
    summary = Table(title="Counts", title_justify="left")
    summary.add_column("by")
    summary.add_column("value")
    summary.add_column("comments", justify="right")
    for label, counter in (("chapter", Counter(e.row()["chapter"] or "(orphaned)"
                                               for e in entries_)),
                           ("reviewer", Counter(e.review.reviewer.id for e in entries_)),
                           ("anchor", Counter(e.anchor.status for e in entries_)),
                           ("status", Counter(e.comment.disposition.status for e in entries_))):
        for value, count in counter.most_common():
            summary.add_row(label, value, str(count))
    return Group(listing, summary)


def _short(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
