"""Acceptance (issue 6): every Word fixture imports with every comment and tracked change.

Each fixture is imported against the shared test tree, whose chapters hold the fixtures'
original text; every comment, reply and change must come back with the right kind,
quote, author, date, body and parent, anchored exactly, and importing the same file
again must add nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from reviewcore import FIXTURES, review_tree, run, snapshot

from report.review import model

# fixture -> [(kind, quote, author, created, body (start of), proposed, parent quote)]
EXPECTED = {
    "comments-rich-para.docx": [
        ("comment", "Some text worthy of note.", "Steve Canny", "2025-06-07T11:20:00Z",
         "Text with hyperlink https://google.com embedded.", None, None),
        ("comment", "Other text worthy of note.", "", "2025-06-07T11:31:00Z",
         "Text with inline image", None, None),
        ("comment", "Paragraph 5", "", "2025-06-07T11:47:00Z", "Text with character style.",
         None, None),
        ("comment", "Paragraph 6", "", "2025-06-07T12:05:00Z",
         "Paragraph with Heading 2 paragraph style.", None, None),
    ],
    "mammoth-comments.docx": [
        ("comment", "Ouch", "Michael Williamson", "2016-07-03T15:10:00Z",
         "A tachyon walks into a bar.", None, None),
        ("comment", "", "Michael Williamson", "2016-07-03T15:12:00Z", "Fin.", None, None),
    ],
    "pandoc-comments.docx": [
        ("comment", "some text to have a comment", "Jesse Rosenthal", "2016-05-09T16:13:00Z",
         "I left a comment.", None, None),
        ("comment", "a new paragraph.\n\nAnd so", "Jesse Rosenthal", "2016-05-09T16:13:00Z",
         "A comment across paragraphs.", None, None),
        ("comment", "more", "Jesse Rosenthal", "2016-05-09T16:14:00Z",
         "This one has multiple paragraphs.\n\nSee?", None, None),
        ("comment", "comment in a comment", "Jesse Rosenthal", "2016-06-22T14:35:00Z",
         "Do something.", None, None),
        ("reply", "comment in a comment", "Jesse Rosenthal", "2016-06-22T14:36:00Z",
         "Do something else.", None, "comment in a comment"),
    ],
    "pandoc-comments_warning.docx": [
        ("comment", "comment with some formatting", "Jesse Rosenthal", "2016-06-22T14:32:00Z",
         "Here is a table:\n\nX | Y | Z\n1 | 2 | 3\n4 | 5 | 6", None, None),
    ],
    "pandoc-paragraph_insertion_deletion.docx": [
        ("insertion", "", "Seeley, Jason", "2017-09-17T16:39:00Z",
         "Insert a paragraph break here.", "\n", None),
        ("deletion", "", "Seeley, Jason", "2017-09-17T16:39:00Z",
         "Join this paragraph with the next", None, None),
    ],
    "pandoc-track_changes_deletion.docx": [
        ("deletion", "n excessively modified", "eng-dept", "2014-06-25T10:42:00Z", None, None,
         None),
    ],
    "pandoc-track_changes_insertion.docx": [
        ("insertion", "", "eng-dept", "2014-06-25T10:40:00Z", None, "two exciting ",
         None),  # the trailing space is part of the insertion
    ],
    "pandoc-track_changes_move.docx": [
        ("insertion", "", "Jesse Rosenthal", "2016-04-16T08:20:00Z", "Moved here",
         "Here is the text to be moved.", None),
        ("deletion", "Here is the text to be moved.", "Jesse Rosenthal",
         "2016-04-16T08:20:00Z", "Moved from here", None, None),
    ],
    "pandoc-track_changes_scrubbed_metadata.docx": [
        ("replacement", "dummy", "Author", None, None, "test", None),
        ("comment", "document", "Author", None, "With a comment!", None, None),
    ],
}

# Where point items (empty quotes) sit: the text that follows them in the chapter file.
POINTS = {
    ("mammoth-comments.docx", "comment"): "\n",
    ("pandoc-paragraph_insertion_deletion.docx", "insertion"): " split",
    ("pandoc-paragraph_insertion_deletion.docx", "deletion"): "\n\nParagraph.",
    ("pandoc-track_changes_insertion.docx", "insertion"): "insertions.",
    ("pandoc-track_changes_move.docx", "insertion"): "Here is some more text.",
}


def test_every_fixture_is_listed() -> None:
    assert sorted(p.name for p in FIXTURES.glob("*.docx")) == sorted(EXPECTED)


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> Path:
    """The test tree with every fixture imported, one command each."""
    root = review_tree(tmp_path_factory.mktemp("docx"))
    for name in EXPECTED:
        result = run(root, "import", str(FIXTURES / name), "--not-pack")
        assert result.exit_code == 0, result.output
    return root


def _comments(root: Path) -> list[model.Comment]:
    return [c for review in model.load_round(root, "r1") for c in review.comments]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_imports_every_comment_and_change(imported: Path, name: str) -> None:
    comments = [c for c in _comments(imported) if c.source and c.source.file == name]
    by_id = {c.id: c for c in _comments(imported)}
    got = sorted(((c.kind, c.quote, c.author, c.created) for c in comments), key=repr)
    want = sorted(((k, q, a, d) for k, q, a, d, *_ in EXPECTED[name]), key=repr)
    assert got == want
    for kind, quote, _author, created, body, proposed, parent in EXPECTED[name]:
        match = [c for c in comments if (c.kind, c.quote, c.created) == (kind, quote, created)]
        assert len(match) == 1
        comment = match[0]
        if body is None:
            assert comment.body is None
        else:
            assert comment.body is not None and comment.body.startswith(body)
        assert comment.proposed == proposed
        if parent is None:
            assert comment.parent is None
        else:
            assert comment.parent in by_id and by_id[comment.parent].quote == parent
            assert by_id[comment.parent].kind == "comment"
        assert comment.source.format == "docx" and len(comment.source.sha256) == 64
        # located where the reviewer marked it, at the round's commit
        chapter = (imported / comment.target.source).read_text()
        assert comment.target.source.startswith("chapters/fixture-")
        assert comment.target.paragraph is not None
        marked = chapter[comment.target.start:comment.target.end]
        assert " ".join(marked.split()) == " ".join(quote.split())
        follows = POINTS.get((name, kind))
        if not quote and follows is not None and (name, kind) != ("mammoth-comments.docx",
                                                                  "comment"):
            assert chapter[comment.target.start:].startswith(follows)


def test_moves_share_an_id_and_replies_know_their_parent(imported: Path) -> None:
    moves = [c for c in _comments(imported) if c.move]
    assert len(moves) == 2 and len({c.move for c in moves}) == 1
    assert {c.kind for c in moves} == {"insertion", "deletion"}


def test_status_after_import_is_exact_on_the_right_lines(imported: Path) -> None:
    by_id = {c.id: c for c in _comments(imported)}
    result = run(imported, "status", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert len(rows) == sum(len(v) for v in EXPECTED.values())
    assert {r["anchor"] for r in rows} == {"exact"}
    for row in rows:
        assert set(row) == {"id", "round", "reviewer", "author", "kind", "chapter",
                            "paragraph", "quote", "body", "proposed", "anchor", "line",
                            "status", "response", "resolved", "parent", "created"}
        stored = by_id[row["id"]]
        assert (row["author"], row["created"], row["parent"], row["resolved"],
                row["paragraph"]) == (stored.author, stored.created, stored.parent,
                                      stored.resolved, stored.target.paragraph)
        assert row["paragraph"] is not None
        lines = (imported / row["chapter"]).read_text().splitlines()
        first = row["quote"].split("\n")[0]
        assert first in lines[row["line"] - 1]
    # one file is one reviewer's (named after the file here: no round invitees, no
    # --reviewer), whoever typed each comment in it
    by_file = {}
    for row in rows:
        by_file.setdefault(row["reviewer"], set()).add(row["id"])
    assert set(by_file) == {name.removesuffix(".docx").replace("_", "-")
                            for name in EXPECTED}
    assert {k: len(v) for k, v in by_file.items()} == {
        name.removesuffix(".docx").replace("_", "-"): len(items)
        for name, items in EXPECTED.items()}


def test_reimport_adds_nothing(imported: Path) -> None:
    before = snapshot(imported)
    for name in EXPECTED:
        result = run(imported, "import", str(FIXTURES / name), "--not-pack")
        assert result.exit_code == 0, result.output
        assert "nothing new" in result.output
    assert snapshot(imported) == before


def test_one_commit_per_import_with_only_review_files(tmp_path: Path) -> None:
    import git

    root = review_tree(tmp_path)
    repo = git.Repo(root)
    before = repo.head.commit.hexsha
    result = run(root, "import", str(FIXTURES / "pandoc-comments.docx"), "--not-pack")
    assert result.exit_code == 0, result.output
    head = repo.head.commit
    assert head.parents[0].hexsha == before
    assert set(head.stats.files) == {"review/r1/pandoc-comments.yaml"}
    assert "r1" in head.message and "pandoc-comments" in head.message
    assert "4 comments, 1 reply" in head.message
    text = (root / "review/r1/pandoc-comments.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=")
    assert not repo.is_dirty(untracked_files=True)


def test_reviewer_option_files_everything_under_one_id(tmp_path: Path) -> None:
    root = review_tree(tmp_path)
    result = run(root, "import", str(FIXTURES / "comments-rich-para.docx"), "--not-pack",
                 "--reviewer", "J Smith")
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in (root / "review/r1").glob("*.yaml"))
    assert files == ["j-smith.yaml", "round.yaml"]
    review = model.load_round(root, "r1")[0]
    assert len(review.comments) == 4
    assert {c.author for c in review.comments} == {"Steve Canny", ""}
