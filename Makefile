# The commands the README gives, for those who prefer make.
.PHONY: server test lint format assets lock

server:
	script/server

test:
	script/test

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

format:
	.venv/bin/ruff format .

assets:
	script/build-assets

# Re-resolve the lock files from pyproject.toml, keeping every pin that still fits (see the README).
PIP_COMPILE = .venv/bin/pip-compile --quiet --generate-hashes --strip-extras --no-emit-index-url --no-emit-find-links
lock:
	.venv/bin/python -m pip install -q pip-tools
	$(PIP_COMPILE) $(UPGRADE) --output-file requirements/main.txt pyproject.toml
	$(PIP_COMPILE) $(UPGRADE) --extra dev --constraint requirements/main.txt --output-file requirements/dev.txt pyproject.toml
	$(PIP_COMPILE) $(UPGRADE) --extra bench --constraint requirements/dev.txt --output-file requirements/bench.txt pyproject.toml
