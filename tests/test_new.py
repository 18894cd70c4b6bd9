"""`report new`: the next report starts from a tree that builds, checks and commits at once.

Acceptance (issue 9): `report new` + `report build` + `report check` on the new tree exit
0 with five editions in the manifest. The new tree is made and built once per module.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import git
import pytest
import yaml
from click.testing import CliRunner

from report.cli import main
from report.scaffold import PLACEHOLDER_TOOLKIT, requirement_from
from tests.pdftext import normalise, pages

TITLE = "Safeguarding: what 'works' now"
EDITIONS = ("print", "digital", "web", "docx", "epub")


def report(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def new_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("new") / "next-report"
    result = report("new", str(root), "--title", TITLE)
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture(scope="module")
def built(new_tree: Path) -> dict:
    result = report("--root", str(new_tree), "build")
    assert result.exit_code == 0, result.output
    return json.loads((new_tree / "build" / "manifest.json").read_text(encoding="utf-8"))


def test_new_tree_builds_all_five_editions_and_passes_check(new_tree: Path, built: dict) -> None:
    assert set(built["editions"]) == set(EDITIONS)
    for entry in built["editions"].values():
        assert (new_tree / entry["path"]).exists()
    assert built["title"] == TITLE and built["version"] == "0.1.0" and built["draft"] is True
    result = report("--root", str(new_tree), "check")
    assert result.exit_code == 0, result.output
    assert " 0 errors," in result.output.splitlines()[-1]


def test_new_tree_is_a_repository_with_one_clean_commit(new_tree: Path, built: dict) -> None:
    repo = git.Repo(new_tree)
    assert repo.active_branch.name == "main"
    assert [c.message.strip() for c in repo.iter_commits()] == [f"New report: {TITLE}"]
    assert built["commit"] == repo.head.commit.hexsha and built["dirty"] is False
    # build/ is ignored: the build leaves nothing to commit.
    assert not repo.is_dirty(untracked_files=True)
    tracked = set(repo.git.ls_files().splitlines())
    for path in ("mkdocs.yml", "contributors.yaml", "references.bib", "requirements.txt",
                 "review/.gitkeep", ".gitignore", ".pre-commit-config.yaml",
                 ".vscode/settings.json", ".github/workflows/build.yml",
                 ".github/workflows/preview.yml", ".github/workflows/release.yml",
                 ".schemas/contributors.schema.json", ".schemas/review.schema.json",
                 "chapters/01-introduction.md", "chapters/images/referrals.svg"):
        assert path in tracked, path
    assert not any(p.startswith("build/") for p in tracked)


def test_manifest_is_minimal_and_names_the_title(new_tree: Path) -> None:
    manifest = yaml.safe_load((new_tree / "mkdocs.yml").read_text(encoding="utf-8"))
    assert manifest["site_name"] == TITLE
    assert manifest["docs_dir"] == "chapters"
    assert manifest["theme"] == {"name": "material", "font": False}
    assert manifest["plugins"] == ["search", "report"]
    assert manifest["extra"] == {"version": "0.1.0", "language": "en-GB",
                                 "bibliography": "references.bib"}
    files = [next(iter(item.values())) for item in manifest["nav"]]
    for file in files:
        assert (new_tree / "chapters" / file).is_file()


def test_contributors_empty_with_modeline_and_review_folder(new_tree: Path) -> None:
    text = (new_tree / "contributors.yaml").read_text(encoding="utf-8")
    first = text.splitlines()[0]
    assert first == "# yaml-language-server: $schema=.schemas/contributors.schema.json"
    schema = new_tree / first.split("$schema=")[1]
    assert json.loads(schema.read_text(encoding="utf-8"))["$schema"]
    assert yaml.safe_load(text) == {"contributors": []}
    assert [p.name for p in (new_tree / "review").iterdir()] == [".gitkeep"]
    settings = json.loads((new_tree / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    for target in settings["yaml.schemas"]:
        assert (new_tree / target).is_file()


def test_every_construct_reaches_the_editions(new_tree: Path, built: dict) -> None:
    """The example chapter shows each construct of the README's table, as a reader sees it."""
    pdf = new_tree / built["editions"]["digital"]["path"]
    text = normalise(" ".join(page.text for page in pages(pdf)))
    for shown in ("1.1 Why this report",                      # numbered, labelled section
                  "Figure 1: Referrals to the National Referral Mechanism in 2020",
                  "Table 1: Referrals to the National Referral Mechanism in 2020",
                  "Case study 1: A composite case",
                  "Key findings",
                  "practitioner, local authority",           # anonymised quote
                  "Draft text to be confirmed",               # draft passage
                  "Recommendation 1 (to: Home Office)",
                  "Recommendation 2 (to: Department for Education)",
                  "Summary of recommendations",
                  "Appendix A Contributors",
                  "International Labour Organization and Walk Free Foundation 2017, p. 9",
                  "Home Office (2021). Modern Slavery",        # references list
                  "Figure 1 shows",                            # cross-references
                  "Table 1 gives",
                  "Section 1.1 sets out",
                  "Recommendation 1 asks for",
                  "The National Referral Mechanism is the UK",  # footnote
                  ):
        assert normalise(shown) in text, shown
    site = new_tree / built["editions"]["web"]["path"]
    html = "\n".join(p.read_text(encoding="utf-8") for p in site.rglob("*.html"))
    assert 'alt="Bar chart: 10,613 referrals' in html
    assert (site / "images" / "referrals.svg").exists() or any(site.rglob("referrals*.svg"))


