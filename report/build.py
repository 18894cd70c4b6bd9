"""``report build``: render once, lay out each edition, record them in the manifest.

The manifest (``build/manifest.json``) is what release, publish and the tests read to
find the editions; a partial build keeps the entries of an earlier one that are still
current (same commit and draft state), so building one edition never hides another.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from report.editions import EDITION_ORDER, EditionResult, builder
from report.editions.context import BuildContext
from report.errors import InputError, Problem
from report.manuscript import Manuscript
from report.outputs import remove_stale_temporaries, write_text

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

    from report.checks.chapterwise import ChapterChecks

MANIFEST_NAME = "manifest.json"


class LeakFound(Exception):
    """A built file holds a name without consent; the file has been deleted."""

    def __init__(self, leaks: list[str]):
        self.leaks = leaks
        super().__init__("\n".join(leaks))


def _previous(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # missing, unreadable or damaged: start afresh
        return {}
    return data if isinstance(data, dict) else {}


def _entry(context: BuildContext, result: EditionResult) -> dict:
    entry: dict = {"path": context.rel(result.path)}
    if result.sha256:
        entry["sha256"] = result.sha256
    if result.pages is not None:
        entry["pages"] = result.pages
    entry.update(result.extra)
    return entry


def _privacy_gate(context: BuildContext, result: EditionResult) -> None:
    """Scan what was just built for names without consent; delete it if any is found.

    What was found clean against the same names before is not scanned again: files by
    their bytes (the pages of a site an incremental build left as they were, the PDF the
    site offers for download), and in a changed file, PDF pages by what they are drawn
    from and texts by their characters (a one-chapter edit changes a few pages of each
    PDF and a part or two of the Word and EPUB files). The verdicts are kept in
    ``build/.cache/privacy.json``, keyed by the names and the toolkit's scanner."""
    try:
        from report.checks.consent import Verdicts, forbidden_names, scan_built_files
        from report.manuscript.contributors import load_contributors
    except ImportError:  # pragma: no cover - consent module not present yet
        return
    import hashlib

    from report import fingerprint
    from report.seal import seal, sealed

    register = load_contributors(context.manuscript)
    key = hashlib.sha256(repr([(record, pattern.pattern, pattern.flags) for record, pattern
                               in forbidden_names(register)]).encode()
                         + fingerprint.toolkit(context.path(".")).encode()).hexdigest()
    kept_path = context.path(".cache") / "privacy.json"
    kept = _previous(kept_path)
    # Verdicts only this user's builds made (report.seal): one planted in build/ could
    # otherwise wave a leaking file through.
    clean = kept.get("clean") if kept.get("key") == key and sealed(
        "privacy", json.dumps([key, kept.get("clean")]).encode(), kept.get("seal")) else None
    verdicts = Verdicts(clean={k for k in clean if isinstance(k, str)}
                        if isinstance(clean, list) else set())

    # The folder itself (not its files): a page's path is its URL, scanned as well. The
    # other files an edition made (the print edition's cover) are scanned with it.
    built = [result.path, *(context.manuscript.root / result.extra[field]
                            for field in fingerprint.OUTPUT_FIELDS
                            if isinstance(result.extra.get(field), str))]
    leaks = scan_built_files(built, register, verdicts)
    if leaks:
        import shutil

        for path in built:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        raise LeakFound([str(leak) for leak in leaks])
    # What this scan met stays; what earlier builds met too, up to a bound (each build
    # of the five editions meets about a thousand keys).
    everything = verdicts.clean | verdicts.seen
    kept_now = sorted(everything if len(everything) < 50_000 else verdicts.seen)
    mark = seal("privacy", json.dumps([key, kept_now]).encode())
    if mark is not None:
        write_text(kept_path, json.dumps({"key": key, "clean": kept_now, "seal": mark}) + "\n")


