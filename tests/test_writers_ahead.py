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


def test_a_repacked_package_keeps_every_member_and_copies_unchanged_ones_as_compressed(
        tmp_path: Path) -> None:
    """pandoc's Word and EPUB packages are rewritten (dated, members changed and added)
    without inflating and deflating what stays: every member is there, in order, with
    its content; an unchanged member's compressed bytes are pandoc's own; the package
    reads back with every CRC right, the EPUB's ``mimetype`` first and stored."""
    import datetime as dt
    import io
    import zipfile

    from report.editions.pandoc_writer import repack
    from report.render import pandoc

    source = tmp_path / "source.md"
    source.write_text("# One\n\nText, *some* of it.\n\n# Two\n\nMore.\n")
    for writer in ("docx", "epub3"):
        out = tmp_path / f"written.{writer}"
        pandoc.run(["-f", "markdown", "-t", writer, "--split-level=1", "-o", str(out),
                    str(source)] if writer == "epub3" else
                   ["-f", "markdown", "-t", writer, "-o", str(out), str(source)])
        written = out.read_bytes()
        before = zipfile.ZipFile(io.BytesIO(written))
        names = before.namelist()
        changed_name = names[-1]
        date = dt.datetime(2026, 12, 3, 9, 30, tzinfo=dt.UTC)
        again = repack(written, date, changed={changed_name: b"changed"},
                       added={names[0]: [("added.txt", b"added")]})
        after = zipfile.ZipFile(io.BytesIO(again))
        assert after.testzip() is None
        assert after.namelist() == [names[0], "added.txt", *names[1:]]
        dated = {"docProps/core.xml", "EPUB/content.opf"}  # their own dates set
        for name in names:
            expected = b"changed" if name == changed_name else before.read(name)
            if name in dated:
                assert b"2026-12-03T09:30:00Z" in after.read(name), name
            else:
                assert after.read(name) == expected, name
            assert after.getinfo(name).date_time == (2026, 12, 3, 9, 30, 0)
        assert dated & set(names)
        kept = [n for n in names[1:-1]
                if n not in dated and before.getinfo(n).compress_size > 64]
        assert kept
        for name in kept:
            assert _compressed(written, before.getinfo(name)) == \
                _compressed(again, after.getinfo(name)), name
        if writer == "epub3":
            assert names[0] == "mimetype"
            assert after.getinfo("mimetype").compress_type == zipfile.ZIP_STORED


def _compressed(package: bytes, info) -> bytes:
    import struct

    at = info.header_offset
    name_length, extra_length = struct.unpack("<HH", package[at + 26:at + 30])
    start = at + 30 + name_length + extra_length
    return package[start:start + info.compress_size]


def test_repacking_does_not_compress_again_what_it_keeps() -> None:
    """A member kept as it was is copied as compressed, not deflated again: one deflated
    at another level than zipfile's own keeps its bytes (inflating and deflating every
    member was 0.2 s a pass over the corpus's EPUB)."""
    import io
    import zipfile

    from report.editions.pandoc_writer import repack

    text = " ".join(f"word{i % 97}" for i in range(20000)).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as package:
        package.writestr("kept.txt", text)
        package.writestr("changed.txt", text)
    written = buffer.getvalue()
    again = repack(written, changed={"changed.txt": text})
    before, after = zipfile.ZipFile(io.BytesIO(written)), zipfile.ZipFile(io.BytesIO(again))
    assert _compressed(again, after.getinfo("kept.txt")) == \
        _compressed(written, before.getinfo("kept.txt"))
    assert _compressed(again, after.getinfo("changed.txt")) != \
        _compressed(written, before.getinfo("changed.txt"))  # deflated anew, at level 6
    assert after.read("kept.txt") == after.read("changed.txt") == text


