# Conveyor developer entry points. `make help` lists them.
# Shell logic lives in scripts/*.sh; CI runs .ci/run, which calls `make test`.

.DEFAULT_GOAL := help
.PHONY: help dev test typecheck build bench clean

# Extra arguments for vitest or `conveyor dev`, e.g. make test ARGS=test/integration/redis-server-process.test.ts, make dev ARGS=--web
ARGS ?=

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z][a-zA-Z_-]*:.*## / {printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

dev: ## Install deps if needed, build, then `conveyor dev`: make Redis reachable, report status, open the desktop app (web mode and its URL without Electron or a display)
	@scripts/ensure.sh node-modules
	npm run build
	node out/main/cli.js dev $(ARGS)

test: ## Install redis-server, Chromium and node_modules if missing, build, run all tests (vitest starts its own Redis), print "N passed, N failed"
	@scripts/ensure.sh redis chromium node-modules
	@scripts/test.sh $(ARGS)

typecheck: ## Type-check main/shared/tests (tsconfig.node.json) and the renderer (tsconfig.web.json)
	@scripts/ensure.sh node-modules
	npm run typecheck

build: ## Build main (index.js, cli.js), preload and renderer into out/
	@scripts/ensure.sh node-modules
	npm run build

bench: ## Run the queue benchmark (needs redis-server)
	@scripts/ensure.sh redis node-modules
	npm run bench

clean: ## Remove build output, test reports and tsc caches (keeps node_modules and .data/)
	rm -rf out test-results playwright-report coverage node_modules/.cache/tsc
