# Two commands of the contract: `make report` and `make test`.
# Everything the tests need is installed here, so a fresh machine needs nothing by hand.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
APT_PACKAGES := chromium epubcheck poppler-utils libgs-common shellcheck \
		libreoffice-writer-nogui libreoffice-calc-nogui icc-profiles-free argyll
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: report test lint system venv clean bench bench-scale print-profile
PROFILES := report/styles/icc/FOGRA39L.icc report/styles/icc/FOGRA29L.icc

venv: $(STAMP) print-profile

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

# Debian packages for the accessibility checks and their tests (Chromium for axe-core,
# epubcheck, poppler-utils): `report check --built` and `report release` need them, so
# `make report` installs them too. LibreOffice renders the Word edition as readers without
# Word see it, in the tests.
system:
	@if command -v chromium >/dev/null && command -v epubcheck >/dev/null && command -v pdftotext >/dev/null && command -v shellcheck >/dev/null && command -v soffice >/dev/null && [ -f /usr/share/color/icc/ghostscript/default_cmyk.icc ] && [ -f /usr/share/color/icc/FOGRA39L.ti3 ] && [ -f /usr/share/color/icc/FOGRA29L.ti3 ] && command -v colprof >/dev/null; then :; \
	else $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(APT_PACKAGES) >/dev/null; fi

$(NODE_STAMP): package.json
	npm install --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@

# The print edition's default output intents (PDF/X-4): FOGRA39 (coated offset: the cover,
# coated text paper) and FOGRA29 (uncoated offset), profiles built with ArgyllCMS from the
# characterisation data in Debian's icc-profiles-free (zlib licence). Built, not shipped;
# without colprof the print PDF is simply not PDF/X.
print-profile: $(PROFILES)
report/styles/icc/%.icc:
	@if command -v colprof >/dev/null && [ -f /usr/share/color/icc/$*.ti3 ]; then \
	  tmp=$$(mktemp -d) && cp /usr/share/color/icc/$*.ti3 $$tmp/ && \
	  (cd $$tmp && colprof -ql -D "$* (ArgyllCMS, from the $* characterisation data)" -C "Characterisation data: FOGRA, zlib licence (icc-profiles-free)" $* >/dev/null) && \
	  mkdir -p $(@D) && mv $$tmp/$*.icc $@ && rm -rf $$tmp; \
	else echo "note: colprof or $*.ti3 missing (apt-get install argyll icc-profiles-free): the print PDF will not be PDF/X-4"; fi

# Every user's set-up: the toolkit, Chromium, epubcheck and axe-core, the print profiles,
# then every edition.
report: $(STAMP) system $(NODE_STAMP) print-profile
	$(BIN)/report build

lint: $(STAMP)
	$(BIN)/ruff check report tests scripts

test: $(STAMP) system print-profile $(NODE_STAMP) lint
	$(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/python scripts/bench.py --pairs 3

bench-scale: $(STAMP)
	$(BIN)/python scripts/bench_scale.py --pairs 3

clean:
	rm -rf build $(VENV) node_modules
