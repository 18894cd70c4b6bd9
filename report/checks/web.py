"""Accessibility of the built web edition: axe-core in a real Chromium, every page.

The web edition is the one most readers use, and the public-sector regulations ask for
WCAG 2.2 AA. The site is served from 127.0.0.1 and loaded in Debian's Chromium (never a
downloaded browser) through Playwright; axe-core runs on each page with the WCAG 2.x A
and AA rules, and every request a page makes is recorded: a request to any other host
is a finding too (a report on child exploitation must not tell third parties who reads
it). Where Chromium, Playwright or axe-core is missing, the check says it did not run.

Codes: A11Y040 axe violation, A11Y041 request to another host, A11Y049 not checked.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from report.checks.findings import Finding

PACKAGE = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# No sandbox (CI runs as root), and none of Chromium's own calls home: every request is
# recorded and the machine may have no network.
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-default-apps", "--disable-extensions"]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


def axe_script() -> Path | None:
    """axe-core's script: ``REPORT_AXE``, or node_modules beside the toolkit or the tree."""
    candidates = [os.environ.get("REPORT_AXE"),
                  PACKAGE.parent / "node_modules" / "axe-core" / "axe.min.js",
                  Path.cwd() / "node_modules" / "axe-core" / "axe.min.js"]
    return next((Path(c) for c in candidates if c and Path(c).is_file()), None)


def chromium_executable() -> str | None:
    return str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args) -> None:  # noqa: A002 - the stdlib's name
        pass


@contextlib.contextmanager
def serve_site(site: Path) -> Iterator[str]:
    """Serve ``site`` on a free port of 127.0.0.1; yield its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    """A headless Chromium browser (Playwright's sync API)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_executable(),
                                             args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def html_pages(site: Path) -> list[str]:
    """Every HTML page of the site, as URL paths relative to its root."""
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))


def run_axe(page, axe: Path | None = None) -> list[dict]:
    """Inject axe-core into the loaded page and return its violations (WCAG 2.x A/AA)."""
    page.add_script_tag(path=str(axe or axe_script()))
    return page.evaluate(
        """async (tags) => {
             const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
             return result.violations.map(v => ({
               id: v.id, help: v.help,
               nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ': ' + n.failureSummary)
             }));
           }""",
        AXE_TAGS,
    )


def web_findings(site: Path, shown: str) -> list[Finding]:
    """axe-core violations and requests to other hosts, on every page of ``site``."""
    axe = axe_script()
    missing = [what for what, ok in (("Chromium", chromium_executable()), ("axe-core", axe))
               if not ok]
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing.append("Playwright")
    if missing:
        return [Finding(shown, 1, 1, "A11Y049", "warning",
                        f"web edition not checked: {', '.join(missing)} not installed",
                        "make report installs them; or set REPORT_AXE to axe.min.js")]
    findings: list[Finding] = []
    with serve_site(site) as base, chromium() as browser:
        page = browser.new_page()
        requests: list[tuple[str, str]] = []
        page.on("request", lambda request: requests.append((current[0], request.url)))
        current = [""]
        for rel in html_pages(site):
            current[0] = rel
            page.goto(base + rel, wait_until="load")
            for violation in run_axe(page, axe):
                where = "; ".join(violation["nodes"])
                findings.append(Finding(f"{shown}/{rel}", 1, 1, "A11Y040", "error",
                                        f"axe {violation['id']}: {violation['help']} ({where})"))
        for rel, url in requests:
            parts = urlsplit(url)
            if parts.scheme in ("http", "https", "ws", "wss") and \
                    parts.hostname not in LOCAL_HOSTS:
                findings.append(Finding(f"{shown}/{rel}", 1, 1, "A11Y041", "error",
                                        f"the page requests another host: {url}",
                                        "self-host it: no CDN, fonts or analytics"))
    return findings
