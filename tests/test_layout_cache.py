"""The chapter-level layout cache: a rebuild after an edit is the same as a cold build."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from tests.conftest import build_tree
from tests.pdftext import normalise, pages

PRINT = "build/constructs-report-print.pdf"


def _page_texts(root: Path) -> list[str]:
    return [normalise(page.text) for page in pages(root / PRINT)]


def _cache_files(root: Path) -> dict[str, float]:
    return {p.name: p.stat().st_mtime_ns for p in (root / "build/.cache/layout").glob("*.pdf")}


def test_cached_rebuild_after_an_edit_equals_a_cold_build(make_tree) -> None:
    root = make_tree("constructs")
    build_tree(root, "print", "--jobs", "2")
    before = _page_texts(root)
    cached_before = _cache_files(root)

    # Two pages more in the introduction: every later chapter moves.
    intro = root / "chapters/01-introduction.md"
    filler = "\n\n".join(f"An added paragraph {n} that lengthens the introduction by a good "
                         "many lines, so that the chapters after it start on later pages."
                         for n in range(40))
    intro.write_text(intro.read_text() + "\n\n" + filler + "\n")
    build_tree(root, "print", "--jobs", "2")
    cached = _page_texts(root)
    cached_after = _cache_files(root)

    # Only the edited chapter and the parts that print page numbers were laid out again.
    reused = set(cached_before) & set(cached_after)
    assert len(reused) >= 3, "unchanged chapters were not reused from the cache"
    assert all(cached_before[name] == cached_after[name] for name in reused)

    shutil.rmtree(root / "build")
    build_tree(root, "print", "--jobs", "1")
    cold = _page_texts(root)

    assert cached == cold
    assert len(cold) > len(before)
    practice_before = next(i for i, text in enumerate(before) if text.startswith("2Practice"))
    practice_after = next(i for i, text in enumerate(cold) if text.startswith("2Practice"))
    assert practice_after > practice_before
    contents = next(text for text in cold if text.startswith("Contents"))
    folio = pages(root / PRINT)[practice_after].folio
    assert re.search(r"2 Practice\s*\.+\s*(\d+)", contents).group(1) == folio


def test_a_new_commit_changes_the_stamp_without_laying_chapters_out_again(make_tree) -> None:
    import git

    root = make_tree("constructs")
    build_tree(root, "print", "--jobs", "1")
    first = _cache_files(root)
    stamp_before = pages(root / PRINT)[-1].text
    git.Repo(root).git.commit(allow_empty=True, m="another commit")
    build_tree(root, "print", "--jobs", "1")
    after = _cache_files(root)
    reused = {name for name in first if after.get(name) == first[name]}
    # Every chapter part is reused: only the front matter and the folio layer carry the
    # commit, so only they are laid out again.
    assert len(after) - len(reused) == 2, (len(first), len(after), len(reused))
    assert pages(root / PRINT)[-1].text != stamp_before


DIGITAL = "build/constructs-report.pdf"


def _digital_cache(root: Path) -> dict[str, float]:
    return {p.name: p.stat().st_mtime_ns
            for p in (root / "build/.cache/layout/digital").glob("*.pdf")}


def _digital_pages(root: Path) -> tuple[list[str], list[str]]:
    from pypdf import PdfReader

    return ([normalise(page.text) for page in pages(root / DIGITAL)],
            list(PdfReader(str(root / DIGITAL)).page_labels))


def _structure(root: Path) -> tuple[list[tuple], int, list[tuple]]:
    """The merged structure tree in reading order (depth, role, ID, marked-content count,
    page index), the ParentTree's size, and every link annotation (page, action, words)."""
    import pikepdf

    with pikepdf.open(root / DIGITAL) as pdf:
        page_of = {page.obj.objgen: n for n, page in enumerate(pdf.pages)}
        tree = pdf.Root.StructTreeRoot
        elements: list[tuple] = []

        def walk(node, depth: int) -> None:
            kids = node.get("/K")
            kids = list(kids) if isinstance(kids, pikepdf.Array) else [kids]
            marked = sum(1 for kid in kids if isinstance(kid, int))
            page = node.get("/Pg")
            elements.append((depth, str(node.get("/S")), str(node.get("/ID", "")), marked,
                             page_of.get(page.objgen) if page is not None else None))
            for kid in kids:
                if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                    walk(kid, depth + 1)

        walk(tree.K if not isinstance(tree.K, pikepdf.Array) else tree.K[0], 0)
        links = [(n, repr(annotation.get("/A")), str(annotation.get("/Contents", "")))
                 for n, page in enumerate(pdf.pages)
                 for annotation in page.obj.get("/Annots", [])]
        return elements, len(tree.ParentTree.Nums), links


