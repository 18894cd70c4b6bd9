"""Faults lose nothing and block nothing: a damaged cache, a full disk, a read-only
``build/``, a killed build and a refused build each leave the previous outputs and a
true ``manifest.json``, with one line and an exit code instead of a traceback.

The full disk and the read-only folder are real: a small tmpfs mounted on ``build/``
(skipped where the tests may not mount, as on a laptop without root).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import build_tree


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_damaged_cache_entries_are_misses(make_tree, run_report) -> None:
    root = make_tree("minimal")
    build_tree(root, "print")
    pdf = root / "build" / "a-minimal-report-print.pdf"
    pages = json.loads((root / "build" / "manifest.json").read_text())["editions"]["print"]
    cache = root / "build" / ".cache"
    damaged = [p for p in cache.rglob("*") if p.is_file() and p.suffix in (".json", ".pdf")]
    assert any(p.parent.name == "layout" for p in damaged)
    for number, path in enumerate(damaged):
        path.write_bytes(b"" if number % 2 else path.read_bytes()[: len(path.read_bytes()) // 2])
    result = run_report(root, "build", "print")
    assert result.exit_code == 0, result.output
    assert json.loads((root / "build" / "manifest.json").read_text())["editions"]["print"][
        "pages"] == pages["pages"]
    assert pdf.read_bytes().startswith(b"%PDF-")


@contextlib.contextmanager
def small_disk(folder: Path, size: str) -> Iterator[Path]:
    folder.mkdir(exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs",
                              str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def _fill(folder: Path) -> None:
    """Fill the small disk to the last byte. Unbuffered: a buffered file would try to
    flush the part of its last block that did not fit again on close, and raise there."""
    with (folder / "filler").open("wb", buffering=0) as out:
        with contextlib.suppress(OSError):
            while True:
                out.write(b"\0" * 65536)
        with contextlib.suppress(OSError):
            while True:  # what is left, smaller than a block
                if not out.write(b"\0" * 512):
                    break


def _leftovers(build: Path) -> list[str]:
    """Temporary files and folders under ``build``. Read while a build runs, a folder it
    renames or removes meanwhile is passed over (os.walk), not an error (Path.rglob
    raised FileNotFoundError on a ``.site.*`` folder swapped into place as it was read)."""
    return [name for _, folders, files in os.walk(build) for name in (*folders, *files)
            if name.endswith(".tmp") or name.startswith(".site.")]


def test_full_disk_and_read_only_build_keep_previous_outputs(make_tree, run_report) -> None:
    root = make_tree("constructs")
    with small_disk(root / "build", "8m") as build:
        first = run_report(root, "build", "docx")
        assert first.exit_code == 0, first.output
        docx = next(build.glob("*.docx"))
        before = (_digest(docx), (build / "manifest.json").read_text())
        chapter = root / "chapters" / "01-introduction.md"
        chapter.write_text(chapter.read_text() + "\nA new paragraph.\n")
        _fill(build)
        full = run_report(root, "build", "docx", "epub", "web")
        assert full.exit_code == 1, full.output
        lines = [line for line in full.output.splitlines() if line.strip()]
        assert any("No space left on device" in line for line in lines), full.output
        assert "Traceback" not in full.output
        assert (_digest(docx), (build / "manifest.json").read_text()) == before
        assert _leftovers(build) == []
        (build / "filler").unlink()
        subprocess.run(["mount", "-o", "remount,ro", str(build)], check=True)
        readonly = run_report(root, "build", "docx")
        assert readonly.exit_code == 1, readonly.output
        assert "Read-only file system" in readonly.output and "Traceback" not in readonly.output
        assert (_digest(docx), (build / "manifest.json").read_text()) == before


def test_a_refused_build_leaves_no_deleted_edition_in_the_manifest(make_tree,
                                                                   run_report) -> None:
    root = make_tree("consent")
    build_tree(root, "web", "docx")
    chapter = root / "chapters" / "01-introduction.md"
    # An entity the source check does not read, the built page does: the build refuses.
    chapter.write_text(chapter.read_text() + "\nWe thank Wren&#32;Withdrawn for this.\n")
    result = run_report(root, "build", "web")
    assert result.exit_code == 1, result.output
    manifest = json.loads((root / "build" / "manifest.json").read_text())
    assert "web" not in manifest["editions"]
    for entry in manifest["editions"].values():
        assert (root / entry["path"]).exists()


def _children(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found |= {int(c) for c in (task / "children").read_text().split()}
    return found


def _cmdline(pid: int) -> str:
    """A process's command line; empty once it has ended (a short-lived git or pandoc
    child of the build may end between the listing and the read)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs /proc")
