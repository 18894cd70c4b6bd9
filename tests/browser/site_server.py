"""The browser tests drive the same code as `report check --built`: a site served on
127.0.0.1, Debian's Chromium through Playwright, axe-core from node_modules."""

from __future__ import annotations

import pytest

from report.checks.web import (  # noqa: F401 - re-exported for the tests
    AXE_TAGS,
    CHROMIUM_ARGS,
    LOCAL_HOSTS,
    axe_script,
    chromium,
    chromium_executable,
    html_pages,
    run_axe,
    serve_site,
)

AXE = axe_script()


def need_chromium() -> None:
    """Skip (with the reason) where Chromium or axe-core is not installed."""
    if not chromium_executable():
        pytest.skip("Chromium is not installed at /usr/bin/chromium (make system installs it)")
    if AXE is None:
        pytest.skip("axe-core is not installed: run `npm install` (make test does)")
