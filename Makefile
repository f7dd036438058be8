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

.PHONY: book test setup font bench clean

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

test: setup
	$(VENV)/bin/pytest -n $(JOBS) tests
	OMP_NUM_THREADS=1 $(VENV)/bin/pytest -n $(JOBS) --nbmake --nbmake-timeout=600 book/en book/zh

bench: setup
	$(PY) scripts/benchmark.py

clean:
	rm -rf _build