def manuscript_problems(manuscript: Manuscript,
                        kept: ChapterChecks | None = None) -> list[Problem]:
    """Every error ``report check`` finds in the sources, sorted by file and line: names
    without consent, personal names in attributions, error-level terms not kept with a
    reason, unknown labels and citations, missing images. A build stops on all of them
    at once, before anything is written, so that one run shows the author every fix.
    Only the checks that can find an error run (a build shows no warnings); ``kept``
    holds each chapter's own results by its text, for the caller to save once the
    build has passed its gates."""
    from report.checks.runner import manuscript_findings

    findings = manuscript_findings(manuscript, errors_only=True, kept=kept)
    errors = sorted({f for f in findings if f.severity == "error"},
                    key=lambda f: (f.path, f.line, f.column, f.code))
    return [Problem(f.path, f.line, f"{f.code} {f.message}", f.column) for f in errors]


def checked_render(context: BuildContext, kept: ChapterChecks | None = None) -> None:
    """Render while the checks run (:func:`manuscript_problems`, in a thread); raise
    InputError with every problem when either refuses the sources.

    The render mostly waits for pandoc, the checks are Python: side by side, the checks
    cost a build almost nothing (they were 1.5 s before any render on the corpus, cold,
    and most of a rebuild's first second). A refused build writes nothing: no ``build/``
    when there was none, and where one was, none of the render's cache entries, which
    are written only once the checks have passed (a name without consent would
    otherwise stay in them)."""
    import shutil
    from concurrent.futures import ThreadPoolExecutor

    from report.render import caches_dropped, caches_held, caches_saved
    from report.render.cache import remembering

    manuscript = context.manuscript
    had_build_dir = manuscript.build_dir.exists()
    failed: BaseException | None = None
    rendered: list[Problem] | None = None
    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="checks") as pool:
            checking = pool.submit(manuscript_problems, manuscript, kept)
            try:
                with caches_held():
                    _ = context.rendered
            except InputError as exc:
                rendered, failed = exc.problems, exc
            except Exception as exc:  # noqa: BLE001 - the checks' problems come first
                failed = exc
            problems = checking.result()  # a bad terms file raises its InputError here
        if problems:
            raise InputError(_in_the_render_words(problems, rendered))
        if failed is not None:
            raise failed
    except BaseException:
        caches_dropped()
        if not had_build_dir:
            shutil.rmtree(manuscript.build_dir, ignore_errors=True)
        raise
    if not remembering():  # report serve writes them once its page is out
        caches_saved()


# What the render judges too, through the tree's resolver: labels, citations, images,
# links and resources, fenced divs.
RENDER_JUDGES = frozenset({"STRUCT010", "STRUCT011", "STRUCT020", "STRUCT030", "STRUCT031",
                           "STRUCT032", "STRUCT041", "STRUCT060"})


def _in_the_render_words(problems: list[Problem],
                         rendered: list[Problem] | None) -> list[Problem]:
    """The render judges images, resources outside the tree, labels and citations itself
    and says more precisely what is wrong ("absolute path not allowed"); where it speaks
    of a line the checks found (``rendered``: what the render refused, if it did), its
    words replace theirs."""
    if not rendered or not any(p.message.split(" ", 1)[0] in RENDER_JUDGES for p in problems):
        return problems
    said = {(p.path, p.line) for p in rendered}
    merged = [p for p in problems if (p.path, p.line) not in said] + rendered
    return sorted(merged, key=lambda p: (p.path, p.line or 0, p.column or 0))


# The web edition offers every other edition for download, with its size: built last.
BUILD_ORDER = tuple(e for e in EDITION_ORDER if e != "web") + ("web",)