def test_the_digital_edition_assembled_apart_is_the_one_assembled_here(
        make_tree, monkeypatch) -> None:
    """With another edition after it and more than one job, the digital edition is
    assembled in a forked process while the build goes on (report.editions.forked.Apart);
    the PDF, its page count and its sha256 in the manifest are those of the digital
    edition assembled in the build's own process, and the process is gone."""
    import json

    from report.editions import digital
    from report.editions.forked import Apart

    made: list[Apart] = []

    class Recorded(Apart):
        def __init__(self, work) -> None:
            super().__init__(work)
            made.append(self)
            self.forked_at_start = self._forked

    monkeypatch.setattr(digital, "Apart", Recorded)
    root = make_tree("constructs")
    build_tree(root, "digital", "docx", "--jobs", "2")
    assert len(made) == 1 and made[0].forked_at_start is not None
    forked = made[0].forked_at_start
    assert not forked.running and not forked.folder.exists()
    pdf = root / "build/constructs-report.pdf"
    apart = pdf.read_bytes()
    entry = json.loads((root / "build/manifest.json").read_text())["editions"]["digital"]
    pdf.unlink()
    build_tree(root, "digital", "--jobs", "2")  # the last edition: assembled here
    assert len(made) == 1
    assert pdf.read_bytes() == apart
    assert json.loads((root / "build/manifest.json").read_text())["editions"]["digital"] \
        == entry


def test_work_apart_that_fails_is_done_here(tmp_path: Path) -> None:
    """Work whose forked process fails (or never starts) is done again in this process,
    which meets its error itself; stopped, the process is ended."""
    from report.editions.forked import Apart

    here = os.getpid()
    done_here = tmp_path / "done-here"

    def work() -> None:
        if os.getpid() != here:
            raise RuntimeError("fails in the forked process")
        done_here.write_text("yes")

    apart = Apart(work)
    apart.done()
    assert done_here.read_text() == "yes"

    def failing() -> None:
        raise RuntimeError("fails everywhere")

    with pytest.raises(RuntimeError, match="everywhere"):
        Apart(failing).done()

    slow = Apart(lambda: time.sleep(60))
    forked = slow._forked
    assert forked is not None and forked.running
    slow.stop()
    assert not forked.running and not forked.folder.exists()


def test_after_an_edit_the_digital_edition_is_assembled_beside_the_print_book(
        make_tree, monkeypatch) -> None:
    """After an edit the shared layout workers hold only the digital edition's changed
    chapter when the print edition's own parts are laid out: the digital edition takes
    its turn then, so its assembly (apart) runs beside the print book's instead of after
    it. Both PDFs are those each edition gives built alone; an error met there is met in
    the digital edition's own turn, after the print edition is recorded."""
    import hashlib
    import json

    from report.build import build
    from report.editions import chaptered, digital
    from report.errors import InputError, Problem

    root = make_tree("constructs")
    build_tree(root, "print", "digital", "docx", "--jobs", "2")
    practice = root / "chapters/02-practice.md"
    # A first edit makes the tree dirty, which the draft stamp says on every page: the
    # stamp and the front matter are laid out again. The second changes one chapter.
    practice.write_text(practice.read_text().replace("referrals rose", "referrals grew", 1))
    build_tree(root, "print", "digital", "docx", "--jobs", "2")
    order: list[str] = []
    write = chaptered.Assembly.write

    def assembled(self, out, finish=None):
        order.append("digital" if self.tagged else "print")
        return write(self, out, finish)

    monkeypatch.setattr(chaptered.Assembly, "write", assembled)
    turns: list[str] = []
    digital_build = digital.build

    def digital_turn(context):
        turns.append("print assembled" if "print" in order else "print not assembled")
        return digital_build(context)

    monkeypatch.setattr(digital, "build", digital_turn)
    practice.write_text(practice.read_text().replace("referrals grew", "referrals rose", 1))
    build_tree(root, "print", "digital", "docx", "--jobs", "2")
    assert turns == ["print not assembled"]  # taken before the print book's assembly
    pdfs = {name: (root / "build" / name).read_bytes() for name in (
        "constructs-report.pdf", "constructs-report-print.pdf")}
    for name in pdfs:
        (root / "build" / name).unlink()
    build_tree(root, "print", "--jobs", "1")
    build_tree(root, "digital", "--jobs", "1")
    assert {name: (root / "build" / name).read_bytes() for name in pdfs} == pdfs

    def refused(context):
        raise InputError([Problem("chapters/02-practice.md", 3, "refused here")])

    monkeypatch.setattr(digital, "build", refused)
    practice.write_text(practice.read_text().replace("referrals rose", "referrals grew", 1))
    with pytest.raises(InputError, match="refused here"):
        build(load(root), ["print", "digital", "docx"], jobs=2)
    editions = json.loads((root / "build/manifest.json").read_text())["editions"]
    assert editions["print"]["sha256"] == hashlib.sha256(
        (root / "build/constructs-report-print.pdf").read_bytes()).hexdigest()
    assert "digital" not in editions  # its last build no longer matches the sources


