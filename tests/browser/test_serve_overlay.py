"""Issue 17: the live preview tells. A save that does not build shows its problems (file,
line, message) over the last good page in the browser; the next good save clears them."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from site_server import chromium, need_chromium

from report.commands.serve import OVERLAY_ID

pytestmark = pytest.mark.browser
REPORT = Path(sys.executable).parent / "report"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_served(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"report serve never served {url}")


@contextmanager
def _serving(root: Path) -> Iterator[tuple[str, list[str]]]:
    """``report serve`` on ``root``: the introduction's URL, and the server's log (filled
    in once it has stopped)."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}/01-introduction/"
    server = subprocess.Popen([str(REPORT), "--root", str(root), "serve", "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    logs: list[str] = []
    try:
        _wait_served(url)
        yield url, logs
    finally:
        server.terminate()
        logs.append(server.communicate(timeout=30)[1])


def test_a_broken_save_shows_over_the_last_good_page(make_tree, tmp_path):
    need_chromium()
    root = make_tree("constructs")
    chapter = root / "chapters" / "01-introduction.md"
    good = chapter.read_text(encoding="utf-8")
    with _serving(root) as (url, logs), chromium() as browser:
        page = browser.new_page()
        page.goto(url)
        assert page.locator(f"#{OVERLAY_ID}").count() == 0
        assert "modern slavery" in page.inner_text("main")

        line = good.count("\n") + 2
        chapter.write_text(good + "\nSee @rec-nowhere for the rest.\n", encoding="utf-8")
        panel = page.wait_for_selector(f"#{OVERLAY_ID}", timeout=30_000)  # reloads itself
        text = panel.inner_text()
        assert f"chapters/01-introduction.md:{line}" in text
        assert "rec-nowhere" in text
        assert "modern slavery" in page.inner_text("main")  # the last good page beneath
        assert "rest." not in page.inner_text("main")
        page.screenshot(path=str(tmp_path / "overlay.png"))

        chapter.write_text(good + "\nMarmalade sandwiches were served.\n", encoding="utf-8")
        page.wait_for_selector(f"#{OVERLAY_ID}", state="detached", timeout=30_000)
        page.wait_for_function("document.body.innerText.includes('Marmalade sandwiches')",
                               timeout=30_000)
    assert "not rebuilt" in logs[0]


def test_a_save_swaps_the_content_in_place_unless_the_frame_changed(make_tree):
    """A save that changes only the chapter's text is shown without reloading the page
    (its stylesheets, scripts and fonts are not fetched again); one that changes the
    table of contents reloads it, so the navigation is never stale."""
    need_chromium()
    root = make_tree("constructs")
    chapter = root / "chapters" / "01-introduction.md"
    good = chapter.read_text(encoding="utf-8")
    with _serving(root) as (url, _), chromium() as browser:
        page = browser.new_page()
        page.goto(url, wait_until="load")
        # The first save of a clean tree turns the draft stamp (in the page's header)
        # to "commit+": a new frame, the page reloads.
        chapter.write_text(good + "\nMarmalade sandwiches were served.\n", encoding="utf-8")
        page.wait_for_function("document.body.innerText.includes('Marmalade sandwiches')",
                               timeout=30_000)
        page.wait_for_load_state("load")
        page.evaluate("window.reportNotReloaded = true")
        chapter.write_text(good + "\nCrumpets were served.\n", encoding="utf-8")
        page.wait_for_function("document.body.innerText.includes('Crumpets')",
                               timeout=30_000)
        assert page.evaluate("window.reportNotReloaded === true")  # swapped in place
        assert "Marmalade" not in page.inner_text("main")
        assert "modern slavery" in page.inner_text("main")

        chapter.write_text(good + "\n## Tea and biscuits\n\nServed at four.\n",
                           encoding="utf-8")
        page.wait_for_function("document.body.innerText.includes('Served at four')",
                               timeout=30_000)
        assert page.evaluate("window.reportNotReloaded === undefined")  # reloaded
        assert "Tea and biscuits" in page.inner_text("nav.md-nav--secondary")
