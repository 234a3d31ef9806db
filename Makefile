# ModularData: one Makefile for a fresh machine. `make run` starts everything and runs the demo;
# `make test` installs what is missing, starts the infrastructure, runs every test tier and
# stops what it started.

SHELL := /bin/bash
.DEFAULT_GOAL := help
RUN_DIR ?= $(CURDIR)/.run
export MODULARDATA_RUN_DIR := $(RUN_DIR)
# The local API key: taken from the environment, else generated once and kept in the run folder.
API_KEY_FILE := $(RUN_DIR)/api-key
export UV_PYTHON_DOWNLOADS := never
UV := python3 -m uv
PYTEST_ARGS ?=

.PHONY: help deps infra-up infra-down up run down test test-unit test-integration lint postman images clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-17s %s\n", $$1, $$2}'

deps: ## install what is missing: uv, Java, Maven, Node.js + newman, the Python workspace
	@bash deploy/local/deps.sh
	@$(UV) sync --all-packages --locked --quiet

infra-up: deps ## start Kafka and PostgreSQL (idempotent, waits until ready)
	@bash deploy/local/infra.sh up

infra-down: ## stop Kafka and PostgreSQL
	@bash deploy/local/infra.sh down

$(API_KEY_FILE):
	@mkdir -p $(RUN_DIR) && $(UV) run --quiet python -c "import secrets; print('md_' + secrets.token_urlsafe(24))" > $@

up: infra-up $(API_KEY_FILE) ## start infrastructure and every service in the background
	@MODULARDATA_API_KEY=$${MODULARDATA_API_KEY:-$$(cat $(API_KEY_FILE))} bash deploy/local/services.sh up

run: up ## `make up`, then the demo: create a session, upload examples/customers.csv, print history
	@key=$${MODULARDATA_API_KEY:-$$(cat $(API_KEY_FILE))}; \
	echo "API key: $$key"; \
	$(UV) run --quiet python examples/demo.py --key "$$key" \
		--url "http://$${MODULARDATA_GATEWAY_HOST:-127.0.0.1}:$${MODULARDATA_GATEWAY_PORT:-8000}"

down: ## stop the services and the infrastructure
	@bash deploy/local/services.sh down
	@bash deploy/local/infra.sh down

test: deps ## unit + integration tests on real Kafka and PostgreSQL; stops what it started
	@bash deploy/local/with-infra.sh $(UV) run pytest libs services tests $(PYTEST_ARGS)

test-unit: deps ## the unit tier only (still needs PostgreSQL for the event-store tests)
	@bash deploy/local/with-infra.sh $(UV) run pytest libs services $(PYTEST_ARGS)

lint: deps ## ruff + mypy
	@$(UV) run ruff check .
	@$(UV) run ruff format --check .
	@$(UV) run mypy libs services tests conftest.py bench examples postman

postman: ## write postman/modulardata.postman_collection.json from the gateway's OpenAPI document
	@$(UV) run python postman/build_collection.py

images: ## build one container image per service (docker, else podman + debootstrap) and print sizes
	@bash deploy/images/build.sh

clean: down ## stop everything and delete the run folder (data, logs, jars)
	@bash deploy/local/infra.sh clean
	@rm -rf $(RUN_DIR)
