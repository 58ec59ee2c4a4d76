# The two commands of the README, and the helpers behind them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

.PHONY: install demo test test-fast redis compose-check clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

# Command one: install everything and run the demo (Ctrl-C stops it).
demo: install
	$(BIN)/bng-magento demo $(DEMO_ARGS)

# Command two: install everything and run the whole test suite.
test: install redis compose-check
	$(BIN)/pytest -q $(PYTEST_ARGS)

# Tests need a real Redis; start one if nothing answers on 6379.
redis:
	@$(BIN)/python -c "import redis,sys; redis.Redis(socket_connect_timeout=1).ping()" 2>/dev/null \
	  || redis-server --daemonize yes --port 6379 --save '' --appendonly no

# docker-compose.yml is validated by Debian's docker-compose (no engine needed).
compose-check:
	@command -v docker-compose >/dev/null 2>&1 || \
	  { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null; }
	MAGENTO_WEBHOOK_SECRET=check BNG_WEBHOOK_SECRET=check POSTGRES_PASSWORD=check FLOWER_PASSWORD=check \
	  docker-compose -f docker-compose.yml config -q

clean:
	rm -rf $(VENV) var .pytest_cache
