# Vigie — the two promised commands are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DJANGO_SETTINGS_MODULE := vigie.settings

.PHONY: run test install lint typecheck migrations-check catalogs unit test-postgres test-browser bench messages compilemessages demo clean

$(STAMP): requirements.lock pyproject.toml agent/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e agent
	touch $(STAMP)

install: $(STAMP) compilemessages

compilemessages: $(STAMP)
	cd vigie && ../$(BIN)/python -m django compilemessages -v 0

## make run: install, migrate the embedded SQLite database, load the demo once, serve web + worker.
run: install
	$(BIN)/vigie migrate --noinput -v 0
	$(BIN)/vigie demo --if-empty
	$(BIN)/vigie serve

demo: install
	$(BIN)/vigie migrate --noinput -v 0
	$(BIN)/vigie demo --if-empty

## make test: everything CI checks on SQLite.
test: install lint typecheck migrations-check catalogs unit

lint: $(STAMP)
	$(BIN)/ruff check vigie tests bench scripts
	$(BIN)/ruff format --check vigie tests bench scripts

typecheck: $(STAMP)
	$(BIN)/mypy vigie

migrations-check: $(STAMP)
	VIGIE_DATA_DIR=$(CURDIR)/var/check $(BIN)/vigie makemigrations --check --dry-run

catalogs: $(STAMP)
	$(BIN)/python scripts/check_catalogs.py

unit: $(STAMP)
	VIGIE_DATA_DIR=$(CURDIR)/var/test $(BIN)/python -m pytest -m "not browser" -n 2 -q

## The same suite on PostgreSQL, with the worker on Redis.
test-postgres: install
	VIGIE_DATA_DIR=$(CURDIR)/var/test-pg VIGIE_DATABASE_URL=postgres://postgres@127.0.0.1:5432/vigie VIGIE_REDIS_URL=redis://127.0.0.1:6379/15 \
		$(BIN)/python -m pytest -m "not browser" -n 2 -q

test-browser: install
	VIGIE_DATA_DIR=$(CURDIR)/var/test-browser $(BIN)/python -m pytest -m browser -q -p no:xdist

bench: install
	$(BIN)/python -m bench

messages: $(STAMP)
	cd vigie && ../$(BIN)/python -m django makemessages -l fr -l en --no-obsolete --no-location

clean:
	rm -rf $(VENV) var