@pytest.mark.parametrize("grown", [False, True])
def test_after_an_edit_the_web_edition_is_built_while_the_digital_edition_settles(
        make_tree, monkeypatch, grown: bool) -> None:
    """After an edit the digital edition is assembled apart; the web edition is built
    meanwhile, showing the size of the digital edition's last file, and built again only
    when the settled file's size, as shown, differs (a chapter grown by a page). Either
    way the site lists the new file's size and offers its bytes, in build/site and in the
    kept site, and the digital edition is recorded before the web edition."""
    import json

    from lxml import html

    from report.editions import web

    root = make_tree("constructs")
    (root / "notes.txt").write_text("work in progress\n")  # a dirty tree: the stamp holds
    build_tree(root, "--jobs", "2")
    builds: list[tuple[str | None, frozenset[str]]] = []
    web_build = web.build
    digital_pdf = root / "build" / "constructs-report.pdf"

    def web_turn(context):
        builds.append((web.shown_size(digital_pdf), context.settling))
        return web_build(context)

    monkeypatch.setattr(web, "build", web_turn)
    from report.editions import chaptered

    write = chaptered.Assembly.write

    def slow_write(self, out, finish=None):  # the web edition is built before it ends
        if self.tagged:
            time.sleep(3)
        return write(self, out, finish)

    monkeypatch.setattr(chaptered.Assembly, "write", slow_write)
    if not grown:  # sizes shown coarsely enough that a one-word edit cannot move them
        monkeypatch.setattr(web, "shown_size",
                            lambda path: "some KB" if path.is_file() else None)
    practice = root / "chapters/02-practice.md"
    words = (" ".join(f"Paragraph {n} of many words, enough to fill a page." for n in range(40))
             if grown else "referrals grew")
    text = practice.read_text()
    practice.write_text(text + "\n\n" + words + "\n" if grown
                        else text.replace("referrals rose", words, 1))
    before = web.shown_size(digital_pdf)
    build_tree(root, "--jobs", "2")
    after = web.shown_size(digital_pdf)
    assert (before != after) == grown, (before, after)
    # built once beside the settling digital edition, twice when its shown size moved
    assert builds == [(before, frozenset({"digital"}))] + ([(after, frozenset())] if grown
                                                          else [])
    for site in (root / "build" / "site", root / "build" / ".cache" / "web" / "site"):
        assert (site / "downloads" / digital_pdf.name).read_bytes() == digital_pdf.read_bytes()
    page = html.fromstring((root / "build/site/downloads/index.html").read_bytes())
    assert page.xpath("//span[@class='report-download-meta']/text()")[0].startswith(
        f"(PDF, {after},")
    manifest = json.loads((root / "build/manifest.json").read_text())
    assert list(manifest["editions"]).index("digital") < list(manifest["editions"]).index("web")
