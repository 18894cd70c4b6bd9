"""The embargo: launch times read and printed in London time, recorded with the release
(tag and bundle), and ``report publish web`` refused before the launch unless
``--preview``, whose pages all carry noindex."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import git
import pytest

from report.build import build
from report.manuscript import load
from report.release.bundle import tag_message
from report.release.embargo import (
    LaunchTimeError,
    describe_launch,
    embargo_refusal,
    iso,
    parse_launch,
    recorded_launches,
)
from tests.test_release import FAR_LAUNCH_SHOWN, make_tree, released_clones, run

NOINDEX = b'<meta name="robots" content="noindex'


@pytest.mark.parametrize("text, stored, shown", [
    ("2022-03-01T00:01", "2022-03-01T00:01:00+00:00", "Tuesday 1 March 2022, 00:01 GMT"),
    ("2022-03-01T00:01:00Z", "2022-03-01T00:01:00+00:00", "Tuesday 1 March 2022, 00:01 GMT"),
    ("2022-07-01T09:30", "2022-07-01T09:30:00+01:00", "Friday 1 July 2022, 09:30 BST"),
    ("2022-07-01T09:30:00+00:00", "2022-07-01T10:30:00+01:00", "Friday 1 July 2022, 10:30 BST"),
    ("2022-06-01T12:00+02:00", "2022-06-01T11:00:00+01:00", "Wednesday 1 June 2022, 11:00 BST"),
    ("2022-03-01", "2022-03-01T00:00:00+00:00", "Tuesday 1 March 2022, 00:00 GMT"),
])
def test_launch_times_are_read_and_printed_in_london_time(text, stored, shown) -> None:
    launch = parse_launch(text)
    assert iso(launch) == stored
    assert describe_launch(launch) == shown


@pytest.mark.parametrize("text", ["next Tuesday", "2022-13-01T00:00", "2022-03-27T01:30"])
def test_unreadable_or_nonexistent_launch_times_are_refused(text: str) -> None:
    with pytest.raises(LaunchTimeError):
        parse_launch(text)


def test_release_records_the_launch_in_its_tag_and_bundle(tmp_path_factory) -> None:
    root = released_clones(tmp_path_factory)[0]
    sources = sorted(r.source for r in recorded_launches(root))
    assert sources == ["build/release/1.0.0/manifest.json", "tag v1.0.0"]
    launch = parse_launch("2999-01-01T00:01")
    before, after = launch - timedelta(minutes=1), launch + timedelta(seconds=1)
    refusal = embargo_refusal(root, now=before)
    assert refusal is not None and FAR_LAUNCH_SHOWN in refusal and "--preview" in refusal
    assert embargo_refusal(root, now=after) is None


@pytest.fixture
def remote(tmp_path: Path) -> git.Repo:
    return git.Repo.init(tmp_path / "remote.git", bare=True)


def test_publish_before_the_launch_is_refused_but_a_preview_is_noindex(
        tmp_path: Path, tmp_path_factory, remote: git.Repo) -> None:
    released = released_clones(tmp_path_factory)[0]
    root = tmp_path / "released"
    shutil.copytree(released, root, symlinks=True)
    build(load(root), ["web"], final=True)

    refused = run(root, "publish", "web", "--remote", remote.git_dir)
    assert refused.exit_code == 1, refused.output
    assert FAR_LAUNCH_SHOWN in refused.output
    assert remote.git.branch("--list") == ""  # nothing pushed

    preview = run(root, "publish", "web", "--remote", remote.git_dir, "--preview")
    assert preview.exit_code == 0, preview.output
    pages = [p for p in remote.git.ls_tree("-r", "--name-only", "gh-pages").splitlines()
             if p.endswith(".html")]
    assert len(pages) >= 4
    for page in pages:
        assert NOINDEX in remote.commit("gh-pages").tree[page].data_stream.read(), page


def _tagged(root: Path, launch: str) -> None:
    """Tag the tree's commit as ``report release`` does (same message), with ``launch``."""
    manuscript = load(root)
    git.Repo(root).create_tag("v1.0.0", message=tag_message(
        manuscript, "1.0.0", parse_launch(launch), "0" * 64))


def test_publish_works_once_the_launch_has_passed(tmp_path: Path, remote: git.Repo) -> None:
    root = make_tree(tmp_path / "tree")
    _tagged(root, "2022-03-01T00:01")
    build(load(root), ["web"], final=True)
    result = run(root, "publish", "web", "--remote", remote.git_dir)
    assert result.exit_code == 0, result.output
    index = remote.commit("gh-pages").tree["index.html"].data_stream.read()
    assert NOINDEX not in index


def test_a_future_launch_in_a_tag_or_a_bundle_alone_refuses(tmp_path: Path,
                                                           remote: git.Repo) -> None:
    """A clone in CI has the tag but no bundle; the releasing machine has both."""
    soon = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    root = make_tree(tmp_path / "tree")
    _tagged(root, soon.isoformat())
    build(load(root), ["web"], final=True)
    refused = run(root, "publish", "web", "--remote", remote.git_dir)
    assert refused.exit_code == 1
    assert describe_launch(soon) in refused.output and "tag v1.0.0" in refused.output

    git.Repo(root).delete_tag("v1.0.0")
    bundle = root / "build" / "release" / "1.0.0"
    bundle.mkdir(parents=True)
    (bundle / "manifest.json").write_text(json.dumps({"version": "1.0.0",
                                                      "launch": iso(soon)}))
    refused = run(root, "publish", "web", "--remote", remote.git_dir)
    assert refused.exit_code == 1
    assert "build/release/1.0.0/manifest.json" in refused.output