def build(manuscript: Manuscript, editions: Iterable[str] = EDITION_ORDER, *, final: bool = False,
          jobs: int = 1, progress=None, out_dir: Path | None = None,
          noindex: bool = False, warn=None) -> dict:
    """Build the editions named; return the manifest written to ``build/manifest.json``."""
    editions = [e for e in BUILD_ORDER if e in set(editions)]
    _import_ahead(editions)
    from report.checks.runner import chapter_checks

    kept = chapter_checks(manuscript, manuscript.build_dir / ".cache", errors_only=True)
    context = BuildContext(manuscript, final=final, jobs=jobs, out_dir=out_dir, noindex=noindex)
    remove_stale_temporaries(context.path("."))  # what a killed build left behind
    checked_render(context, kept)  # bad input stops the build before any layout
    kept.save()  # the sources passed: their checks are kept for the next build
    manifest_path = context.path(MANIFEST_NAME)
    previous = _previous(manifest_path)
    # An earlier entry is still current when it was built from the same sources (the
    # render's key: chapters, bibliography, contributors, toolkit), the same commit and
    # the same draft state; the keys are kept beside the manifest, not in it.
    state_path = context.path(".cache") / "editions.json"
    state = _previous(state_path)
    source = f"{context.rendered.key}:{context.provenance.commit}:{context.draft}"
    entries = {name: entry for name, entry in previous.get("editions", {}).items()
               if state.get(name) == source
               and (manuscript.root / entry.get("path", "")).exists()}
    # An edition whose inputs (sources, toolkit, options, provenance; for the web edition
    # also the downloads it lists with their sizes) and output are as its last build left
    # them is not laid out again, even when another edition is.
    from report import fingerprint

    keys = fingerprint.edition_keys(manuscript.root, editions, final=final, noindex=noindex,
                                    build_dir=context.path("."))
    kept_path = context.path(".cache") / "edition-fingerprints.json"
    kept = _previous(kept_path)
    done: list[str] = []

    def unchanged(name: str) -> bool:
        recorded = kept.get(name)
        return (name in entries and isinstance(recorded, dict)
                and recorded.get("key") == keys[name]
                and recorded.get("outputs") == fingerprint.output_signatures(
                    manuscript.root, entries[name], name))

    # The writers are made ready (their documents are Python work: about a second on the
    # bundled report) in a thread while this one lays out the PDFs, which after an edit
    # mostly waits for one layout worker. The thread lives until the build ends: pandoc,
    # started from it, is killed when the thread that started it ends (PR_SET_PDEATHSIG
    # follows the thread, not the process).
    from concurrent.futures import ThreadPoolExecutor

    from report.editions import WRITTEN_BY_PANDOC

    ahead_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="writers")
    to_write = [name for name in editions if name != "web" and not unchanged(name)]
    ahead = ahead_pool.submit(start_writers, context, to_write)

    def writers_now() -> None:
        """A cold build's writers, once the digital edition's layout is all handed to the
        workers (:func:`share_layout_workers`)."""
        nonlocal ahead
        ahead = ahead_pool.submit(start_writers, context, to_write, True)

    to_build = [name for name in editions if not unchanged(name)]
    share_layout_workers(context, to_build, then=writers_now)
    from report.editions import forked

    # The digital edition assembles apart when another edition follows it in this build.
    context.assemble_apart = (context.jobs > 1 and forked.available()
                              and "digital" in to_build[:-1])
    pending: list[tuple[str, EditionResult, list[str]]] = []  # finishing apart
    # The digital edition started in the print edition's turn, with its warnings.
    early: dict[str, tuple[EditionResult | Exception, list[str]]] = {}
    if context.assemble_apart and "print" in to_build:
        context.before_assembly.append(
            functools.partial(_digital_early, context, early))

    def record(name: str, result: EditionResult) -> None:
        entries[name] = _entry(context, result)
        _privacy_gate(context, result)
        _remove_replaced(context, previous.get("editions"), name, entries[name])
        done.append(name)
        kept[name] = {"key": keys[name], "outputs": fingerprint.output_signatures(
            manuscript.root, entries[name], name)}
        for message in context.warnings:
            if warn:
                warn(f"{name}: {message}")
        context.warnings.clear()
        if progress:
            progress(name, "done")

    def settle() -> None:
        """The editions finishing apart, waited for and recorded, each with its own
        warnings; those of the edition built since are kept for it."""
        since = list(context.warnings)
        while pending:
            name, result, warnings = pending[0]
            context.warnings[:] = warnings
            assert result.pending is not None
            finished = result.pending.result()
            pending.pop(0)  # only now: one that fails is stopped with the build
            record(name, finished)
        context.warnings[:] = since

    def web_beside() -> None:
        """The web edition built while the editions finishing apart settle (after an edit,
        the digital edition's assembly): it shows the sizes of their last files, and is
        built again should a settled file's size, as shown, differ (rarely: it is shown to
        a tenth of a megabyte). Their files are copied into the site once settled."""
        from report.editions.web import shown_sizes

        kept.pop("web", None)
        manifest = context.manuscript.manifest
        shown = shown_sizes(manifest, context.path("."))
        context.settling = frozenset(n for n, _, _ in pending)
        try:
            result = builder("web")(context)
        finally:
            context.settling = frozenset()
        settle()  # the web edition's warnings kept meanwhile
        if shown_sizes(manifest, context.path(".")) != shown:
            context.warnings.clear()
            result = builder("web")(context)
        keys["web"] += _downloads_signature(context)
        record("web", result)

    try:
        for name in editions:
            if progress:
                progress(name, "start")
            if name in WRITTEN_BY_PANDOC:
                ahead.result()  # its writer, if started ahead, is in context.writers
            if name == "web" and _web_beside(context, [n for n, _, _ in pending]):
                web_beside()
                continue
            if name == "web":
                settle()  # the site lists the other editions with their sizes
                keys[name] += _downloads_signature(context)
            if unchanged(name):
                if progress:
                    progress(name, "unchanged")
                continue
            kept.pop(name, None)
            if name in early:
                outcome, warnings = early.pop(name)
                context.warnings += warnings
                if isinstance(outcome, Exception):
                    raise outcome
                result = outcome
            else:
                result = builder(name)(context)
            if result.pending is not None:
                pending.append((name, result, list(context.warnings)))
                context.warnings.clear()
                continue
            # Recorded now, not after those finishing apart: no edition but the web one
            # needs them, and it can be built while they settle (web_beside).
            record(name, result)
        settle()
        if "web" in editions:
            # The site links every edition under downloads/; those built after it are
            # copied now.
            from report.editions.web import add_downloads

            add_downloads(context)
            if "web" in kept:  # copying may have written into the site
                kept["web"]["outputs"] = fingerprint.output_signatures(
                    manuscript.root, entries["web"], "web")
    except BaseException:
        started = [result for _, result, _ in pending]
        started += [outcome for outcome, _ in early.values()
                    if isinstance(outcome, EditionResult)]
        for result in started:
            if result.pending is not None:
                result.pending.stop()
        _stop_layout_workers(context, cancel=True)
        _stop_writers(context, ahead, ahead_pool)
        # Whatever stopped the build (a leak, a full disk, Ctrl-C), the manifest stays
        # true: editions rebuilt so far are recorded, deleted ones are not listed.
        try:
            write_text(kept_path, json.dumps(kept, indent=2) + "\n")
            if done:
                _record(context, manifest_path, state_path, state, entries, done, source)
            else:
                _drop_missing(manuscript.root, manifest_path, previous)
        except OSError:
            pass  # the previous manifest stays as it was (written atomically)
        raise
    _stop_layout_workers(context)
    _stop_writers(context, ahead, ahead_pool)  # those no edition took, and the thread
    write_text(kept_path, json.dumps(kept, indent=2) + "\n")
    return _record(context, manifest_path, state_path, state, entries, done, source)


