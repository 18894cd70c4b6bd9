"""`report review status`: the contract's JSON, the table, and which round is shown."""

from __future__ import annotations

import json
from pathlib import Path

from reviewcore import FIXTURES, commit, open_round, review_tree, run

from report.manuscript import load
from report.review import model, status

FIELDS = {"id", "round", "reviewer", "author", "kind", "chapter", "paragraph", "quote",
          "body", "proposed", "anchor", "line", "status", "response", "resolved", "parent",
          "created"}


def test_status_json_and_table(tmp_path: Path) -> None:
    root = review_tree(tmp_path)
    for name in ("pandoc-comments.docx", "pandoc-track_changes_scrubbed_metadata.docx"):
        assert run(root, "import", str(FIXTURES / name), "--not-pack").exit_code == 0
    result = run(root, "status", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 7 and all(set(row) == FIELDS for row in rows)
    assert [r["kind"] for r in rows].count("replacement") == 1
    replacement = next(r for r in rows if r["kind"] == "replacement")
    assert (replacement["quote"], replacement["proposed"]) == ("dummy", "test")
    assert {r["round"] for r in rows} == {"r1"} and {r["status"] for r in rows} == {"open"}
    # reading order: chapter order of the nav, then line
    order = [r["chapter"] for r in rows]
    assert order.index("chapters/fixture-pandoc-comments.md") < order.index(
        "chapters/fixture-pandoc-track-changes-scrubbed-metadata.md")
    table = run(root, "status")
    assert table.exit_code == 0
    for word in ("Review round r1: 7 comments", "pandoc-comments", "replacement", "exact",
                 "Counts"):
        assert word in table.output


def test_status_of_newest_open_round_and_of_a_named_one(tmp_path: Path) -> None:
    root = review_tree(tmp_path)
    assert run(root, "import", str(FIXTURES / "mammoth-comments.docx"), "--not-pack").exit_code == 0
    draft2 = commit(root, "second draft")
    open_round(root, "r2", draft2, opened="2022-01-10")
    assert [r.name for r in model.rounds(root)] == ["r1", "r2"]
    assert json.loads(run(root, "status", "--format", "json").output) == []
    rows = json.loads(run(root, "status", "--round", "r1", "--format", "json").output)
    assert len(rows) == 2
    # a closed round is never the default; with every round closed, status shows the newest
    for name, closed in (("r2", "2022-02-01"), ("r1", "2022-02-02")):
        record = model.get_round(root, name)
        record.closed = closed
        model.write_round(root, record)
        if name == "r2":
            assert status.current_round(root).name == "r1" == model.get_round(root).name
    assert status.current_round(root).name == "r2"
    assert len(status.rows(load(root))) == 0
    assert len(status.rows(load(root), "r1")) == 2
    result = run(root, "import", str(FIXTURES / "pandoc-comments.docx"), "--not-pack")
    assert result.exit_code == 2 and "no open review round" in result.stderr
