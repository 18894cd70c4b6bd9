# Two commands of the contract: `make report` and `make test`.
# Everything the tests need is installed here, so a fresh machine needs nothing by hand.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
APT_PACKAGES := chromium epubcheck poppler-utils libgs-common shellcheck libreoffice-writer-nogui
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: report test lint system venv clean bench bench-scale

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

# Debian packages for the browser, EPUB and Word tests (Chromium for axe-core, epubcheck,
# LibreOffice to render the Word edition as readers without Word see it).
system:
	@if command -v chromium >/dev/null && command -v epubcheck >/dev/null && command -v pdftotext >/dev/null && command -v shellcheck >/dev/null && command -v soffice >/dev/null && [ -f /usr/share/color/icc/ghostscript/default_cmyk.icc ]; then :; \
	else $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(APT_PACKAGES) >/dev/null; fi

$(NODE_STAMP): package.json
	npm install --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@

report: $(STAMP)
	$(BIN)/report build

lint: $(STAMP)
	$(BIN)/ruff check report tests scripts

test: $(STAMP) system $(NODE_STAMP) lint
	$(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/python scripts/bench.py

bench-scale: $(STAMP)
	$(BIN)/python scripts/bench_scale.py

clean:
	rm -rf build $(VENV) node_modules