def _digital_early(context: BuildContext,
                   early: dict[str, tuple[EditionResult | Exception, list[str]]]) -> None:
    """The digital edition's turn taken in the print edition's, before the print book is
    assembled, when the shared workers hold no more than they are laying out (after an
    edit: the digital edition's changed chapter): its assembly, the longest step of an
    edit's tail, then runs apart beside the print edition's instead of after it. In a
    cold build the workers still hold the digital edition's chapters, and the print
    book is assembled while they lay them out, as before. What it warns of, or the error
    it meets, is kept for its own turn."""
    workers = context.layout_workers
    if workers is None or workers.queued > context.jobs:
        return
    before, context.warnings[:] = list(context.warnings), []
    try:
        outcome: EditionResult | Exception = builder("digital")(context)
    except Exception as error:  # noqa: BLE001 - raised in the digital edition's turn
        outcome = error
    early["digital"] = (outcome, list(context.warnings))
    context.warnings[:] = before


def _import_ahead(editions: list[str]) -> None:
    """Import the editions' modules (WeasyPrint, pikepdf, MkDocs: most of a second) in a
    thread while this one checks the sources and renders, which mostly waits for pandoc:
    otherwise the first edition pays for them after the render. Nothing depends on the
    thread finishing: Python's import lock makes an edition importing the same module
    wait for it, and an import that fails here fails again, in its turn, as before."""
    import importlib
    import threading

    from report.editions import MODULES

    def load() -> None:
        for name in editions:
            try:
                importlib.import_module(MODULES[name])
            except Exception:  # noqa: BLE001 - said by the edition itself, in its turn
                return

    threading.Thread(target=load, name="imports", daemon=True).start()