def test_digital_rebuild_after_a_one_chapter_edit_lays_out_only_that_chapter(make_tree) -> None:
    """Final builds: a draft's stamp (front matter and stamp layer) follows the commit."""
    root = make_tree("constructs")
    build_tree(root, "digital", "--final", "--jobs", "2")
    before = _digital_cache(root)
    practice = root / "chapters/02-practice.md"
    practice.write_text(practice.read_text().replace("referrals rose", "referrals grew", 1))
    build_tree(root, "digital", "--final", "--jobs", "2")
    after = _digital_cache(root)
    laid_out_again = set(after) - set(before)
    assert len(laid_out_again) == 1, laid_out_again  # the chapter; its page numbers held
    assert all(after[name] == before[name] for name in set(before) & set(after))
    cached = _digital_pages(root)
    assert any("referrals grew" in text for text in cached[0])
    structure = _structure(root)
    assert len(structure[0]) > 100 and structure[2]  # a real tree, with links

    shutil.rmtree(root / "build")
    build_tree(root, "digital", "--final", "--jobs", "1")
    assert _digital_pages(root) == cached
    # the merged structure tree of the rebuild (new part, kept parts) is the cold build's
    assert _structure(root) == structure


COVER = "build/constructs-report-cover.pdf"


def _cover_entries(root: Path) -> dict[str, float]:
    return {p.name: p.stat().st_mtime_ns
            for p in (root / "build/.cache/bytes").glob("print-cover-*")}


def test_the_print_cover_is_laid_out_again_only_when_it_changes(make_tree) -> None:
    """The cover depends on the manifest, the stamp and the page count: an edit that
    keeps the page count reads it back; the cover read back is the one a cold build lays
    out; one that moves the spine lays it out again."""
    root = make_tree("constructs")
    (root / "notes.txt").write_text("work in progress\n")  # a dirty tree: the stamp holds
    build_tree(root, "print", "--jobs", "1")
    first, cover = _cover_entries(root), (root / COVER).read_bytes()
    assert len(first) == 1
    practice = root / "chapters/02-practice.md"
    practice.write_text(practice.read_text().replace("referrals rose", "referrals grew", 1))
    build_tree(root, "print", "--jobs", "1")
    assert _cover_entries(root) == first
    assert (root / COVER).read_bytes() == cover

    shutil.rmtree(root / "build")
    build_tree(root, "print", "--jobs", "1")
    assert (root / COVER).read_bytes() == cover

    # Enough pages more for a wider spine (0.1 mm a leaf; the width is rounded to 0.1 mm).
    filler = "\n\n".join(f"An added paragraph {n} that lengthens the practice chapter by a "
                         "good many lines, page after page after page." for n in range(60))
    practice.write_text(practice.read_text() + "\n\n" + filler + "\n")
    build_tree(root, "print", "--jobs", "1")
    assert len(_cover_entries(root)) == 2
    assert (root / COVER).read_bytes() != cover


def test_a_corrupt_cache_entry_is_a_miss(make_tree) -> None:
    root = make_tree("constructs")
    build_tree(root, "print", "digital", "--jobs", "1")
    cold = _digital_pages(root), _page_texts(root)
    entries = sorted((root / "build/.cache/layout/digital").glob("*.pdf"))
    entries[0].write_bytes(b"%PDF-1.7\nnot a PDF any more")
    entries[1].with_suffix(".json").write_text("{not json")
    printed = sorted((root / "build/.cache/layout").glob("*.pdf"))
    printed[0].write_bytes(printed[0].read_bytes()[: 100])
    # the chapter parts' HTML keys (chaptered._PartMemo): damaged, or a part whose layout
    # is gone (its HTML is made again to lay it out)
    memo = sorted((root / "build/.cache/layout/digital/parts").glob("*.json"))
    assert len(memo) >= 3  # one per chapter of the main matter
    memo[0].write_text("{not json")
    memo[1].write_text('{"html": 3, "targets": []}')
    for entry in entries[2:]:
        entry.unlink()
    build_tree(root, "print", "digital", "--jobs", "1")
    assert (_digital_pages(root), _page_texts(root)) == cold


