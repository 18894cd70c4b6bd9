"""The web edition in a real browser: WCAG 2.2 AA (axe-core), privacy, keyboard, language.

Debian's Chromium, driven by Playwright, loads every page of a built site served from
127.0.0.1. The constructs tree has every construct of a chapter once; the bundled report
is checked too when its session build is available.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import git
import pytest
from click.testing import CliRunner
from site_server import (
    LOCAL_HOSTS,
    chromium,
    html_pages,
    need_chromium,
    run_axe,
    serve_site,
)

from report.cli import main

TREES = Path(__file__).resolve().parents[1] / "trees"

pytestmark = pytest.mark.browser


def _built_site(root: Path) -> Path:
    repo = git.Repo.init(root)
    with repo.config_writer() as config:
        config.set_value("user", "name", "Test Author")
        config.set_value("user", "email", "author@example.org")
    repo.git.add(A=True)
    repo.git.commit(m="tree")
    result = CliRunner().invoke(main, ["--root", str(root), "build", "web"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return root / "build" / "site"


# A table wider than a phone, so the signposting of tables that scroll is exercised.
WIDE_TABLE = "\n\n" + "\n".join([
    "| Agency | Referrals in 2019 | Referrals in 2020 | Share exploited as children "
    "| Main form of exploitation | Source of the figures |",
    "|---|---|---|---|---|---|",
    "| Local authority children's services | 1,234 | 2,345 | 47 per cent "
    "| Criminal exploitation, including county lines "
    "| Home Office statistics, end of year summary |",
    "",
    ": Referrals by agency, wide enough to scroll on a phone {#tbl-wide}",
]) + "\n"

# A chart drawn for a wide page: 12-unit labels on an 800-unit width would be 5 px on a phone.
WIDE_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="800" height="120" viewBox="0 0 800 120" '
    'role="img"><title>Referrals by quarter</title>'
    '<rect x="10" y="10" width="700" height="40" fill="#1d4e89"/>'
    '<text x="10" y="80" font-size="12">Quarter 1: 2,511 referrals</text>'
    '<text x="500" y="80" font-size="16">Quarter 4: 2,926</text></svg>')
WIDE_FIGURE = ("\n![Referrals by quarter.](images/wide.svg){#fig-wide fig-alt=\"Bar chart: "
               "2,511 referrals in the first quarter and 2,926 in the fourth.\"}\n")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("web-browser") / "constructs"
    shutil.copytree(TREES / "constructs", root, ignore=shutil.ignore_patterns("build"))
    practice = root / "chapters" / "02-practice.md"
    practice.write_text(practice.read_text() + WIDE_TABLE + WIDE_FIGURE)
    (root / "chapters" / "images" / "wide.svg").write_text(WIDE_SVG)
    return _built_site(root)


@pytest.fixture(scope="module")
def browser():
    need_chromium()
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def served(site: Path):
    with serve_site(site) as base:
        yield base


def _hosts(urls: list[str]) -> set[str]:
    return {urlsplit(url).hostname or "" for url in urls if urlsplit(url).scheme in
            ("http", "https", "ws", "wss")}


def _check_every_page(browser, base: str, site: Path) -> tuple[dict[str, list], list[str]]:
    """axe violations per page, and every URL any page requested."""
    violations: dict[str, list] = {}
    requests: list[str] = []
    page = browser.new_page()
    page.on("request", lambda request: requests.append(request.url))
    try:
        for rel in html_pages(site):
            page.goto(base + rel, wait_until="load")
            found = run_axe(page)
            if found:
                violations[rel] = found
    finally:
        page.close()
    return violations, requests


def test_axe_finds_no_violation_on_any_page(browser, served, site):
    pages = html_pages(site)
    assert len(pages) >= 8, pages  # six chapters, the title page, downloads, 404
    violations, requests = _check_every_page(browser, served, site)
    assert violations == {}
    assert _hosts(requests) <= LOCAL_HOSTS, sorted(u for u in requests
                                                   if urlsplit(u).hostname not in LOCAL_HOSTS)


def test_axe_on_a_phone_sized_screen(browser, served):
    """Material moves the navigation into a drawer on small screens: check that layout too."""
    page = browser.new_page(viewport={"width": 375, "height": 800})
    try:
        for rel in ("", "01-introduction/", "02-practice/", "summary/"):
            page.goto(served + rel, wait_until="load")
            assert run_axe(page) == [], rel
    finally:
        page.close()


# The smallest text of an SVG figure as drawn, in CSS pixels (font sizes from the SVG file,
# scaled by the image's drawn width over its viewBox width).
_FIGURE_TEXT = """async (img) => {
  const doc = new DOMParser().parseFromString(await (await fetch(img.src)).text(),
                                              "image/svg+xml");
  const root = doc.documentElement;
  const box = (root.getAttribute("viewBox") || "").split(/[ ,]+/).map(Number);
  const width = box.length === 4 ? box[2] : parseFloat(root.getAttribute("width"));
  let smallest = Infinity;
  for (const text of doc.getElementsByTagName("text")) {
    let node = text, size = null;
    while (node && node.nodeType === 1 && size === null) {
      const value = node.getAttribute("font-size");
      if (value) size = parseFloat(value);
      node = node.parentNode;
    }
    smallest = Math.min(smallest, size === null ? 16 : size);
  }
  return smallest * img.getBoundingClientRect().width / width;
}"""


def test_phone_layout_figures_legible_tables_signposted_no_page_scroll(browser, served, site):
    """At 390 px: no page scrolls sideways; figure text is at least 75% of the body text;
    every table scrolls in a focusable region that says so when it overflows."""
    page = browser.new_page(viewport={"width": 390, "height": 844})
    overflowing = 0
    try:
        for rel in html_pages(site):
            page.goto(served + rel, wait_until="load")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, (rel, width)
            body = page.evaluate(
                "parseFloat(getComputedStyle(document.querySelector('article p')"
                " || document.body).fontSize)")
            for img in page.locator("article figure img[src$='.svg']").all():
                drawn = img.evaluate(_FIGURE_TEXT)
                assert drawn >= 0.75 * body - 0.01, (rel, drawn, body)
            for table in page.locator("article table").all():
                state = table.evaluate(
                    """t => { const r = t.closest('.report-scroll');
                       if (!r) return null;
                       const hint = getComputedStyle(r, '::before');
                       return {overflow: getComputedStyle(r).overflowX, tabindex: r.tabIndex,
                               role: r.getAttribute('role'), label: r.getAttribute('aria-label'),
                               wider: r.scrollWidth > r.clientWidth,
                               hint: hint.display !== 'none'
                                     && hint.content.includes('scroll sideways')}; }""")
                assert state is not None, (rel, "a table outside a scrolling region")
                assert state["overflow"] in ("auto", "scroll") and state["tabindex"] == 0, state
                assert state["role"] == "region" and "scrolls sideways" in state["label"]
                assert state["hint"] == state["wider"], (rel, state)
                overflowing += state["wider"]
        assert overflowing, "the wide table did not overflow: the check above proved nothing"
    finally:
        page.close()


def test_sidebar_title_never_covers_a_navigation_item(browser, served):
    """On a wide screen whose sidebar scrolls, every navigation link in view can be hit
    (the report's title, often two lines, used to stick over the first items).

    In view: inside the sidebar's scrolling box and inside the window. Until Material's
    script has fitted the sidebar to the window, the box can reach below it, where
    ``elementFromPoint`` finds nothing: a link there was once counted as covered (a CI
    run). The fonts and two frames are waited for, so the layout measured is the one
    shown."""
    page = browser.new_page(viewport={"width": 1280, "height": 420})
    try:
        page.goto(served + "02-practice/", wait_until="load")
        page.evaluate("document.fonts.ready.then(() => new Promise(done => "
                      "requestAnimationFrame(() => requestAnimationFrame(done))))")
        for offset in (0, 12, 24, 48):
            covered = page.evaluate(
                """offset => {
                  const wrap = document.querySelector(
                    '.md-sidebar--primary .md-sidebar__scrollwrap');
                  wrap.scrollTop = offset;
                  const box = wrap.getBoundingClientRect();
                  const hidden = [];
                  for (const a of wrap.querySelectorAll('.md-nav--primary a.md-nav__link')) {
                    const r = a.getBoundingClientRect();
                    if (r.height === 0 || r.top < Math.max(box.top, 0)
                        || r.bottom > Math.min(box.bottom, window.innerHeight)) continue;
                    const hit = document.elementFromPoint(r.left + 4, r.top + r.height / 2);
                    if (!a.contains(hit)) hidden.push(a.textContent.trim());
                  }
                  return hidden;
                }""", offset)
            assert covered == [], (offset, covered)
    finally:
        page.close()


def test_search_and_every_page_request_only_the_local_host(browser, served, site):
    requests: list[str] = []
    page = browser.new_page()
    page.on("request", lambda request: requests.append(request.url))
    try:
        page.goto(served + "02-practice/", wait_until="load")
        page.locator(".md-search__input").first.click()
        page.keyboard.type("guardian")  # material searches on key events, not on fill()
        page.wait_for_selector(".md-search-result__item", timeout=15000)
        results = page.inner_text(".md-search-result")
    finally:
        page.close()
    assert "guardian" in results.lower()
    assert any("search_index.json" in url for url in requests)  # the search did run
    assert any("/assets/report/fonts/" in url for url in requests)  # self-hosted font
    assert _hosts(requests) == {"127.0.0.1"}, requests


def test_keyboard_focus_is_visible(browser, served):
    page = browser.new_page()
    try:
        page.goto(served + "01-introduction/", wait_until="load")
        seen = []
        for _ in range(60):
            page.keyboard.press("Tab")
            state = page.evaluate(
                """() => { const e = document.activeElement; const s = getComputedStyle(e);
                   return {tag: e.tagName, inContent: !!e.closest('article'),
                           text: e.textContent.trim().slice(0, 40),
                           style: s.outlineStyle, width: parseFloat(s.outlineWidth)}; }""")
            seen.append(state)
            if state["tag"] == "A" and state["inContent"]:
                break
    finally:
        page.close()
    links = [s for s in seen if s["tag"] == "A"]
    assert links, seen
    assert links[-1]["inContent"], "Tab never reached a link in the chapter"
    for state in links:
        assert state["style"] not in ("none", "") and state["width"] >= 2, state


def test_language_alt_text_and_draft_stamp_on_every_page(browser, served, site):
    page = browser.new_page()
    try:
        for rel in html_pages(site):
            page.goto(served + rel, wait_until="load")
            assert page.evaluate("document.documentElement.lang") == "en-GB", rel
            missing = page.evaluate(
                "[...document.images].filter(i => !(i.getAttribute('alt') || '').trim())"
                ".map(i => i.src)")
            assert missing == [], (rel, missing)
            stamp = page.locator(".report-stamp")
            assert stamp.is_visible(), rel
            assert "Draft 1.2.0" in stamp.inner_text()
        page.goto(served + "02-practice/", wait_until="load")
        figure = page.locator("figure#fig-referrals img")
        assert figure.get_attribute("alt").startswith("Bar chart")
        assert page.evaluate("document.querySelector('figure#fig-referrals img').naturalWidth") > 0
    finally:
        page.close()


def test_cross_page_links_land_on_their_target(browser, served):
    page = browser.new_page()
    try:
        page.goto(served + "01-introduction/", wait_until="load")
        page.click("a.xref-recommendation")
        page.wait_for_url("**/02-practice/#rec-guardians")
        assert page.locator("#rec-guardians").is_visible()
        page.goto(served + "01-introduction/", wait_until="load")
        page.click("a[role=doc-biblioref] >> nth=0")
        page.wait_for_url("**/references/#ref-ilo2017global")
        assert "International Labour Organization" in page.inner_text("#ref-ilo2017global")
    finally:
        page.close()


@pytest.mark.bundled
def test_bundled_report_site_passes_axe_and_stays_local(browser, bundled_build):
    site = bundled_build / "build" / "site"
    assert site.is_dir()
    # every edition built after the web one is in its downloads too
    editions = json.loads((bundled_build / "build" / "manifest.json").read_text())["editions"]
    for name in ("digital", "docx", "epub"):
        built = bundled_build / editions[name]["path"]
        copy = site / "downloads" / built.name
        assert copy.read_bytes() == built.read_bytes(), copy
    with serve_site(site) as base:
        violations, requests = _check_every_page(browser, base, site)
    assert violations == {}
    assert _hosts(requests) <= LOCAL_HOSTS
