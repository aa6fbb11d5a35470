# The commands the README gives, for those who prefer make.
.PHONY: server test lint format assets

server:
	script/server

test:
	script/test

lint:
	.venv/bin/ruff check .

format:
	.venv/bin/ruff format .

assets:
	script/build-assets
