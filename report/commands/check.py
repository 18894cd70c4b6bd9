"""`report check`: every manuscript check, printed the way linters print findings.

Exit 1 when any finding is an error, 0 otherwise, 2 on bad input (raised as
``InputError`` and printed by the CLI group). Findings go to stdout in the chosen format;
the one-line summary goes to stderr, so that JSON and SARIF on stdout stay one document.
"""

from __future__ import annotations

import os
from pathlib import Path

import click
import git

from report.checks import formats
from report.checks.runner import rule_descriptions, run_checks
from report.errors import EXIT_FINDINGS, EXIT_OK
from report.manuscript import load


def repository_prefix(root: Path) -> str:
    """The report tree's folder inside its git repository ('' at the top or outside git):
    GitHub annotations and code scanning want paths from the repository root."""
    try:
        top = git.Repo(root, search_parent_directories=True).working_tree_dir
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return ""
    if not top:
        return ""
    rel = os.path.relpath(root, os.path.realpath(top))
    return "" if rel == "." else Path(rel).as_posix()


@click.command("check")
@click.option("--final", is_flag=True,
              help="Check for a final edition: draft marks are errors.")
@click.option("--format", "fmt", type=click.Choice(formats.FORMATS), default="text",
              show_default=True, help="How to print the findings.")
@click.option("--built", is_flag=True,
              help="Also check the accessibility of the built digital PDF and EPUB.")
@click.pass_obj
def command(root: Path, final: bool, fmt: str, built: bool) -> None:
    """Check the manuscript: terminology, consent, structure, draft marks, plain English."""
    manuscript = load(root)
    findings = run_checks(manuscript, final=final, built=built)
    prefix = repository_prefix(manuscript.root) if fmt in ("github", "sarif") else ""
    descriptions = rule_descriptions(manuscript) if fmt == "sarif" else None
    click.echo(formats.render(findings, fmt, descriptions, prefix), nl=False)
    click.echo(formats.summary(findings), err=True)
    failed = any(finding.severity == "error" for finding in findings)
    click.get_current_context().exit(EXIT_FINDINGS if failed else EXIT_OK)
