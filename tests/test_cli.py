"""The command line itself (issue 17's small frictions): ``--root`` before or after the
verb, help texts shown whole, the metavar the help names."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from report.cli import hoist_root, main


@pytest.mark.parametrize("args", [
    ["check", "--root", "{root}", "--severity", "error"],
    ["check", "--root={root}", "--severity", "error"],
    ["--root", "{root}", "check", "--severity", "error"],
    ["check", "--severity", "error", "--root", "{root}"],
])
def test_root_before_or_after_the_verb(make_tree, args):
    root = make_tree("minimal")
    result = CliRunner().invoke(main, [a.format(root=root) for a in args])
    assert result.exit_code == 0, result.output
    assert "0 findings" in result.stderr


def test_root_is_moved_only_when_it_is_an_option():
    assert hoist_root(["review", "status", "--root", "t"]) == ["--root", "t", "review", "status"]
    assert hoist_root(["--root", "build", "check"]) == ["--root", "build", "check"]
    assert hoist_root(["check", "--", "--root"]) == ["check", "--", "--root"]


@pytest.mark.parametrize("verb", ["review", "publish"])
def test_group_help_is_whole(verb):
    result = CliRunner().invoke(main, [verb, "--help"], terminal_width=80)
    assert result.exit_code == 0
    assert "..." not in result.output.split("Commands:")[1]
    if verb == "review":
        assert "(a word-by-word\n" in result.output and "redline)." in result.output


def test_new_help_names_dir_as_its_text_does():
    result = CliRunner().invoke(main, ["new", "--help"], prog_name="report")
    assert "Usage: report new [OPTIONS] DIR\n" in result.output


def test_a_draft_build_does_not_warn_about_the_print_profile(make_tree, monkeypatch,
                                                             tmp_path):
    """Said once by `report check`, and by a final build, where it can be acted on (here
    without the toolkit's own FOGRA profiles, which make the print PDF PDF/X-4 anyway)."""
    from report.editions import printed

    monkeypatch.setattr(printed, "ICC", tmp_path / "no-profiles")
    root = make_tree("minimal")
    runner = CliRunner()
    draft = runner.invoke(main, ["--root", str(root), "build", "print"])
    assert draft.exit_code == 0, draft.output
    assert "PDF/X-4" not in draft.stderr
    final = runner.invoke(main, ["--root", str(root), "build", "print", "--final"])
    assert final.exit_code == 0, final.output
    assert "warning: print: print edition is not PDF/X-4" in final.stderr
    check = runner.invoke(main, ["--root", str(root), "check"])
    assert check.stderr.count("PDF/X-4") == 1


def test_make_report_sets_up_chromium_epubcheck_and_axe_core(tmp_path):
    """`make report` alone must leave `report release` able to run axe-core in Chromium:
    it depends on the system packages and on node_modules, as `make test` does."""
    import shutil
    import subprocess

    project = Path(__file__).resolve().parent.parent
    for name in ("Makefile", "package.json", "pyproject.toml"):
        shutil.copy(project / name, tmp_path / name)
    plan = subprocess.run(["make", "-n", "report", "PY=python3"], cwd=tmp_path,
                          capture_output=True, text=True, check=True).stdout
    assert "npm install" in plan
    assert "command -v chromium" in plan and "command -v epubcheck" in plan
    assert plan.index("npm install") < plan.index("report build")


def test_the_console_script_exits_as_the_command_does(make_tree, tmp_path):
    """``report`` (the console script, which leaves without Python's teardown) says what
    the command says and exits with its status: 0 and its output, piped; 2 and the one
    line for bad input; 143 for a build terminated by SIGTERM, having removed its
    temporary files on the way out (its exit handlers ran)."""
    import signal
    import subprocess
    import sys
    import time

    report = Path(sys.executable).parent / "report"
    version = subprocess.run([str(report), "--version"], capture_output=True, text=True)
    expected = CliRunner().invoke(main, ["--version"], prog_name="report")
    assert (version.returncode, version.stdout) == (0, expected.output)
    root = make_tree("minimal")
    chapter = next((root / "chapters").glob("*.md"))
    chapter.write_text(chapter.read_text() + "\n\n![A chart](images/missing.png)\n")
    bad = subprocess.run([str(report), "--root", str(root), "build", "docx"],
                         capture_output=True, text=True)
    assert bad.returncode == 2, bad.stderr
    assert "missing.png" in bad.stderr and not (root / "build" / "manifest.json").exists()
    chapter.write_text(chapter.read_text().replace("![A chart](images/missing.png)", ""))
    temporary = tmp_path / "temporary"
    temporary.mkdir()
    env = {**__import__("os").environ, "TMPDIR": str(temporary)}
    build = subprocess.Popen([str(report), "--root", str(root), "build", "--jobs", "2"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    deadline = time.monotonic() + 60
    while (not any(temporary.glob("report-*/*")) and build.poll() is None
           and time.monotonic() < deadline):
        time.sleep(0.02)  # until the build has made a temporary folder in its own
    assert build.poll() is None
    build.send_signal(signal.SIGTERM)
    assert build.wait(60) == 128 + signal.SIGTERM
    assert list(temporary.iterdir()) == []


# A SIGTERM that lands as Python's probe file in the temporary folder is created: the
# moment a handler's exception would leave it behind (tempfile.gettempdir's first use).
_TERMINATED_AT_THE_PROBE = """
import os, signal, sys

real_open = os.open


def open_then_terminated(path, flags, mode=0o777, *, dir_fd=None):
    fd = real_open(path, flags, mode, dir_fd=dir_fd)
    if os.path.dirname(os.fspath(path)) == os.environ["TMPDIR"]:
        os.kill(os.getpid(), signal.SIGTERM)
    return fd


os.open = open_then_terminated
sys.argv = ["report", *sys.argv[1:]]
from report.cli import run

run()
"""


def test_a_termination_as_python_probes_its_temporary_folder_leaves_nothing(make_tree,
                                                                            tmp_path):
    """Python's first use of the temporary folder writes a probe file there and removes
    it; a SIGTERM handled between the two left the file behind (a CI run). The command
    finds its temporary folder with the signal held: it exits 143, the folder empty."""
    import os
    import subprocess
    import sys

    root = make_tree("minimal")
    temporary = tmp_path / "temporary"
    temporary.mkdir()
    ended = subprocess.run([sys.executable, "-c", _TERMINATED_AT_THE_PROBE, "--root",
                            str(root), "build", "docx"],
                           capture_output=True, text=True,
                           env={**os.environ, "TMPDIR": str(temporary)})
    assert ended.returncode == 128 + 15, ended.stderr
    assert list(temporary.iterdir()) == []


def test_a_command_keeps_its_temporary_files_in_a_folder_of_its_own(make_tree, tmp_path):
    """Every temporary file of a command (and of what it runs) is in a folder of its own
    in the user's temporary folder, gone when it ends; Jinja's compiled templates stay
    in the user's folder, for the next build. Folders of commands killed an hour ago or
    more are removed; a younger one, or one whose process still runs, is left."""
    import os
    import subprocess
    import sys
    import time

    report = Path(sys.executable).parent / "report"
    temporary = tmp_path / "temporary"
    temporary.mkdir()
    ended = 4_194_304 + 1  # above Linux's largest process id: no process has it
    old = time.time() - 2 * 3600
    kept = {f"report-{ended}-young___", f"report-{os.getpid()}-running_", "report-notours"}
    for name in [*kept, f"report-{ended}-killed__"]:
        (temporary / name).mkdir()
        (temporary / name / "left.txt").write_text("from a killed build")
        if "young" not in name:
            os.utime(temporary / name, (old, old))
    root = make_tree("minimal")
    built = subprocess.run([str(report), "--root", str(root), "build", "web"],
                           capture_output=True, text=True,
                           env={**os.environ, "TMPDIR": str(temporary)})
    assert built.returncode == 0, built.stderr
    cache = f"_jinja2-cache-{os.getuid()}"
    assert {p.name for p in temporary.iterdir()} == kept | {cache}
    assert any((temporary / cache).iterdir())