def test_final_check_refuses_the_example_draft_passage(new_tree: Path) -> None:
    """The template is a start, not a report: its draft passage fails a final check."""
    result = report("--root", str(new_tree), "check", "--final")
    assert result.exit_code == 1
    assert "chapters/01-introduction.md:" in result.output and "DRAFT003" in result.output


def test_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.mkdir()
    (target / "notes.md").write_text("mine\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["new", str(target)])
    assert result.exit_code == 2
    assert f"{target}: already exists and is not empty" in result.output
    assert [p.name for p in target.iterdir()] == ["notes.md"]
    assert [p.name for p in tmp_path.iterdir()] == ["taken"]


def test_refuses_a_file(tmp_path: Path) -> None:
    target = tmp_path / "a-file"
    target.write_text("x", encoding="utf-8")
    result = CliRunner().invoke(main, ["new", str(target)])
    assert result.exit_code == 2 and "exists and is not a folder" in result.output


def test_empty_folder_default_title_toolkit_and_no_git(tmp_path: Path) -> None:
    target = tmp_path / "county-lines-2023"
    target.mkdir()
    spec = "report-toolkit @ git+https://git.example.org/lodge/report-toolkit.git@v0.1.0"
    result = report("new", str(target), "--toolkit", spec, "--no-git")
    assert result.exit_code == 0, result.output
    assert not (target / ".git").exists()
    manifest = yaml.safe_load((target / "mkdocs.yml").read_text(encoding="utf-8"))
    assert manifest["site_name"] == "County lines 2023"
    requirements = (target / "requirements.txt").read_text(encoding="utf-8").splitlines()
    assert requirements[-1] == spec


def test_unknown_toolkit_location_is_a_placeholder_that_never_resolves(tmp_path: Path) -> None:
    """Never `report-toolkit` from PyPI: that name belongs to another project there."""
    assert requirement_from({}) == (PLACEHOLDER_TOOLKIT, False)
    assert ".invalid/" in PLACEHOLDER_TOOLKIT
    git_install = {"url": "https://git.example.org/lodge/report-toolkit.git",
                   "vcs_info": {"vcs": "git", "commit_id": "a" * 40}}
    assert requirement_from(git_install) == (
        f"report-toolkit @ git+https://git.example.org/lodge/report-toolkit.git@{'a' * 40}",
        True)
    with_token = {**git_install, "url": "https://user:secret@git.example.org/x.git"}
    assert requirement_from(with_token) == (PLACEHOLDER_TOOLKIT, False)

    checkout = tmp_path / "toolkit"
    checkout.mkdir()
    repo = git.Repo.init(checkout)
    (checkout / "README.md").write_text("toolkit\n", encoding="utf-8")
    repo.git.add(A=True)
    repo.git(c=["user.name=t", "user.email=t@example.org"]).commit(m="toolkit")
    editable = {"url": checkout.as_uri(), "dir_info": {"editable": True}}
    assert requirement_from(editable) == (PLACEHOLDER_TOOLKIT, False)
    repo.create_remote("origin", "https://git.example.org/lodge/report-toolkit.git")
    assert requirement_from(editable) == (
        "report-toolkit @ git+https://git.example.org/lodge/report-toolkit.git@"
        + repo.head.commit.hexsha, True)


# Editors: this repository's own mapping of the JSON Schemas (.vscode/settings.json).

PROJECT = Path(__file__).resolve().parent.parent


def _mapped_files(patterns: list[str]) -> list[Path]:
    included = {p for pattern in patterns if not pattern.startswith("!")
                for p in PROJECT.glob(pattern)}
    excluded = [pattern[1:].removeprefix("**/") for pattern in patterns
                if pattern.startswith("!")]
    return sorted(p for p in included
                  if not any(p.relative_to(PROJECT).match(e) for e in excluded))


def test_editor_schemas_map_to_files_they_accept() -> None:
    """Each schema is mapped to files that validate against it (not a round.yaml)."""
    settings = json.loads((PROJECT / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    checker = str(Path(sys.executable).parent / "check-jsonschema")
    for schema, patterns in settings["yaml.schemas"].items():
        files = _mapped_files(patterns)
        assert files, schema
        assert not any(f.name == "round.yaml" for f in files)
        result = subprocess.run([checker, "--schemafile", str(PROJECT / schema),
                                 *map(str, files)], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stdout + result.stderr
    rounds = sorted(PROJECT.glob("tests/trees/**/review/*/round.yaml"))
    assert rounds, "a round file to show why the mapping excludes them"
    result = subprocess.run([checker, "--schemafile",
                             str(PROJECT / "report/schemas/review.schema.json"),
                             str(rounds[0])], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1


def test_contributors_modeline_of_this_repository_points_at_the_schema() -> None:
    first = (PROJECT / "contributors.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# yaml-language-server: $schema=")
    assert (PROJECT / first.split("$schema=")[1]).is_file()
