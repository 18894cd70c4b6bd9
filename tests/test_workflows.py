"""The CI workflows, checked offline: actionlint, GitHub's workflow schema, zizmor, and
the rules this project sets itself (least privilege, pinned actions, no template
injection, the report commands they call).

Both sets are checked: this repository's ``.github/workflows`` and the ones ``report new``
gives a new report tree (``report/scaffold/template/dot-github/workflows``). Each tool is
also run on a deliberately bad workflow, so a tool that silently checks nothing fails.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import git
import pytest
import yaml

from report.cli import main

PROJECT = Path(__file__).resolve().parent.parent
OWN = PROJECT / ".github" / "workflows"
SCAFFOLD = PROJECT / "report" / "scaffold" / "template" / "dot-github" / "workflows"
NAMES = ("build.yml", "preview.yml", "release.yml")
WORKFLOWS = [OWN / n for n in NAMES] + [SCAFFOLD / n for n in NAMES]
IDS = [f"{p.parent.parent.name}/{p.name}" for p in WORKFLOWS]
BIN = Path(sys.executable).parent

BAD_WORKFLOW = """\
on: pull_request_target
jobs:
  a:
    runs-on: ubuntu-latest
    stepz: []
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: echo "${{ github.event.pull_request.title }}"
"""

SHA_PIN = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")


def tool(name: str) -> str:
    """A checker installed in the venv (test extra); missing is a failure, not a skip."""
    path = BIN / name
    if not path.exists():
        pytest.fail(f"{name} is not installed in the venv: install the test extra "
                    "(actionlint, check-jsonschema, zizmor)")
    return str(path)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=120, cwd=PROJECT)


def load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    # PyYAML reads the key `on` as True (YAML 1.1); GitHub reads it as "on".
    if True in data:
        data["on"] = data.pop(True)
    return data


@pytest.fixture
def bad_workflow(tmp_path: Path) -> Path:
    path = tmp_path / ".github" / "workflows" / "bad.yml"
    path.parent.mkdir(parents=True)
    path.write_text(BAD_WORKFLOW, encoding="utf-8")
    return path


def test_actionlint_passes() -> None:
    result = run(tool("actionlint"), "-no-color", *map(str, WORKFLOWS))
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_bad_workflow(bad_workflow: Path) -> None:
    result = run(tool("actionlint"), "-no-color", str(bad_workflow))
    assert result.returncode == 1
    assert "stepz" in result.stdout


def test_github_workflow_schema_passes() -> None:
    result = run(tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows",
                 *map(str, WORKFLOWS))
    assert result.returncode == 0, result.stdout + result.stderr


def test_github_workflow_schema_catches_a_bad_workflow(bad_workflow: Path) -> None:
    result = run(tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows",
                 str(bad_workflow))
    assert result.returncode == 1
    assert "stepz" in result.stdout + result.stderr


def zizmor_findings(*paths: Path) -> list[dict]:
    result = run(tool("zizmor"), "--offline", "--no-progress", "--format", "json",
                 *map(str, paths))
    assert result.returncode in (0, 10, 11, 12, 13, 14), result.stderr
    return json.loads(result.stdout)


def test_zizmor_finds_nothing_high() -> None:
    findings = zizmor_findings(*WORKFLOWS)
    serious = [(f["ident"], f["determinations"]["severity"],
                f["locations"][0]["symbolic"]["key"]["Local"]["verbatim_path"])
               for f in findings if f["determinations"]["severity"] in ("High", "Medium")]
    assert serious == []


def test_zizmor_catches_a_bad_workflow(bad_workflow: Path) -> None:
    idents = {f["ident"] for f in zizmor_findings(bad_workflow)
              if f["determinations"]["severity"] == "High"}
    assert {"template-injection", "unpinned-uses", "dangerous-triggers"} <= idents


@pytest.mark.parametrize("path", WORKFLOWS, ids=IDS)
def test_least_privilege_and_pinned_actions(path: Path) -> None:
    workflow = load(path)
    assert workflow["permissions"] == {}, "top-level permissions: {} (each job asks)"
    for name, job in workflow["jobs"].items():
        granted = job.get("permissions")
        assert isinstance(granted, dict), f"job {name} names its permissions"
        assert set(granted) <= {"contents"}, f"job {name}: only contents"
        for step in job["steps"]:
            uses = step.get("uses")
            if uses:
                assert SHA_PIN.match(uses), f"{uses} is not pinned to a full commit SHA"
                if uses.startswith("actions/checkout@"):
                    assert step["with"]["persist-credentials"] is False
            assert "${{" not in step.get("run", ""), (
                f"{step.get('name')}: pass ${{{{ }}}} values through env:, not into run:")
    text = path.read_text(encoding="utf-8")
    for line in text.splitlines():
        if "uses:" in line:
            assert re.search(r"@[0-9a-f]{40} # v\d+\.\d+\.\d+$", line), line


def test_write_access_only_where_something_is_pushed() -> None:
    for directory in (OWN, SCAFFOLD):
        build = load(directory / "build.yml")
        assert build["jobs"]["build"]["permissions"] == {"contents": "read"}
        assert load(directory / "preview.yml")["jobs"]["preview"]["permissions"] == {
            "contents": "write"}
        assert load(directory / "release.yml")["jobs"]["release"]["permissions"] == {
            "contents": "write"}


def test_triggers() -> None:
    for directory in (OWN, SCAFFOLD):
        build = load(directory / "build.yml")["on"]
        assert "push" in build and "pull_request" in build
        preview = load(directory / "preview.yml")["on"]
        assert preview["push"]["branches"] == ["main"]
        release = load(directory / "release.yml")["on"]
        assert release == {"push": {"tags": ["v*"]}}


def steps(path: Path) -> list[dict]:
    return [s for job in load(path)["jobs"].values() for s in job["steps"]]


def test_build_checks_builds_caches_and_uploads_every_edition() -> None:
    for directory in (OWN, SCAFFOLD):
        runs = "\n".join(s.get("run", "") for s in steps(directory / "build.yml"))
        assert "report check --format github" in runs
        assert "report build" in runs
        used = [s.get("uses", "").split("@")[0] for s in steps(directory / "build.yml")]
        assert "actions/cache" in used
        setup = next(s for s in steps(directory / "build.yml")
                     if s.get("uses", "").startswith("actions/setup-python@"))
        assert setup["with"]["cache"] == "pip"
        upload = next(s for s in steps(directory / "build.yml")
                      if s.get("uses", "").startswith("actions/upload-artifact@"))
        paths = upload["with"]["path"]
        for edition in ("build/manifest.json", "build/*.pdf", "build/*.docx", "build/*.epub",
                        "build/site/"):
            assert edition in paths


def test_release_uses_no_cache() -> None:
    """A release is built from the tagged commit and the registries, never from a cache."""
    for directory in (OWN, SCAFFOLD):
        for step in steps(directory / "release.yml"):
            assert not step.get("uses", "").startswith("actions/cache@")
            assert "cache" not in (step.get("with") or {})


def test_preview_and_release_call_the_report_commands() -> None:
    for directory in (OWN, SCAFFOLD):
        preview = "\n".join(s.get("run", "") for s in steps(directory / "preview.yml"))
        assert "report publish web --preview" in preview
        assert '--remote "$SERVER_URL/$REPOSITORY.git" --branch gh-pages' in preview
        release = "\n".join(s.get("run", "") for s in steps(directory / "release.yml"))
        assert 'report release "${TAG#v}"' in release
        assert 'gh release create "$TAG" --draft' in release
        assert 'bundle="build/release/${TAG#v}"' in release
    called = set()
    for path in WORKFLOWS:
        called |= set(re.findall(r"\.venv/bin/report (\w+)", path.read_text(encoding="utf-8")))
    assert called == {"check", "build", "publish", "release"}
    assert called <= set(main.list_commands(None))


def test_scaffold_workflows_differ_only_in_the_set_up() -> None:
    """The new tree installs the toolkit from requirements.txt; everything else is shared."""
    for name in NAMES:
        own = (OWN / name).read_text(encoding="utf-8")
        new = (SCAFFOLD / name).read_text(encoding="utf-8")
        new = (new.replace("requirements.txt", "pyproject.toml")
               .replace("hashFiles('pyproject.toml')",
                        "hashFiles('report/**/*.ttf', 'report/**/*.otf')")
               .replace("the toolkit's fonts", "the bundled fonts")
               .replace("Set up the toolkit (pyproject.toml)",
                        "Set up the toolkit (as the README does)")
               .replace("run: |\n          python -m venv .venv\n"
                        "          .venv/bin/pip install -q -r pyproject.toml",
                        "run: make venv"))
        # This repository's `make venv` builds the print edition's FOGRA profiles with
        # ArgyllCMS; a new tree's pip-installed toolkit does not (so its workflows do not
        # install ArgyllCMS).
        own = (own.replace(" argyll icc-profiles-free", "")
               .replace("WeasyPrint's libraries and ArgyllCMS with the FOGRA data (the print "
                        "PDF's PDF/X-4 profiles)",
                        "the system libraries WeasyPrint needs (Pango, HarfBuzz subsetting)")
               .replace("WeasyPrint's libraries, ArgyllCMS with the FOGRA data (PDF/X-4 "
                        "profiles) and EPUBCheck",
                        "WeasyPrint's libraries and EPUBCheck (for the accessibility gate)"))
        assert new == own, name


# The workflows' own shell steps, run as the runner runs them (bash -eo pipefail) on a
# small report repository: `gh` is replaced by a recorder, everything else is real.

VENV = Path(sys.executable).parent.parent


def step(path: Path, name: str) -> dict:
    return next(s for s in steps(path) if s.get("name", "").startswith(name))


def run_step(found: dict, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    plain = {k: str(v) for k, v in (found.get("env") or {}).items() if "${{" not in str(v)}
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                           found["run"]], cwd=cwd, env={**os.environ, **plain, **env},
                          capture_output=True, text=True, timeout=300)


def repository(source: Path, target: Path) -> git.Repo:
    """A report repository as CI checks it out: the venv beside it, ignored."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("build"))
    (target / ".gitignore").write_text("/.venv\n/build/\n", encoding="utf-8")
    repo = git.Repo.init(target, initial_branch="main")
    repo.git.add(A=True)
    repo.git(c=["user.name=Comms", "user.email=comms@example.org"]).commit(m="report")
    (target / ".venv").symlink_to(VENV)
    return repo


