"""Both PDFs laid out by one set of workers (issue 18): in a build of both, the digital
edition's chapters are handed to the workers while the print edition's front matter is
laid out and its book assembled, and its build takes them up; each PDF is the same file
as when it is built alone."""

from __future__ import annotations

import shutil
from pathlib import Path

from report.editions import chaptered
from tests.conftest import build_tree

PDFS = ("constructs-report-print.pdf", "constructs-report.pdf")


def _pdfs(root: Path) -> dict[str, bytes]:
    return {name: (root / "build" / name).read_bytes() for name in PDFS
            if (root / "build" / name).exists()}


def _rebuild(root: Path, *args: str) -> dict[str, bytes]:
    shutil.rmtree(root / "build", ignore_errors=True)
    build_tree(root, *args)
    return _pdfs(root)


def test_the_digital_chapters_are_laid_out_ahead_and_the_pdfs_are_unchanged(
        make_tree, monkeypatch) -> None:
    events: list[str] = []  # editions built, parts handed to the workers, in order
    submit, build = chaptered.Workers.submit, chaptered._lay_out_book

    def submitting(self, jobs):
        events.extend(f"{'digital' if job.tagged else 'print'} {job.key}" for job in jobs
                      if not self.started(job))
        submit(self, jobs)

    def building(context, plan, *args, **kwargs):
        events.append(f"build {plan.spec.edition}")
        return build(context, plan, *args, **kwargs)

    monkeypatch.setattr(chaptered.Workers, "submit", submitting)
    monkeypatch.setattr(chaptered, "_lay_out_book", building)
    root = make_tree("constructs")
    alone = {**_rebuild(root, "print", "--jobs", "2"), **_rebuild(root, "digital", "--jobs", "2")}
    assert events.index("build digital") < events.index("digital ch-practice")
    events.clear()
    together = _rebuild(root, "print", "digital", "--jobs", "2")
    assert together == alone and len(alone) == 2
    # The digital chapters go to the workers after the print edition's front matter,
    # before the digital edition's build begins.
    # The digital front matter goes first, made from the print edition's page map (one
    # pagination), so that it is laid out beside the print edition's, not alone at the end.
    ahead = events[events.index("print front") + 1:events.index("build digital")]
    assert {"digital ch-practice", "digital ch-introduction"} <= set(ahead), events
    assert [e for e in ahead if e.startswith("digital")][0] == "digital front", events

    # After an edit (not the first of a clean tree, which changes the draft stamp), the
    # print edition's one chapter leaves a worker idle at once: the digital edition's
    # chapter is laid out beside it.
    practice = root / "chapters/02-practice.md"
    for new in ("referrals grew", "referrals climbed"):
        events.clear()
        practice.write_text(practice.read_text().replace("referrals rose", new, 1)
                            .replace("referrals grew", new, 1))
        build_tree(root, "print", "digital", "--jobs", "2")
        if new == "referrals grew":  # the first edit: both front matters, side by side
            handed = [e for e in events if e.endswith(" front") or e.startswith("build")]
            assert handed[:3] == ["build print", "print front", "digital front"], events
            assert events.index("digital front") < events.index("build digital"), events
    assert events[:3] == ["build print", "print ch-practice", "digital ch-practice"], events
    edited = _pdfs(root)
    assert _rebuild(root, "print", "digital", "--jobs", "1") == edited


def test_a_cold_build_starts_the_writers_once_the_last_pdf_leaves_a_worker_idle(
        make_tree, monkeypatch) -> None:
    from report import build as pipeline

    started: list[tuple[str, bool]] = []
    start = pipeline.start_writers

    def recording(context, to_build, cold=False):
        before = set(context.writers)
        start(context, to_build, cold)
        started.extend((name, cold) for name in context.writers if name not in before)

    monkeypatch.setattr(pipeline, "start_writers", recording)
    root = make_tree("constructs")
    build_tree(root, "print", "digital", "docx", "epub", "--jobs", "2")
    assert started == [("docx", True), ("epub", True)]
    written = {name: (root / "build" / name).read_bytes()
               for name in ("constructs-report.docx", "constructs-report.epub")}
    started.clear()
    for name in written:
        (root / "build" / name).unlink()
    build_tree(root, "docx", "epub", "--jobs", "2")  # alone: nothing started ahead
    assert started == []
    assert {name: (root / "build" / name).read_bytes() for name in written} == written
