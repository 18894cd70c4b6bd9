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


@dataclass
class Invitee:
    """An invited reviewer (or one who answered uninvited) and where they stand."""

    id: str
    name: str | None
    comments: int
    state: str  # "responded", "awaiting", "overdue" or "not invited"


def invitees(root, record: Round, today: str | None = None) -> list[Invitee]:
    """Every reviewer invited to the round: responded, awaiting, or overdue.

    Overdue means no file yet and the deadline has passed (``today`` as ISO date,
    default the opening clock of :func:`report.review.round.today`). Reviewers whose
    files arrived without an invitation are listed after, as "not invited".
    """
    from report.review.round import today as clock

    day = today or clock()
    files = {r.reviewer.id: r for r in model.load_round(root, record)}
    out = []
    for ident in record.reviewers:
        review = files.get(ident)
        if review is not None and review.comments:
            state = "responded"
        elif record.deadline and day > str(record.deadline):
            state = "overdue"
        else:
            state = "awaiting"
        out.append(Invitee(ident, review.reviewer.name if review else None,
                           len(review.comments) if review else 0, state))
    for ident, review in files.items():
        if ident not in record.reviewers:
            out.append(Invitee(ident, review.reviewer.name, len(review.comments),
                               "not invited" if record.reviewers else "responded"))
    return out


def invitee_table(people: list[Invitee], record: Round):
    """Who was asked, who answered, who is late: the coordinator's chase list."""
    from rich.table import Table
    from rich.text import Text

    deadline = f", due {record.deadline}" if record.deadline else ""
    listing = Table(title=f"Reviewers ({len(record.reviewers)} invited{deadline})",
                    title_justify="left")
    for column in ("reviewer", "name", "comments", "state"):
        listing.add_column(column, justify="right" if column == "comments" else "left")
    colours = {"responded": "green", "awaiting": "yellow", "overdue": "red",
               "not invited": "magenta"}
    for person in people:
        listing.add_row(Text(person.id), Text(person.name or ""), str(person.comments),
                        f"[{colours[person.state]}]{person.state}[/]")
    return listing


def table(entries_: list[Entry], round_name: str, people: list[Invitee] | None = None,
          record: Round | None = None):
    """A rich renderable: the comments, counts by anchor and status, and the reviewers."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

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
               "orphaned": "red", "deleted": "red", "general": "blue"}
    for entry in entries_:
        row = entry.row()
        where = f"{row['chapter']}:{row['line']}" if row["chapter"] else "-"
        text = row["body"] or ""
        if row["proposed"] is not None:
            text = (text + " " if text else "") + f"→ {row['proposed']!r}"
        if row["quote"]:
            text = f"“{_short(row['quote'], 40)}” {text}"
        # What reviewers wrote is text, never rich markup ("[/x]" in a comment).
        listing.add_row(Text(row["id"]), Text(row["reviewer"]), row["kind"], Text(where),
                        f"[{colours[row['anchor']]}]{row['anchor']}[/]", row["status"],
                        Text(_short(text, 160)))
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
            summary.add_row(label, Text(value), str(count))
    if people is not None and record is not None:
        return Group(listing, summary, invitee_table(people, record))
    return Group(listing, summary)


def _short(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
