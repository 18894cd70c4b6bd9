"""Code whose classes name no syntax is written without pandoc's syntax lookup.

pandoc (skylighting) looks a code block's classes up by name, short name and file
extension; for a class that names nothing ("console", "text") that loads every syntax
definition, about 90 MiB and 0.8 s of CPU in a render process, to write the block
unhighlighted. :mod:`report.render.highlighting` asks pandoc once which classes those
are and ``filters/emit.lua`` writes such code without the lookup. The HTML must be the
very same as pandoc's with the lookup: every test here compares with it.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
from pathlib import Path

import pytest

from report.manuscript import load
from report.render import highlighting, pandoc, render
from report.render.cache import JsonCache
from tests.conftest import build_tree, commit_all

# Known, unknown, mixed-case (a bare info string is lower-cased: in braces), by
# extension, several, none, with ids and attributes, in a list, a quote and a note,
# inline; and the classes that change the writing without a syntax (line numbers,
# <samp>) or that the writer drops (a repeated class).
CODE = """
```console
$ cargo run < in.txt && echo "done"
```

```rust
fn main() {}
```

``` {#named .console .text data-x="1" title="t"}
a < b & "c"
```

``` {.console .console .text}
repeated
```

```{.console .numberLines startFrom="3"}
numbered
```

```
no class
```

``` {.Rust}
fn mixed_case() {}
```

``` {.Console}
mixed case, no syntax
```

```rs
fn by_extension() {}
```

```rust,ignore
fn not_a_language() {}
```

``` {.text .rust}
fn second_class_names_one() {}
```

