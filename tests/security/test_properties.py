"""Property tests: whatever bytes or structures reach an importer or a loader, the
command ends with exit 0 or 2, never a traceback, and within a few seconds.

Reviewers' files are untrusted (the threat model in the README); so is everything in a
pull request from outside. Hypothesis makes the files: random bytes under each name the
importers accept, random JSON-like structures as Hypothesis exports, review files,
manifests and contributor lists.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from report.cli import main
from tests.conftest import TREES
from tests.review.reviewcore import review_tree

SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])

scalars = st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(
    allow_nan=False) | st.text(max_size=30)
structures = st.recursive(scalars, lambda children: st.lists(children, max_size=5)
                          | st.dictionaries(st.text(max_size=10), children, max_size=5),
                          max_leaves=40)


def _outcome(args: list[str]) -> tuple[int, float, str]:
    started = time.monotonic()
    result = CliRunner().invoke(main, args)
    took = time.monotonic() - started
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, took, result.output


def _assert_clean(args: list[str]) -> None:
    code, took, output = _outcome(args)
    assert code in (0, 2), output
    assert "Traceback" not in output
    assert took < 10, f"{took:.1f} s"


@pytest.fixture(scope="module")
def round_tree(tmp_path_factory) -> Path:
    return review_tree(tmp_path_factory.mktemp("properties"))


@pytest.mark.parametrize("suffix", [".docx", ".pdf", ".xlsx", ".csv", ".json", ".yaml"])
@SETTINGS
@given(data=st.binary(max_size=2048))
def test_random_bytes_to_every_importer(round_tree: Path, tmp_path_factory, suffix: str,
                                        data: bytes) -> None:
    file = tmp_path_factory.mktemp("in") / f"reviewer{suffix}"
    file.write_bytes(data)
    _assert_clean(["--root", str(round_tree), "review", "import", str(file)])


@SETTINGS
@given(value=structures)
def test_random_structures_as_hypothesis_exports(round_tree: Path, tmp_path_factory,
                                                 value) -> None:
    file = tmp_path_factory.mktemp("in") / "annotations.json"
    file.write_text(json.dumps(value))
    _assert_clean(["--root", str(round_tree), "review", "import", str(file)])


@SETTINGS
@given(rows=st.lists(st.dictionaries(st.sampled_from(
    ["id", "uri", "text", "target", "selector", "exact", "type", "user", "created",
     "document", "references", "tags", "links"]), structures, max_size=8), max_size=4))
def test_hypothesis_shaped_exports_with_wrong_types(round_tree: Path, tmp_path_factory,
                                                    rows) -> None:
    file = tmp_path_factory.mktemp("in") / "annotations.json"
    file.write_text(json.dumps({"rows": rows, "total": len(rows)}))
    _assert_clean(["--root", str(round_tree), "review", "import", str(file)])
    file.write_text(json.dumps(rows))
    _assert_clean(["--root", str(round_tree), "review", "import", str(file)])


def test_deep_json_is_bad_input(round_tree: Path, tmp_path: Path) -> None:
    file = tmp_path / "annotations.json"
    file.write_text("[" * 100_000 + "]" * 100_000)
    code, took, output = _outcome(["--root", str(round_tree), "review", "import", str(file)])
    assert code == 2 and "nested" in output and took < 5, output


@SETTINGS
@given(value=structures)
def test_random_structures_as_review_files(round_tree: Path, tmp_path_factory, value) -> None:
    file = tmp_path_factory.mktemp("in") / "reviewer.yaml"
    file.write_text(yaml.safe_dump(value))
    _assert_clean(["--root", str(round_tree), "review", "import", str(file)])


@pytest.fixture
def minimal(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("minimal") / "tree"
    shutil.copytree(TREES / "minimal", root)
    return root


@SETTINGS
@given(data=st.binary(max_size=1024) | structures.map(
    lambda v: yaml.safe_dump(v).encode()))
def test_random_manifests_and_contributor_lists(minimal: Path, data: bytes) -> None:
    for name in ("mkdocs.yml", "contributors.yaml"):
        original = (TREES / "minimal" / name).read_bytes()
        (minimal / name).write_bytes(data)
        try:
            _assert_clean(["--root", str(minimal), "contributors", "--format", "json"])
        finally:
            (minimal / name).write_bytes(original)


def test_a_sheet_past_the_row_limit_is_refused_quickly(round_tree: Path,
                                                      tmp_path: Path) -> None:
    import openpyxl

    from report.review.importers.sheet import MAX_ROWS

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["Chapter", "Paragraph", "Comment"])
    for number in range(MAX_ROWS + 5):
        sheet.append(["01-introduction.md", 1, f"comment {number}"])
    file = tmp_path / "huge.xlsx"
    book.save(file)
    code, took, output = _outcome(["--root", str(round_tree), "review", "import", str(file)])
    assert code == 2 and f"more than {MAX_ROWS} rows" in output, output
    assert took < 30
