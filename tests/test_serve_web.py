"""``report serve``: the live preview shows a saved chapter, and refuses bad input."""

from __future__ import annotations

import contextlib
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

REPORT = Path(sys.executable).parent / "report"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def _serving(root: Path) -> Iterator[tuple[str, dict]]:
    """``report serve`` on a free port: its base URL, and a dict that holds its return
    code and log (``code``, ``log``) once the block ends and the server is stopped."""
    port = _free_port()
    server = subprocess.Popen([str(REPORT), "--root", str(root), "serve", "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stopped: dict = {}
    try:
        yield f"http://127.0.0.1:{port}/", stopped
    finally:
        server.terminate()
        _, stopped["log"] = server.communicate(timeout=30)
        stopped["code"] = server.returncode


def _get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8")
    except OSError:
        return None


def _poll(url: str, wanted: str, timeout: float) -> str | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = _get(url)
        if text is not None and wanted in text:
            return text
        time.sleep(0.1)
    return None


def test_a_saved_chapter_shows_in_the_served_site(make_tree):
    root = make_tree("constructs")
    with _serving(root) as (base, stopped):
        page = _poll(base + "01-introduction/", "modern slavery", timeout=60)
        assert page is not None, "report serve never served the chapter"
        assert 'lang="en-GB"' in page
        assert "Draft 1.2.0" in page  # the draft stamp, as in the built site
        assert "livereload" in page  # the page reloads itself on a rebuild
        assert "Marmalade sandwiches" not in page

        chapter = root / "chapters" / "01-introduction.md"
        chapter.write_text(chapter.read_text(encoding="utf-8")
                           + "\nMarmalade sandwiches were served.\n", encoding="utf-8")
        updated = _poll(base + "01-introduction/", "Marmalade sandwiches", timeout=20)
        assert updated is not None, "the edit never showed"
        # The rest of the report is still rendered through the shared render.
        # (its label and number joined by a no-break space)
        assert re.search(r"Recommendation(\s|&nbsp;|&#160;)1\b", updated)
    assert stopped["code"] in (0, -15), stopped["log"]
    assert f"Serving the web edition on {base}" in stopped["log"]
    assert not (root / "build" / "site").exists()  # the preview never writes build/


def test_serve_refuses_bad_input_before_serving(make_tree, run_report):
    root = make_tree("constructs")
    (root / "chapters" / "02-practice.md").unlink()
    result = run_report(root, "serve", "--port", str(_free_port()))
    assert result.exit_code == 2
    assert "mkdocs.yml:" in result.output and "02-practice.md" in result.output


def test_serve_says_so_when_the_port_is_taken(make_tree, run_report):
    root = make_tree("constructs")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = run_report(root, "serve", "--port", str(taken.getsockname()[1]))
    assert result.exit_code == 1
    assert "cannot serve on http://127.0.0.1:" in result.output


_ARTICLE = re.compile(r'<article class="md-content__inner[^"]*"[^>]*>.*</article>', re.S)


def _article(page: str) -> str:
    found = _ARTICLE.search(page)
    assert found is not None, page[:500]
    return found.group(0)


def test_a_save_that_renumbers_updates_every_page_as_a_full_build_does(make_tree,
                                                                        run_report):
    """A new section before one another chapter cross-references changes that number:
    the other chapter is rendered again and the saved one runs citeproc again (its
    labels changed: its kept Cites are not used), and both pages show what ``report
    build web`` writes for them."""
    root = make_tree("constructs")
    number = r"Section(\s|&nbsp;|&#160;)1\.{}\b"
    with _serving(root) as (base, _):
        practice = _poll(base + "02-practice/", "Section", timeout=60)
        assert practice is not None and re.search(number.format(1), practice)
        chapter = root / "chapters" / "01-introduction.md"
        chapter.write_text(chapter.read_text(encoding="utf-8").replace(
            "## Scope", "## Background\n\nA section before the scope.\n\n## Scope"),
            encoding="utf-8")
        deadline = time.monotonic() + 30
        while not re.search(number.format(2), practice or "") and time.monotonic() < deadline:
            time.sleep(0.1)
            practice = _get(base + "02-practice/")
        assert re.search(number.format(2), practice or ""), "the other page kept 1.1"
        served = {"01-introduction": _get(base + "01-introduction/"),
                  "02-practice": practice}
    assert "A section before the scope." in (served["01-introduction"] or "")
    result = run_report(root, "build", "web")
    assert result.exit_code == 0, result.output
    for name, page in served.items():
        built = (root / "build" / "site" / name / "index.html").read_text(encoding="utf-8")
        assert _article(page or "") == _article(built), name


def test_a_save_that_changes_no_number_shows_what_a_full_build_writes(make_tree,
                                                                      run_report):
    """A sentence added: the saved chapter is parsed, numbered and rendered in one pandoc
    process (report.render's fast path, tests/test_render_saved.py) and its page, like
    the page of a chapter the save did not touch, equals what ``report build web``
    writes, byte for byte."""
    root = make_tree("constructs")
    with _serving(root) as (base, _):
        assert _poll(base + "01-introduction/", "modern slavery", timeout=60) is not None
        chapter = root / "chapters" / "01-introduction.md"
        for n in (1, 2):  # the second save is made from the first's plan
            chapter.write_text(chapter.read_text(encoding="utf-8")
                               + f"\nA sentence _saved_ {n} time(s).\n", encoding="utf-8")
            served = _poll(base + "01-introduction/", f"<em>saved</em> {n} time(s)",
                           timeout=30)
            assert served is not None, f"save {n} never showed"
        other = _get(base + "02-practice/")
    result = run_report(root, "build", "web")
    assert result.exit_code == 0, result.output
    for name, page in (("01-introduction", served), ("02-practice", other)):
        built = (root / "build" / "site" / name / "index.html").read_text(encoding="utf-8")
        assert _article(page or "") == _article(built), name