def share_layout_workers(context: BuildContext, to_build: list[str],
                         then: Callable[[], None] | None = None) -> None:
    """Both PDFs to lay out, on more than one core: one set of layout workers for both,
    and the digital edition's chapters handed to them as soon as the print edition leaves
    a worker idle (its front matter, laid out alone after its chapters; its assembly,
    colour conversion, cover and privacy gate, all in this process; after an edit, its
    one chapter); ``then`` at the digital edition's first round that hands the workers
    fewer new parts than there are workers, or at its last: in a cold build that is the
    start of its turn, its chapters having been handed out during the print edition's
    (:func:`report.editions.chaptered._submit`). Each edition's output is as when built
    alone."""
    if context.jobs < 2 or not {"print", "digital"} <= set(to_build):
        return
    from report.editions import digital
    from report.editions.chaptered import Workers, lay_out_ahead

    context.layout_workers = Workers(context.jobs)

    def digital_ahead() -> None:
        lay_out_ahead(context, digital.parts(context))
        if then is not None:
            context.layout_ahead.append(then)

    context.layout_ahead.append(digital_ahead)


def _stop_layout_workers(context: BuildContext, cancel: bool = False) -> None:
    context.layout_ahead.clear()
    if context.layout_workers is not None:
        context.layout_workers.close(cancel=cancel)
        context.layout_workers = None


def start_writers(context: BuildContext, to_build: list[str], cold: bool = False) -> None:
    """Start pandoc's Word and EPUB writers before the PDFs are laid out, when both are
    to be built and the PDFs' layout cache is there: pandoc then writes on the other core
    while this process lays out the few parts an edit changed (a one-chapter edit lays
    out one chapter, on one core). A cold build keeps every core busy with layout workers
    already: nothing is started ahead then, unless ``cold`` (the last PDF's layout is
    all handed to the workers: :func:`share_layout_workers`). A writer
    started already is not started again. A writer that cannot start is left to its
    edition, which starts it again in its turn and says what is wrong there, as without
    this."""
    if not any(name in ("print", "digital") for name in to_build):
        return
    if not cold and not any((context.path(".cache") / "layout").glob("**/*.pdf")):
        return  # cold: the layout workers take every core
    import importlib

    from report.editions import MODULES, WRITTEN_BY_PANDOC, forked
    from report.editions.pandoc_writer import WrittenAhead

    apart = context.jobs > 1 and forked.available()  # in a process of their own
    for name in to_build:
        if name in WRITTEN_BY_PANDOC and name not in context.writers:
            module = importlib.import_module(MODULES[name])
            try:
                context.writers[name] = (WrittenAhead(context, module.start, module.written)
                                         if apart else module.start(context))
            except Exception:  # noqa: BLE001 - the edition meets it again when built
                pass