def test_layout_workers_die_with_a_killed_build(make_tree, tmp_path: Path) -> None:
    root = make_tree("constructs")
    report = Path(sys.executable).parent / "report"
    build = subprocess.Popen([str(report), "--root", str(root), "build", "print", "digital",
                              "--jobs", "2"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True,
                             env={**os.environ, "TMPDIR": str(tmp_path)})  # what it leaves
    workers: set[int] = set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and build.poll() is None:
        workers = {c for c in _children(build.pid) if "python" in _cmdline(c)}
        if len(workers) >= 2:
            break
        time.sleep(0.05)
    if len(workers) < 2:
        build.wait()
        pytest.skip("the build finished before its layout workers could be seen")
    os.kill(build.pid, signal.SIGKILL)
    build.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.1)
    assert not [w for w in workers if _alive(w)]


def _death_signal() -> int:
    import ctypes

    value = ctypes.c_int(0)
    ctypes.CDLL(None).prctl(2, ctypes.byref(value))  # PR_GET_PDEATHSIG
    return value.value


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_layout_workers_are_set_to_die_with_their_parent() -> None:
    """What makes the test above hold even when a worker is busy with a long chapter: the
    kernel kills each layout worker as soon as the build that started it ends."""
    from concurrent.futures import ProcessPoolExecutor

    from report.outputs import die_with_parent

    with ProcessPoolExecutor(max_workers=1) as pool:
        assert pool.submit(_death_signal).result() == 0
    with ProcessPoolExecutor(max_workers=1, initializer=die_with_parent) as pool:
        assert pool.submit(_death_signal).result() == signal.SIGKILL


def test_read_only_review_folder_is_one_line(tmp_path: Path) -> None:
    import shutil

    from tests.review.reviewcore import FIXTURES, review_tree, run, snapshot

    root = review_tree(tmp_path)
    review = root / "review"
    saved = tmp_path / "review-saved"
    shutil.copytree(review, saved)
    with small_disk(review, "4m"):
        shutil.copytree(saved, review, dirs_exist_ok=True)
        subprocess.run(["mount", "-o", "remount,ro", str(review)], check=True)
        before = snapshot(root)
        result = run(root, "import", str(FIXTURES / "pandoc-comments.docx"),
                         "--not-pack")
        assert result.exit_code == 1, result.output
        assert "Read-only file system" in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), \
            result.exception
        assert snapshot(root) == before


def test_a_killed_builds_temporaries_are_removed_by_the_next(make_tree, run_report) -> None:
    root = make_tree("minimal")
    build = root / "build"
    (build / ".cache").mkdir(parents=True)
    stale = [build / ".a-minimal-report.docx.x1y2.tmp", build / ".cache" / ".parse.z9.tmp"]
    (build / ".site.k3j4").mkdir()
    (build / ".site.k3j4" / "index.html").write_text("half a site")
    fresh = build / ".a-minimal-report.epub.q8.tmp"  # another build may be writing it
    for path in (*stale, fresh):
        path.write_bytes(b"partial")
    old = time.time() - 2 * 3600
    for path in (*stale, build / ".site.k3j4"):
        os.utime(path, (old, old))
    result = run_report(root, "build", "docx")
    assert result.exit_code == 0, result.output
    assert not any(p.exists() for p in stale) and not (build / ".site.k3j4").exists()
    assert fresh.exists()