def test_a_kept_layout_naming_a_file_outside_the_tree_is_a_miss(make_tree,
                                                                  monkeypatch) -> None:
    """A kept layout records the tree's files it read (its images), to be laid out again
    when one changes. An entry naming a file outside the tree (planted in build/) is a
    miss, and the file is never read."""
    import hashlib
    import json

    from report.editions import chaptered
    from report.render import fetcher

    root = make_tree("constructs")
    build_tree(root, "print", "--jobs", "1")
    outside = root.parent / "outside.txt"
    outside.write_text("not the report's")
    planted = next(meta for meta in (root / "build/.cache/layout").glob("*.json")
                   if json.loads(meta.read_text())["anchors"])
    entry = json.loads(planted.read_text())
    entry["read"] = {"../outside.txt": hashlib.sha256(outside.read_bytes()).hexdigest()}
    planted.write_text(json.dumps(entry))
    read: list[Path] = []
    digest = fetcher.file_digest
    monkeypatch.setattr(chaptered, "file_digest", lambda path: read.append(path) or digest(path))
    (root / PRINT).unlink()
    build_tree(root, "print", "--jobs", "1")
    assert outside.resolve() not in [path.resolve() for path in read]
    assert "../outside.txt" not in json.loads(planted.read_text())["read"]  # laid out again


def _layers(root: Path) -> set[str]:
    """The cached parts without anchors of one or two pages: folio layers (and the
    stamp and blank page)."""
    import json

    found = set()
    for meta in (root / "build/.cache/layout").glob("*.json"):
        data = json.loads(meta.read_text())
        if not data["anchors"] and data["pages"] <= 2:
            found.add(meta.stem)
    return found


def test_folio_layers_depend_only_on_their_numbers(make_tree, monkeypatch) -> None:
    """Layers of two folios: when the book grows, the layers of the pages it had are
    reused, and the folios are those of a cold build."""
    from report.editions import chaptered

    monkeypatch.setattr(chaptered, "FOLIO_CHUNK", 2)
    root = make_tree("constructs")
    build_tree(root, "print", "--jobs", "1")
    layers_before = _layers(root)
    assert len(layers_before) >= 4
    intro = root / "chapters/01-introduction.md"
    intro.write_text(intro.read_text() + "\n\n" + "\n\n".join(
        f"An added paragraph {n}, long enough to need a line or two of its own on the page, "
        "so that the chapters after it move." for n in range(40)) + "\n")
    build_tree(root, "print", "--jobs", "1")
    cached = [(page.folio, normalise(page.text)) for page in pages(root / PRINT)]
    assert len(layers_before - _layers(root)) <= 1  # at most the last, half-filled layer
    shutil.rmtree(root / "build")
    monkeypatch.setattr(chaptered, "FOLIO_CHUNK", 64)
    build_tree(root, "print", "--jobs", "1")
    assert cached == [(page.folio, normalise(page.text)) for page in pages(root / PRINT)]


def test_a_changed_toolkit_lays_every_part_out_again(make_tree, monkeypatch) -> None:
    """A layout is kept by the toolkit's source as well as by its inputs: a fix in how a
    part is laid out or tagged is not hidden behind parts kept from before it."""
    from report import fingerprint

    root = make_tree("constructs")
    build_tree(root, "print", "--jobs", "1")
    before = _cache_files(root)
    (root / PRINT).unlink()  # built again, with the same sources
    build_tree(root, "print", "--jobs", "1")
    assert _cache_files(root) == before  # the same toolkit: every part kept

    toolkit = fingerprint.toolkit(root / "build")
    monkeypatch.setattr(fingerprint, "toolkit", lambda build_dir: toolkit + "+a fix")
    (root / PRINT).unlink()
    build_tree(root, "print", "--jobs", "1")
    assert len(set(_cache_files(root)) - set(before)) == len(before)  # each part anew
