# Two commands: `make run` (the application with its sample data, on SQLite) and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# English pages: the catalog compiled for Flask-Babel (Thai is the source language)
PO     := saraban/translations/en/LC_MESSAGES/messages.po
MO     := $(PO:.po=.mo)
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test lint serve clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/pybabel compile -d saraban/translations
	touch $(STAMP)

$(MO): $(PO) | $(STAMP)
	$(BIN)/pybabel compile -d saraban/translations

run: $(STAMP) $(MO)
	SARABAN_ENV=development $(BIN)/saraban db upgrade
	SARABAN_ENV=development $(BIN)/saraban load-samples
	@echo "Saraban: http://$(HOST):$(PORT)/"
	SARABAN_ENV=development $(BIN)/saraban run --host $(HOST) --port $(PORT)

test: $(STAMP) $(MO)
	$(BIN)/ruff check saraban tests bench
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check saraban tests bench

clean:
	rm -rf $(VENV) instance .pytest_cache