def test_a_terminated_build_leaves_no_temporary_files(make_tree) -> None:
    root = make_tree("constructs")
    build = root / "build"
    report = Path(sys.executable).parent / "report"
    process = subprocess.Popen([str(report), "--root", str(root), "build", "web", "docx",
                                "epub"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    # Once a temporary file is seen, or pandoc writes the Word or EPUB file under the
    # build (the files live a few milliseconds: polling alone missed them all in some
    # builds, and the test skipped).
    while time.monotonic() < deadline and process.poll() is None and not (
            build.is_dir() and _leftovers(build)) and not _writing(process.pid):
        time.sleep(0.005)
    time.sleep(0.02)  # into the middle of the writing, not the instant it starts
    if process.poll() is not None:
        pytest.skip("the build finished before a temporary file could be seen")
    process.send_signal(signal.SIGTERM)
    code = process.wait(timeout=60)
    # A signal landing after the build has done all its work (the site, the last
    # edition, is quick to finish now) finds nothing left to clean: Python gives SIGTERM
    # back its default action while it shuts down (-SIGTERM), and one landing after its
    # last line of Python but before that is noted and never handled (exit 0). Either way
    # every edition is there, listed, and no temporary file is left (below).
    manifest = build / "manifest.json"
    finished = manifest.is_file() and set(json.loads(manifest.read_text())["editions"]) \
        == {"web", "docx", "epub"}
    assert code == 128 + signal.SIGTERM or (code in (0, -signal.SIGTERM) and finished), code
    assert _leftovers(build) == [], sorted(p.relative_to(build).as_posix()
                                           for p in build.rglob("*"))[:20]


def _descendants(pid: int) -> set[int]:
    """The processes below ``pid`` (from /proc), at this moment."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _writing(pid: int) -> bool:
    """Whether pandoc writes a Word or EPUB file below ``pid`` now."""
    return any(writer in _cmdline(child).split("\0") for child in _descendants(pid)
               for writer in ("docx", "epub3"))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_terminated_build_stops_its_writers_ahead(make_tree, tmp_path: Path) -> None:
    """SIGTERM while the Word and EPUB packages are being made in processes of their own
    (a build of the PDFs too, after an edit, with two jobs): the build ends, and those
    processes and their pandoc with it; nothing of theirs is left, no temporary file in
    build/ and no folder in the temporary directory."""
    root = make_tree("constructs")
    build_tree(root, "print", "docx", "epub", "--jobs", "2")  # the layout cache
    chapter = root / "chapters" / "02-practice.md"
    chapter.write_text(chapter.read_text() + "\n\nOne more sentence.\n")
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    report = Path(sys.executable).parent / "report"
    process = subprocess.Popen([str(report), "--root", str(root), "build", "print", "docx",
                                "epub", "--jobs", "2"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, env={**os.environ,
                                                               "TMPDIR": str(temporary)})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None and not any(
            temporary.glob("report-*/report-forked-*")):
        time.sleep(0.01)
    time.sleep(0.1)
    below = _descendants(process.pid)
    if process.poll() is not None or not below:
        pytest.skip("the build finished before its writers could be seen at work")
    process.send_signal(signal.SIGTERM)
    code = process.wait(timeout=60)
    assert code in (0, 128 + signal.SIGTERM, -signal.SIGTERM), code
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(_alive(pid) for pid in below):
        time.sleep(0.05)
    assert [pid for pid in below if _alive(pid)] == []
    assert list(temporary.iterdir()) == []
    assert _leftovers(root / "build") == []


def test_a_killed_commands_temporary_folders_are_removed_too(make_tree, run_report) -> None:
    """A folder made aside (a reviewer pack, a redline under its own name) and left by a
    killed command ends ``.tmp`` like a file: the next build removes it once stale."""
    from report.outputs import atomic_dir, atomic_named

    root = make_tree("minimal")
    build = root / "build"
    made = []
    for atomic, target in ((atomic_dir, build / "review" / "r1"),
                           (atomic_named, build / "review" / "r1" / "changes.html")):
        with pytest.raises(KeyboardInterrupt), atomic(target) as tmp:
            made.append(tmp if atomic is atomic_dir else tmp.parent)
            raise KeyboardInterrupt  # cleaned on the way out, as a SIGTERM is
    assert made and not any(p.exists() for p in made)
    left = [build / "review" / ".r1.k3j4.tmp", build / "review" / "r1" / ".changes.html.q8.tmp"]
    for path in left:
        path.mkdir(parents=True)
        (path / "half").write_text("half a pack")
        old = time.time() - 2 * 3600
        os.utime(path, (old, old))
    assert run_report(root, "build", "docx").exit_code == 0
    assert not any(p.exists() for p in left)
