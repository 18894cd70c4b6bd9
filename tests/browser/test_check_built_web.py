"""`report check --built` runs axe-core on the built web edition, in Chromium."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from site_server import need_chromium

from report.checks.web import web_findings
from tests.conftest import TREES, build_tree, commit_all

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    need_chromium()
    root = tmp_path_factory.mktemp("check-web") / "constructs"
    shutil.copytree(TREES / "constructs", root, ignore=shutil.ignore_patterns("build"))
    commit_all(root)
    build_tree(root, "web", "digital")
    return root


def test_the_built_site_has_no_finding(site: Path, run_report) -> None:
    result = run_report(site, "check", "--built", "--format", "json")
    findings = json.loads(result.stdout)
    assert not [f for f in findings if f["code"].startswith("A11Y04")], findings


def test_a_page_failing_axe_and_calling_a_cdn_is_found(site: Path, tmp_path: Path) -> None:
    broken = tmp_path / "site"
    shutil.copytree(site / "build" / "site", broken)
    page = broken / "01-introduction" / "index.html"
    page.write_text(page.read_text().replace(
        "</body>", '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
        '<script src="https://cdn.example.org/lib.js"></script></body>'))
    findings = web_findings(broken, "build/site")
    codes = {(f.code, f.path) for f in findings}
    assert ("A11Y040", "build/site/01-introduction/index.html") in codes  # image-alt
    assert ("A11Y041", "build/site/01-introduction/index.html") in codes
    assert any("image-alt" in f.message for f in findings)
