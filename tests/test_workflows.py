"""The CI workflows, checked offline: actionlint, GitHub's workflow schema, zizmor, and
the rules this project sets itself (least privilege, pinned actions, no template
injection, the report commands they call).

Both sets are checked: this repository's ``.github/workflows`` and the ones ``report new``
gives a new report tree (``report/scaffold/template/dot-github/workflows``). Each tool is
also run on a deliberately bad workflow, so a tool that silently checks nothing fails.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

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
    assert called <= set(main.commands)


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
        assert new == own, name
