# Two entry points: `make demo` and `make test`. Each creates .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO := data/demo
OUT := out/demo

.PHONY: demo pipeline test install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: pipeline
	$(BIN)/streamlit run app.py --server.headless true

# The command-line pipeline alone: validate, requirements, solve and export the demo.
pipeline: $(STAMP)
	mkdir -p $(OUT)
	$(BIN)/planner validate $(DEMO)
	$(BIN)/planner requirements $(DEMO) --out $(OUT)/requirements.csv
	$(BIN)/planner solve $(DEMO) --out $(OUT); status=$$?; [ $$status -eq 0 ] || [ $$status -eq 3 ]
	$(BIN)/planner export $(OUT) --scenario $(DEMO) --xlsx $(OUT)/roster.xlsx --ics-dir $(OUT)/calendars

test: $(STAMP)
	bash scripts/install-browser.sh
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) out test-output