Inline `x<y`{.console}, `fn`{.rust}, `s`{.sample .console}, `v`{#i .text key=val},
`w`{.variable .text} and `plain`.

- an item

    ```text
    in a list
    ```

> ```console
> in a quote
> ```

A note.[^code]

[^code]: ```console
    in a note
    ```
"""


@pytest.fixture
def coded(make_tree) -> Path:
    """The minimal tree with code of every kind in both chapters (the second chapter's
    highlighted blocks are numbered on from the first's: cbN)."""
    root = make_tree("minimal")
    for n, name in enumerate(("intro.md", "findings.md")):  # ids of their own
        chapter = root / "chapters" / name
        chapter.write_text(chapter.read_text() + "\n" +
                           CODE.replace("#named", f"#named-{n}").replace("#i ", f"#i-{n} "))
    commit_all(root)
    return root


def _reference(root: Path, whole_book: bool, monkeypatch: pytest.MonkeyPatch):
    """The render as pandoc writes it with every class looked up (no class known plain)."""
    import report.render as rendering

    rendering._memo.clear()
    with monkeypatch.context() as patch:
        patch.setattr(highlighting, "plain_classes", lambda classes, cache, api: [])
        return render(load(root), whole_book=whole_book)


def _without_run_files(ast: bytes) -> dict:
    document = json.loads(ast)
    for key in ("report-html-out", "report-diagnostics"):
        document["meta"].pop(key, None)
    return document


@pytest.mark.parametrize("whole_book", [False, True])
def test_code_is_written_as_pandoc_writes_it_highlighting_every_class(
        coded: Path, tmp_path: Path, whole_book: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    import report.render as rendering

    reference_root = shutil.copytree(coded, tmp_path / "reference")
    reference = _reference(reference_root, whole_book, monkeypatch)
    rendering._memo.clear()
    ours = render(load(coded), whole_book=whole_book)
    verdicts = json.loads(next((coded / "build/.cache/highlight").glob("*.json")).read_text())
    assert verdicts["console"] and verdicts["text"] and verdicts["Console"]
    assert not verdicts["rust"] and not verdicts["Rust"] and not verdicts["rs"]
    assert not verdicts["numberLines"]
    assert [c.to_string() for c in ours.chapters] == [c.to_string() for c in reference.chapters]
    # The other editions get the document with its classes as written (the whole book's
    # also holds the run's temporary file names).
    assert _without_run_files(ours.ast) == _without_run_files(reference.ast)
    second = ours.chapters[1].to_string()
    assert '<pre class="console"><code>$ cargo run &lt; in.txt' in second
    assert '<pre id="named-1" class="console text" data-x="1" title="t">' in second
    assert 'id="cb' in second and "sourceCode rust" in second


@pytest.mark.parametrize("whole_book", [False, True])
def test_the_html_writer_follows_the_kept_verdicts(coded: Path, whole_book: bool) -> None:
    """The verdicts reach the HTML writer on both routes: one planted (falsely) for
    "rust" has the Rust code written without highlighting."""
    import report.render as rendering

    kept = coded / "build/.cache/highlight"
    kept.mkdir(parents=True)
    (kept / f"{highlighting._binary_key()}.json").write_text(json.dumps({"rust": True}))
    rendering._memo.clear()
    page = render(load(coded), whole_book=whole_book).chapters[0].to_string()
    assert '<pre class="rust"><code>fn main() {}</code></pre>' in page
    assert '<code class="rust">fn</code>' in page
    assert '<pre class="text rust"><code>fn second_class_names_one() {}' in page
    assert "sourceCode rs" in page  # "rs" is still asked of pandoc: highlighted


def _packages(root: Path) -> dict[str, bytes]:
    manifest = json.loads((root / "build/manifest.json").read_text())
    return {name: (root / manifest["editions"][name]["path"]).read_bytes()
            for name in ("docx", "epub")}


def test_word_and_epub_are_written_as_pandoc_writes_them_highlighting_every_class(
        coded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Word and EPUB writers get the same plain classes (pandoc_writer.unlooked_code): the
    packages are the very bytes pandoc writes looking every class up (the two trees are
    clones of one commit, which build byte for byte the same)."""
    import shutil

    reference_root = shutil.copytree(coded, tmp_path / "reference")
    with monkeypatch.context() as patch:
        patch.setattr(highlighting, "plain_classes", lambda classes, cache, api: [])
        build_tree(reference_root, "docx", "epub")
    build_tree(coded, "docx", "epub")
    assert json.loads(next((coded / "build/.cache/highlight").glob("*.json")).read_text())[
        "console"]
    ours, reference = _packages(coded), _packages(reference_root)
    assert ours["docx"] == reference["docx"]
    assert ours["epub"] == reference["epub"]


def test_the_epub_writer_follows_the_kept_verdicts(coded: Path) -> None:
    """A verdict planted (falsely) for "rust" reaches the EPUB writer: the Rust block is
    written plain there; the list itself is no metadata of the package."""
    import zipfile

    kept = coded / "build/.cache/highlight"
    kept.mkdir(parents=True)
    (kept / f"{highlighting._binary_key()}.json").write_text(json.dumps({"rust": True}))
    build_tree(coded, "epub", "docx")
    packages = _packages(coded)
    with zipfile.ZipFile(io.BytesIO(packages["epub"])) as epub:
        pages = "".join(epub.read(n).decode() for n in epub.namelist() if n.endswith("xhtml"))
    assert '<pre class="rust"><code>fn main() {}</code></pre>' in pages
    with zipfile.ZipFile(io.BytesIO(packages["docx"])) as docx:
        assert not any(b"report-plain-code" in docx.read(n) for n in docx.namelist())


def test_pandoc_says_which_classes_name_no_syntax(tmp_path: Path) -> None:
    """Names in any case, short names, extensions and pandoc's special cases highlight;
    what names none does not. Not a list of languages: "rs" and "c++" are in none."""
    cache = JsonCache(tmp_path / "highlight")
    classes = ["console", "text", "Console", "rust,ignore", "lineAnchors", "rust", "RUST",
               "rs", "c++", "csharp", "cmd", "numberLines", "number-lines"]
    plain = highlighting.plain_classes(classes, cache, [1, 23, 1])
    assert plain == sorted(["console", "text", "Console", "rust,ignore", "lineAnchors"])
    cache.save()
    # Kept for this pandoc binary: a second build asks pandoc nothing (a kept verdict,
    # even a false one planted here, is taken as it is).
    again = JsonCache(tmp_path / "highlight")
    [entry] = list((tmp_path / "highlight").glob("*.json"))
    entry.write_text(json.dumps({**json.loads(entry.read_text()), "rust": True}))
    assert "rust" in highlighting.plain_classes(["rust", "text"], again, [1, 23, 1])
    # A damaged verdict (not true or false) is asked of pandoc again.
    entry.write_text(json.dumps({**json.loads(entry.read_text()), "rust": "yes"}))
    damaged = JsonCache(tmp_path / "highlight")
    assert highlighting.plain_classes(["rust", "text"], damaged, [1, 23, 1]) == ["text"]


def test_a_render_writing_only_unknown_classes_loads_no_syntax(tmp_path: Path) -> None:
    """A process writing a Rust block and console and text code through emit.lua: told
    the plain classes, it writes the same HTML and peaks at least 50 MiB lower (else
    skylighting loads every syntax for "console": about 80 MiB of pandoc's heap)."""
    markdown = "```rust\nfn main() {}\n```\n\n```console\n$ cargo run\n```\n\n" \
        "``` {#out .text data-x=1}\nHello\n```\n\nSay `hi`{.console}.\n"
    document = pandoc.run(["-f", "markdown", "-t", "json"], stdin=markdown.encode()).stdout
    plain = highlighting.plain_classes(["console", "text", "rust"],
                                       JsonCache(tmp_path / "highlight"), [1, 23, 1])
    assert plain == ["console", "text"]
    peaks, pages = [], []
    for n, classes in enumerate(([], plain)):
        meta = tmp_path / f"{n}.json"
        meta.write_text(json.dumps({"report-html-out": str(tmp_path / f"{n}.html"),
                                    **({"report-plain-code": classes} if classes else {})}))
        usage = _peak_kib(["-f", "json", "-t", "json", "--metadata-file", str(meta),
                                "--lua-filter", pandoc.filter_path("emit.lua")], document)
        peaks.append(usage)
        pages.append((tmp_path / f"{n}.html").read_text())
    assert pages[0] == pages[1]
    assert "sourceCode rust" in pages[0] and '<pre class="console">' in pages[0]
    assert peaks[1] < peaks[0] - 50 * 1024, peaks


def _peak_kib(args: list[str], stdin: bytes) -> int:
    """The memory pandoc's runtime held at most (KiB: GHC's "total memory in use", from
    ``+RTS -s``) running on ``stdin`` with ``args``. Not the kernel's peak resident set:
    a child forked from this test process (hundreds of MiB late in a session) starts its
    recorded peak at this process's size, so two runs would read the same."""
    result = subprocess.run(pandoc._command(args, ("-s",)), input=stdin,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True)
    in_use = re.search(rb"([\d,]+) MiB total memory in use", result.stderr)
    assert in_use is not None, result.stderr
    return int(in_use.group(1).replace(b",", b"")) * 1024


def test_the_writers_unlook_code_as_the_filter_does() -> None:
    """The Word and EPUB writers' code is made plain in Python, chapter by chapter as the
    blocks are kept (report.editions.pandoc_writer.unlooked_code), by the rule of
    filters/plaincode.lua, which the render's HTML keeps: on one document of every case
    (a class that may highlight, repeats, an identifier and attributes, a ``class``
    attribute already there, inline code the HTML writer makes <samp>, code in a list
    and in a note, a metadata value), both give the same document."""
    from report.editions.pandoc_writer import unlooked_code

    markdown = (
        "---\ntitle: Run `ls`{.console}\n---\n\n"
        "~~~ {.console}\n$ ls\n~~~\n\n~~~ {.console .rust}\nfn x() {}\n~~~\n\n"
        "~~~ {#listing .text .text .console key=value}\nplain\n~~~\n\n~~~\nnone\n~~~\n\n"
        "Inline `a`{.console} `b`{.sample} `c`{.text .console} `d`{.rust} `e`{.text x=1}"
        " and a note.[^1]\n\n- in a list `f`{.text}\n\n[^1]: With `g`{.console}.\n")
    document = json.loads(pandoc.run(["-f", "markdown", "-t", "json"],
                                     markdown.encode()).stdout)
    blocks = document["blocks"]
    blocks.append(json.loads(json.dumps(blocks[1])))  # a class attribute already there
    blocks[-1]["c"][0][2].append(["class", "given"])
    plain = ["console", "text", "sample"]
    document["meta"].update(highlighting.meta(plain))
    filtered = json.loads(pandoc.run(
        ["-f", "json", "-t", "json", "--lua-filter", pandoc.filter_path("plaincode.lua")],
        json.dumps(document).encode()).stdout)
    del document["meta"]["report-plain-code"]
    unlooked_code(document["blocks"], frozenset(plain))
    unlooked_code(document["meta"], frozenset(plain))
    assert document == filtered
    assert document["blocks"][0]["c"][0] == ["", [], [["class", "console"]]]  # changed
