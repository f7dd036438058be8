# Two commands do everything on a fresh machine:
#   make book   build the HTML book (both languages, every chapter executed) into _build/html
#   make test   run ganlib's unit tests and execute every chapter in both languages (nbmake)
# Both create .venv, install requirements.txt and ganlib, and a CJK font where possible.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
JOBS   ?= 2
# progress bars are for people at a notebook, not for logs or the HTML book
export GANLIB_PROGRESS ?= 0
# the book's models are tiny: one torch thread per process is fastest, and far faster than
# several when another process competes for the cores (the book, the tests and the benchmark)
export OMP_NUM_THREADS ?= 1

.PHONY: book test setup font bench clean pdf browser

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -r requirements.txt
	$(PY) -m pip install --no-deps -e .
	touch $@

setup: $(STAMP) font

font:
	@bash scripts/install_cjk_font.sh

book: setup
	$(VENV)/bin/jupyter-book build . --builder html
	@echo "Open _build/html/index.html"

# Training outcomes depend on the CPU's rounding, so
# the tests marked training_outcome run a second time under another numeric path of this CPU
# (MKL's SSE4.2 kernels and ATEN's default, non-vectorised ones): a threshold that holds on one
# machine's arithmetic only fails here, not on a user's machine.
OTHER_PATH := MKL_ENABLE_INSTRUCTIONS=SSE4_2 ATEN_CPU_CAPABILITY=default

# The chapters are executed by nbmake in a copy of the book (_checked; nbmake skips _build), whose outputs are
# kept (--overwrite) and built into HTML without executing again; headless Chromium then opens
# every page (tests/browser_check.py: math, figures, players, language switch, search, offline).
CHECKED := _checked

test: setup browser
	$(VENV)/bin/pytest -n $(JOBS) tests
	$(OTHER_PATH) $(VENV)/bin/pytest -n $(JOBS) -m training_outcome tests
	rm -rf $(CHECKED) && mkdir -p $(CHECKED) && cp -r book _config.yml _toc.yml $(CHECKED)/
	$(VENV)/bin/pytest -n $(JOBS) --nbmake --nbmake-timeout=600 --overwrite $(CHECKED)/book/en $(CHECKED)/book/zh
	$(PY) scripts/build_checked_html.py $(CHECKED)
	GANLIB_HTML=$(CHECKED)/_build/html $(VENV)/bin/pytest -p no:cacheprovider tests/browser_check.py

browser:
	@bash scripts/install_browser.sh

bench: setup
	$(PY) scripts/benchmark.py

clean:
	rm -rf _build _checked

# One PDF per language (_build/pdf/executable-gans-en.pdf and -zh.pdf) with Jupyter Book's
# LaTeX builder and XeLaTeX; it reuses `make book`'s execution cache (run that first to execute
# nothing twice). TeX Live is installed with apt where the machine allows (scripts/install_tex.sh).
pdf: setup
	@bash scripts/install_tex.sh || { echo "make pdf: no TeX Live with XeLaTeX and xeCJK here (see above); no PDF built." >&2; exit 1; }
	$(PY) scripts/build_pdf.py
