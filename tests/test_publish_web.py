"""``report publish web``: the built site as a commit on a branch of a (local bare) remote."""

from __future__ import annotations

from pathlib import Path

import git
import pytest
from lxml import html

from report import publish
from report.build import build
from report.manuscript import load


@pytest.fixture
def tree(make_tree) -> Path:
    """A final build: a draft's pages are all noindex (it is not for circulation)."""
    root = make_tree("constructs")
    build(load(root), ["web"], final=True)
    return root


@pytest.fixture
def remote(tmp_path: Path) -> git.Repo:
    return git.Repo.init(tmp_path / "remote.git", bare=True)


def files_on(repo: git.Repo, branch: str) -> list[str]:
    return repo.git.ls_tree("-r", "--name-only", branch).splitlines()


def blob(repo: git.Repo, branch: str, path: str) -> bytes:
    return repo.commit(branch).tree[path].data_stream.read()


def test_publish_pushes_the_site_as_the_whole_branch(tree, remote, run_report):
    result = run_report(tree, "publish", "web", "--remote", remote.git_dir)
    assert result.exit_code == 0, result.output
    assert "published the web edition to gh-pages" in result.output
    site = tree / "build" / "site"
    expected = sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file())
    assert sorted(files_on(remote, "gh-pages")) == sorted(expected + [".nojekyll"])
    page = "01-introduction/index.html"
    assert blob(remote, "gh-pages", page) == (site / page).read_bytes()
    assert b'name="robots"' not in blob(remote, "gh-pages", page)
    commit = remote.commit("gh-pages")
    assert commit.parents == ()
    assert commit.author.name == "Test Author"  # the report's own git identity
    assert "1.2.0" in commit.message


def test_publishing_again_keeps_history_and_skips_an_unchanged_site(tree, remote, run_report):
    assert run_report(tree, "publish", "web", "--remote", remote.git_dir).exit_code == 0
    first = remote.commit("gh-pages").hexsha
    again = run_report(tree, "publish", "web", "--remote", remote.git_dir)
    assert again.exit_code == 0 and "already holds" in again.output
    assert remote.commit("gh-pages").hexsha == first
    chapter = tree / "chapters" / "01-introduction.md"
    chapter.write_text(chapter.read_text() + "\nA sentence added after the first push.\n")
    build(load(tree), ["web"], final=True)
    assert run_report(tree, "publish", "web", "--remote", remote.git_dir).exit_code == 0
    second = remote.commit("gh-pages")
    assert [p.hexsha for p in second.parents] == [first]
    assert b"A sentence added after the first push." in blob(remote, "gh-pages",
                                                             "01-introduction/index.html")


def test_preview_marks_every_page_noindex_on_the_chosen_branch(tree, remote, run_report):
    result = run_report(tree, "publish", "web", "--remote", remote.git_dir,
                        "--branch", "preview", "--preview")
    assert result.exit_code == 0, result.output
    pages = [p for p in files_on(remote, "preview") if p.endswith(".html")]
    assert len(pages) >= 9
    for path in pages:
        tree_html = html.fromstring(blob(remote, "preview", path))
        assert tree_html.xpath("//head/meta[@name='robots']/@content") == ["noindex"], path
    # build/site itself is left as built
    assert b"noindex" not in (tree / "build" / "site" / "index.html").read_bytes()
    with pytest.raises(git.BadName):
        remote.commit("gh-pages")


def test_embargo_refuses_publishing_but_not_a_preview(tree, remote, run_report, monkeypatch):
    monkeypatch.setattr(publish, "embargo_refusal",
                        lambda root: "embargoed until 2022-03-01T10:00:00+00:00")
    refused = run_report(tree, "publish", "web", "--remote", remote.git_dir)
    assert refused.exit_code == 1
    assert "embargoed until 2022-03-01T10:00:00+00:00" in refused.output
    assert remote.git.branch("--list") == ""
    preview = run_report(tree, "publish", "web", "--remote", remote.git_dir, "--preview")
    assert preview.exit_code == 0, preview.output


def test_embargo_hook_allows_publishing_for_now(tree):
    assert publish.embargo_refusal(tree) is None


def test_nothing_built_is_bad_input(make_tree, remote, run_report):
    root = make_tree("constructs")
    result = run_report(root, "publish", "web", "--remote", remote.git_dir)
    assert result.exit_code == 2
    assert result.output.startswith("build/site: no built web edition")


def test_an_unreachable_remote_fails_cleanly(tree, tmp_path, run_report):
    result = run_report(tree, "publish", "web", "--remote", str(tmp_path / "no-such.git"))
    assert result.exit_code == 1
    assert "git could not publish" in result.output


def test_mark_noindex_is_idempotent():
    page = b"<!doctype html><html><head><title>x</title></head><body></body></html>"
    marked = publish.mark_noindex(page)
    assert marked.count(b'<meta name="robots" content="noindex">') == 1
    assert publish.mark_noindex(marked) == marked


def test_publish_a_release_site_with_site_option(tree, remote, run_report):
    import shutil

    release_site = tree / "build" / "release" / "1.2.0" / "site"
    shutil.copytree(tree / "build" / "site", release_site)
    (release_site / "marker.txt").write_text("from the release bundle")
    result = run_report(tree, "publish", "web", "--remote", remote.git_dir,
                        "--site", "build/release/1.2.0/site")
    assert result.exit_code == 0, result.output
    assert "marker.txt" in files_on(remote, "gh-pages")
