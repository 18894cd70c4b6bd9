"""`report review respond`: the author's disposition, recorded beside the comment, committed."""

from __future__ import annotations

import json
from pathlib import Path

import git
import pytest
from reviewcore import FIXTURES, review_tree, run, snapshot

from report.review import model


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = review_tree(tmp_path)
    assert run(root, "import", str(FIXTURES / "pandoc-comments.docx"), "--not-pack").exit_code == 0
    return root


def _first(root: Path) -> model.Comment:
    return model.load_round(root, "r1")[0].comments[0]


def test_respond_records_and_commits(tree: Path) -> None:
    comment = _first(tree)
    repo = git.Repo(tree)
    before = repo.head.commit.hexsha
    result = run(tree, "respond", comment.id, "--status", "accepted-in-principle",
                 "--response", "We will shorten this paragraph.")
    assert result.exit_code == 0, result.output
    answered = _first(tree)
    assert answered.disposition.status == "accepted-in-principle"
    assert answered.disposition.response == "We will shorten this paragraph."
    assert answered.disposition.by == "Test Author"
    assert answered.disposition.date is not None
    head = repo.head.commit
    assert head.parents[0].hexsha == before
    assert set(head.stats.files) == {"review/r1/pandoc-comments.yaml"}
    assert comment.id in head.message and "accepted-in-principle" in head.message
    rows = json.loads(run(tree, "status", "--format", "json").output)
    row = next(r for r in rows if r["id"] == comment.id)
    assert (row["status"], row["response"]) == ("accepted-in-principle",
                                                 "We will shorten this paragraph.")
    # everything else in the file is untouched
    others = [c for c in model.load_round(tree, "r1")[0].comments if c.id != comment.id]
    assert all(c.disposition.status == "open" for c in others)


def test_respond_by_unique_id_prefix_and_keeps_response(tree: Path) -> None:
    comment = _first(tree)
    assert run(tree, "respond", comment.id, "--status", "noted", "--response",
               "Thanks.").exit_code == 0
    result = run(tree, "respond", comment.id[:6], "--status", "declined")
    matches = [c for c in model.load_round(tree, "r1")[0].comments
               if c.id.startswith(comment.id[:6])]
    if len(matches) == 1:
        assert result.exit_code == 0, result.output
        assert _first(tree).disposition.status == "declined"
        assert _first(tree).disposition.response == "Thanks."
    else:
        assert result.exit_code == 2


def test_respond_bad_input_changes_nothing(tree: Path) -> None:
    before = snapshot(tree)
    result = run(tree, "respond", "c-00000000", "--status", "accepted")
    assert result.exit_code == 2 and "no comment 'c-00000000'" in result.stderr
    result = run(tree, "respond", _first(tree).id, "--status", "maybe")
    assert result.exit_code == 2
    assert snapshot(tree) == before