def _stop_writers(context: BuildContext, ahead: Future, pool: ThreadPoolExecutor) -> None:
    """End the writers started ahead that no edition took (the build stopped first), once
    the thread starting them is done, then that thread."""
    try:
        ahead.result()
    except BaseException:  # noqa: BLE001 - each writer's failure is met by its edition
        pass
    for writing in context.writers.values():
        writing.stop()
    context.writers.clear()
    pool.shutdown()


def _web_beside(context: BuildContext, settling: list[str]) -> bool:
    """Whether the web edition may be built while ``settling`` (editions finishing apart)
    settle: each has a file from an earlier build, whose size the site shows meanwhile
    (in a cold build it has none: the site waits rather than be built twice)."""
    from report.editions.web import downloads

    offered = {download.edition: download.name
               for download in downloads(context.manuscript.manifest)}
    return bool(settling) and all(
        name in offered and context.path(offered[name]).is_file() for name in settling)


def _downloads_signature(context: BuildContext) -> str:
    """The editions the web edition lists for download, with their sizes (printed on its
    pages): a rebuilt PDF of another size changes the site."""
    from report.editions.web import downloads

    assert context.out_dir is not None
    sizes = []
    for download in downloads(context.manuscript.manifest):
        path = context.out_dir / download.name
        sizes.append(f"{download.name}={path.stat().st_size if path.is_file() else '-'}")
    return ":" + ",".join(sizes)


def _remove_replaced(context: BuildContext, previous: object, name: str, now: dict) -> None:
    """Delete the files the last build made for an edition that this one made under
    other names (the report's title, and with it its file names, changed): left in
    ``build/``, an edition as it was sits beside the edition as it is, which a cold build
    does not give. Only files in the build folder, listed in the last manifest."""
    from report import fingerprint

    before = previous.get(name) if isinstance(previous, dict) else None
    if not isinstance(before, dict):
        return
    root = context.manuscript.root
    build_dir = context.path(".").resolve()
    for field in fingerprint.OUTPUT_FIELDS:
        old = before.get(field)
        if not isinstance(old, str) or old == now.get(field):
            continue
        path = (root / old).resolve()
        if build_dir in path.parents and path.is_file():
            path.unlink()


def _drop_missing(root: Path, manifest_path: Path, previous: dict) -> None:
    """The previous manifest, less the editions whose files are gone (a refused build
    deletes what it built)."""
    editions = previous.get("editions")
    if not isinstance(editions, dict):
        return
    kept = {name: entry for name, entry in editions.items()
            if isinstance(entry, dict) and (root / entry.get("path", "")).exists()}
    if kept != editions:
        write_text(manifest_path, json.dumps({**previous, "editions": kept}, indent=2) + "\n")


def _record(context: BuildContext, manifest_path: Path, state_path: Path, state: dict,
            entries: dict, done: list[str], source: str) -> dict:
    """Write ``manifest.json`` (and the sources each entry was built from), listing only
    editions whose files are there."""
    manuscript = context.manuscript
    entries = {name: entry for name, entry in entries.items()
               if (manuscript.root / entry.get("path", "")).exists()}
    manifest = {
        "title": manuscript.manifest.full_title,
        "version": manuscript.manifest.version,
        "commit": context.provenance.commit,
        "dirty": context.provenance.dirty,
        "draft": context.draft,
        "editions": {name: entries[name] for name in EDITION_ORDER if name in entries},
    }
    write_text(manifest_path, json.dumps(manifest, indent=2) + "\n")
    state = {name: key for name, key in state.items() if name in entries}
    state.update({name: source for name in done if name in entries})
    write_text(state_path, json.dumps(state, indent=2) + "\n")
    return manifest
