"""`report check`: every manuscript check, printed the way linters print findings.

Exit 1 when any finding shown is an error, 0 otherwise, 2 on bad input (raised as
``InputError`` and printed by the CLI group). Findings go to stdout in the chosen format;
the one-line summary goes to stderr, so that JSON and SARIF on stdout stay one document.

What an author acts on comes first: in the text format, info findings (long sentences,
reading age, external links to look at) are shown only with ``--severity info``; the
formats for tools keep every finding unless ``--severity`` says otherwise (the contract's
JSON is the whole list). Paths narrow the findings to one chapter or folder; every check
still runs on the whole tree, since a label or a name is judged against the others.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from report.checks import formats
from report.checks.findings import SEVERITIES, Finding
from report.errors import EXIT_FINDINGS, EXIT_OK, InputError, Problem

# The checks, the tree's loader and git are imported when the command runs, not for
# ``report check --help`` (half a second of imports: the render, pikepdf, git).


def repository_prefix(root: Path) -> str:
    """The report tree's folder inside its git repository ('' at the top or outside git):
    GitHub annotations and code scanning want paths from the repository root."""
    import git

    try:
        top = git.Repo(root, search_parent_directories=True).working_tree_dir
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return ""
    if not top:
        return ""
    rel = os.path.relpath(root, os.path.realpath(top))
    return "" if rel == "." else Path(rel).as_posix()


def tree_paths(root: Path, paths: tuple[Path, ...]) -> list[str]:
    """The paths given on the command line, relative to the tree: from the current folder
    first (as a shell completes them), else from the tree."""
    found: list[str] = []
    problems: list[Problem] = []
    for path in paths:
        candidates = [Path.cwd() / path, root / path] if not path.is_absolute() else [path]
        match = next((c.resolve() for c in candidates if c.exists()), None)
        if match is None or not match.is_relative_to(root):
            problems.append(Problem(str(path), None, "no such file or folder in the report tree"))
            continue
        rel = match.relative_to(root).as_posix()
        found.append("" if rel == "." else rel)
    if problems:
        raise InputError(problems)
    return found


def shown(findings: list[Finding], severity: str, paths: list[str]) -> list[Finding]:
    """The findings at ``severity`` or above, in the given files or folders."""
    levels = SEVERITIES[:SEVERITIES.index(severity) + 1]
    return [f for f in findings if f.severity in levels and (
        not paths or any(p == "" or f.path == p or f.path.startswith(p + "/")
                         for p in paths))]


@click.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--final", is_flag=True,
              help="Check for a final edition: draft marks are errors.")
@click.option("--format", "fmt", type=click.Choice(formats.FORMATS), default="text",
              show_default=True, help="How to print the findings.")
@click.option("--severity", type=click.Choice(SEVERITIES), default=None,
              help="The least severe findings shown. Default: warning in text (info adds "
                   "long sentences, reading age, draft passages, external links to look "
                   "at); every finding in json, github and sarif, as tools expect.")
@click.option("--built", is_flag=True,
              help="Also check the accessibility of the built digital PDF, EPUB and web "
                   "edition.")
@click.pass_obj
def command(root: Path, paths: tuple[Path, ...], final: bool, fmt: str,
            severity: str | None, built: bool) -> None:
    """Check the manuscript: terminology, consent and personal names, structure, draft
    marks, plain English. PATHS narrow the findings to these files or folders."""
    from report.checks.runner import rule_descriptions, run_checks
    from report.manuscript import load

    manuscript = load(root)
    selected = tree_paths(manuscript.root, paths)
    every = run_checks(manuscript, final=final, built=built)
    findings = shown(every, severity or ("warning" if fmt == "text" else "info"), selected)
    prefix = repository_prefix(manuscript.root) if fmt in ("github", "sarif") else ""
    descriptions = rule_descriptions(manuscript) if fmt == "sarif" else None
    click.echo(formats.render(findings, fmt, descriptions, prefix), nl=False)
    hidden = len(shown(every, "info", selected)) - len(findings)
    click.echo(formats.summary(findings, hidden), err=True)
    from report.editions.printed import default_profiles_built

    if not manuscript.manifest.extra.get("print_profile") and not default_profiles_built():
        click.echo("note: the print edition is not PDF/X-4 until mkdocs.yml names the "
                   "printer's CMYK ICC profile (extra.print_profile); builds say so only "
                   "with --final", err=True)
    failed = any(finding.severity == "error" for finding in findings)
    click.get_current_context().exit(EXIT_FINDINGS if failed else EXIT_OK)
