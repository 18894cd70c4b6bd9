"""pandoc's Word and EPUB writers started ahead of the PDFs (issue 18): a build of every
edition starts them before it lays out the PDFs, so pandoc writes on the other core. The
files are the same as those of a build of the Word and EPUB editions alone (which starts
nothing ahead), and a writer that is not needed is ended with its folder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from report.build import start_writers
from report.editions.context import BuildContext
from report.manuscript import load
from tests.conftest import build_tree

EDITIONS = ("constructs-report.docx", "constructs-report.epub")


def _files(root: Path) -> dict[str, bytes]:
    return {name: (root / "build" / name).read_bytes() for name in EDITIONS}


def test_editions_written_ahead_equal_those_written_alone(make_tree, monkeypatch) -> None:
    from report import build as pipeline

    started: list[str] = []

    def recording(context, to_build):
        start_writers(context, to_build)
        started.extend(context.writers)

    monkeypatch.setattr(pipeline, "start_writers", recording)
    root = make_tree("constructs")
    build_tree(root, "print", "--jobs", "1")  # cold: the layout cache
    practice = root / "chapters/02-practice.md"
    practice.write_text(practice.read_text().replace("referrals rose", "referrals grew", 1))
    build_tree(root, "print", "docx", "epub", "--jobs", "1")
    assert started == ["docx", "epub"]  # started ahead of the print edition's layout
    ahead = _files(root)
    for name in EDITIONS:
        (root / "build" / name).unlink()
    # Nothing to lay out first: none started ahead (the Word contents take their page
    # numbers from the print edition's page map, as before).
    build_tree(root, "docx", "epub")
    assert _files(root) == ahead


def test_editions_written_ahead_in_a_process_equal_those_written_alone(make_tree,
                                                                       monkeypatch) -> None:
    """With more than one job the Word and EPUB packages are made in a forked process
    (the document's Python work off this process's interpreter lock); the files are
    those of a build of the two editions alone, and the processes are gone."""
    from report import build as pipeline
    from report.editions.pandoc_writer import WrittenAhead

    ahead: list[WrittenAhead] = []

    def recording(context, to_build, cold=False):
        start_writers(context, to_build, cold)
        ahead.extend(w for w in context.writers.values() if w not in ahead)

    monkeypatch.setattr(pipeline, "start_writers", recording)
    root = make_tree("constructs")
    build_tree(root, "print", "--jobs", "2")
    practice = root / "chapters/02-practice.md"
    practice.write_text(practice.read_text().replace("referrals rose", "referrals grew", 1))
    build_tree(root, "print", "docx", "epub", "--jobs", "2")
    assert len(ahead) == 2 and all(isinstance(w, WrittenAhead) for w in ahead)
    assert all(not w._forked.running and not w._forked.folder.exists() for w in ahead)
    written = _files(root)
    for name in EDITIONS:
        (root / "build" / name).unlink()
    build_tree(root, "docx", "epub")
    assert _files(root) == written


def test_a_writer_ahead_that_fails_or_hangs_gives_way(make_tree, monkeypatch) -> None:
    """A forked writer that fails, or has not started pandoc within START_WAIT (it could
    hang on a lock another thread held when it was forked), gives no package: the edition
    writes its own, the same; a writer not needed is ended with its folder."""
    from report.editions import docx, pandoc_writer
    from report.editions.pandoc_writer import WrittenAhead, taken

    root = make_tree("constructs")
    build_tree(root, "print", "--jobs", "1")
    context = BuildContext(load(root))
    alone = taken(context, "docx", docx.start, docx.written)

    def failing(context):
        raise RuntimeError("a writer that fails")

    def hanging(context):
        time.sleep(60)

    monkeypatch.setattr(pandoc_writer, "START_WAIT", 1)
    for start in (failing, hanging):
        context.writers["docx"] = writer = WrittenAhead(context, start, docx.written)
        began = time.monotonic()
        assert taken(context, "docx", docx.start, docx.written) == alone
        assert time.monotonic() - began < 30
        assert not writer._forked.running and not writer._forked.folder.exists()
    writer = WrittenAhead(context, hanging, docx.written)
    writer.stop()
    assert not writer._forked.running and not writer._forked.folder.exists()


def test_writers_start_only_when_pdfs_are_laid_out_first(make_tree) -> None:
    """... and only when their layout is cached: a cold build's layout workers take
    every core."""
    root = make_tree("constructs")
    context = BuildContext(load(root))
    start_writers(context, ["print", "docx", "epub", "web"])
    assert context.writers == {}  # cold
    build_tree(root, "print", "--jobs", "1")
    start_writers(context, ["docx", "epub", "web"])
    assert context.writers == {}  # no PDF to lay out first
    start_writers(context, ["print", "docx", "epub", "web"])
    assert set(context.writers) == {"docx", "epub"}
    for writing in context.writers.values():
        writing.stop()


def test_a_writer_not_needed_is_ended_and_its_folder_removed(make_tree) -> None:
    from report.editions import epub

    root = make_tree("constructs")
    writing = epub.start(BuildContext(load(root)))
    folder = Path(writing._folder.name)
    process = writing._run._proc
    assert folder.is_dir()
    writing.stop()
    assert not folder.exists()
    assert process.poll() is not None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_writer_dies_with_a_killed_build(tmp_path: Path) -> None:
    """A build killed while a writer it started ahead is at work leaves no pandoc running
    (here pandoc runs a filter that would keep it busy for half a minute)."""
    (tmp_path / "document.json").write_text('{"pandoc-api-version":[1,23,1],"meta":{},'
                                            '"blocks":[]}')
    (tmp_path / "busy.lua").write_text("local t = os.clock()\n"
                                       "while os.clock() - t < 30 do end\n")
    script = ("import os, signal, sys\n"
              "from pathlib import Path\n"
              "from report.render import pandoc\n"
              "folder = Path(sys.argv[1])\n"
              "run = pandoc.Started(['-f', 'json', '-t', 'html', '--lua-filter',"
              " str(folder / 'busy.lua'), str(folder / 'document.json')],"
              " cwd=folder, log=folder / 'log.txt')\n"
              "print(run._proc.pid, flush=True)\n"
              "os.kill(os.getpid(), signal.SIGKILL)\n")
    build = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True,
                           text=True, timeout=120)
    assert build.returncode == -signal.SIGKILL, build.stderr
    pid = int(build.stdout.split()[0])
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _running(pid):
            time.sleep(0.05)
        assert not _running(pid)
    finally:
        if _running(pid):
            os.kill(pid, signal.SIGKILL)


def _running(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


def test_a_stopped_process_removes_what_it_was_writing(tmp_path: Path) -> None:
    """A forked process stopped by the build (which stopped itself) is asked to end, and
    the file it was writing (as the EPUB's kept chapter files are written) is removed, not
    left half-written beside its target."""
    from report.editions.forked import STARTED, Forked
    from report.outputs import atomic_path

    target = tmp_path / "out" / "kept.xhtml"

    def work(folder: Path) -> None:
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"half a chapter")
            (folder / STARTED).touch()
            time.sleep(60)

    forked = Forked(work)
    deadline = time.monotonic() + 30
    while not (forked.folder / STARTED).exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert [p.name.endswith(".tmp") for p in target.parent.iterdir()] == [True]
    began = time.monotonic()
    forked.close()
    assert time.monotonic() - began < 5  # it ended when asked, not killed after a wait
    assert list(target.parent.iterdir()) == [] and not forked.folder.exists()
