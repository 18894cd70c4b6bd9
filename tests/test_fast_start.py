"""A command imports what it needs: help and a build with nothing to do stay instant.

Each command runs in a fresh interpreter that prints, on the way out, which of the heavy
libraries (WeasyPrint, MkDocs, pandoc's wrapper, lxml) ended up in ``sys.modules``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("weasyprint", "mkdocs", "material", "pypandoc", "lxml", "pikepdf", "PIL")
# A build reads the commit through git (the draft stamp); a verb's help needs none of it.
HEAVY_FOR_HELP = (*HEAVY, "git")
PROBE = (
    "import atexit, sys\n"
    "heavy = set(sys.argv.pop(1).split(','))\n"
    "atexit.register(lambda: print('IMPORTED', sorted({m.split('.')[0] for m in sys.modules}"
    " & heavy), file=sys.stderr))\n"
    "from report.cli import main\n"
    "sys.argv[0] = 'report'\n"
    "main()\n"
)


def _imported(*args: str, heavy: tuple[str, ...] = HEAVY
              ) -> tuple[list[str], subprocess.CompletedProcess]:
    proc = subprocess.run([sys.executable, "-c", PROBE, ",".join(heavy), *args],
                          capture_output=True, text=True, timeout=300)
    line = next(line for line in proc.stderr.splitlines() if line.startswith("IMPORTED"))
    return eval(line.removeprefix("IMPORTED "), {}), proc  # a list literal we printed


@pytest.mark.parametrize("args", [("--help",), *((verb, "--help") for verb in (
    "build", "check", "serve", "review", "contributors", "new", "publish", "release"))])
def test_help_imports_no_heavy_library(args):
    imported, proc = _imported(*args, heavy=HEAVY_FOR_HELP)
    assert proc.returncode == 0, proc.stderr
    assert imported == []


def test_a_build_with_nothing_to_do_imports_no_heavy_library(make_tree):
    root: Path = make_tree("constructs")
    imported, first = _imported("--root", str(root), "build", "docx")
    assert first.returncode == 0, first.stderr
    assert "weasyprint" not in imported  # the Word edition alone does not lay out PDFs
    assert "lxml" in imported  # the probe sees what a real build imports

    imported, second = _imported("--root", str(root), "build", "docx")
    assert second.returncode == 0, second.stderr
    assert "nothing changed since the last build" in second.stderr
    assert imported == []


def test_the_web_edition_alone_imports_no_weasyprint(make_tree):
    """The site (and ``report serve``, with the same plugin) lays out no PDF: WeasyPrint,
    a second of imports, is not loaded for it."""
    root: Path = make_tree("minimal")
    imported, proc = _imported("--root", str(root), "build", "web")
    assert proc.returncode == 0, proc.stderr
    assert "mkdocs" in imported  # the probe sees the site being built
    assert "weasyprint" not in imported


IMPORTING_THREAD = (
    "import sys, threading\n"
    "seen = {}\n"
    "def audit(event, args):\n"
    "    if event == 'import' and args[0] in ('weasyprint', 'mkdocs'):\n"
    "        seen.setdefault(args[0], threading.current_thread().name)\n"
    "sys.addaudithook(audit)\n"
    "import atexit\n"
    "atexit.register(lambda: print('THREADS', seen, file=sys.stderr))\n"
    "from report.cli import main\n"
    "sys.argv[0] = 'report'\n"
    "main()\n"
)


def test_a_build_imports_the_editions_beside_the_render(make_tree):
    """WeasyPrint and MkDocs are imported by a thread of their own that starts with the
    build, while the sources are checked and rendered (mostly waiting for pandoc), not by
    the first edition after the render."""
    root: Path = make_tree("minimal")
    proc = subprocess.run([sys.executable, "-c", IMPORTING_THREAD, "--root", str(root),
                           "build", "print", "web", "--jobs", "1"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    line = next(line for line in proc.stderr.splitlines() if line.startswith("THREADS"))
    assert eval(line.removeprefix("THREADS "), {}) == {"weasyprint": "imports",
                                                        "mkdocs": "imports"}


def test_a_build_after_an_edit_does_not_validate_the_unchanged_register_again(make_tree):
    """The contributors register passed its schema at the first build and has not changed
    since: a build after a chapter edit takes the kept reading and never imports the
    schema validator; a changed register is validated again."""
    root: Path = make_tree("constructs")

    def validator_imported() -> bool:
        proc = subprocess.run([sys.executable, "-c", PROBE, "jsonschema", "--root", str(root),
                               "build", "docx"], capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
        line = next(line for line in proc.stderr.splitlines() if line.startswith("IMPORTED"))
        return "jsonschema" in line

    assert validator_imported()  # the first build validates it
    chapter = root / "chapters" / "02-practice.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\nOne more sentence.\n",
                       encoding="utf-8")
    assert not validator_imported()
    register = root / "contributors.yaml"
    register.write_text(register.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert validator_imported()


LIBRARIES_PROBE = (
    "import subprocess, sys\n"
    "ran = []\n"
    "start = subprocess.Popen.__init__\n"
    "def counted(self, args, *rest, **options):\n"
    "    ran.append(args[0] if isinstance(args, (list, tuple)) else args)\n"
    "    start(self, args, *rest, **options)\n"
    "subprocess.Popen.__init__ = counted\n"
    "if sys.argv[1] == 'toolkit':\n"
    "    import report.editions\n"
    "import weasyprint\n"
    "libraries = sorted({line.split()[-1] for line in open('/proc/self/maps')\n"
    "                    if '.so' in line})\n"
    "print(repr((ran, libraries)))\n"
)


def _weasyprint_import(how: str) -> tuple[list[str], list[str]]:
    proc = subprocess.run([sys.executable, "-c", LIBRARIES_PROBE, how], capture_output=True,
                          text=True, timeout=120, check=True)
    return eval(proc.stdout)  # a tuple literal we printed


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="sonames are Linux's")
def test_weasyprint_opens_the_same_libraries_without_helper_processes():
    """Imported as the toolkit imports it, WeasyPrint runs no ldconfig, gcc or ld to find
    its libraries, and has the very same files loaded as when imported plainly (which
    does run them: what the toolkit saves, 0.4 s of every process that lays out)."""
    plain_ran, plain_libraries = _weasyprint_import("plain")
    ran, libraries = _weasyprint_import("toolkit")
    assert {Path(p).name for p in plain_ran} >= {"ldconfig", "gcc"}, plain_ran
    assert ran == []
    assert libraries == plain_libraries
    assert any("libpango" in name for name in libraries)