def test_release_workflow_releases_a_pushed_tag(tmp_path: Path) -> None:
    """A tag pushed by `report release --launch` keeps its launch through CI's rebuild."""
    origin = repository(PROJECT / "tests" / "trees" / "release", tmp_path / "origin")
    launch = "2099-03-01T00:01:00+00:00"
    origin.git(c=["user.name=Comms", "user.email=comms@example.org"]).tag(
        "-a", "v1.0.0", "-m", f"Release 1.0.0\n\nLaunch: {launch} (in the future)\n")
    ci = tmp_path / "ci"
    clone = git.Repo.clone_from(origin.working_tree_dir, ci)
    clone.git.tag("-f", "v1.0.0", "HEAD")  # what actions/checkout does to the pushed tag
    (ci / ".venv").symlink_to(VENV)
    recorder = tmp_path / "bin"
    recorder.mkdir()
    (recorder / "gh").write_text('#!/bin/sh\nfor a in "$@"; do echo "$a"; done > "$GH_ARGS"\n')
    (recorder / "gh").chmod(0o755)
    outputs = tmp_path / "github-output"
    env = {"TAG": "v1.0.0", "GITHUB_TOKEN": "token", "GH_TOKEN": "token", "GH_REPO": "o/r",
           "SERVER_URL": "https://github.invalid", "REPORT_LAUNCH": "",
           "GITHUB_OUTPUT": str(outputs), "RUNNER_TEMP": str(tmp_path),
           "GH_ARGS": str(tmp_path / "gh-args"),
           "PATH": f"{recorder}{os.pathsep}{os.environ['PATH']}"}

    for directory in (OWN, SCAFFOLD):  # the same script in both sets
        assert step(directory / "release.yml", "Read the launch")["run"] == step(
            OWN / "release.yml", "Read the launch")["run"]
    result = run_step(step(OWN / "release.yml", "Read the launch"), ci, env)
    assert result.returncode == 0, result.stderr
    assert outputs.read_text(encoding="utf-8").strip() == f"launch={launch}"

    result = run_step(step(OWN / "release.yml", "Run the release gates"), ci,
                      {**env, "LAUNCH": launch})
    assert result.returncode == 0, result.stdout + result.stderr
    message = clone.tags["v1.0.0"].tag.message  # made again by `report release`
    assert "Launch: 2099-03-01T00:01:00+00:00" in message and "SHA256SUMS: " in message

    result = run_step(step(OWN / "release.yml", "Attach the bundle"), ci, env)
    assert result.returncode == 0, result.stdout + result.stderr
    args = (tmp_path / "gh-args").read_text(encoding="utf-8").splitlines()
    assert args[:4] == ["release", "create", "v1.0.0", "--draft"]
    attached = sorted(Path(a).name for a in args if a.startswith("build/release/1.0.0/"))
    bundle = ci / "build" / "release" / "1.0.0"
    files = sorted(p.name for p in bundle.iterdir() if p.is_file())
    assert attached == files and "site.zip" in files and "SHA256SUMS" in files
    assert len([f for f in files if f.endswith(".pdf")]) >= 2
    notes = (tmp_path / "notes.md").read_text(encoding="utf-8")
    assert "manifest.json" in notes and "  site/" not in notes


def test_preview_workflow_publishes_noindex_pages(tmp_path: Path) -> None:
    """The preview step pushes the built site to gh-pages of the remote it is given."""
    tree = tmp_path / "report"
    repository(PROJECT / "tests" / "trees" / "constructs", tree)
    build = subprocess.run([str(BIN / "report"), "build", "web"], cwd=tree,
                           capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr
    remote = tmp_path / "server" / "lodge" / "report.git"
    git.Repo.init(remote, bare=True)
    env = {"GITHUB_TOKEN": "token", "SERVER_URL": (tmp_path / "server").as_uri(),
           "REPOSITORY": "lodge/report"}
    result = run_step(step(OWN / "preview.yml", "Publish the preview"), tree, env)
    assert result.returncode == 0, result.stdout + result.stderr
    published = git.Repo(remote)
    index = published.git.show("gh-pages:index.html")
    assert '<meta name="robots" content="noindex">' in index
    assert step(SCAFFOLD / "preview.yml", "Publish the preview")["run"] == step(
        OWN / "preview.yml", "Publish the preview")["run"]
