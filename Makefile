# Two entry points: `make demo` and `make test`. Each creates .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO := data/demo
OUT := out/demo

.PHONY: demo solve test install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/planner validate $(DEMO)
	$(BIN)/planner solve $(DEMO) --out $(OUT); status=$$?; [ $$status -eq 0 ] || [ $$status -eq 3 ]

test: $(STAMP)
	bash scripts/install-browser.sh
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) out test-output
